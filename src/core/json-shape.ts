/**
 * The shape of JSON text, read before (or instead of) what recurses over the parsed value: request
 * bodies (http/json-body.ts), character cards, and what providers answer (providers/wire.ts). One pass
 * that skips strings; no parse.
 */

/**
 * How deep a caller's JSON may nest: a request body, and JSON a caller sends inside a string that is
 * parsed to be sent on (a tool call's arguments). JSON.parse accepts any nesting, but JSON.stringify, zod
 * and structuredClone recurse: 10,000 levels of `[[[…]]]` in a free-form field overflowed the stack (a
 * 500). Real persona documents nest a few levels.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text opens more than `max` arrays or objects inside each other, by one pass over the text
 * that skips strings. Malformed text is left to JSON.parse; this only answers the depth question early.
 */
export function nestedTooDeep(text: string, max: number): boolean {
  // Opening more than `max` takes more than `max` characters: short texts (most stream events) need no pass.
  return text.length > max && jsonShape(text, max, Number.POSITIVE_INFINITY) === 'deep';
}

/**
 * In one pass over JSON text that skips strings: `deep` when it opens more than `maxDepth` arrays or
 * objects inside each other, `wide` when it holds more than `maxItems` object members and array items in
 * all (a member is counted at its `:`, an array item at its start). Malformed text is left to JSON.parse;
 * this only answers the size questions before the parse, whose cost they bound.
 */
export function jsonShape(text: string, maxDepth: number, maxItems: number): 'deep' | 'wide' | undefined {
  let depth = 0;
  let items = 0;
  let inString = false;
  // Per open container: whether it is an array (only the first maxDepth levels are ever needed).
  const isArray: boolean[] = [];
  // Right after `[`: the next value, if any, is the array's first item.
  let arrayStart = false;
  for (let i = 0; i < text.length; i++) {
    if (inString) {
      // To the closing quote with indexOf (native, fast on a 1 MiB string), past escaped quotes.
      const quote = text.indexOf('"', i);
      if (quote < 0) return undefined;
      let backslashes = 0;
      while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
      i = quote;
      if (backslashes % 2 === 0) inString = false;
      continue;
    }
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    if (arrayStart) {
      arrayStart = false;
      if (c !== 93 && ++items > maxItems) return 'wide';
    }
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > maxDepth) return 'deep';
      isArray[depth] = c === 91;
      arrayStart = c === 91;
    } else if (c === 93 || c === 125) depth--;
    else if (c === 58 || (c === 44 && isArray[depth] === true)) {
      if (++items > maxItems) return 'wide';
    }
  }
  return undefined;
}
