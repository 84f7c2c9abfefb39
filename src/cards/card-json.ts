import { nestedTooDeep } from '../core/json-shape.ts';
import { notACard } from './card-errors.ts';

/** Real cards nest a few levels (lorebook entry extensions); this leaves room and bounds the walks. */
const MAX_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Card JSON from bytes (a file, a PNG chunk's base64 payload, card.json in a CHARX). `where` names the
 * container in the error. A BOM is tolerated; nesting is bounded before parsing.
 */
export function parseCardJson(bytes: Uint8Array, where: string): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw notACard(`${where} is not UTF-8 text`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (nestedTooDeep(text, MAX_DEPTH)) throw notACard(`${where} nests more than ${MAX_DEPTH} levels`);
  try {
    return sanitize(JSON.parse(text));
  } catch {
    throw notACard(`${where} is not valid JSON`);
  }
}

/**
 * Strings the store can hold: NUL removed (PostgreSQL text refuses it) and lone surrogates made U+FFFD
 * (UTF-8 cannot encode them). Keys too. Works in place on freshly parsed JSON (JSON.parse makes every
 * key, `__proto__` included, an own data property); an object is rebuilt only when a key must change.
 * Depth is bounded by the check before parsing.
 */
export function sanitize(v: unknown): unknown {
  if (typeof v === 'string') return cleanString(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = sanitize(v[i]);
    return v;
  }
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.every((k) => cleanString(k) === k)) {
    for (const k of keys) {
      const x = o[k];
      if (typeof x !== 'object' && typeof x !== 'string') continue;
      const clean = sanitize(x);
      if (clean === x) continue;
      // An assignment to `__proto__` would set the prototype: that key is redefined as data.
      if (k === '__proto__')
        Object.defineProperty(o, k, { value: clean, enumerable: true, writable: true, configurable: true });
      else o[k] = clean;
    }
    return o;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    // defineProperty: a `__proto__` key stays data, never a prototype.
    Object.defineProperty(out, cleanString(k), {
      value: sanitize(o[k]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

const cleanString = (s: string) => {
  const w = s.isWellFormed() ? s : s.toWellFormed();
  return w.includes('\0') ? w.replaceAll('\0', '') : w;
};
