import { type ExtractedBlock, KnowledgeError } from './types.ts';

/** Whitespace runs to one space; linear (one character class, no alternation to backtrack over). */
export const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

type Position = Pick<ExtractedBlock, 'page' | 'sheet' | 'url'>;

/**
 * Collects blocks in reading order, keeps the heading path, and stops a document whose text passes
 * maxTextChars as soon as it does (so a huge text never sits in memory in full before being refused).
 */
export class BlockCollector {
  readonly blocks: ExtractedBlock[] = [];
  private chars = 0;
  private path: { level: number; text: string }[] = [];
  position: Position = {};

  private readonly maxChars: number;

  constructor(maxChars: number) {
    this.maxChars = maxChars;
  }

  private count(text: string) {
    this.chars += text.length;
    if (this.chars > this.maxChars) {
      throw new KnowledgeError(
        'file_size_too_large',
        `The document's text is longer than the limit of ${this.maxChars.toLocaleString('en-US')} characters.`,
      );
    }
  }

  private place(block: ExtractedBlock): ExtractedBlock {
    if (this.position.page !== undefined) block.page = this.position.page;
    if (this.position.sheet !== undefined) block.sheet = this.position.sheet;
    if (this.position.url !== undefined) block.url = this.position.url;
    return block;
  }

  heading(raw: string, level: number) {
    const text = squash(raw);
    if (!text) return;
    const lvl = Math.min(6, Math.max(1, Math.trunc(level)));
    while (this.path.length > 0 && (this.path[this.path.length - 1]?.level ?? 0) >= lvl) this.path.pop();
    this.count(text);
    this.blocks.push(this.place({ kind: 'heading', text, level: lvl, headingPath: this.headingPath() }));
    this.path.push({ level: lvl, text });
  }

  /** paragraph and table-row text is squashed; list and code keep their line breaks. */
  add(kind: Exclude<ExtractedBlock['kind'], 'heading'>, raw: string) {
    const text =
      kind === 'code'
        ? raw.trimEnd()
        : kind === 'list'
          ? raw
              .split('\n')
              .map(squash)
              .filter((l) => l.length > 0)
              .join('\n')
          : squash(raw);
    if (!text.trim()) return;
    this.count(text);
    this.blocks.push(this.place({ kind, text, headingPath: this.headingPath() }));
  }

  /** A new page/slide/sheet of its own structure starts with no headings above it. */
  resetHeadings() {
    this.path = [];
  }

  headingPath(): string[] {
    return this.path.map((h) => h.text);
  }

  get textChars(): number {
    return this.chars;
  }
}

/** A parser's own error message, short enough to show a user. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
