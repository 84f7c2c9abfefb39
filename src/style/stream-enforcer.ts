import type { JsonObject } from '../core/persona.ts';
import { compileStyle } from './compile.ts';
import { applyLocalStyle } from './engine.ts';
import { mask } from './protect.ts';
import { findEmoji } from './rules/emoji.ts';
import { findExclamations } from './rules/exclamations.ts';
import { endsWithFraming, joinParts, withoutFraming } from './rules/framing.ts';
import { ownSignOff } from './rules/own-framing.ts';
import { countWords } from './segment.ts';
import { countSentences } from './sentences.ts';

/**
 * Streaming with `enforce: true` (issue 12.3): the deltas a client sees are already the fixed text, so a
 * UI never shows what the persona forbids. Text is held back only to the end of the current line (and to
 * the end of a code fence): no rule reads across a line break (sentences end there, and phrases, word
 * tables and contractions never join words over one), so each finished line can be fixed on its own,
 * with what the rules must carry over (the one `light` emoji or "!", the sentences and words a limit
 * still allows, whether the greeting is out) kept here. The sign-off is decided at the end. Every
 * character goes through the engine once: linear in the answer. The concatenation of the deltas is the
 * final response.
 */
export class StreamEnforcer {
  /** Text received since the last line that was fixed and sent (kept as pieces: joined once, when used). */
  private pieces: string[] = [];
  /** Whether the current line (outside a fence) has anything but blanks. */
  private lineHasContent = false;
  /** Trailing blanks of the last line sent: they wait for what follows them. */
  private held = '';
  private fence: { char: string; length: number } | undefined;
  private run = { char: '', length: 0 };
  private readonly parts: string[] = [];
  private tail = '';
  private started = false;
  private stopped = false;
  private emoji = 0;
  private exclamations = 0;
  private sentencesLeft: number | undefined;
  private wordsLeft: number | undefined;

  private readonly attributes: JsonObject;
  private readonly emit: (text: string) => Promise<void> | undefined | void;
  /** Set when the client's buffer is full: the caller waits on it before reading more (backpressure). */
  private full: Promise<void> | undefined;

  constructor(attributes: JsonObject, emit: (text: string) => Promise<void> | undefined | void) {
    this.attributes = attributes;
    this.emit = emit;
    const style = compileStyle(attributes);
    this.sentencesLeft = style.maxSentences;
    this.wordsLeft = style.maxWords;
  }

  /**
   * Takes the next delta; fixes and sends each line that it completes. Only the delta is scanned, and a
   * run of blank lines is joined to the line that follows it, so the work is linear in the answer
   * whatever its shape (per-line work on 7 M newlines held a server 45 s). Returns a promise while the
   * client cannot take more, as a delta sink does (providers/types.ts).
   */
  push(delta: string): Promise<void> | undefined {
    const blank = blankTable();
    let start = 0;
    for (let i = 0; i < delta.length; i++) {
      const c = delta.charCodeAt(i);
      if (c === 96 || c === 126) {
        // ` or ~: fences
        const ch = c === 96 ? '`' : '~';
        if (this.run.char === ch) this.run.length++;
        else this.endRun(ch);
        this.lineHasContent = true;
        continue;
      }
      this.endRun('');
      if (c === 10 && !this.fence) {
        if (!this.lineHasContent) continue;
        this.pieces.push(delta.slice(start, i + 1));
        start = i + 1;
        const line = this.pieces.length === 1 ? (this.pieces[0] as string) : this.pieces.join('');
        this.pieces = [];
        this.lineHasContent = false;
        this.held = this.process(this.held + line, false);
      } else if (blank[c] !== 1) this.lineHasContent = true;
    }
    if (start < delta.length) this.pieces.push(start === 0 ? delta : delta.slice(start));
    const full = this.full;
    this.full = undefined;
    return full;
  }

  /** Fixes what is left, adds the sign-off if the text lacks one, and returns the whole response. */
  finish(): string {
    const rest = this.held + this.pieces.join('');
    this.pieces = [];
    this.held = '';
    this.process(rest, true);
    return this.parts.join('');
  }

  private endRun(next: string): void {
    const { char, length } = this.run;
    if (length >= 3) {
      if (!this.fence) this.fence = { char, length };
      else if (this.fence.char === char && length >= this.fence.length) this.fence = undefined;
    }
    this.run = { char: next, length: next === '' ? 0 : 1 };
  }

  private send(text: string): void {
    if (text === '') return;
    this.parts.push(text);
    this.tail = (this.tail + text).slice(-512);
    this.full = this.emit(text) ?? this.full;
  }

  /** Fixes and sends one line (or fenced block); returns its trailing blanks, held for what follows. */
  private process(chunk: string, final: boolean): string {
    // trailing blanks wait for what follows them (a removed line must not leave its line break behind)
    const body = chunk.trimEnd();
    const held = chunk.slice(body.length);
    const lead = this.started ? body.slice(0, body.length - body.trimStart().length) : '';
    const content = body.slice(lead.length);
    if (content !== '' && !this.stopped) {
      const rules = this.rulesFor();
      const out = applyLocalStyle(content, rules);
      if (out.trim() !== '') {
        this.send((this.started ? lead : '') + out);
        this.count(out, !this.started);
        this.started = true;
      }
      // a limit that cut this line ends the answer here, as it does for a whole text
      if (rules.max_sentences !== undefined || rules.max_words !== undefined) {
        const { max_sentences: _s, max_words: _w, ...unlimited } = rules;
        if (applyLocalStyle(content, unlimited) !== out) this.stopped = true;
      }
    }
    if (final) this.signOff();
    return final ? '' : held;
  }

  /** The persona's rules for the next line, given what was sent already. */
  private rulesFor(): JsonObject {
    const a: JsonObject = { ...this.attributes };
    delete a.sign_off;
    if (this.started) delete a.greeting;
    if (a.emoji === 'light' && this.emoji > 0) a.emoji = 'none';
    if (a.exclamations === 'light' && this.exclamations > 0) a.exclamations = 'none';
    if (this.sentencesLeft !== undefined) a.max_sentences = this.sentencesLeft;
    if (this.wordsLeft !== undefined) a.max_words = this.wordsLeft;
    return a;
  }

  private count(out: string, first: boolean): void {
    const style = compileStyle(this.attributes);
    const masked = mask(out, []);
    this.emoji += findEmoji(masked).length;
    this.exclamations += findExclamations(masked).length;
    const content = mask(first ? withoutFraming(out, style.greeting) : out, []);
    if (this.sentencesLeft !== undefined) this.sentencesLeft -= countSentences(content);
    if (this.wordsLeft !== undefined) this.wordsLeft -= countWords(content);
    if ((this.sentencesLeft ?? 1) <= 0 || (this.wordsLeft ?? 1) <= 0) this.stopped = true;
  }

  private signOff(): void {
    const style = compileStyle(this.attributes);
    const signOff = style.signOff;
    if (!signOff) return;
    if (endsWithFraming(this.tail, signOff) || ownSignOff(this.tail) !== undefined) return;
    // only the mark rules: the sign-off went through the word rules when compiled, and limits never cut it
    const rules = this.rulesFor();
    const styled = applyLocalStyle(signOff.styled, {
      emoji: rules.emoji ?? null,
      exclamations: rules.exclamations ?? null,
    });
    const base = this.tail.trimEnd();
    if (base === '') {
      this.send(styled);
      return;
    }
    this.send(joinParts(base, styled).slice(base.length));
  }
}

let blanks: Uint8Array | undefined;

/** 1 for each UTF-16 code unit String.prototype.trim() removes (the \\s class), built once on first use. */
function blankTable(): Uint8Array {
  if (blanks) return blanks;
  // What /\s/ matches (ECMAScript WhiteSpace and LineTerminator), listed: testing all 65,536 code units
  // with the regex took tens of ms on the first stream.
  const table = new Uint8Array(65536);
  for (const c of [9, 10, 11, 12, 13, 32, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff]) {
    table[c] = 1;
  }
  for (let c = 0x2000; c <= 0x200a; c++) table[c] = 1;
  blanks = table;
  return table;
}
