import { inflateZip, type ZipProblem } from '../../core/zip-inflate.ts';
import { KnowledgeError } from './types.ts';

export interface ZipBudget {
  maxUnzippedBytes: number;
  maxEntries: number;
  /** Largest inflated/compressed ratio of an entry, checked once the entry passes 1 MiB. */
  maxRatio: number;
}

const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;

const bomb = (message: string) => new KnowledgeError('file_size_too_large', message);

function refusal(p: ZipProblem): Error {
  switch (p.kind) {
    case 'listed':
      return bomb(`The archive lists ${p.count} files; at most ${p.max} are accepted.`);
    case 'entries':
      return bomb(`The archive has more than ${p.max} files.`);
    case 'size':
      return bomb(`The file expands to more than ${mib(p.limit)} when unzipped.`);
    case 'ratio':
      return bomb(
        `The file looks like a zip bomb: ${p.name} expands more than ${p.max} times its packed size.`,
      );
    case 'past-declared':
      return bomb(`The file looks like a zip bomb: ${p.name} expands past its declared size.`);
    case 'encrypted':
    case 'damaged': {
      const cause = p.kind === 'damaged' ? p.cause : `${p.name} is encrypted`;
      return new KnowledgeError(
        'file_format_unsupported',
        `The file could not be read as a zip-based Office document: it is damaged or truncated (${
          cause instanceof Error ? cause.message : String(cause)
        }).`,
      );
    }
  }
}

/**
 * Inflates every entry of a zip with a running byte budget BEFORE any parser sees it, counting the bytes
 * actually produced (headers can lie; core/zip-inflate.ts): too many entries, too many bytes in total, or
 * an entry that expands more than maxRatio times (a zip bomb) is refused. Entries `keep` selects are
 * returned, inflated, so a parser that needs a few parts (PPTX) does not unzip twice.
 */
export function checkZip(
  bytes: Uint8Array,
  budget: ZipBudget,
  keep: (name: string) => boolean = () => false,
): Promise<Map<string, Buffer>> {
  return inflateZip(
    bytes,
    { maxEntries: budget.maxEntries, maxTotalBytes: budget.maxUnzippedBytes, maxRatio: budget.maxRatio },
    keep,
    refusal,
  );
}
