import { openChat } from '../chat/engine.ts';
import type { Ctx } from '../core/context.ts';
import { newId } from '../core/ids.ts';
import type { ChatMessage, ToolCall } from '../providers/chat-types.ts';
import { ClientGone } from '../providers/upstream-errors.ts';
import type { ConversationRow } from '../storage/schema.ts';
import { busOf } from './bus.ts';
import { appendEvents, NEW_TURN, type NewEvent, recentUtterances, type StoredEvent } from './events.ts';
import { recall } from './memories.ts';
import { DEFAULT_PERSONA_ID, fieldsOf } from './store.ts';
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
/** Utterances given to the LLM as the history: the most recent ones, so a long conversation stays bounded. */
const HISTORY_UTTERANCES = 400;

/** Aborts the conversation's turn running in this process at once (other instances see the log). */
export function interruptLocal(ctx: Ctx, conversationId: string): void {
  turnsOf(ctx).interrupt(conversationId);
}

async function emit(ctx: Ctx, id: string, events: NewEvent[]): Promise<StoredEvent[]> {
  // A turn that outlived the close (it ignored its abort past the bound) must not reach a closed store.
  if (turnsOf(ctx).closed) throw new ShuttingDown();
  const out = await appendEvents(ctx.db, id, events, ctx.now());
  busOf(ctx).wake(id, out);
  return out;
}

async function history(ctx: Ctx, row: ConversationRow): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [];
  const memories = await recall(ctx, row.id, fieldsOf(row).memory_stores ?? []);
  const system = [row.context ?? '', memories].filter((t) => t !== '').join('\n\n');
  if (system) messages.push({ role: 'system', content: system });
  for (const e of await recentUtterances(ctx.db, row.id, HISTORY_UTTERANCES)) {
    const speech = String(e.properties?.speech ?? '');
    messages.push({ role: e.properties?.role === 'user' ? 'user' : 'assistant', content: speech });
  }
  return messages;
}

/** Streams accumulated speech as conversation.utterance.streaming, coalescing deltas while a write is out. */
class SpeechStream {
  speech = '';
  #sent = '';
  #inflight: Promise<void> = Promise.resolve();
  #busy = false;

  readonly ctx: Ctx;
  readonly id: string;
  readonly turnIdx: number;
  readonly inferenceId: string;

  constructor(ctx: Ctx, id: string, turnIdx: number, inferenceId: string) {
    this.ctx = ctx;
    this.id = id;
    this.turnIdx = turnIdx;
    this.inferenceId = inferenceId;
  }

  push(text: string): void {
    this.speech += text;
    if (!this.#busy) this.#flush();
  }

  #flush(): void {
    this.#busy = true;
    this.#inflight = (async () => {
      try {
        while (this.#sent !== this.speech) {
          const speech = this.speech;
          await emit(this.ctx, this.id, [this.#event(speech, false)]);
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

/**
 * Starts the replica's answer to the history as it stands, in the background (interrupting this
 * conversation's previous turn here). `row` is the conversation as the turn was opened (its last_seq
 * the turn's started_speaking, already appended). Once closing passed its grace the turn is interrupted
 * before it begins, and records only its end.
 */
export function startTurn(ctx: Ctx, row: ConversationRow, inferenceId: string): void {
  turnsOf(ctx).turn(row.id, (controller) => runTurn(ctx, row, inferenceId, controller));
}

/** One turn; never throws (failures become an error event, or a warning when even that fails). */
async function runTurn(
  ctx: Ctx,
  row: ConversationRow,
  inferenceId: string,
  controller: AbortController,
): Promise<void> {
  const id = row.id;
  const turnIdx = row.turn_idx;
  const afterSeq = row.last_seq;
  const toolResults = new Map<string, string>();
  const waiters = new Map<string, () => void>();
  const unsubscribe = busOf(ctx).subscribe(
    id,
    afterSeq,
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
    const messages = await history(ctx, row);
    const fields = fieldsOf(row);
    for (let round = 0; round < TOOL_ROUNDS; round++) {
      const chat = await openChat(ctx, {
        personaId: row.persona_id ?? DEFAULT_PERSONA_ID,
        messages,
        documentIds: fields.document_ids,
        documentTags: fields.document_tags,
        retrievalStrategy: strategyOf(fields.document_retrieval_strategy),
        signal: controller.signal,
      });
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
