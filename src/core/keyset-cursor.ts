import { idPattern } from './ids.ts';

/**
 * Opaque page cursors over (created_at, id), newest first, for lists that page by keyset (keys,
 * accounts). A cursor is client input: decode() returns null unless it is exactly what encode() writes.
 */
export const encodeCursor = (createdAt: string, id: string): string =>
  Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

export function decodeCursor(cursor: string): [string, string] | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      isIsoTime(v[0]) &&
      typeof v[1] === 'string' &&
      idPattern.test(v[1])
    )
      return [v[0], v[1]];
  } catch {
    // not JSON: refused below
  }
  return null;
}

function isIsoTime(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== 24) return false;
  const t = Date.parse(v);
  return Number.isFinite(t) && new Date(t).toISOString() === v;
}
