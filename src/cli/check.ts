import type { Config } from '../config.ts';
import { CHECK_FAILED, type CheckLine, postToServer, textOf } from './client.ts';
import { type CliIo, parse, UsageError } from './index.ts';

/**
 * `personakit check --persona ID "text"` (or the text on stdin): the persona's checks on a text, through
 * a running server's POST /v1/check. For CI: exit code 3 when a check fails, 1 when the request does.
 */
export async function checkCommand(config: Config, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    persona: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const personaId = typeof values.persona === 'string' ? values.persona : '';
  if (!personaId) throw new UsageError('check needs --persona ID');
  if (!config.PERSONAKIT_API_KEY)
    throw new UsageError('check needs PERSONAKIT_API_KEY (a personakit API key)');
  const content = await textOf(positionals, io);
  if (!content.trim()) throw new UsageError('check needs the text to check, as arguments or on stdin');

  const res = await postToServer(config, '/v1/check', { personaId, content }, io);
  if (!res) return 1;
  const text = await res.body.text();
  const answer = JSON.parse(text) as { passed?: unknown; checks?: unknown };
  if (values.json === true) io.stdout(`${text}\n`);
  else {
    const checks = Array.isArray(answer.checks) ? (answer.checks as CheckLine[]) : [];
    if (checks.length === 0) io.stdout('the persona sets no hard rule: nothing to check\n');
    for (const c of checks) {
      io.stdout(`${c.passed === true ? 'pass' : 'FAIL'}  ${String(c.rule)}: ${String(c.detail)}\n`);
    }
  }
  return answer.passed === true ? 0 : CHECK_FAILED;
}
