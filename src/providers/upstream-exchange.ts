import type { IncomingHttpHeaders } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { Dispatcher } from 'undici';
import { AnswerBody } from './answer-body.ts';
import type { Outgoing } from './transport.ts';
import type { Call, ClientSignal, DeltaSink } from './types.ts';

/**
 * One upstream request on undici's dispatch handler API (ADR 0010): the answer's bytes come straight to
 * this object, without the promise, Readable stream and AbortSignal that undici's request() builds for
 * every call. Those were ~15% of a refine's CPU, and per chunk they were most of the cost of relaying
 * 1,000 open streams. Everything a call needs to end early lives here too: the client leaving (one
 * listener), the whole-answer deadline (one timer), and a size bound on what is kept.
 */

export class BodyTooLarge extends Error {}

/** The answer's head, and its body for JSON answers and error bodies. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as received; a large JSON answer is parsed from it off the event loop (large-answer.ts). */
  body: AnswerBody;
  /** The body decoded, on first use (an answer read from its bytes is never decoded here). */
  readonly text: string;
}

/** A 2xx streamed answer: its text is passed on as it arrives. */
export interface StreamBody {
  status: number;
  /** Feeds the body, decoded, to `onText` (what arrived before this call first); resolves at its end. */
  read(onText: DeltaSink): Promise<void>;
}

/** Error bodies are only read for their message; past this they are cut, not refused. */
const MAX_ERROR_BYTES = 64 * 1024;

/**
 * Stream text handed to receivers per event-loop turn, all streams together (issue 11). One socket read
 * can hold megabytes of a fast upstream's answer: parsed, checked and relayed in one go, that held the
 * loop for hundreds of ms (a 64 MiB stream; 7 M newlines through the stream enforcer). Past the budget,
 * a stream's text waits in its queue for the next turn and its upstream is paused meanwhile; the many
 * small deltas of ordinary streams stay far below it.
 */
const TURN_CHARS = 64 * 1024;
let turnChars = 0;
let turnEnding = false;
let nextTurn: (() => void)[] = [];

function spend(chars: number): void {
  if (!turnEnding) {
    turnEnding = true;
    setImmediate(() => {
      turnEnding = false;
      turnChars = 0;
      const waiting = nextTurn;
      nextTurn = [];
      for (const go of waiting) go();
    });
  }
  turnChars += chars;
}

class Settle<T> {
  resolve!: (value: T) => void;
  reject!: (err: unknown) => void;
  readonly promise = new Promise<T>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
}

/** The client's request was aborted; mapped to ClientGone by callFailure(). */
export class ClientAborted extends Error {}

/** Our whole-answer deadline passed (undici's idle timeouts have their own errors). */
export class DeadlineExceeded extends Error {}

export class UpstreamExchange implements Dispatcher.DispatchHandler {
  timedOut = false;
  clientGone = false;
  readonly #client: ClientSignal;
  readonly #stream: boolean;
  readonly #maxBytes: number;
  #timer: NodeJS.Timeout | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #abortReason: Error | undefined;
  #finished = false;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  // Collected text (JSON answers, error bodies)
  #body = new AnswerBody();
  /** Bytes received (a stream's are counted, not kept). */
  #size = 0;
  #cut = false;
  // A 2xx stream (set once its head arrived): text waits in #queue until read() gives it a place to go,
  // the receiver can take more (#clientWait) and the turn has budget left (#turnWait).
  #decoder: StringDecoder | undefined;
  #onText: DeltaSink | undefined;
  #queue: string[] = [];
  #clientWait: Promise<void> | undefined;
  #turnWait = false;
  /** The upstream's answer is complete: the end settles once the queue is empty. */
  #ended = false;
  readonly #head = new Settle<Answer | StreamBody>();
  #end: Settle<void> | undefined;
  readonly #onClientAbort = () => {
    this.clientGone = true;
    this.abort(new ClientAborted('client closed the request'));
  };

  /**
   * Sends `out` to the call's target and settles with the answer: for JSON (`stream` false) once it is complete;
   * for a stream, at its head (a StreamBody when 2xx, the whole error answer otherwise).
   */
  static send(call: Call, out: Outgoing, stream: boolean, maxBytes: number) {
    const { target } = call;
    const x = new UpstreamExchange(call.signal, stream, maxBytes, call.timeoutMs);
    if (!x.#finished) {
      target.pool.dispatch(
        {
          method: 'POST',
          path: target.prefix + out.path,
          headers: out.headers,
          body: out.body,
          headersTimeout: call.timeoutMs,
          bodyTimeout: call.timeoutMs,
        },
        x,
      );
    }
    return x;
  }

  private constructor(client: ClientSignal, stream: boolean, maxBytes: number, timeoutMs: number) {
    this.#client = client;
    this.#stream = stream;
    this.#maxBytes = maxBytes;
    if (client.aborted) {
      this.clientGone = true;
      this.#fail(new ClientAborted('client closed the request'));
      return;
    }
    client.addEventListener('abort', this.#onClientAbort, { once: true });
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      this.abort(new DeadlineExceeded('upstream timeout'));
    }, timeoutMs);
  }

  /** The answer's head (stream) or whole answer (JSON); rejects with undici's or our abort error. */
  get answer(): Promise<Answer | StreamBody> {
    return this.#head.promise;
  }

  /** Ends the call now; what is waiting rejects with `reason`. */
  abort(reason: Error): void {
    if (this.#finished) return;
    if (this.#controller) this.#controller.abort(reason);
    else {
      // Not on a connection yet: undici hands it one later (onRequestStart aborts it then), but our
      // promises settle now.
      this.#abortReason = reason;
      this.#fail(reason);
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason) controller.abort(this.#abortReason);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.#status = status;
    this.#headers = headers;
    if (this.#stream && status >= 200 && status < 300) {
      this.#decoder = new StringDecoder('utf8');
      this.#end = new Settle<void>();
      // Rejections of the end are reported through read(); until then they must not count as unhandled.
      this.#end.promise.catch(() => {});
      this.#head.resolve({ status, read: (onText) => this.#read(onText) });
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#decoder) {
      // A stream is bounded like a JSON answer: its bytes on the wire, counted as they arrive.
      this.#size += chunk.length;
      if (this.#size > this.#maxBytes) {
        controller.abort(new BodyTooLarge(`stream over ${this.#maxBytes} bytes`));
        return;
      }
      const text = this.#decoder.write(chunk);
      if (text === '') return;
      this.#deliver(text);
      return;
    }
    if (this.#cut) return;
    const ok = this.#status >= 200 && this.#status < 300;
    const max = ok ? this.#maxBytes : MAX_ERROR_BYTES;
    if (this.#size + chunk.length > max) {
      if (ok) {
        controller.abort(new BodyTooLarge(`body over ${max} bytes`));
        return;
      }
      // An error body is only read for its message: keep its start, drop the connection.
      this.#body.push(chunk.subarray(0, max - this.#size));
      this.#size = max;
      this.#cut = true;
      this.#finish();
      this.#head.resolve(this.#collected());
      controller.abort(new BodyTooLarge('error body cut'));
      return;
    }
    this.#body.push(chunk);
    this.#size += chunk.length;
  }

  onResponseEnd(): void {
    if (this.#finished) return;
    this.#finish();
    if (this.#decoder) {
      const rest = this.#decoder.end();
      this.#ended = true;
      if (rest) this.#deliver(rest);
      else this.#drain();
    } else this.#head.resolve(this.#collected());
  }

  /** Whether the answer's head arrived (a failure after it broke off the answer, not the connection). */
  get answered(): boolean {
    return this.#status !== 0;
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.#fail(err);
  }

  #collected(): Answer {
    const body = this.#body;
    this.#body = new AnswerBody();
    let text: string | undefined;
    return {
      status: this.#status,
      headers: this.#headers,
      body,
      get text() {
        text ??= body.bytes().toString('utf8');
        return text;
      },
    };
  }

  #read(onText: DeltaSink): Promise<void> {
    this.#onText = onText;
    this.#drain();
    return (this.#end as Settle<void>).promise;
  }

  #deliver(text: string): void {
    this.#queue.push(text);
    this.#drain();
  }

  /** Hands queued text to the receiver while it takes more and the turn has budget left. */
  #drain(): void {
    const onText = this.#onText;
    if (!onText || this.#turnWait) return;
    try {
      while (this.#queue.length > 0 && !this.#clientWait) {
        const room = TURN_CHARS - turnChars;
        if (room <= 0) {
          this.#waitForTurn();
          return;
        }
        let text = this.#queue[0] as string;
        // Split anywhere: the receiver is an incremental parser (a surrogate pair is joined again there).
        if (text.length > room) {
          this.#queue[0] = text.slice(room);
          text = text.slice(0, room);
        } else this.#queue.shift();
        spend(text.length);
        this.#waitFor(onText(text));
      }
    } catch (err) {
      // The receiver refused the text (a line too long, a malformed event): the answer fails with it.
      this.#queue = [];
      if (this.#ended) this.#end?.reject(err);
      else this.abort(err as Error);
      return;
    }
    if (this.#queue.length > 0) return;
    if (this.#ended) this.#end?.resolve();
    else this.#resume();
  }

  #waitForTurn(): void {
    this.#turnWait = true;
    this.#pause();
    nextTurn.push(() => {
      this.#turnWait = false;
      this.#drain();
    });
  }

  /**
   * The receiver is full: undici stops reading the upstream socket (TCP then holds the upstream back)
   * and queued text waits until `wait` settles. A chunk already parsed may still come; it is queued.
   */
  #waitFor(wait: Promise<void> | undefined): void {
    if (!wait) return;
    this.#clientWait = wait;
    this.#pause();
    const go = () => {
      if (this.#clientWait === wait) this.#clientWait = undefined;
      this.#drain();
    };
    wait.then(go, go);
  }

  #pause(): void {
    const controller = this.#controller;
    if (controller && !this.#finished && !controller.paused) controller.pause();
  }

  /** Reads the upstream again once nothing holds it: the receiver, the turn budget, queued text. */
  #resume(): void {
    const controller = this.#controller;
    if (!controller || this.#finished || !controller.paused) return;
    if (this.#clientWait || this.#turnWait || this.#queue.length > 0) return;
    controller.resume();
  }

  #fail(err: unknown): void {
    if (this.#finished && !this.#decoder) return;
    this.#finish();
    this.#queue = [];
    this.#head.reject(err);
    this.#end?.reject(err);
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#timer);
    this.#client.removeEventListener('abort', this.#onClientAbort);
  }
}
