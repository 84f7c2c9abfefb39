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
  return text.replace(EXCLAMATION, (_m: string, beforeQuestion?: string, after?: string) => {
    if (keepFirst) {
      keepFirst = false;
      return `${after ?? ''}!`;
    }
    if (beforeQuestion !== undefined) return '';
    return after ?? '.';
  });
}

/** The "!" marks of `text`. */
export function findExclamations(text: string): string[] {
  return text.match(MARK) ?? [];
}
