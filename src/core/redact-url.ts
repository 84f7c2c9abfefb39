/**
 * Hides the userinfo of every URL in a text: DATABASE_URL and REDIS_URL carry passwords, and a start-up
 * error (a bad value, a driver's message) printed them. One left-to-right pass, no regex: `scheme://`
 * starts a URL, whitespace or a quote ends it, and everything before its last `@` becomes `***`. A path
 * that holds an `@` is over-redacted, which is the safe side.
 */
const ends = new Set([' ', '\t', '\n', '\r', '"', "'", '`', '<', '>']);

export function redactUrlCredentials(text: string): string {
  let out = '';
  let copied = 0;
  let i = text.indexOf('://');
  while (i !== -1) {
    const start = i + 3;
    let end = start;
    while (end < text.length && !ends.has(text.charAt(end))) end++;
    const at = text.lastIndexOf('@', end - 1);
    if (at >= start) {
      out += `${text.slice(copied, start)}***`;
      copied = at;
    }
    i = text.indexOf('://', Math.max(end, start));
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * A configured URL as it may be shown: like redactUrlCredentials, and a mistyped one without `://`
 * (`redis//:pw@host`) also loses everything before its last `@`.
 */
export function redactUrlValue(value: string): string {
  if (value.includes('://')) return redactUrlCredentials(value);
  const at = value.lastIndexOf('@');
  return at === -1 ? value : `***${value.slice(at)}`;
}
