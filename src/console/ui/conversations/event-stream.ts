/**
 * Server-Sent Events over fetch, for the console's live transcript. EventSource cannot send the
 * Authorization header that /v2/conversations/{id}/events needs, so the stream is read with fetch and
 * parsed here (the text/event-stream format: fields per line, a blank line ends an event). A dropped
 * stream reconnects with Last-Event-ID, so no event is lost or repeated; the server's own close (after
 * system.shutdown) is final when the caller says so through `isFinished`.
 */

export interface StreamEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** Feeds text chunks in; calls `emit` for each complete event. Lines are split by hand (no regex). */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  /** The id of the last dispatched event (what Last-Event-ID resumes after). */
  lastEventId: string | undefined;

  private readonly emit: (e: StreamEvent) => void;

  constructor(emit: (e: StreamEvent) => void) {
    this.emit = emit;
  }

  push(chunk: string): void {
    this.buffer += chunk;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      // A \r at the very end might be the first half of \r\n: wait for the next chunk.
      if (ch === 13 && i === this.buffer.length - 1) break;
      this.line(this.buffer.slice(start, i));
      if (ch === 13 && this.buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }

  private dispatch(): void {
    if (this.id !== undefined) this.lastEventId = this.id;
    if (this.data.length > 0) {
      this.emit({ id: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') });
    }
    this.data = [];
    this.event = '';
  }
}

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface EventStreamOptions {
  headers: Record<string, string>;
  onEvent(e: StreamEvent): void;
  onState(state: StreamState, detail?: string): void;
  /** True once the stream has carried its last event (e.g. system.shutdown): no reconnect then. */
  isFinished(): boolean;
  /** Resume after this id (e.g. the last seq already shown). */
  lastEventId?: string;
}

const MAX_DELAY_MS = 10_000;

/** Opens the stream; returns close(). Errors the server words (4xx) stop it with their message. */
export function openEventStream(url: string, opts: EventStreamOptions): () => void {
  const controller = new AbortController();
  let lastId = opts.lastEventId;
  let failures = 0;

  const run = async () => {
    while (!controller.signal.aborted) {
      opts.onState(failures === 0 ? 'connecting' : 'reconnecting');
      try {
        const headers: Record<string, string> = { ...opts.headers, accept: 'text/event-stream' };
        if (lastId !== undefined) headers['last-event-id'] = lastId;
        const res = await fetch(url, { headers, signal: controller.signal, cache: 'no-store' });
        if (!res.ok || !res.body) {
          const text = await res.text().catch(() => '');
          if (res.status >= 400 && res.status < 500 && res.status !== 429) {
            opts.onState('closed', wordsOf(res.status, text));
            return;
          }
          throw new Error(wordsOf(res.status, text));
        }
        opts.onState('open');
        let got = false;
        const parser = new SseParser((e) => {
          got = true;
          failures = 0;
          if (e.id !== undefined) lastId = e.id;
          opts.onEvent(e);
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.push(value);
        }
        if (opts.isFinished()) {
          opts.onState('closed');
          return;
        }
        // Closed at once with nothing new (e.g. an ended conversation without a shutdown event): back off.
        if (!got) failures++;
      } catch (err) {
        if (controller.signal.aborted) return;
        failures++;
        opts.onState('reconnecting', err instanceof Error ? err.message : String(err));
      }
      if (controller.signal.aborted) return;
      const delay = Math.min(MAX_DELAY_MS, 500 * 2 ** Math.min(failures, 5));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  };
  void run();
  return () => controller.abort();
}

/** The API's error body ({message} or {error}) in words, else the HTTP status. */
function wordsOf(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const words = typeof body.message === 'string' ? body.message : body.error;
    if (typeof words === 'string' && words !== '') return words;
  } catch {
    // not JSON
  }
  return `The event stream failed (HTTP ${status})`;
}
