import yauzl from 'yauzl';

/**
 * Inflating an untrusted ZIP (a CHARX card, a DOCX/PPTX/XLSX upload) within a running budget on the bytes
 * actually produced, never trusting the headers: too many entries, too many bytes in total or in one
 * entry, an entry that expands more than `maxRatio` times its packed size or past its declared size, and
 * (when asked) an encrypted entry are refused as they are found, before any parser sees the data. Each
 * caller words the refusals in its own surface's terms through `problem`.
 */
export interface ZipLimits {
  maxEntries: number;
  /** Inflated bytes of every entry together. */
  maxTotalBytes: number;
  /** Largest inflated/compressed ratio of an entry, counted once it passes RATIO_GRACE_BYTES. */
  maxRatio: number;
  /** A tighter bound for some entries (a CHARX's card.json); the total bound otherwise. */
  entryCap?: (name: string) => number;
  /** Refuse an encrypted entry (it cannot be read anyway; say so rather than "damaged"). */
  rejectEncrypted?: boolean;
}

export type ZipProblem =
  /** The central directory lists more entries than allowed (nothing inflated). */
  | { kind: 'listed'; count: number; max: number }
  /** More entries than allowed were met while reading. */
  | { kind: 'entries'; max: number }
  /** An entry (declared or inflated) would take the archive past `limit` bytes. */
  | { kind: 'size'; name: string; limit: number }
  | { kind: 'ratio'; name: string; max: number }
  | { kind: 'past-declared'; name: string }
  | { kind: 'encrypted'; name: string }
  | { kind: 'damaged'; cause: unknown };

/** Small entries may compress very well (an empty styles part); the ratio counts past this size. */
const RATIO_GRACE_BYTES = 1024 * 1024;

/**
 * Every entry `keep` selects, inflated, by its path; the others are inflated and counted, then dropped
 * (so a parser that needs a few parts does not unzip twice). Rejects with `problem(...)`'s error.
 */
export function inflateZip(
  bytes: Uint8Array,
  limits: ZipLimits,
  keep: (name: string) => boolean,
  problem: (p: ZipProblem) => Error,
): Promise<Map<string, Buffer>> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      buffer,
      { lazyEntries: true, validateEntrySizes: false, strictFileNames: false },
      (err, zip) => {
        if (err || !zip) return reject(problem({ kind: 'damaged', cause: err }));
        const kept = new Map<string, Buffer>();
        let total = 0;
        let entries = 0;
        let done = false;
        const fail = (p: ZipProblem) => {
          if (done) return;
          done = true;
          zip.close();
          reject(problem(p));
        };
        if (zip.entryCount > limits.maxEntries) {
          return fail({ kind: 'listed', count: zip.entryCount, max: limits.maxEntries });
        }
        zip.on('error', (cause) => fail({ kind: 'damaged', cause }));
        zip.on('end', () => {
          if (done) return;
          done = true;
          resolve(kept);
        });
        zip.on('entry', (entry: yauzl.Entry) => {
          if (done) return;
          if (++entries > limits.maxEntries) return fail({ kind: 'entries', max: limits.maxEntries });
          const name = entry.fileName;
          if (name.endsWith('/')) return zip.readEntry();
          if (limits.rejectEncrypted && (entry.generalPurposeBitFlag & 1) !== 0) {
            return fail({ kind: 'encrypted', name });
          }
          const cap = Math.min(limits.entryCap?.(name) ?? limits.maxTotalBytes, limits.maxTotalBytes);
          // The declared size is checked first: an honest bomb is refused without inflating anything.
          if (total + entry.uncompressedSize > limits.maxTotalBytes || entry.uncompressedSize > cap) {
            return fail({ kind: 'size', name, limit: cap });
          }
          zip.openReadStream(entry, (e, stream) => {
            if (e || !stream) return fail({ kind: 'damaged', cause: e });
            const parts: Buffer[] | undefined = keep(name) ? [] : undefined;
            let inflated = 0;
            stream.on('data', (chunk: Buffer) => {
              inflated += chunk.length;
              total += chunk.length;
              let found: ZipProblem | undefined;
              if (total > limits.maxTotalBytes || inflated > cap) found = { kind: 'size', name, limit: cap };
              else if (
                inflated > RATIO_GRACE_BYTES &&
                inflated > limits.maxRatio * Math.max(1, entry.compressedSize)
              ) {
                found = { kind: 'ratio', name, max: limits.maxRatio };
              } else if (inflated > entry.uncompressedSize) found = { kind: 'past-declared', name };
              if (found) {
                stream.destroy();
                return fail(found);
              }
              parts?.push(chunk);
            });
            stream.on('error', (cause) => fail({ kind: 'damaged', cause }));
            stream.on('end', () => {
              if (done) return;
              if (parts) kept.set(name, Buffer.concat(parts));
              zip.readEntry();
            });
          });
        });
        zip.readEntry();
      },
    );
  });
}
