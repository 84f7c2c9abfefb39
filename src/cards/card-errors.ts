import { AppError } from '../core/errors.ts';

/**
 * A file that is not an importable card: a 400 whose message says what was found, so a user who picked
 * the wrong file (a lorebook, a plain image) knows which one it was.
 */
export const notACard = (found: string) =>
  new AppError('invalid', `Not a character card: ${found}`, { field: 'file' });

export const cardTooLarge = (what: string) =>
  new AppError('payload_too_large', `Character card too large: ${what}`, { field: 'file' });
