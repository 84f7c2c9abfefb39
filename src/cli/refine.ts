import { StringDecoder } from 'node:string_decoder';
import type { Dispatcher } from 'undici';
import type { Config } from '../config.ts';
import { loadUndici } from '../net/lazy-pool.ts';
import { SseParser } from '../providers/sse.ts';
import { type CliIo, parse, UsageError } from './index.ts';

/**
 * `personakit refine --persona ID [--provider P] "text"` (or the text on stdin): a client of a running
 * server (PERSONAKIT_URL, PERSONAKIT_API_KEY) that streams the rewrite to stdout as it arrives. The
 * provider's key comes from PERSONAKIT_PROVIDER_API_KEY, never from an argument (process lists show
 * arguments). Failed checks go to stderr; the exit code is 1 on any error.
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
  const content = positionals.length > 0 ? positionals.join(' ') : await readStdin(io);
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

  const url = `${config.PERSONAKIT_URL.replace(/\/+$/, '')}/v1/refine`;
  let res: Dispatcher.ResponseData;
  try {
    const { request } = await loadUndici();
    res = await request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${config.PERSONAKIT_API_KEY}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: JSON.stringify(body),
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    io.stderr(`personakit: cannot reach ${url} (${why}); is the server running? (PERSONAKIT_URL)\n`);
    return 1;
  }
  if (res.statusCode !== 200) {
    io.stderr(`personakit: ${messageOf(await res.body.text())} (HTTP ${res.statusCode})\n`);
    return 1;
  }

  let failed = false;
  // Our own server's `done` event carries the whole answer (bounded there), past the parser's default cap.
  const parser = new SseParser((event, data) => {
    const payload = JSON.parse(data) as Record<string, unknown>;
    if (event === 'delta' && !enforce) io.stdout(String(payload.text ?? ''));
    else if (event === 'done') {
      // With enforce, deltas are the raw output: print only the repaired text.
      if (enforce) io.stdout(String(payload.response ?? ''));
      io.stdout('\n');
      const checks = Array.isArray(payload.checks) ? (payload.checks as Record<string, unknown>[]) : [];
      for (const c of checks) if (c.passed === false) io.stderr(`check failed: ${c.rule}: ${c.detail}\n`);
    } else if (event === 'error') {
      io.stderr(`\npersonakit: ${String(payload.message)} (${String(payload.error)})\n`);
      failed = true;
    }
  }, Number.MAX_SAFE_INTEGER);
  // Decoded here: the body yields Buffers even after setEncoding (the parser takes text, split anywhere).
  const decoder = new StringDecoder('utf8');
  for await (const chunk of res.body) parser.push(decoder.write(chunk as Buffer));
  return failed ? 1 : 0;
}

function messageOf(text: string): string {
  try {
    const json = JSON.parse(text) as { message?: unknown };
    if (typeof json.message === 'string') return json.message;
  } catch {
    // not JSON: show the start of it below
  }
  return text.slice(0, 200) || 'request failed';
}

async function readStdin(io: CliIo): Promise<string> {
  if (io.stdin.isTTY) return '';
  let text = '';
  io.stdin.setEncoding('utf8');
  for await (const chunk of io.stdin) text += chunk as string;
  return text.replace(/\n$/, '');
}
