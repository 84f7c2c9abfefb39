/**
 * Incremental text/event-stream parser (the WHATWG event-stream format, minus `id`/`retry`, which no
 * LLM stream uses). Fed decoded text chunks as they arrive; calls `onEvent` once per complete event.
 * Accepts LF and CRLF line endings (Gemini uses CRLF). An event cut off by the end of the stream is
 * dropped, as the format requires.
 */
export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  readonly #onEvent: (event: string, data: string) => void;

  constructor(onEvent: (event: string, data: string) => void) {
    this.#onEvent = onEvent;
  }

  push(chunk: string): void {
    const text = this.#buffer + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.#line(text.slice(start, end));
      start = nl + 1;
    }
    this.#buffer = start === 0 ? text : text.slice(start);
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0) {
        const data = this.#data.length === 1 ? (this.#data[0] as string) : this.#data.join('\n');
        const event = this.#event || 'message';
        this.#data = [];
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
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
  }
}
