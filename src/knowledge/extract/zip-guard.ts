import yauzl from 'yauzl';
import { KnowledgeError } from './types.ts';

export interface ZipBudget {
  maxUnzippedBytes: number;
  maxEntries: number;
  /** Largest inflated/compressed ratio of an entry, checked once the entry passes RATIO_GRACE_BYTES. */
  maxRatio: number;
}

/** Small entries may compress very well (an empty styles part); the ratio counts past this size. */
const RATIO_GRACE_BYTES = 1024 * 1024;

const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;

const bomb = (message: string) => new KnowledgeError('file_size_too_large', message);
const damaged = (err: unknown) =>
  new KnowledgeError(
    'file_format_unsupported',
    `The file could not be read as a zip-based Office document: it is damaged or truncated (${
      err instanceof Error ? err.message : String(err)
    }).`,
  );

/**
 * Inflates every entry of a zip with a running byte budget BEFORE any parser sees it, counting the bytes
 * actually produced (headers can lie): too many entries, too many bytes in total, or an entry that expands
 * more than maxRatio times (a zip bomb) is refused. Entries `keep` selects are returned, inflated, so a
 * parser that needs a few parts (PPTX) does not unzip twice.
 */
export function checkZip(
  bytes: Uint8Array,
  budget: ZipBudget,
  keep: (name: string) => boolean = () => false,
) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Promise<Map<string, Buffer>>((resolve, reject) => {
    yauzl.fromBuffer(
      buffer,
      { lazyEntries: true, validateEntrySizes: false, strictFileNames: false },
      (err, zip) => {
        if (err || !zip) return reject(damaged(err));
        const kept = new Map<string, Buffer>();
        let total = 0;
        let entries = 0;
        let done = false;
        const fail = (e: unknown) => {
          if (done) return;
          done = true;
          zip.close();
          reject(e instanceof KnowledgeError ? e : damaged(e));
        };
        if (zip.entryCount > budget.maxEntries) {
          return fail(
            bomb(`The archive lists ${zip.entryCount} files; at most ${budget.maxEntries} are accepted.`),
          );
        }
        zip.on('error', fail);
        zip.on('end', () => {
          if (done) return;
          done = true;
          resolve(kept);
        });
        zip.on('entry', (entry: yauzl.Entry) => {
          if (done) return;
          entries++;
          if (entries > budget.maxEntries)
            return fail(bomb(`The archive has more than ${budget.maxEntries} files.`));
          if (entry.fileName.endsWith('/')) return zip.readEntry();
          // The declared size is checked first: an honest bomb is refused without inflating anything.
          if (total + entry.uncompressedSize > budget.maxUnzippedBytes) {
            return fail(bomb(`The file expands to more than ${mib(budget.maxUnzippedBytes)} when unzipped.`));
          }
          zip.openReadStream(entry, (e, stream) => {
            if (e || !stream) return fail(e);
            const parts: Buffer[] | undefined = keep(entry.fileName) ? [] : undefined;
            let inflated = 0;
            stream.on('data', (chunk: Buffer) => {
              inflated += chunk.length;
              total += chunk.length;
              let problem: KnowledgeError | undefined;
              if (total > budget.maxUnzippedBytes) {
                problem = bomb(
                  `The file expands to more than ${mib(budget.maxUnzippedBytes)} when unzipped.`,
                );
              } else if (
                inflated > RATIO_GRACE_BYTES &&
                inflated > budget.maxRatio * Math.max(1, entry.compressedSize)
              ) {
                problem = bomb(
                  `The file looks like a zip bomb: ${entry.fileName} expands more than ${budget.maxRatio} times its packed size.`,
                );
              } else if (inflated > entry.uncompressedSize) {
                problem = bomb(
                  `The file looks like a zip bomb: ${entry.fileName} expands past its declared size.`,
                );
              }
              if (problem) {
                stream.destroy();
                return fail(problem);
              }
              parts?.push(chunk);
            });
            stream.on('error', fail);
            stream.on('end', () => {
              if (done) return;
              if (parts) kept.set(entry.fileName, Buffer.concat(parts));
              zip.readEntry();
            });
          });
        });
        zip.readEntry();
      },
    );
  });
}
