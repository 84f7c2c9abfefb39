import { randomBytes } from 'node:crypto';

// Lowercase alphanumerics only: ids survive URLs, shells and case-insensitive tools untouched.
const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

/** An unguessable id: prefix + 24 random base36 characters (~124 bits). */
export function newId(prefix: string): string {
  const bytes = randomBytes(24);
  let out = prefix;
  // 256 % 36 bias is < 1.6% per character, irrelevant for unguessability at 124 bits.
  for (const b of bytes) out += alphabet[b % 36];
  return out;
}

export const idPattern = /^[a-z][a-z0-9_]{1,63}$/;
