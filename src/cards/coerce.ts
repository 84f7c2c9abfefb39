import { isJsonObject, type JsonObject } from '../core/persona.ts';

/**
 * Lenient readers for card fields as real files write them: numbers as strings (`"0.5"`), `null` for
 * absent, CRLF line ends. Each returns undefined when the value holds nothing usable.
 */

/** Text with LF line ends; numbers and booleans become their text; null and objects are nothing. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.includes('\r') ? v.replace(/\r\n?/g, '\n') : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A non-empty text, or undefined (empty fields are not stored: export writes `""` for them). */
export const nonEmpty = (v: unknown): string | undefined => {
  const t = text(v);
  return t === undefined || t === '' ? undefined : t;
};

/** A list of texts; a lone string is a one-item list. Empty lists are nothing. */
export function texts(v: unknown): string[] | undefined {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  const out = list.map(text).filter((t): t is string => t !== undefined && t !== '');
  return out.length > 0 ? out : undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 1 || v === '1') return true;
  if (v === 'false' || v === 0 || v === '0') return false;
  return undefined;
}

export const obj = (v: unknown): JsonObject | undefined => (isJsonObject(v) ? v : undefined);

/** The keys of `o` not in `known`, or undefined when there are none. */
export function rest(o: JsonObject, known: ReadonlySet<string>): JsonObject | undefined {
  const out: JsonObject = {};
  let any = false;
  for (const [k, v] of Object.entries(o)) {
    if (known.has(k) || v === null || v === undefined) continue;
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    any = true;
  }
  return any ? out : undefined;
}

/** Drops the undefined properties, so stored JSON and deep comparisons see only what is there. */
export function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
