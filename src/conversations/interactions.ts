import type { Ctx } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import { FixedWindow } from '../core/fixed-window.ts';
import { newId } from '../core/ids.ts';
import { perStore } from '../core/per-store.ts';
import { busOf } from './bus.ts';
import { appendEvents, appendTurnStart, NEW_TURN, type StoredEvent } from './events.ts';
import { getConversation } from './store.ts';
import { interruptLocal, startedSpeaking, startTurn } from './turn.ts';
import { turnsOf } from './turn-registry.ts';

/**
 * Tavus's interactions (the app-messages a client sends), the same over POST …/events and the WebSocket.
 * Each is checked whole before anything happens: a malformed one is an `invalid` error (a 400 over HTTP,
 * an error event on the socket), never a dropped connection.
 */

export const MAX_TEXT_CHARS = 16_000;

const KNOWN = new Set([
  'conversation.respond',
  'conversation.echo',
  'conversation.interrupt',
  'conversation.overwrite_llm_context',
  'conversation.overwrite_context',
  'conversation.append_llm_context',
  'conversation.append_context',
  'conversation.sensitivity',
  'conversation.tool_result',
]);

export interface Interaction {
  message_type?: unknown;
  event_type?: unknown;
  conversation_id?: unknown;
  properties?: unknown;
}

const bad = (message: string) => new AppError('invalid', message);

/** One window per store handle (an instance): the limit is per instance, like the in-memory rate limit. */
const windowOf = perStore(
  (ctx: Ctx) => new FixedWindow(ctx.config.PERSONAKIT_CONVERSATION_EVENTS_PER_SECOND, 1),
);

/**
 * PERSONAKIT_CONVERSATION_EVENTS_PER_SECOND interactions per conversation, whatever carries them (sockets,
 * the page, POST …/events); past it a 429 (an error event on a socket). Counted before anything is read,
 * so a flood costs no query. Keyed by account too: another account cannot use up a conversation's window.
 */
function countInteraction(ctx: Ctx, conversationId: string): void {
  const perSecond = ctx.config.PERSONAKIT_CONVERSATION_EVENTS_PER_SECOND;
  const wait = windowOf(ctx).take(`${ctx.accountId}:${conversationId}`, ctx.now().getTime());
  if (wait !== undefined) {
    throw new AppError(
      'rate_limited',
      `Too many interactions: at most ${perSecond} per second in a conversation`,
      { retryAfter: String(Math.max(1, Math.ceil(wait / 1000))) },
    );
  }
}

function textOf(props: Record<string, unknown>, name: string, required = true): string | undefined {
  const v = props[name];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || (required && v.trim() === ''))
    throw bad(`properties.${name} must be a non-empty string`);
  if (v.length > MAX_TEXT_CHARS) throw bad(`properties.${name} must be at most ${MAX_TEXT_CHARS} characters`);
  // The page's endpoint parses its own body: the JSON guard's rule (no NUL, well-formed) holds here too.
  if (!v.isWellFormed() || v.includes('\0'))
    throw bad(`properties.${name} must be well-formed text without NUL`);
  return v;
}

/**
 * The user's turn, the hot path of a conversation: one append in the group commit (events.ts) that
 * checks the conversation (the caller's, active), opens its next turn_idx and returns the row — no read
 * before it, no transaction of its own — with the turn's first events in it: the interrupt of any answer
 * in progress (for the instance generating it), the user's utterance, and the replica's started_speaking
 * (so the turn's first write is its first streamed words). The answer starts at once, beside the commit
 * (turn.ts: its inputs are guessed, and confirmed by the commit).
 */
async function respond(ctx: Ctx, conversationId: string, text: string): Promise<void> {
  const inferenceId = newId('inf_');
  const user = { text, inferenceId: newId('inf_') };
  const appended = appendTurnStart(
    ctx.db,
    conversationId,
    ctx.accountId,
    [
      { event_type: 'conversation.interrupt', visible: false },
      {
        event_type: 'conversation.utterance',
        properties: { role: 'user', speech: text },
        turn_idx: NEW_TURN,
        inference_id: user.inferenceId,
      },
      ...startedSpeaking(inferenceId),
    ],
    ctx.now(),
  );
  startTurn(ctx, {
    conversationId,
    inferenceId,
    user,
    opened: appended.then(
      (t) => t && { row: t.row, firstSeq: t.stored[0]?.seq ?? 0 },
      () => undefined,
    ),
  });
  const turn = await appended;
  if (!turn) {
    // Not the caller's (404), or ended: the same answers as the other interactions give.
    await getConversation(ctx, conversationId);
    throw bad('The conversation has ended');
  }
  busOf(ctx).wake(conversationId, turn.stored);
}

/**
 * Applies one interaction to the caller's conversation; the answer to a respond runs in the background.
 * Refused (503) once the store is closing; one under way is waited for before it closes.
 */
export function interact(ctx: Ctx, conversationId: string, raw: unknown): Promise<void> {
  return turnsOf(ctx).interaction(() => apply(ctx, conversationId, raw));
}

async function apply(ctx: Ctx, conversationId: string, raw: unknown): Promise<void> {
  countInteraction(ctx, conversationId);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw bad('an interaction must be a JSON object');
  const msg = raw as Interaction;
  if (msg.message_type !== undefined && msg.message_type !== 'conversation') {
    throw bad('message_type must be "conversation"');
  }
  if (typeof msg.event_type !== 'string' || !KNOWN.has(msg.event_type)) {
    throw bad(`unknown event_type: ${String(msg.event_type).slice(0, 100)}`);
  }
  if (msg.conversation_id !== undefined && msg.conversation_id !== conversationId) {
    throw bad('conversation_id does not match the conversation');
  }
  const props = msg.properties ?? {};
  if (typeof props !== 'object' || props === null || Array.isArray(props))
    throw bad('properties must be an object');
  const p = props as Record<string, unknown>;
  if (msg.event_type === 'conversation.respond') return respond(ctx, conversationId, textOf(p, 'text') ?? '');
  const row = await getConversation(ctx, conversationId);
  if (row.status !== 'active') throw bad('The conversation has ended');
  const now = ctx.now();
  const type = msg.event_type;
  // With the rows just appended (after their commit), subscribers here get them without a read.
  const wake = (appended?: StoredEvent[]) => busOf(ctx).wake(conversationId, appended);

  switch (type) {
    case 'conversation.echo': {
      if (p.modality !== undefined && p.modality !== 'text' && p.modality !== 'audio') {
        throw bad('properties.modality must be "text" or "audio"');
      }
      if (p.modality === 'audio')
        throw bad('audio echo is not supported: this server holds text conversations');
      const text = textOf(p, 'text') ?? '';
      const inferenceId = typeof p.inference_id === 'string' ? p.inference_id.slice(0, 200) : newId('inf_');
      const stored = await appendEvents(
        ctx.db,
        conversationId,
        [
          {
            event_type: 'conversation.utterance',
            properties: { role: 'replica', speech: text },
            inference_id: inferenceId,
          },
        ],
        now,
      );
      wake(stored);
      return;
    }
    case 'conversation.interrupt': {
      interruptLocal(ctx, conversationId);
      await appendEvents(ctx.db, conversationId, [{ event_type: type, visible: false }], now);
      wake();
      return;
    }
    case 'conversation.overwrite_llm_context':
    case 'conversation.overwrite_context':
    case 'conversation.append_llm_context':
    case 'conversation.append_context': {
      const context = textOf(p, 'context') ?? '';
      const append = type.includes('append');
      const next = append && row.context ? `${row.context}\n${context}` : context;
      if (next.length > MAX_TEXT_CHARS * 4) throw bad('the conversational context would be too long');
      await ctx.db.kysely
        .updateTable('conversations')
        .set({ context: next, updated_at: now.toISOString() })
        .where('id', '=', conversationId)
        .execute();
      return;
    }
    case 'conversation.sensitivity':
      // Voice-activity tuning: nothing to tune in text. Accepted so Tavus clients need no change.
      return;
    case 'conversation.tool_result': {
      const callId = textOf(p, 'tool_call_id') ?? '';
      const output = p.output;
      if (typeof output !== 'string' && (typeof output !== 'object' || output === null)) {
        throw bad('properties.output must be a string or an object');
      }
      const text = typeof output === 'string' ? output : JSON.stringify(output);
      if (text.length > MAX_TEXT_CHARS)
        throw bad(`properties.output must be at most ${MAX_TEXT_CHARS} characters`);
      const status = p.status === 'error' ? 'error' : 'success';
      await appendEvents(
        ctx.db,
        conversationId,
        [{ event_type: type, properties: { tool_call_id: callId, output: text, status }, visible: false }],
        now,
      );
      wake();
      return;
    }
  }
}
