import yazl from 'yazl';
import { inflateZip, type ZipProblem } from '../core/zip-inflate.ts';
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

export const isZip = (b: Uint8Array) =>
  b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4;

const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;
/** A bomb is a file that is not a card (400); only the upload's own size is a 413. */
const bomb = (why: string) => notACard(`a decompression bomb: the ZIP archive ${why}`);

function refusal(p: ZipProblem): Error {
  switch (p.kind) {
    case 'listed':
      return bomb(`lists ${p.count} files; at most ${p.max} are accepted`);
    case 'entries':
      return bomb(`has more than ${p.max} files`);
    case 'size':
      return bomb(`expands to more than ${mib(p.limit)}`);
    case 'ratio':
      return bomb(`holds ${p.name}, which expands more than ${p.max} times`);
    case 'past-declared':
      return bomb(`holds ${p.name}, which expands past its declared size`);
    case 'encrypted':
      return notACard(`the CHARX archive is encrypted (${p.name})`);
    case 'damaged':
      return notACard(
        `the ZIP archive is damaged (${p.cause instanceof Error ? p.cause.message : String(p.cause)})`,
      );
  }
}

/** Every file of the archive by its path, inflated within the limits (core/zip-inflate.ts). */
export function readCharx(bytes: Buffer, limits: CharxLimits = CHARX_LIMITS): Promise<Map<string, Buffer>> {
  return inflateZip(
    bytes,
    {
      maxEntries: limits.maxEntries,
      maxTotalBytes: limits.maxTotalBytes,
      maxRatio: limits.maxRatio,
      entryCap: (name) => (name === 'card.json' ? limits.maxCardJsonBytes : limits.maxTotalBytes),
      rejectEncrypted: true,
    },
    () => true,
    refusal,
  );
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
