import { openChat } from '../chat/engine.ts';
import type { ChatInput, ChatStream } from '../chat/types.ts';
import type { Ctx } from '../core/context.ts';
import { newId } from '../core/ids.ts';
import type { ChatMessage, ToolCall } from '../providers/chat-types.ts';
import { ClientGone } from '../providers/upstream-errors.ts';
import type { ConversationRow } from '../storage/schema.ts';
import { busOf } from './bus.ts';
import { appendEvents, NEW_TURN, type NewEvent, type StoredEvent } from './events.ts';
import { DEFAULT_PERSONA_ID, fieldsOf } from './store.ts';
import { confirms, type Guess, guessInputs, history } from './turn-inputs.ts';
import { ShuttingDown, turnsOf } from './turn-registry.ts';

/**
 * One replica turn on the chat engine (src/chat/engine.ts, the one engine of OpenAI chat, conversations
 * and the console): the history is rebuilt from the log (utterances: user → user, replica → assistant),
 * the current conversational_context goes in as the caller's system message, and the answer streams out
 * as Tavus's events. The turn watches the log for a conversation.interrupt (posted to any instance),
 * which aborts the engine's signal and so the upstream call; a tool call waits for its
 * conversation.tool_result (bounded) and the answer continues with it. Turns run under the store handle's
 * TurnRegistry (turn-registry.ts): closing the store first lets them finish, then interrupts them.
 */

export const TOOL_RESULT_WAIT_MS = 30_000;
const TOOL_ROUNDS = 4;

/** Aborts the conversation's turn running in this process at once (other instances see the log). */
export function interruptLocal(ctx: Ctx, conversationId: string): void {
  turnsOf(ctx).interrupt(conversationId);
}

async function emit(ctx: Ctx, id: string, events: NewEvent[], urgent = false): Promise<StoredEvent[]> {
  // A turn that outlived the close (it ignored its abort past the bound) must not reach a closed store.
  if (turnsOf(ctx).closed) throw new ShuttingDown();
  const out = await appendEvents(ctx.db, id, events, ctx.now(), undefined, { urgent });
  busOf(ctx).wake(id, out);
  return out;
}

/**
 * Streams accumulated speech as conversation.utterance.streaming. The first words go out at once (they
 * are what the user waits for); after them, at most one partial every `intervalMs`
 * (PERSONAKIT_UTTERANCE_STREAM_INTERVAL_MS), each carrying all the speech so far, so nothing is lost by
 * skipping one. A provider sending a token every few ms would otherwise make each token an appended,
 * committed and broadcast event (200 a second per conversation); captions need a few tens. The final
 * event is not held: finish() ends the wait.
 */
class SpeechStream {
  speech = '';
  #sent = '';
  #inflight: Promise<void> = Promise.resolve();
  #busy = false;
  #lastAt = 0;
  #wait: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  #finishing = false;

  readonly ctx: Ctx;
  readonly id: string;
  readonly turnIdx: number;
  readonly inferenceId: string;
  readonly intervalMs: number;

  constructor(ctx: Ctx, id: string, turnIdx: number, inferenceId: string) {
    this.ctx = ctx;
    this.id = id;
    this.turnIdx = turnIdx;
    this.inferenceId = inferenceId;
    this.intervalMs = ctx.config.PERSONAKIT_UTTERANCE_STREAM_INTERVAL_MS;
  }

  push(text: string): void {
    this.speech += text;
    if (!this.#busy) this.#flush();
  }

  #flush(): void {
    this.#busy = true;
    this.#inflight = (async () => {
      try {
        while (this.#sent !== this.speech && !this.#finishing) {
          const first = this.#sent === '';
          if (!first) await this.#pace();
          if (this.#finishing) break;
          const speech = this.speech;
          this.#lastAt = performance.now();
          // The first words are committed without waiting for the loop turn.
          await emit(this.ctx, this.id, [this.#event(speech, false)], first);
          this.#sent = speech;
        }
      } catch (err) {
        // A partial lost is made good by the next one or by the final utterance; the turn goes on.
        this.ctx.log.warn({ err, conversationId: this.id }, 'streamed utterance not recorded');
      } finally {
        this.#busy = false;
      }
    })();
  }

  /** Waits out the rest of the interval since the last partial began (ended early by finish()). */
  #pace(): Promise<void> {
    const left = this.#lastAt + this.intervalMs - performance.now();
    if (left <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wait = {
        resolve,
        timer: setTimeout(() => {
          this.#wait = undefined;
          resolve();
        }, left),
      };
    });
  }

  #event(speech: string, final: boolean, interrupted = false): NewEvent {
    return {
      event_type: 'conversation.utterance.streaming',
      properties: {
        role: 'replica',
        content_index: 0,
        speech,
        final,
        ...(interrupted && { is_interrupted: true }),
      },
      turn_idx: this.turnIdx,
      inference_id: this.inferenceId,
    };
  }

  async finish(interrupted: boolean): Promise<NewEvent> {
    // A partial still waiting for its turn is superseded by the final event, sent at once.
    this.#finishing = true;
    if (this.#wait) {
      clearTimeout(this.#wait.timer);
      this.#wait.resolve();
      this.#wait = undefined;
    }
    await this.#inflight;
    return this.#event(this.speech, true, interrupted);
  }
}

/** A turn's first events, appended with the user's utterance that opens it (turn_idx: that turn's). */
export function startedSpeaking(inferenceId: string): NewEvent[] {
  return [
    {
      event_type: 'conversation.started_speaking',
      properties: { role: 'replica' },
      turn_idx: NEW_TURN,
      inference_id: inferenceId,
    },
    { event_type: 'conversation.replica.started_speaking', turn_idx: NEW_TURN, inference_id: inferenceId },
  ];
}

/** The respond that opens a turn: what it appended, once committed. */
export interface TurnStart {
  conversationId: string;
  /** The replica's answer's inference_id (its started_speaking carry it already). */
  inferenceId: string;
  /** The user's utterance: its text and inference_id. */
  user: { text: string; inferenceId: string };
  /**
   * The respond's append: the row as the turn opened (last_seq: its started_speaking) and the append's
   * first seq; undefined when nothing was appended (not the caller's, ended, failed).
   */
  opened: Promise<{ row: ConversationRow; firstSeq: number } | undefined>;
}

/**
 * Starts the replica's answer in the background, as soon as the respond is sent: the row and history
 * are read and the upstream call opened while the respond commits (a guess, confirmed once it did, or
 * else read again). Once the respond committed the turn is the conversation's here (its previous turn
 * here is interrupted). Once closing passed its grace the turn is interrupted before it begins, and
 * records only its end.
 */
export function startTurn(ctx: Ctx, start: TurnStart): void {
  turnsOf(ctx).turn((controller) => runTurn(ctx, start, controller));
}

interface Early {
  guess: Guess;
  chat: Promise<ChatStream>;
}

/** The guessed inputs and the upstream call opened on them (the call may fail; that is read later). */
async function openEarly(ctx: Ctx, start: TurnStart, signal: AbortSignal): Promise<Early | undefined> {
  const guess = await guessInputs(ctx, start.conversationId, start.user).catch(() => undefined);
  if (!guess) return undefined;
  const chat = openChat(ctx, chatInput(guess.row, guess.messages, signal));
  chat.catch(() => undefined);
  return { guess, chat };
}

function chatInput(row: ConversationRow, messages: ChatMessage[], signal: AbortSignal): ChatInput {
  const fields = fieldsOf(row);
  return {
    personaId: row.persona_id ?? DEFAULT_PERSONA_ID,
    messages,
    documentIds: fields.document_ids,
    documentTags: fields.document_tags,
    retrievalStrategy: strategyOf(fields.document_retrieval_strategy),
    signal,
  };
}

/** One turn; never throws (failures become an error event, or a warning when even that fails). */
async function runTurn(ctx: Ctx, start: TurnStart, controller: AbortController): Promise<void> {
  // The guess's own abort, for a guess the commit does not confirm; an interrupt aborts it too.
  const guessing = new AbortController();
  const early = controller.signal.aborted
    ? undefined
    : openEarly(ctx, start, AbortSignal.any([controller.signal, guessing.signal]));
  const opened = await start.opened;
  if (!opened) {
    // Nothing was appended: the turn never began, and leaves nothing.
    guessing.abort();
    return;
  }
  const { row } = opened;
  const id = row.id;
  const { inferenceId } = start;
  const turnIdx = row.turn_idx;
  const release = turnsOf(ctx).own(id, controller);
  const toolResults = new Map<string, string>();
  const waiters = new Map<string, () => void>();
  const unsubscribe = busOf(ctx).subscribe(
    id,
    row.last_seq,
    (events) => {
      for (const { envelope: e } of events) {
        // Ended (by anyone, on any instance): stop generating; nothing more can be appended anyway.
        if (e.event_type === 'conversation.interrupt' || e.event_type === 'system.shutdown')
          controller.abort();
        if (e.event_type === 'conversation.tool_result') {
          const callId = String(e.properties?.tool_call_id ?? '');
          const out = e.properties?.output;
          toolResults.set(callId, typeof out === 'string' ? out : JSON.stringify(out ?? ''));
          waiters.get(callId)?.();
        }
      }
    },
    true,
  );
  const started = ctx.now().getTime();
  const stream = new SpeechStream(ctx, id, turnIdx, inferenceId);
  let interrupted = false;
  let checks: unknown[] = [];
  let citations: unknown[] = [];
  try {
    if (controller.signal.aborted) throw new ClientGone();
    const guessed = await early;
    let messages: ChatMessage[];
    let chat: ChatStream;
    if (guessed && (await confirms(ctx, guessed.guess, row, opened.firstSeq))) {
      messages = guessed.guess.messages;
      chat = await guessed.chat;
    } else {
      guessing.abort();
      messages = await history(ctx, row);
      chat = await openChat(ctx, chatInput(row, messages, controller.signal));
    }
    for (let round = 0; ; ) {
      const result = await chat.run((delta) => {
        if (delta.type === 'text') stream.push(delta.text);
        return undefined;
      });
      checks = result.checks;
      citations = result.citations.map((c) => ({
        index: c.index,
        document_id: c.document_id,
        document_name: c.document_name,
      }));
      if (result.toolCalls.length === 0) break;
      messages.push({ role: 'assistant', content: result.text, toolCalls: result.toolCalls });
      await emit(
        ctx,
        id,
        result.toolCalls.map((call) => toolCallEvent(call, turnIdx, inferenceId)),
      );
      for (const call of result.toolCalls) {
        const output = await waitForResult(call.id, toolResults, waiters, controller.signal);
        messages.push({ role: 'tool', content: output, toolCallId: call.id });
      }
      if (++round >= TOOL_ROUNDS) break;
      chat = await openChat(ctx, chatInput(row, messages, controller.signal));
    }
  } catch (err) {
    if (controller.signal.aborted || err instanceof ClientGone) {
      interrupted = true;
    } else {
      ctx.log.warn({ err, conversationId: id }, 'conversation turn failed');
      await emit(ctx, id, [
        {
          event_type: 'system.error',
          properties: { message: err instanceof Error ? err.message : 'The answer failed' },
          turn_idx: turnIdx,
          inference_id: inferenceId,
        },
      ]).catch(() => undefined);
    }
  } finally {
    unsubscribe();
    release();
  }
  const duration = Math.round((ctx.now().getTime() - started) / 10) / 100;
  const final = await stream.finish(interrupted);
  // A turn that failed before saying anything leaves no empty utterance in the transcript.
  const said = stream.speech !== '' || interrupted;
  await emit(ctx, id, [
    ...(said ? [final] : []),
    ...(said
      ? [
          {
            event_type: 'conversation.utterance',
            properties: {
              role: 'replica',
              speech: stream.speech,
              ...(interrupted && { interrupted: true }),
              checks,
              citations,
            },
            turn_idx: turnIdx,
            inference_id: inferenceId,
          },
        ]
      : []),
    {
      event_type: 'conversation.stopped_speaking',
      properties: { role: 'replica', interrupted, duration },
      turn_idx: turnIdx,
      inference_id: inferenceId,
    },
    {
      event_type: 'conversation.replica.stopped_speaking',
      properties: { interrupted, duration },
      turn_idx: turnIdx,
      inference_id: inferenceId,
    },
  ]).catch((err) => ctx.log.warn({ err, conversationId: id }, 'conversation turn end not recorded'));
}

/** Stored as sent (the schema allows only the three); anything else reads as the default. */
function strategyOf(value: unknown): 'speed' | 'balanced' | 'quality' {
  return value === 'speed' || value === 'quality' ? value : 'balanced';
}

function toolCallEvent(call: ToolCall, turnIdx: number, inferenceId: string): NewEvent {
  return {
    event_type: 'conversation.tool_call',
    properties: { tool_call_id: call.id, name: call.name, arguments: call.arguments },
    turn_idx: turnIdx,
    inference_id: inferenceId,
  };
}

/** The client's result for one call; without one in time, the model is told none came. */
function waitForResult(
  callId: string,
  results: Map<string, string>,
  waiters: Map<string, () => void>,
  signal: AbortSignal,
): Promise<string> {
  const have = results.get(callId);
  if (have !== undefined) return Promise.resolve(have);
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      waiters.delete(callId);
      resolve(results.get(callId) ?? 'No result arrived for this tool call in time.');
    };
    const onAbort = () => {
      clearTimeout(timer);
      waiters.delete(callId);
      reject(new ClientGone());
    };
    const timer = setTimeout(done, TOOL_RESULT_WAIT_MS);
    waiters.set(callId, done);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
