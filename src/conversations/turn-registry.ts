import type { Services } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import { perStore } from '../core/per-store.ts';
import { settlesWithin } from '../core/settles-within.ts';

/**
 * What this process is doing to its conversations, per store handle (one instance), so that closing the
 * store is orderly. Every interaction is tracked while it writes, and every replica turn while it runs
 * (its upstream call, then its streamed and final events). Closing:
 * 1. refuses new interactions at once (503, an error event on a socket); one accepted before keeps its
 *    effect (a respond's user utterance and started_speaking, and its turn, which runs as below);
 * 2. gives the running turns the grace (the server's drain, PERSONAKIT_SHUTDOWN_TIMEOUT_MS) to finish;
 * 3. interrupts those still running, as conversation.interrupt does (their upstream call is aborted), and
 *    waits (bounded) while each records its end: the partial answer as an interrupted utterance, then
 *    stopped_speaking — the transcript reads as if the user had interrupted, every started_speaking has
 *    its stopped_speaking and the next turn's history has what clients were shown;
 * 4. only then may the store close. A turn that ignored its abort past the bound writes nothing more: its
 *    writes are refused here instead of reaching a closed driver.
 */

/** After the abort, how long turns get to record their interrupted end before the store closes anyway. */
const ABORT_GRACE_MS = 2000;

export class ShuttingDown extends AppError {
  constructor() {
    super('unavailable', 'The server is shutting down');
  }
}

export class TurnRegistry {
  /** Conversation id → its running turn's controller: an interrupt posted here aborts it at once. */
  readonly #running = new Map<string, AbortController>();
  /** Every turn running here, opened or not yet. */
  readonly #turns = new Set<AbortController>();
  readonly #tasks = new Set<Promise<unknown>>();
  #accepting = true;
  /** False once running turns are interrupted: a turn opened after that is interrupted as it starts. */
  #startsTurns = true;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** True once closing finished: nothing may write to the store through a conversation any more. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Runs `work` as one interaction (refused while closing), tracked until it settles. */
  interaction<T>(work: () => Promise<T>): Promise<T> {
    if (!this.#accepting) return Promise.reject(new ShuttingDown());
    return this.#track(work());
  }

  /**
   * Runs a turn with its own controller, tracked until it settles; once closing passed its grace, with its
   * controller already aborted (the turn records only its interrupted end, if it was opened at all).
   */
  turn(body: (controller: AbortController) => Promise<void>): void {
    const controller = new AbortController();
    if (!this.#startsTurns) controller.abort();
    this.#turns.add(controller);
    void this.#track(body(controller).finally(() => this.#turns.delete(controller)));
  }

  /**
   * From now on `controller`'s turn is the conversation's, here: the one before it is interrupted. Called
   * once the turn's respond committed (so only the conversation's owner can interrupt its answer).
   * Returns the release to call when the turn ends.
   */
  own(conversationId: string, controller: AbortController): () => void {
    this.#running.get(conversationId)?.abort();
    this.#running.set(conversationId, controller);
    return () => {
      if (this.#running.get(conversationId) === controller) this.#running.delete(conversationId);
    };
  }

  /** Aborts the conversation's turn running in this process, if any (other instances read the log). */
  interrupt(conversationId: string): void {
    this.#running.get(conversationId)?.abort();
  }

  /** Closes as the class comment says; idempotent (a second call waits for the first). */
  close(graceMs: number): Promise<void> {
    this.#closing ??= (async () => {
      this.#accepting = false;
      const finished = await this.#settled(graceMs);
      this.#startsTurns = false;
      if (!finished) {
        for (const c of this.#turns) c.abort();
        await this.#settled(ABORT_GRACE_MS);
      }
      this.#closed = true;
    })();
    return this.#closing;
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#tasks.add(p);
    const untrack = () => void this.#tasks.delete(p);
    p.then(untrack, untrack);
    return p;
  }

  /** Whether every task settled within `ms`, counting tasks started meanwhile (a respond's turn). */
  async #settled(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.#tasks.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await settlesWithin(Promise.allSettled([...this.#tasks]), left);
    }
    return true;
  }
}

/** One registry per store handle, like the bus. */
export const turnsOf = perStore(() => new TurnRegistry());

/** Closes the store handle's conversations (see TurnRegistry); part of closing the services. */
export function closeTurns(services: Pick<Services, 'db'>, graceMs: number): Promise<void> {
  return turnsOf(services).close(graceMs);
}
