/**
 * exclamations: `none` turns every "!" into "." ("?!" and "!?" become "?"), `light` keeps the first
 * one as a single "!", `any` leaves them.
 */
export const exclamationLevels = ['none', 'light', 'any'] as const;
export type ExclamationLevel = (typeof exclamationLevels)[number];

/** A run of marks is one exclamation: before a "?", after a "?" or ".", or on its own. */
const EXCLAMATION = /([!！]+)(?=[?？])|([?？.])[!！]+|[!！]+/g;
const MARK = /[!！]/g;
const ANY_MARK = /[!！]/;

/** How many exclamation marks a level allows. */
export function exclamationsAllowed(level: ExclamationLevel): number {
  return level === 'none' ? 0 : level === 'light' ? 1 : Number.POSITIVE_INFINITY;
}

/** Keeps the first exclamation (as one "!") when `keep` is at least 1; the others become ".". */
export function applyExclamations(text: string, keep: number): string {
  if (keep === Number.POSITIVE_INFINITY || !ANY_MARK.test(text)) return text;
  let keepFirst = keep >= 1;
  return text.replace(
    EXCLAMATION,
    (m: string, beforeQuestion: string | undefined, after: string | undefined, offset: number) => {
      if (keepFirst) {
        keepFirst = false;
        return `${after ?? ''}!`;
      }
      if (beforeQuestion !== undefined) return '';
      if (after === undefined && punctuatedAfter(text, offset + m.length)) return '';
      return after ?? '.';
    },
  );
}

const CLOSER = /["'”’)\]]/;

/**
 * Whether a mark follows at `from`, maybe after closing quotes or brackets: "(not the switch!)." must
 * become "(not the switch).", not "(not the switch.).".
 */
function punctuatedAfter(text: string, from: number): boolean {
  let i = from;
  while (i < text.length && i - from < 8 && CLOSER.test(text[i] ?? '')) i++;
  return '.,;:?!！？'.includes(text[i] ?? ' ');
}

/** The "!" marks of `text`. */
export function findExclamations(text: string): string[] {
  return text.match(MARK) ?? [];
}
