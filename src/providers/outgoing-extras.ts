import { AppError } from '../core/errors.ts';

/**
 * A persona's own endpoint settings (`layers.llm` headers and default query) added to an outgoing
 * request. Names and values are checked here: undici throws synchronously on a bad header, which would
 * otherwise surface as a 500 instead of the caller's 400.
 */

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
// Control characters other than tab end a header line (or smuggle a second one).
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
const badHeaderValue = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const MAX_HEADER_VALUE = 8 * 1024;

/**
 * The request's own headers with `extra` added under them: ours win (content type, accept, auth), so a
 * persona's headers can add to a request but not make it unreadable to us.
 */
export function withExtraHeaders(
  ours: Record<string, string>,
  extra: Record<string, string> | undefined,
): Record<string, string> {
  if (!extra) return ours;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(extra)) {
    const lower = name.toLowerCase();
    if (
      !headerName.test(name) ||
      lower === 'host' ||
      lower === 'content-length' ||
      lower === 'transfer-encoding'
    ) {
      throw new AppError('invalid', `extra header name ${JSON.stringify(name.slice(0, 64))} is not allowed`);
    }
    if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE || badHeaderValue.test(value)) {
      throw new AppError('invalid', `extra header ${lower} has a value that cannot be sent`);
    }
    out[lower] = value;
  }
  return { ...out, ...ours };
}

/** `path` with `query` appended as URL query parameters (after any the path already has). */
export function withQuery(path: string, query: Record<string, string> | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) params.append(k, String(v));
  const qs = params.toString();
  if (qs === '') return path;
  return `${path}${path.includes('?') ? '&' : '?'}${qs}`;
}
