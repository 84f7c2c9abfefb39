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

export function applyExclamations(text: string, level: ExclamationLevel): string {
  if (level === 'any' || !ANY_MARK.test(text)) return text;
  let keep = level === 'light';
  return text.replace(EXCLAMATION, (_m: string, beforeQuestion?: string, after?: string) => {
    if (keep) {
      keep = false;
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
