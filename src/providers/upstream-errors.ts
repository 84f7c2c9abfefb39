import { AppError } from '../core/errors.ts';

/**
 * Upstream failures as AppErrors, the same for every provider. Messages name the provider and never
 * contain the caller's key: anything taken from an upstream body goes through scrub() first.
 */

const MAX_DETAIL = 300;
const whitespace = /\s+/g;
/** An HTTP date or delay-seconds, the two forms retry-after may take. */
const retryAfterForm = /^(\d{1,10}|[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT)$/;

/** Removes the key (and a short prefix of it, which some vendors echo) and bounds the length. */
export function scrub(text: string, apiKey: string): string {
  let out = text;
  if (apiKey) {
    out = out.split(apiKey).join('[redacted]');
    if (apiKey.length >= 12) out = out.split(apiKey.slice(0, 8)).join('[redacted]');
  }
  out = out.replace(whitespace, ' ').trim();
  return out.length > MAX_DETAIL ? `${out.slice(0, MAX_DETAIL)}…` : out;
}

/** The human message inside a vendor error body: error.message, message, detail, or the raw text. */
export function upstreamMessage(text: string, apiKey: string): string {
  let message: unknown;
  try {
    const json: unknown = JSON.parse(text);
    if (json && typeof json === 'object') {
      const o = json as Record<string, unknown>;
      const err = o.error;
      message =
        (err && typeof err === 'object' ? (err as Record<string, unknown>).message : err) ??
        o.message ??
        o.detail;
    }
  } catch {
    message = text;
  }
  return typeof message === 'string' ? scrub(message, apiKey) : '';
}

export function statusError(
  provider: string,
  status: number,
  retryAfter: string | undefined,
  bodyText: string,
  apiKey: string,
  keyRejected: boolean,
): AppError {
  if (keyRejected || status === 401 || status === 403) {
    return new AppError('unauthorized', `${provider} rejected the API key`);
  }
  const detail = upstreamMessage(bodyText, apiKey);
  const suffix = detail ? `: ${detail}` : '';
  if (status === 429) {
    const ra = retryAfter?.trim();
    return new AppError('rate_limited', `${provider} rate limit reached${suffix}`, {
      retryAfter: ra && retryAfterForm.test(ra) ? ra : undefined,
    });
  }
  if (status >= 300 && status < 400) {
    return new AppError(
      'upstream_failed',
      `${provider} answered with a redirect (HTTP ${status}); check the base URL`,
    );
  }
  if (status >= 400 && status < 500) {
    return new AppError('invalid', `${provider} rejected the request (HTTP ${status})${suffix}`);
  }
  return new AppError('upstream_failed', `${provider} failed with HTTP ${status}${suffix}`);
}

export function malformed(provider: string, what: string): AppError {
  return new AppError('upstream_failed', `${provider} returned a malformed response (${what})`);
}

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Any other failure of an upstream call: our deadline or undici's idle timeouts -> 504; the client
 * going away -> ClientGone; everything else -> 502, worded by when it happened: before an answer
 * (refused connection, reset) or while reading it (the connection or stream cut halfway).
 */
export function callFailure(
  provider: string,
  err: unknown,
  deadline: { readonly timedOut: boolean; readonly clientGone: boolean },
  timeoutMs: number,
  phase: 'connect' | 'answer' | 'stream',
): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (deadline.timedOut || (typeof code === 'string' && timeoutCodes.has(code))) {
    return new AppError('upstream_timeout', `${provider} did not answer within ${timeoutMs} ms`);
  }
  if (deadline.clientGone) return new ClientGone();
  const what = phase === 'connect' ? 'could not be reached' : `${phase} broke off before the end`;
  // The cause is undici's error (no headers or body in it), kept for the 5xx log line.
  return new AppError('upstream_failed', `${provider} ${what}`, { cause: err });
}

/**
 * The client disconnected: nobody is left to receive an answer. A 4xx code keeps it out of the error
 * log, since it is not a server fault.
 */
export class ClientGone extends AppError {
  constructor() {
    super('invalid', 'client closed the request');
    this.name = 'ClientGone';
  }
}
