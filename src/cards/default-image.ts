import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { chunk, pngSignature } from './png.ts';

const WIDTH = 256;
const HEIGHT = 384;

/**
 * The image of a persona that has none (made through /v1, /v2 or /suno, or imported from JSON): a 2:3
 * portrait (the shape card apps show) in a vertical gradient between two colours taken from the name, so
 * two personas' cards look different in a gallery. Encoded directly: IHDR, one IDAT, IEND.
 */
export function defaultImage(seed: string): Buffer {
  const h = createHash('sha256').update(seed).digest();
  const top = [h[0], h[1], h[2]].map((v) => 64 + ((v ?? 0) % 160));
  const bottom = [h[3], h[4], h[5]].map((v) => 32 + ((v ?? 0) % 128));
  const row = WIDTH * 3 + 1;
  const raw = Buffer.alloc(row * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) {
    const t = y / (HEIGHT - 1);
    const rgb = top.map((a, i) => Math.round(a + ((bottom[i] ?? 0) - a) * t));
    const at = y * row;
    raw[at] = 0; // filter: none
    for (let x = 0; x < WIDTH; x++) {
      raw[at + 1 + x * 3] = rgb[0] ?? 0;
      raw[at + 2 + x * 3] = rgb[1] ?? 0;
      raw[at + 3 + x * 3] = rgb[2] ?? 0;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(WIDTH, 0);
  ihdr.writeUInt32BE(HEIGHT, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour RGB
  return Buffer.concat([
    pngSignature(),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
