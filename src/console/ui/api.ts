/**
 * The console's one way to call the API: the tab's key as `Authorization: Bearer`, JSON in and out,
 * and every error turned into words a person can act on. Each surface words its errors in its vendor's
 * shape (OpenGiant `{error, message}`, Tavus `{error}` or `{message}`, OpenAI `{error: {message}}`,
 * Suno `{code, msg}`); `errorMessage` reads them all.
 */

const KEY_STORAGE = 'personakit.key';

/** The key lives in this tab's sessionStorage only: closing the tab or signing out forgets it. */
export const session = {
  key(): string | null {
    try {
      return sessionStorage.getItem(KEY_STORAGE);
    } catch {
      return null;
    }
  },
  set(key: string): void {
    sessionStorage.setItem(KEY_STORAGE, key);
  },
  clear(): void {
    sessionStorage.removeItem(KEY_STORAGE);
  },
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The field the API named, when it named one (validation errors). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Hooks the shell sets: a 401 anywhere signs the tab out. */
export const apiEvents: { onUnauthorized?: () => void } = {};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** What the API said, from whichever surface's error body. */
export function errorMessage(status: number, body: unknown): string {
  let said: string | undefined;
  if (isObject(body)) {
    const e = body.error;
    if (typeof body.message === 'string') said = body.message;
    else if (isObject(e) && typeof e.message === 'string') said = e.message;
    else if (typeof body.msg === 'string') said = body.msg;
    else if (typeof e === 'string') said = e;
    else if (typeof body.detail === 'string') said = body.detail;
  } else if (typeof body === 'string' && body.trim() !== '' && body.length < 300) said = body.trim();
  switch (status) {
    case 401:
      return 'This API key was not accepted: it is wrong, revoked or expired.';
    case 403:
      return said ? `Not allowed: ${said}` : 'This API key is not allowed to do that.';
    case 404:
      return said ?? 'Not found (it may have been deleted).';
    case 413:
      return said ?? 'That is too large for the server.';
    case 429:
      return said ? `Slow down: ${said}` : 'Too many requests: wait a moment and try again.';
    default:
      if (said) return said;
      return status >= 500
        ? `The server failed (HTTP ${status}). Try again.`
        : `Request refused (HTTP ${status}).`;
  }
}

export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (files, form data). */
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Use this key instead of the tab's (sign-in checks a key before keeping it). */
  key?: string;
}

/** fetch with the key; throws ApiError with words on any non-2xx. Returns the Response (bodies unread). */
export async function apiFetch(path: string, o: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...o.headers };
  const key = o.key ?? session.key();
  if (key) headers.authorization = `Bearer ${key}`;
  let body = o.body;
  if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(o.json);
  }
  let res: Response;
  try {
    res = await fetch(path, { method: o.method ?? 'GET', headers, body, signal: o.signal ?? null });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'Cannot reach the server. Is it running?');
  }
  if (!res.ok) {
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: the text itself
    }
    if (res.status === 401 && o.key === undefined) apiEvents.onUnauthorized?.();
    const field =
      isObject(parsed) && isObject(parsed.error) && typeof parsed.error.param === 'string'
        ? parsed.error.param
        : undefined;
    throw new ApiError(res.status, errorMessage(res.status, parsed), field);
  }
  return res;
}

/** JSON in, JSON out. */
export async function api<T>(path: string, o: RequestOptions = {}): Promise<T> {
  const res = await apiFetch(path, o);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A query string from the defined values only. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Words for any error caught in the UI. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Server-sent events of a POST (refine and chat streams): calls onEvent with each `data:` payload
 * parsed as JSON (the `[DONE]` marker ends it). EventSource cannot POST or send a key, hence by hand.
 */
export async function postStream(
  path: string,
  json: unknown,
  onEvent: (data: unknown, event: string | undefined) => void,
  signal?: AbortSignal,
  headers: Record<string, string> = {},
): Promise<void> {
  const res = await apiFetch(path, {
    method: 'POST',
    json,
    signal,
    headers: { ...headers, accept: 'text/event-stream' },
  });
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut = buffer.indexOf('\n\n');
    while (cut !== -1) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      const payload = data.join('\n');
      if (payload === '[DONE]') return;
      if (payload !== '') {
        let parsed: unknown = payload;
        try {
          parsed = JSON.parse(payload);
        } catch {
          // plain text event
        }
        onEvent(parsed, event);
      }
      cut = buffer.indexOf('\n\n');
    }
  }
}
