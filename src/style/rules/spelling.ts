import { WordTable } from '../word-table.ts';
import { gbOnlyToUs, spellingPairs, usOnlyToGb } from './spelling-list.ts';

/** spelling: converts British <-> American spellings from a word list, keeping each word's case. */
export const spellings = ['en-US', 'en-GB'] as const;
export type Spelling = (typeof spellings)[number];

const toUs = new WordTable([...spellingPairs, ...gbOnlyToUs]);
const toGb = new WordTable([...spellingPairs.map(([gb, us]): [string, string] => [us, gb]), ...usOnlyToGb]);

/** `en-GB` -> "en-GB"; also accepts `en_gb`, `EN-GB`. */
export function parseSpelling(value: unknown): Spelling | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase().replace('_', '-');
  return v === 'en-us' ? 'en-US' : v === 'en-gb' ? 'en-GB' : undefined;
}

export function applySpelling(text: string, spelling: Spelling): string {
  return (spelling === 'en-US' ? toUs : toGb).replace(text);
}

/** Words spelled the other way. */
export function findMisspellings(text: string, spelling: Spelling): string[] {
  return (spelling === 'en-US' ? toUs : toGb).find(text);
}
