import { RE2JS } from 're2js';

/**
 * Lorebook keys as the chat scans them. Regex keys (V3 `use_regex`) come from card authors and run over
 * user text, so they go through re2js, a linear-time engine (RE2 semantics, pure JS): no pattern can make
 * a match take more than time proportional to the text. What RE2 cannot express (lookaround,
 * backreferences) does not compile; the V3 spec makes an invalid regex match nothing, and import warns.
 */

/** Longer regex keys are refused (never match): compiling is bounded too. */
export const MAX_REGEX_KEY_CHARS = 1000;

/**
 * SillyTavern writes regex keys as JS literals: `/dragons?/i`. Split without a regex (a backtracking
 * pattern over the author's key would be the very risk this module avoids).
 */
function literal(key: string): { source: string; flags: string } {
  const end = key.lastIndexOf('/');
  if (key.startsWith('/') && end > 1) {
    const flags = key.slice(end + 1);
    let letters = true;
    for (const ch of flags) if (ch < 'a' || ch > 'z') letters = false;
    if (letters) return { source: key.slice(1, end), flags };
  }
  return { source: key, flags: '' };
}

export interface CompiledKey {
  test(text: string): boolean;
}

const cache = new Map<string, CompiledKey | Error>();
const CACHE_MAX = 2000;

/** The compiled key, or the reason it cannot be (cached either way; bounded). */
export function compileRegexKey(key: string, caseSensitive: boolean): CompiledKey | Error {
  const id = `${caseSensitive ? 's' : 'i'}${key}`;
  const hit = cache.get(id);
  if (hit) return hit;
  let result: CompiledKey | Error;
  try {
    if (key.length > MAX_REGEX_KEY_CHARS) throw new Error(`longer than ${MAX_REGEX_KEY_CHARS} characters`);
    const { source, flags } = literal(key);
    let f = 0;
    if (!caseSensitive || flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE;
    if (flags.includes('s')) f |= RE2JS.DOTALL;
    if (flags.includes('m')) f |= RE2JS.MULTILINE;
    const re = RE2JS.compile(source, f);
    result = { test: (text) => re.test(text) };
  } catch (err) {
    result = err instanceof Error ? err : new Error(String(err));
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(id, result);
  return result;
}

/**
 * Whether any key occurs in the text. Plain keys are substrings (case-insensitive unless the entry says
 * otherwise; `lowered` is the text lowercased once by the caller).
 */
export function anyKeyMatches(
  keys: readonly string[],
  text: string,
  lowered: string,
  opts: { regex: boolean; caseSensitive: boolean },
): boolean {
  for (const key of keys) {
    if (key === '') continue;
    if (opts.regex) {
      const re = compileRegexKey(key, opts.caseSensitive);
      if (!(re instanceof Error) && re.test(text)) return true;
    } else if (opts.caseSensitive ? text.includes(key) : lowered.includes(key.toLowerCase())) {
      return true;
    }
  }
  return false;
}
