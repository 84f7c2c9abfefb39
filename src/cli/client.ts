import type { Dispatcher } from 'undici';
import type { Config } from '../config.ts';
import { loadUndici } from '../net/lazy-pool.ts';
import type { CliIo } from './index.ts';

/** Exit code when the request worked but a persona check failed (CI can tell it from an error, 1). */
export const CHECK_FAILED = 3;

/**
 * A POST to the running server. Undefined when it cannot be reached (already reported on stderr);
 * a non-2xx answer is reported too, and comes back as null.
 */
export async function postToServer(
  config: Config,
  path: string,
  body: unknown,
  io: CliIo,
  accept = 'application/json',
): Promise<Dispatcher.ResponseData | null> {
  const url = `${config.PERSONAKIT_URL.replace(/\/+$/, '')}${path}`;
  let res: Dispatcher.ResponseData;
  try {
    const { request } = await loadUndici();
    res = await request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${config.PERSONAKIT_API_KEY}`,
        'content-type': 'application/json',
        accept,
      },
      body: JSON.stringify(body),
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    io.stderr(`personakit: cannot reach ${url} (${why}); is the server running? (PERSONAKIT_URL)\n`);
    return null;
  }
  if (res.statusCode !== 200) {
    io.stderr(`personakit: ${messageOf(await res.body.text())} (HTTP ${res.statusCode})\n`);
    return null;
  }
  return res;
}

export function messageOf(text: string): string {
  try {
    const json = JSON.parse(text) as { message?: unknown };
    if (typeof json.message === 'string') return json.message;
  } catch {
    // not JSON: show the start of it below
  }
  return text.slice(0, 200) || 'request failed';
}

/** The text to work on: the positional arguments, else stdin (empty when stdin is a terminal). */
export async function textOf(positionals: string[], io: CliIo): Promise<string> {
  if (positionals.length > 0) return positionals.join(' ');
  if (io.stdin.isTTY) return '';
  let text = '';
  io.stdin.setEncoding('utf8');
  for await (const chunk of io.stdin) text += chunk as string;
  return text.replace(/\n$/, '');
}

export interface CheckLine {
  rule?: unknown;
  passed?: unknown;
  detail?: unknown;
}
