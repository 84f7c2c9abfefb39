import { StringDecoder } from 'node:string_decoder';
import type { Config } from '../config.ts';
import { SseParser } from '../providers/sse.ts';
import { CHECK_FAILED, type CheckLine, postToServer, textOf } from './client.ts';
import { type CliIo, parse, UsageError } from './index.ts';

/**
 * `personakit refine --persona ID [--provider P] "text"` (or the text on stdin): a client of a running
 * server (PERSONAKIT_URL, PERSONAKIT_API_KEY) that streams the rewrite to stdout as it arrives. The
 * provider's key comes from PERSONAKIT_PROVIDER_API_KEY, never from an argument (process lists show
 * arguments). Failed checks go to stderr. Exit code 1 on any error, 3 when a check failed.
 */
export async function refineCommand(config: Config, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    persona: { type: 'string' },
    provider: { type: 'string', default: 'local' },
    model: { type: 'string' },
    temperature: { type: 'string' },
    'max-tokens': { type: 'string' },
    'base-url': { type: 'string' },
    enforce: { type: 'boolean', default: false },
  });
  const personaId = typeof values.persona === 'string' ? values.persona : '';
  if (!personaId) throw new UsageError('refine needs --persona ID');
  if (!config.PERSONAKIT_API_KEY)
    throw new UsageError('refine needs PERSONAKIT_API_KEY (a personakit API key)');
  const content = await textOf(positionals, io);
  if (!content.trim()) throw new UsageError('refine needs the text to refine, as arguments or on stdin');

  const provider = String(values.provider);
  const enforce = values.enforce === true;
  const body: Record<string, unknown> = { provider, personaId, content, stream: true, enforce };
  if (provider !== 'local' && config.PERSONAKIT_PROVIDER_API_KEY) {
    body.providerApiKey = config.PERSONAKIT_PROVIDER_API_KEY;
  }
  if (typeof values.model === 'string') body.model = values.model;
  if (typeof values.temperature === 'string') body.temperature = Number(values.temperature);
  if (typeof values['max-tokens'] === 'string') body.maxTokens = Number(values['max-tokens']);
  if (typeof values['base-url'] === 'string') body.baseUrl = values['base-url'];

  const res = await postToServer(config, '/v1/refine', body, io, 'text/event-stream');
  if (!res) return 1;

  let failed = false;
  // Our own server's `done` event carries the whole answer (bounded there), past the parser's default cap.
  let checkFailed = false;
  const parser = new SseParser((event, data) => {
    const payload = JSON.parse(data) as Record<string, unknown>;
    if (event === 'delta' && !enforce) io.stdout(String(payload.text ?? ''));
    else if (event === 'done') {
      // With enforce, deltas are the raw output: print only the repaired text.
      if (enforce) io.stdout(String(payload.response ?? ''));
      io.stdout('\n');
      const checks = Array.isArray(payload.checks) ? (payload.checks as CheckLine[]) : [];
      for (const c of checks) {
        if (c.passed === true) continue;
        checkFailed = true;
        io.stderr(`check failed: ${String(c.rule)}: ${String(c.detail)}\n`);
      }
    } else if (event === 'error') {
      io.stderr(`\npersonakit: ${String(payload.message)} (${String(payload.error)})\n`);
      failed = true;
    }
  }, Number.MAX_SAFE_INTEGER);
  // Decoded here: the body yields Buffers even after setEncoding (the parser takes text, split anywhere).
  const decoder = new StringDecoder('utf8');
  for await (const chunk of res.body) parser.push(decoder.write(chunk as Buffer));
  return failed ? 1 : checkFailed ? CHECK_FAILED : 0;
}
