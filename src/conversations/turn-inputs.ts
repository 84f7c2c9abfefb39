import type { Ctx } from '../core/context.ts';
import type { ChatMessage } from '../providers/chat-types.ts';
import type { ConversationRow } from '../storage/schema.ts';
import { type Envelope, recentUtterances } from './events.ts';
import { recall } from './memories.ts';
import { fieldsOf, getConversation } from './store.ts';

/**
 * What a turn sends the LLM: the conversation's context (and memories) as the system message, then its
 * most recent utterances (user → user, replica → assistant), the respond's own last. Read once the
 * respond committed (history), or — the hot path — guessed while it commits, so the upstream call is
 * under way by the time it did (guessInputs), and used only if the commit confirms the guess (confirms).
 */

/** Utterances given to the LLM as the history: the most recent ones, so a long conversation stays bounded. */
export const HISTORY_UTTERANCES = 400;

async function systemMessage(ctx: Ctx, row: ConversationRow): Promise<ChatMessage[]> {
  const memories = await recall(ctx, row.id, fieldsOf(row).memory_stores ?? []);
  const system = [row.context ?? '', memories].filter((t) => t !== '').join('\n\n');
  return system ? [{ role: 'system', content: system }] : [];
}

const asMessage = (e: Envelope): ChatMessage => ({
  role: e.properties?.role === 'user' ? 'user' : 'assistant',
  content: String(e.properties?.speech ?? ''),
});

/** The inputs as the log stands (the turn's respond committed): its latest utterances. */
export async function history(ctx: Ctx, row: ConversationRow): Promise<ChatMessage[]> {
  const messages = await systemMessage(ctx, row);
  for (const e of await recentUtterances(ctx.db, row.id, HISTORY_UTTERANCES)) messages.push(asMessage(e));
  return messages;
}

export interface Guess {
  row: ConversationRow;
  messages: ChatMessage[];
  /** The conversation's last_seq as read: the utterances are those up to it. */
  at: number;
}

/**
 * The caller's conversation and its history read now, while the respond that opens the turn may not
 * have committed yet: the utterances up to the row's last_seq as read (all committed then), cut before
 * the respond's own utterance if it is already there, then the respond's text. Undefined when the
 * conversation is not the caller's or not active (the respond fails too).
 */
export async function guessInputs(
  ctx: Ctx,
  conversationId: string,
  user: { text: string; inferenceId: string },
): Promise<Guess | undefined> {
  const row = await getConversation(ctx, conversationId);
  if (row.status !== 'active') return undefined;
  const at = Number(row.last_seq);
  const messages = await systemMessage(ctx, row);
  const read = await recentUtterances(ctx.db, conversationId, HISTORY_UTTERANCES, at);
  const mine = read.findIndex((e) => e.inference_id === user.inferenceId);
  const before = mine >= 0 ? read.slice(0, mine) : read;
  for (const e of before.slice(-(HISTORY_UTTERANCES - 1))) messages.push(asMessage(e));
  messages.push({ role: 'user', content: user.text });
  return { row, messages, at };
}

/**
 * Whether the guess holds what history() would read now that the respond committed, its append from
 * `firstSeq` on and the row as `row`: no utterance was appended between the guess's read and the respond
 * (a previous answer's streamed events may have been: they are not history), or the read came after it;
 * and the conversation's context, persona and fields are unchanged.
 */
export async function confirms(
  ctx: Ctx,
  guess: Guess,
  row: ConversationRow,
  firstSeq: number,
): Promise<boolean> {
  if (
    guess.row.context !== row.context ||
    guess.row.persona_id !== row.persona_id ||
    guess.row.fields !== row.fields
  )
    return false;
  if (guess.at >= firstSeq - 1) return true;
  const between = await recentUtterances(ctx.db, row.id, 1, firstSeq - 1);
  return (between[0]?.seq ?? 0) <= guess.at;
}
