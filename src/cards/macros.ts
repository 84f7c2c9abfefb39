/**
 * The card macros every spec version shares, for the chat engine to apply to card text at prompt time
 * (cards are stored as written, so an export gives back the author's text): `{{char}}`, `<BOT>`, `<char>`
 * → the character (its nickname when it has one, V3); `{{user}}`, `<USER>` → the user's display name;
 * `{{original}}` (system prompt and post-history instructions only) → the text the card's one replaces.
 * Case-insensitive, one linear pass; other `{{…}}` are left as written.
 */
export interface MacroValues {
  char: string;
  user: string;
  original?: string;
}

/** The V1 spec requires a default for when the user has no name. */
export const DEFAULT_USER_NAME = 'User';

const macro = /\{\{(char|user|original)\}\}|<(bot|user|char)>/gi;

export function expandMacros(text: string, v: MacroValues): string {
  return text.replace(macro, (whole, curly: string | undefined, angle: string | undefined) => {
    const name = (curly ?? angle ?? '').toLowerCase();
    if (name === 'char' || name === 'bot') return v.char;
    if (name === 'user') return v.user === '' ? DEFAULT_USER_NAME : v.user;
    if (name === 'original') return v.original ?? '';
    return whole;
  });
}
