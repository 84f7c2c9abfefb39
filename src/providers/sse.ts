/**
 * Incremental text/event-stream parser (the WHATWG event-stream format, minus `id`/`retry`, which no
 * LLM stream uses). Fed decoded text chunks as they arrive; calls `onEvent` once per complete event.
 * Accepts LF and CRLF line endings (Gemini uses CRLF). An event cut off by the end of the stream is
 * dropped, as the format requires.
 *
 * Work is linear in the input: each chunk is scanned once, and the start of a line still waiting for its
 * newline is kept as pieces, joined once when the line ends (re-scanning a growing buffer on every chunk
 * made a stream without newlines cost O(n²): 16 MiB took 17.6 s of CPU). A line or an event's data past
 * MAX_SSE_LINE_CHARS fails the stream with SseTooLong (ADR 0004).
 */

/** Longest line, and longest data of one event, a stream may send; far above any vendor's delta. */
export const MAX_SSE_LINE_CHARS = 1024 * 1024;

/** A line or an event grew past the bound: the stream is not one an LLM vendor sends. */
export class SseTooLong extends Error {}

export class SseParser {
  /** The current line's start, from earlier chunks (its newline has not come yet). */
  #partial: string[] = [];
  #partialLength = 0;
  #event = '';
  #data: string[] = [];
  #dataLength = 0;
  readonly #onEvent: (event: string, data: string) => void;
  readonly #maxChars: number;

  constructor(onEvent: (event: string, data: string) => void, maxChars = MAX_SSE_LINE_CHARS) {
    this.#onEvent = onEvent;
    this.#maxChars = maxChars;
  }

  push(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      let line = chunk.slice(start, nl);
      if (this.#partialLength > 0) {
        this.#partial.push(line);
        line = this.#partial.join('');
        this.#partial = [];
        this.#partialLength = 0;
      }
      if (line.length > this.#maxChars) throw this.#tooLong();
      // CRLF: the CR may have come at the end of the previous chunk, hence a check on the joined line.
      this.#line(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.#partialLength += chunk.length - start;
      if (this.#partialLength > this.#maxChars) throw this.#tooLong();
      this.#partial.push(start === 0 ? chunk : chunk.slice(start));
    }
  }

  #tooLong(): SseTooLong {
    return new SseTooLong(`an event-stream line or event is longer than ${this.#maxChars} characters`);
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0) {
        const data = this.#data.length === 1 ? (this.#data[0] as string) : this.#data.join('\n');
        const event = this.#event || 'message';
        this.#data = [];
        this.#dataLength = 0;
        this.#event = '';
        this.#onEvent(event, data);
      } else {
        this.#event = '';
      }
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') {
      // Many short data lines make one event too: its joined data is bounded like a line.
      this.#dataLength += value.length + 1;
      if (this.#dataLength > this.#maxChars) throw this.#tooLong();
      this.#data.push(value);
    } else if (field === 'event') this.#event = value;
  }
}
