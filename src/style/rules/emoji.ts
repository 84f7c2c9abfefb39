import { LETTER_OR_DIGIT } from '../chars.ts';

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

/** Ends a word or a closing quote, bracket or protected span: what an emoji can close a sentence after. */
const CLOSES_WORD = new RegExp(`[${LETTER_OR_DIGIT}"'”’)\\]\uE001]`);
const UPPER = /^[A-Z\u00C0-\u00D6\u00D8-\u00DE]/;
const LOWER = /^[a-z\u00DF-\u00F6\u00F8-\u00FF]/;
/** A word that needs what follows it: an emoji after it stands for a word ("I ❤️ you", "tap the ⭐ icon"). */
const NEEDS_NEXT = new Set(
  'a an the to of in on at for with by from my your our their his her its this that these those i you we they is are was were be and or but tap press click hit select use'.split(
    ' ',
  ),
);
const WORD_BEFORE = new RegExp(`[${LETTER_OR_DIGIT}'’]{1,24}$`);
/** Lower-case words that open a clause: an emoji before one ended the clause before it. */
const OPENS_CLAUSE = new Set(
  "your my our their his her its we i you they he she it this that these those there let's let’s".split(' '),
);
const WORD_AFTER = new RegExp(`^[${LETTER_OR_DIGIT}'’]{1,24}`);

/**
 * What a removed emoji between two words leaves (issue 12.1: "sorry 😞 My train" must not become "sorry
 * My train"). Chat writing uses an emoji as the end of a sentence or clause; removed, its place takes a
 * period before a capital ("sorry. My train") and a comma before a lower-case word that opens a clause
 * ("Good news, your subscription"); before any other lower-case word it was decoration inside a phrase
 * ("Party 🎉 time"): only a space. After a word that needs the next one ("I ❤️ you", "the 🔴 button")
 * the emoji stood for a word: only a space. Headings are titles, not sentences: only a space.
 */
function separator(all: string, offset: number, m: string, after: string): string {
  const before = all[offset - 1] ?? '';
  if (!SPACE.test(m.at(-1) ?? '') || !CLOSES_WORD.test(before)) return ' ';
  const upper = UPPER.test(after);
  if (!upper && !LOWER.test(after)) return ' ';
  const head = all.slice(Math.max(0, offset - 256), offset);
  if (
    head
      .slice(head.lastIndexOf('\n') + 1)
      .trimStart()
      .startsWith('#')
  )
    return ' ';
  const word = (WORD_BEFORE.exec(head.trimEnd())?.[0] ?? '').toLowerCase();
  if (NEEDS_NEXT.has(word)) return ' ';
  if (upper) return '. ';
  const next = (
    WORD_AFTER.exec(all.slice(offset + m.length, offset + m.length + 24))?.[0] ?? ''
  ).toLowerCase();
  return OPENS_CLAUSE.has(next) ? ', ' : ' ';
}

/**
 * A removal leaves one space between words (or the mark it stood for: see separator()), none at a line
 * edge or before punctuation.
 */
function tidy(text: string): string {
  return text.replace(AROUND_REMOVED, (m: string, offset: number, all: string) => {
    const before = all[offset - 1];
    const after = all.charAt(offset + m.length);
    if (before === undefined || before === '\n' || EDGE_AFTER.test(after)) return '';
    return SPACE.test(m) ? separator(all, offset, m, after) : '';
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
