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
  private pending = '';
  /** How far `pending` has been scanned for fences and line ends. */
  private scanned = 0;
  /** The ends of the lines in `pending` that are outside a code fence. */
  private lineEnds: number[] = [];
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

  /** Returns a promise while the client cannot take more, as a delta sink does (providers/types.ts). */
  push(delta: string): Promise<void> | undefined {
    this.pending += delta;
    this.scan();
    if (this.lineEnds.length === 0) return undefined;
    // line by line, so the result does not depend on how the provider split its answer
    let from = 0;
    let carry = '';
    for (const end of this.lineEnds) {
      carry = this.process(carry + this.pending.slice(from, end), false);
      from = end;
    }
    this.lineEnds = [];
    this.pending = carry + this.pending.slice(from);
    this.scanned = this.pending.length;
    const full = this.full;
    this.full = undefined;
    return full;
  }

  /** Fixes what is left, adds the sign-off if the text lacks one, and returns the whole response. */
  finish(): string {
    const rest = this.pending;
    this.pending = '';
    this.process(rest, true);
    return this.parts.join('');
  }

  /** Finds line ends outside code fences in the new part of `pending`. */
  private scan(): void {
    const text = this.pending;
    for (let i = this.scanned; i < text.length; i++) {
      const ch = text[i] as string;
      if (ch === '`' || ch === '~') {
        if (this.run.char === ch) this.run.length++;
        else this.endRun(ch);
        continue;
      }
      this.endRun('');
      if (ch === '\n' && !this.fence) this.lineEnds.push(i + 1);
    }
    this.scanned = text.length;
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
