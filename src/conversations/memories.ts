import type { Ctx } from '../core/context.ts';
import type { Tx } from '../storage/db.ts';

/**
 * Memories (Tavus `memory_stores`): what was said in the account's earlier conversations with the same
 * tag. A conversation is linked to each of its tags at creation; a later conversation's turns get the
 * most recent utterances of the other linked conversations as context. Deleting a store unlinks every
 * conversation from it (DELETE /v2/memories/{memory_store}), so nothing of it is recalled again.
 */

/** Utterances recalled per turn, and characters of them. */
const RECALL_UTTERANCES = 20;
const RECALL_CHARS = 4_000;

export async function linkMemoryStores(
  ctx: Ctx,
  conversationId: string,
  stores: string[],
  tx: Tx,
): Promise<void> {
  const unique = [...new Set(stores)];
  if (unique.length === 0) return;
  const stamp = ctx.now().toISOString();
  await tx
    .insertInto('conversation_memories')
    .values(
      unique.map((store) => ({
        account_id: ctx.accountId,
        store,
        conversation_id: conversationId,
        created_at: stamp,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The recalled memories of these stores as one context text, or '' when there are none. */
export async function recall(ctx: Ctx, conversationId: string, stores: string[]): Promise<string> {
  if (stores.length === 0) return '';
  const rows = await ctx.db.kysely
    .selectFrom('conversation_events as e')
    .innerJoin('conversation_memories as m', 'm.conversation_id', 'e.conversation_id')
    .select(['e.body', 'e.created_at'])
    .where('m.account_id', '=', ctx.accountId)
    .where('m.store', 'in', stores)
    .where('e.conversation_id', '!=', conversationId)
    .where('e.event_type', '=', 'conversation.utterance')
    .orderBy('e.created_at', 'desc')
    .limit(RECALL_UTTERANCES)
    .execute();
  const lines: string[] = [];
  let left = RECALL_CHARS;
  for (const r of rows) {
    const e = JSON.parse(r.body) as { properties?: { role?: string; speech?: string } };
    const line = `${e.properties?.role === 'user' ? 'User' : 'You'}: ${e.properties?.speech ?? ''}`;
    if (line.length > left) break;
    left -= line.length;
    lines.unshift(line);
  }
  if (lines.length === 0) return '';
  return `What was said in earlier conversations with this user (memories):\n${lines.join('\n')}`;
}

export async function deleteMemoryStore(ctx: Ctx, store: string): Promise<number> {
  const r = await ctx.db.kysely
    .deleteFrom('conversation_memories')
    .where('account_id', '=', ctx.accountId)
    .where('store', '=', store)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
