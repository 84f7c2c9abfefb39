/**
 * emoji: `none` strips every emoji, `light` keeps the first one, `any` leaves them. An emoji is a whole
 * sequence (skin tones, ZWJ families, flags, keycaps), or a lone Extended_Pictographic character with
 * its modifiers. ©, ® and ™ are Extended_Pictographic too but are typography, not emoji: they stay.
 * A ZWJ or variation selector left behind by a removal is removed too; one elsewhere (Indic scripts
 * use ZWJ) is not.
 *
 * Emoji that carry meaning are replaced by their text, not deleted (issue 12.1): a keycap by its
 * character ("1️⃣ Open" -> "1 Open"), arrows by plain arrows, check and cross marks by ✓ and ✗ (which
 * are not emoji), ‼ and ⁉ by their marks, ⚠ and ℹ by "Warning:" and "Note:".
 */
export const emojiLevels = ['none', 'light', 'any'] as const;
export type EmojiLevel = (typeof emojiLevels)[number];

/**
 * Written out rather than \p{RGI_Emoji} (the `v` flag), which is some fifty times slower: flags (a
 * pair of regional indicators), keycaps, and pictographs with their skin tone, presentation selector,
 * tag sequence (subdivision flags) and ZWJ-joined parts.
 */
const EMOJI =
  /(?=[#*0-9\u00A9-\u3299\u{1F000}-\u{1FFFF}])(?:\p{Regional_Indicator}{1,2}|[#*0-9]\uFE0F?\u20E3|(?![\u00A9\u00AE\u2122])\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}\uFE0F]?[\u{E0020}-\u{E007F}]*(?:\u200D\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}\uFE0F]?)*)/gu;
/** Cheap pre-test: the ranges of Extended_Pictographic, plus the keycap marks. */
const MAYBE_EMOJI = /[\u00A9\u00AE\u203C-\u3299\u{1F000}-\u{1FFFF}]|\uFE0F/u;
const REMOVED = '\uE005';
/** A run of removals with the spaces around and between them. */
const AROUND_REMOVED = /[ \t]*\uE005(?:\uE005|\uFE0F|\u20E3|\u200D|[ \t]+(?=\uE005))*[ \t]*/g;
const SPACE = /[ \t]/;
const EDGE_AFTER = /^(?:[\n.,;:!?)\]]|$)/;

const AS_TEXT = new Map<string, string>([
  ['➡', '→'],
  ['⬅', '←'],
  ['⬆', '↑'],
  ['⬇', '↓'],
  ['↔', '<->'],
  ['↕', '↑↓'],
  ['↩', '←'],
  ['↪', '→'],
  ['⤴', '↑'],
  ['⤵', '↓'],
  ['↗', '→'],
  ['↘', '→'],
  ['↙', '←'],
  ['↖', '←'],
  ['▶', '→'],
  ['◀', '←'],
  ['⏩', '→'],
  ['⏪', '←'],
  ['✔', '✓'],
  ['✅', '✓'],
  ['☑', '✓'],
  ['✖', '✗'],
  ['❌', '✗'],
  ['❎', '✗'],
  ['‼', '!!'],
  ['⁉', '!?'],
  ['⚠', 'Warning:'],
  ['ℹ', 'Note:'],
]);
const KEYCAP = /^[#*0-9]\uFE0F?\u20E3$/;

/** The text an emoji with meaning stands for, if it has one. */
function asText(emoji: string): string | undefined {
  if (KEYCAP.test(emoji)) return emoji[0];
  const base = String.fromCodePoint(emoji.codePointAt(0) ?? 0);
  return emoji.length - base.length <= 1 ? AS_TEXT.get(base) : undefined;
}

/** A removal leaves one space between words, none at a line edge or before punctuation. */
function tidy(text: string): string {
  return text.replace(AROUND_REMOVED, (m: string, offset: number, all: string) => {
    const before = all[offset - 1];
    const after = all.charAt(offset + m.length);
    if (before === undefined || before === '\n' || EDGE_AFTER.test(after)) return '';
    return SPACE.test(m) ? ' ' : '';
  });
}

/** How many emoji a level allows. */
export function emojiAllowed(level: EmojiLevel): number {
  return level === 'none' ? 0 : level === 'light' ? 1 : Number.POSITIVE_INFINITY;
}

/** Keeps the first `keep` emoji of `text` and removes the others. */
export function applyEmoji(text: string, keep: number): string {
  if (keep === Number.POSITIVE_INFINITY || !MAYBE_EMOJI.test(text)) return text;
  let kept = keep;
  let removed = false;
  const out = text.replace(EMOJI, (m: string) => {
    if (kept > 0) {
      kept--;
      return m;
    }
    removed = true;
    return asText(m) ?? REMOVED;
  });
  return removed ? tidy(out) : text;
}

/** The emoji of `text`, in order. */
export function findEmoji(text: string): string[] {
  if (!MAYBE_EMOJI.test(text)) return [];
  return text.match(EMOJI) ?? [];
}
