import { errorStatus } from '../../src/core/errors.ts';

/**
 * One checker per surface for the documented error body, so any error a test provokes (however odd the
 * request) can be held to its surface's contract. Each returns a problem description, or undefined.
 */
export type Surface = 'v1' | 'v2' | 'suno' | 'openai';

/** Which surface (and so which error shape) answers a path; unknown paths answer in the /v1 shape. */
export function surfaceOf(path: string): Surface {
  // As the server sees it: dot segments (also `%2e%2e`) are resolved by the URL parser first.
  const p = new URL(path.split('?')[0] ?? '', 'http://x').pathname;
  if (p === '/v2' || p.startsWith('/v2/')) return 'v2';
  if (p === '/suno' || p.startsWith('/suno/')) return 'suno';
  if (p.startsWith('/v1/chat/') || p === '/v1/models' || p.startsWith('/v1/models/')) return 'openai';
  return 'v1';
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const keysAre = (body: Record<string, unknown>, ...keys: string[]) =>
  JSON.stringify(Object.keys(body).sort()) === JSON.stringify([...keys].sort());

/** OpenGiant: `{"error": <the HTTP status>, "message": "..."}`, nothing else. */
export function openGiantProblem(status: number, body: unknown): string | undefined {
  if (!isObject(body) || !keysAre(body, 'error', 'message')) return 'not {error, message}';
  if (body.error !== status) return `error ${String(body.error)} is not the status ${status}`;
  if (typeof body.message !== 'string' || body.message === '') return 'message is not a non-empty string';
  return undefined;
}

/** Tavus: 400 `{"error": "..."}`, 401 `{"message": "Invalid access token"}`, other `{"message": "..."}`. */
export function tavusProblem(status: number, body: unknown, path = ''): string | undefined {
  if (!isObject(body)) return 'not an object';
  // The documents routes word their 409 (recrawl) and 429 (crawl limits) as `{"error"}` too.
  const errorKeyed =
    status === 400 || (path.startsWith('/v2/documents') && (status === 409 || status === 429));
  if (errorKeyed) {
    if (!keysAre(body, 'error') || typeof body.error !== 'string' || body.error === '') return 'not {error}';
    return undefined;
  }
  if (!keysAre(body, 'message') || typeof body.message !== 'string' || body.message === '')
    return 'not {message}';
  if (status === 401 && body.message !== 'Invalid access token') return '401 message differs from Tavus';
  return undefined;
}

const sunoCodes = new Set(Object.keys(errorStatus));

/** Suno: `{"code": <the HTTP status>, "msg": "...", "error": "<reason>", "field"?: "..."}`. */
export function sunoProblem(status: number, body: unknown): string | undefined {
  if (!isObject(body)) return 'not an object';
  const keys = Object.keys(body).sort();
  const expected = 'field' in body ? ['code', 'error', 'field', 'msg'] : ['code', 'error', 'msg'];
  if (JSON.stringify(keys) !== JSON.stringify(expected)) return `keys ${keys.join(',')}`;
  if (body.code !== status) return `code ${String(body.code)} is not the status ${status}`;
  if (typeof body.msg !== 'string' || body.msg === '') return 'msg is not a non-empty string';
  if (typeof body.error !== 'string' || !sunoCodes.has(body.error))
    return `unknown error ${String(body.error)}`;
  if (errorStatus[body.error as keyof typeof errorStatus] !== status)
    return 'error does not match the status';
  if ('field' in body && (typeof body.field !== 'string' || body.field === ''))
    return 'field is not a string';
  return undefined;
}

/** OpenAI: `{"error": {"message", "type", "param", "code"}}`, nothing else; param and code may be null. */
export function openAiProblem(body: unknown): string | undefined {
  if (!isObject(body) || !keysAre(body, 'error') || !isObject(body.error)) return 'not {error: {...}}';
  const e = body.error;
  if (!keysAre(e, 'message', 'type', 'param', 'code')) return 'error is not {message, type, param, code}';
  if (typeof e.message !== 'string' || e.message === '') return 'message is not a non-empty string';
  if (typeof e.type !== 'string' || e.type === '') return 'type is not a non-empty string';
  if (e.param !== null && typeof e.param !== 'string') return 'param is not a string or null';
  if (e.code !== null && typeof e.code !== 'string') return 'code is not a string or null';
  return undefined;
}

/** The problem with an error reply of `path`, judged by its surface's documented shape. */
export function errorShapeProblem(
  path: string,
  status: number,
  contentType: string | null,
  text: string,
): string | undefined {
  if (!contentType?.startsWith('application/json')) return `content-type ${contentType}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'body is not JSON';
  }
  const surface = surfaceOf(path);
  if (surface === 'v2') return tavusProblem(status, body, path);
  if (surface === 'suno') return sunoProblem(status, body);
  if (surface === 'openai') return openAiProblem(body);
  return openGiantProblem(status, body);
}
