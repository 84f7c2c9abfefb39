/**
 * A provider's JSON may nest at most MAX_ANSWER_DEPTH levels. JSON.parse accepts any nesting, but what
 * is done with the value afterwards recurses: JSON.stringify of a tool call's arguments (Anthropic's and
 * Google's `input`/`args` objects) and the structured clone that brings a large answer back from the
 * parse worker both overflow the stack near 5,000 levels — a RangeError, answered as a 500. Real answers
 * nest a handful of levels; a tool's arguments a few dozen at most.
 */
export const MAX_ANSWER_DEPTH = 256;

/**
 * Whether the JSON text holds more than `max` opening brackets (inside strings too, so it may overcount,
 * never under): if not, nothing in it can nest deeper than `max`, and the walk below is skipped. One
 * native search per bracket: ordinary answers hold a few dozen.
 */
function moreBracketsThan(text: string | Buffer, max: number): boolean {
  let n = 0;
  if (typeof text === 'string') {
    for (const open of ['{', '[']) {
      for (let i = text.indexOf(open); i >= 0; i = text.indexOf(open, i + 1)) if (++n > max) return true;
    }
    return false;
  }
  // Bytes: a number needle is a plain byte search (a string one is encoded first, on every call).
  for (const open of [0x7b, 0x5b]) {
    for (let i = text.indexOf(open); i >= 0; i = text.indexOf(open, i + 1)) if (++n > max) return true;
  }
  return false;
}

/** Whether the parsed value nests deeper than `max` (iterative: the value may be as deep as its text). */
function deeperThan(value: unknown, max: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const d = depths.pop() as number;
    if (typeof v !== 'object' || v === null) continue;
    if (d >= max) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof x === 'object' && x !== null) {
        values.push(x);
        depths.push(d + 1);
      }
    }
  }
  return false;
}

/** Whether a value parsed from `text` (its JSON, as text or bytes) nests deeper than `max` levels. */
export function nestsDeeperThan(text: string | Buffer, value: unknown, max: number): boolean {
  return moreBracketsThan(text, max) && deeperThan(value, max);
}

/** Whether a provider's JSON, parsed from `text`, nests deeper than MAX_ANSWER_DEPTH. */
export const tooDeep = (text: string | Buffer, value: unknown): boolean =>
  nestsDeeperThan(text, value, MAX_ANSWER_DEPTH);

/**
 * JSON a caller sends inside a string (a tool call's `arguments`, a tool result) that is parsed to be
 * sent on as an object: the depth a request body may have (MAX_JSON_DEPTH, http/json-body.ts), since
 * it ends up in the upstream request's body, which JSON.stringify writes.
 */
export const MAX_EMBEDDED_JSON_DEPTH = 64;
