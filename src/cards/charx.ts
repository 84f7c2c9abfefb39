import yauzl from 'yauzl';
import yazl from 'yazl';
import { AppError } from '../core/errors.ts';
import { notACard } from './card-errors.ts';

/**
 * CHARX (V3 §CHARX): a ZIP with `card.json` at its root and the assets it references as
 * `embeded://path`. Read with a running budget on the bytes actually inflated (headers can lie): entry
 * count, bytes per entry and in total, and the expansion ratio (a zip bomb is refused, not inflated).
 */
export interface CharxLimits {
  maxEntries: number;
  maxTotalBytes: number;
  maxCardJsonBytes: number;
  /** Largest inflated/compressed ratio of an entry, counted once it passes 1 MiB. */
  maxRatio: number;
}

export const CHARX_LIMITS: CharxLimits = {
  maxEntries: 1000,
  maxTotalBytes: 64 * 1024 * 1024,
  maxCardJsonBytes: 8 * 1024 * 1024,
  maxRatio: 100,
};

const RATIO_GRACE_BYTES = 1024 * 1024;

export const isZip = (b: Uint8Array) =>
  b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4;

const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;
/** A bomb is a file that is not a card (400); only the upload's own size is a 413. */
const bomb = (why: string) => notACard(`a decompression bomb: the ZIP archive ${why}`);
const damaged = (err: unknown) =>
  notACard(`the ZIP archive is damaged (${err instanceof Error ? err.message : String(err)})`);

/** Every file of the archive by its path, inflated within the limits. */
export function readCharx(bytes: Buffer, limits: CharxLimits = CHARX_LIMITS): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: false }, (err, zip) => {
      if (err || !zip) return reject(damaged(err));
      const files = new Map<string, Buffer>();
      let total = 0;
      let entries = 0;
      let done = false;
      const fail = (e: unknown) => {
        if (done) return;
        done = true;
        zip.close();
        reject(e instanceof AppError ? e : damaged(e));
      };
      if (zip.entryCount > limits.maxEntries) {
        return fail(bomb(`lists ${zip.entryCount} files; at most ${limits.maxEntries} are accepted`));
      }
      zip.on('error', fail);
      zip.on('end', () => {
        if (done) return;
        done = true;
        resolve(files);
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        if (done) return;
        if (++entries > limits.maxEntries) return fail(bomb(`has more than ${limits.maxEntries} files`));
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        if ((entry.generalPurposeBitFlag & 1) !== 0) {
          return fail(notACard(`the CHARX archive is encrypted (${entry.fileName})`));
        }
        const cap = entry.fileName === 'card.json' ? limits.maxCardJsonBytes : limits.maxTotalBytes;
        if (total + entry.uncompressedSize > limits.maxTotalBytes || entry.uncompressedSize > cap) {
          return fail(bomb(`expands to more than ${mib(Math.min(cap, limits.maxTotalBytes))}`));
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(e);
          const parts: Buffer[] = [];
          let inflated = 0;
          stream.on('data', (chunk: Buffer) => {
            inflated += chunk.length;
            total += chunk.length;
            let problem: Error | undefined;
            if (total > limits.maxTotalBytes || inflated > cap) {
              problem = bomb(`expands to more than ${mib(Math.min(cap, limits.maxTotalBytes))}`);
            } else if (
              inflated > RATIO_GRACE_BYTES &&
              inflated > limits.maxRatio * Math.max(1, entry.compressedSize)
            ) {
              problem = bomb(`holds ${entry.fileName}, which expands more than ${limits.maxRatio} times`);
            } else if (inflated > entry.uncompressedSize) {
              problem = bomb(`holds ${entry.fileName}, which expands past its declared size`);
            }
            if (problem) {
              stream.destroy();
              return fail(problem);
            }
            parts.push(chunk);
          });
          stream.on('error', fail);
          stream.on('end', () => {
            if (done) return;
            files.set(entry.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** Entry times are fixed: the same persona exports to the same bytes. */
const FIXED_TIME = new Date(Date.UTC(2020, 0, 1));

/** A CHARX archive of `files` (card.json first). Images are stored, not deflated again. */
export function writeCharx(files: [string, Buffer][]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [path, data] of files) {
    const packed = /\.(png|jpe?g|webp|gif|avif|mp3|ogg|mp4|webm)$/i.test(path);
    zip.addBuffer(data, path, { compress: !packed, mtime: FIXED_TIME });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => parts.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    zip.outputStream.on('error', reject);
  });
}
