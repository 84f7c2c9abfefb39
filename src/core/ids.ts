import { randomFillSync } from 'node:crypto';

// Lowercase alphanumerics only: ids survive URLs, shells and case-insensitive tools untouched.
const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

// Random bytes are drawn from the OS 4 KiB at a time: one randomBytes() call per id cost more than the
// rest of building it. Each byte is used once.
const pool = Buffer.alloc(4096);
let offset = pool.length;

/** An unguessable id: prefix + 24 random base36 characters (~124 bits). */
export function newId(prefix: string): string {
  if (offset + 24 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let out = prefix;
  // 256 % 36 bias is < 1.6% per character, irrelevant for unguessability at 124 bits.
  for (let i = offset; i < offset + 24; i++) out += alphabet[(pool[i] ?? 0) % 36];
  offset += 24;
  return out;
}

export const idPattern = /^[a-z][a-z0-9_]{1,63}$/;
