import { crc32, deflateSync } from 'node:zlib';
import extractChunks from 'png-chunks-extract';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { rowToPersona } from '../../src/core/persona.ts';
import type { Account, Harness, Reply } from './harness.ts';

/**
 * Card files as the tests need them, built here byte by byte (not with the code under test): PNGs with
 * text chunks, CHARX archives, and readers for what the export returns.
 */

const chunk = (type: string, data: Buffer) => {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
};

/** A small RGB PNG of one colour, with the given tEXt chunks (keyword, text) before IEND. */
export function png(
  texts: [string, string][] = [],
  rgb: [number, number, number] = [200, 30, 90],
  size = 4,
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    ...texts.map(([k, t]) =>
      chunk('tEXt', Buffer.concat([Buffer.from(k, 'latin1'), Buffer.from([0]), Buffer.from(t, 'latin1')])),
    ),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const b64 = (card: unknown) => Buffer.from(JSON.stringify(card)).toString('base64');

/** A PNG card: the JSON base64-encoded in a tEXt chunk, as card apps write it. */
export const pngCard = (keyword: string, card: unknown, rgb?: [number, number, number]) =>
  png([[keyword, b64(card)]], rgb);

/** A ZIP (yazl) of the given files; `compress` false stores them. */
export function zip(files: [string, Buffer][], compress = true): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, data] of files) z.addBuffer(data, name, { compress });
  z.end();
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => parts.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    z.outputStream.on('error', reject);
  });
}

/** Every file of a ZIP (yauzl). */
export function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, z) => {
      if (err || !z) return reject(err);
      const files = new Map<string, Buffer>();
      z.on('entry', (e: yauzl.Entry) => {
        z.openReadStream(e, (e2, s) => {
          if (e2 || !s) return reject(e2);
          const parts: Buffer[] = [];
          s.on('data', (c: Buffer) => parts.push(c));
          s.on('end', () => {
            files.set(e.fileName, Buffer.concat(parts));
            z.readEntry();
          });
        });
      });
      z.on('end', () => resolve(files));
      z.on('error', reject);
      z.readEntry();
    });
  });
}

/** The tEXt chunks of a PNG read with png-chunks-extract (which checks every CRC), by keyword. */
export function textChunksOf(bytes: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of extractChunks(new Uint8Array(bytes))) {
    if (c.name !== 'tEXt') continue;
    const data = Buffer.from(c.data);
    const nul = data.indexOf(0);
    out.set(data.toString('latin1', 0, nul), data.toString('latin1', nul + 1));
  }
  return out;
}

/** The image data (IHDR + IDAT) of a PNG, to compare pictures regardless of text chunks. */
export function pixelsOf(bytes: Buffer): Buffer {
  return Buffer.concat(
    extractChunks(new Uint8Array(bytes))
      .filter((c) => c.name === 'IHDR' || c.name === 'IDAT')
      .map((c) => Buffer.from(c.data)),
  );
}

export const fromB64Json = (text: string | undefined): unknown =>
  JSON.parse(Buffer.from(text ?? '', 'base64').toString('utf8'));

/** POST /v1/personas/import with raw bytes as the body (or as a multipart `file` part). */
export async function importFile(
  h: Harness,
  account: Account,
  bytes: Buffer,
  opts: { multipart?: boolean; fileName?: string; field?: string; contentType?: string } = {},
): Promise<Reply> {
  let body: FormData | Uint8Array;
  const headers: Record<string, string> = { ...account.auth };
  if (opts.multipart) {
    const form = new FormData();
    form.append(opts.field ?? 'file', new Blob([new Uint8Array(bytes)]), opts.fileName ?? 'card.bin');
    body = form;
  } else {
    body = new Uint8Array(bytes);
    headers['content-type'] = opts.contentType ?? 'application/octet-stream';
  }
  const res = await h.app.request('/v1/personas/import', { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** GET /v1/personas/{id}/export, the body as bytes. */
export async function exportFile(
  h: Harness,
  account: Account,
  id: string,
  query = '',
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await h.app.request(`/v1/personas/${id}/export${query}`, { headers: account.auth });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The stored persona (with its card), read from the store: the API's persona view does not show cards. */
export async function storedPersona(h: Harness, id: string) {
  const row = await h.services.db.kysely
    .selectFrom('personas')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return rowToPersona(row);
}
