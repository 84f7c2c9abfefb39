import { crc32 } from 'node:zlib';
import { notACard } from './card-errors.ts';

/**
 * The PNG chunk layer of character cards (ADR 0037): find the `tEXt` chunks a card lives in, drop them,
 * add new ones. Written by hand over node:zlib's crc32: a chunk is length + type + data + CRC, and the
 * npm codecs (png-chunks-*, 2015) copy every chunk of a 2 MB image into new arrays to do the same.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A card image has a handful of chunks; an encoder may split IDAT, but not into this many. */
const MAX_CHUNKS = 100_000;

export const isPng = (b: Uint8Array) => b.length >= 8 && SIGNATURE.equals(b.subarray(0, 8));

interface Chunk {
  type: string;
  /** Offsets of the whole chunk (length field to CRC) and of its data. */
  start: number;
  dataStart: number;
  end: number;
}

/** Every chunk, each CRC checked; a truncated or damaged file is a 400 that says so. */
function chunksOf(png: Buffer): Chunk[] {
  if (!isPng(png)) throw notACard('the file is not a PNG image');
  const chunks: Chunk[] = [];
  let at = 8;
  while (at < png.length) {
    if (chunks.length >= MAX_CHUNKS) throw corrupt(`more than ${MAX_CHUNKS} chunks`);
    if (at + 12 > png.length) throw corrupt('it ends inside a chunk header');
    const length = png.readUInt32BE(at);
    const dataStart = at + 8;
    const end = dataStart + length + 4;
    if (length > 0x7fffffff || end > png.length) throw corrupt('a chunk runs past the end of the file');
    const type = png.toString('latin1', at + 4, at + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw corrupt('a chunk has an invalid type');
    if (crc32(png.subarray(at + 4, dataStart + length)) !== png.readUInt32BE(dataStart + length)) {
      throw corrupt(`the ${type} chunk's checksum is wrong`);
    }
    chunks.push({ type, start: at, dataStart, end });
    at = end;
    if (type === 'IEND') break;
  }
  if (chunks[0]?.type !== 'IHDR') throw corrupt('it does not start with IHDR');
  if (chunks.at(-1)?.type !== 'IEND') throw corrupt('it has no IEND chunk');
  return chunks;
}

const corrupt = (why: string) => notACard(`the PNG image is damaged (${why})`);

export interface TextChunk {
  keyword: string;
  text: string;
}

/** The keyword (before the NUL) of a tEXt chunk, or undefined when it is not one. */
function keywordOf(png: Buffer, c: Chunk): string | undefined {
  if (c.type !== 'tEXt') return undefined;
  const nul = png.indexOf(0, c.dataStart);
  if (nul < 0 || nul >= c.end - 4 || nul - c.dataStart > 79) return undefined;
  return png.toString('latin1', c.dataStart, nul);
}

/**
 * One walk for an import: the tEXt chunks `take` selects, and the PNG without them (the image to keep).
 */
export function takeTextChunks(
  png: Buffer,
  take: (keyword: string) => boolean,
): { texts: TextChunk[]; rest: Buffer } {
  const texts: TextChunk[] = [];
  const parts: Buffer[] = [SIGNATURE];
  for (const c of chunksOf(png)) {
    const keyword = keywordOf(png, c);
    if (keyword !== undefined && take(keyword)) {
      texts.push({ keyword, text: png.toString('latin1', c.dataStart + keyword.length + 1, c.end - 4) });
    } else {
      parts.push(png.subarray(c.start, c.end));
    }
  }
  return { texts, rest: Buffer.concat(parts) };
}

/**
 * The PNG without the tEXt chunks `drop` selects and with `add` written just before IEND (where
 * SillyTavern writes them). Chunks are copied as byte ranges, not decoded.
 */
export function rewriteTextChunks(
  png: Buffer,
  drop: (keyword: string) => boolean,
  add: TextChunk[] = [],
): Buffer {
  const parts: Buffer[] = [];
  for (const c of chunksOf(png)) {
    const keyword = keywordOf(png, c);
    if (keyword !== undefined && drop(keyword)) continue;
    if (c.type === 'IEND') for (const t of add) parts.push(textChunk(t));
    parts.push(png.subarray(c.start, c.end));
  }
  return Buffer.concat([SIGNATURE, ...parts]);
}

/** A tEXt chunk. Text is Latin-1 by PNG's rules: cards put base64 there, which is ASCII. */
export function textChunk(t: TextChunk): Buffer {
  const data = Buffer.concat([
    Buffer.from(t.keyword, 'latin1'),
    Buffer.from([0]),
    Buffer.from(t.text, 'latin1'),
  ]);
  return chunk('tEXt', data);
}

export function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export const pngSignature = () => Buffer.from(SIGNATURE);
