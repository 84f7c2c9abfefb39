import { randomBytes } from 'node:crypto';
import { chatPersona } from '../chat/persona-version.ts';
import type { Ctx } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { resolveOutboundUrl } from '../net/outbound-url.ts';
import type { ConversationRow } from '../storage/schema.ts';
import { busOf } from './bus.ts';
import { enqueueShutdownCallbacks, enqueueSystemCallback } from './callbacks.ts';
import { appendEvents } from './events.ts';
import { linkMemoryStores } from './memories.ts';
import { scheduleTimers } from './timers.ts';

/**
 * Conversations as rows (issue 15). A conversation with no persona_id talks as the first system persona,
 * as Tavus falls back to its default persona. Every read is scoped by account: another account's id is
 * "not found". A soft DELETE hides the conversation; ?hard=true removes its events (the transcript) too.
 */

/** Tavus's default persona stands in when a conversation names none. */
export const DEFAULT_PERSONA_ID = 'psys_technical_writer';

export interface ConversationProperties {
  max_call_duration?: number | undefined;
  participant_left_timeout?: number | undefined;
  participant_absent_timeout?: number | undefined;
  language?: string | undefined;
  [k: string]: unknown;
}

export interface CreateFields {
  persona_id?: string | undefined;
  replica_id?: string | undefined;
  conversation_name?: string | undefined;
  conversational_context?: string | undefined;
  custom_greeting?: string | undefined;
  callback_url?: string | undefined;
  document_ids?: string[] | undefined;
  document_tags?: string[] | undefined;
  document_retrieval_strategy?: string | undefined;
  memory_stores?: string[] | undefined;
  test_mode?: boolean | undefined;
  require_auth?: boolean | undefined;
  max_participants?: number | undefined;
  audio_only?: boolean | undefined;
  properties?: ConversationProperties | undefined;
  [k: string]: unknown;
}

export const fieldsOf = (row: ConversationRow): CreateFields => JSON.parse(row.fields) as CreateFields;

export async function createConversation(ctx: Ctx, fields: CreateFields): Promise<ConversationRow> {
  const personaId = fields.persona_id ?? DEFAULT_PERSONA_ID;
  try {
    await chatPersona(ctx, personaId);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') {
      throw new AppError('invalid', 'Invalid persona_id', { field: 'persona_id' });
    }
    throw err;
  }
  // Refused now rather than at delivery: a private or malformed callback_url is the caller's mistake.
  if (fields.callback_url) {
    await resolveOutboundUrl(fields.callback_url, ctx.config.PERSONAKIT_ALLOWED_HOSTS, 'callback_url');
  }
  const now = ctx.now();
  const stamp = now.toISOString();
  const testMode = fields.test_mode === true;
  const row: ConversationRow = {
    id: newId('c'),
    account_id: ctx.accountId,
    persona_id: fields.persona_id ?? null,
    replica_id: fields.replica_id ?? null,
    name: fields.conversation_name ?? `New Conversation ${now.getTime()}`,
    status: testMode ? 'ended' : 'active',
    callback_url: fields.callback_url ?? null,
    context: fields.conversational_context ?? null,
    fields: JSON.stringify(fields),
    meeting_token: fields.require_auth === true ? randomBytes(24).toString('base64url') : null,
    last_seq: 0,
    turn_idx: 0,
    participants: 0,
    joined_at: null,
    shutdown_reason: null,
    deleted: 0,
    created_at: stamp,
    updated_at: stamp,
    ended_at: testMode ? stamp : null,
  };
  await ctx.db.kysely.transaction().execute(async (tx) => {
    if (!testMode) {
      // Counted inside the transaction; two creates racing for the last slot may both pass on PostgreSQL
      // under read committed: the cap is a bound on cost, not an exact quota.
      const active = await tx
        .selectFrom('conversations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', ctx.accountId)
        .where('status', '=', 'active')
        .where('deleted', '=', 0)
        .executeTakeFirstOrThrow();
      if (Number(active.n) >= ctx.config.PERSONAKIT_MAX_ACTIVE_CONVERSATIONS) {
        throw new AppError(
          'rate_limited',
          `Concurrent conversation limit reached (${ctx.config.PERSONAKIT_MAX_ACTIVE_CONVERSATIONS} active)`,
        );
      }
    }
    await tx.insertInto('conversations').values(row).execute();
    if (testMode) return;
    await linkMemoryStores(ctx, row.id, fields.memory_stores ?? [], tx);
    if (fields.custom_greeting) {
      // The greeting is the replica's first utterance (Tavus speaks it once a participant joins; in text
      // it is there for the first client to read, and it enters the history).
      const stored = await appendEvents(
        ctx.db,
        row.id,
        [
          {
            event_type: 'conversation.utterance',
            properties: { role: 'replica', speech: fields.custom_greeting },
            inference_id: newId('inf_'),
          },
        ],
        now,
        tx,
      );
      row.last_seq = stored.length;
    }
    await enqueueSystemCallback(ctx, row, 'system.replica_joined', {}, tx);
    await scheduleTimers(ctx, row, fieldsOf(row).properties ?? {}, now, tx);
  });
  busOf(ctx).wake(row.id);
  return row;
}

/** The caller's conversation, or NotFound; deleted ones are gone. */
export async function getConversation(ctx: Ctx, id: string): Promise<ConversationRow> {
  const row = await ctx.db.kysely
    .selectFrom('conversations')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', ctx.accountId)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'Conversation not found');
  return row;
}

export interface ListQuery {
  limit: number;
  page: number;
  status?: 'active' | 'ended' | undefined;
}

export async function listConversations(ctx: Ctx, q: ListQuery) {
  let base = ctx.db.kysely
    .selectFrom('conversations')
    .where('account_id', '=', ctx.accountId)
    .where('deleted', '=', 0);
  if (q.status) base = base.where('status', '=', q.status);
  const [rows, total] = await Promise.all([
    base
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(q.limit)
      .offset((q.page - 1) * q.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(total.n) };
}

/**
 * Ends an active conversation with a shutdown reason (once: a second end, or a timer after an end, does
 * nothing) and enqueues its shutdown and transcript callbacks in the same transaction.
 */
export async function endConversation(
  services: Omit<Ctx, 'accountId' | 'keyId'> & { accountId?: string },
  id: string,
  reason: string,
): Promise<boolean> {
  const now = services.now();
  const ended = await services.db.kysely.transaction().execute(async (tx) => {
    const r = await tx
      .updateTable('conversations')
      .set({
        status: 'ended',
        shutdown_reason: reason,
        ended_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    const row = await tx
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    await appendEvents(
      services.db,
      id,
      [{ event_type: 'system.shutdown', properties: { shutdown_reason: reason } }],
      now,
      tx,
      { evenIfEnded: true },
    );
    await enqueueShutdownCallbacks(services, row, tx);
    return true;
  });
  if (ended) busOf(services).wake(id);
  return ended;
}

/** The caller ends it (POST …/end): `end_conversation_endpoint_hit`. Ending an ended one is a no-op. */
export async function endByCaller(ctx: Ctx, id: string): Promise<void> {
  await getConversation(ctx, id);
  await endConversation(ctx, id, 'end_conversation_endpoint_hit');
}

export async function deleteConversation(ctx: Ctx, id: string, hard: boolean): Promise<void> {
  await getConversation(ctx, id);
  await endConversation(ctx, id, 'end_conversation_endpoint_hit');
  await ctx.db.kysely.transaction().execute(async (tx) => {
    if (hard) {
      await tx.deleteFrom('conversation_events').where('conversation_id', '=', id).execute();
      await tx
        .deleteFrom('conversations')
        .where('id', '=', id)
        .where('account_id', '=', ctx.accountId)
        .execute();
    } else {
      await tx
        .updateTable('conversations')
        .set({ deleted: 1, updated_at: ctx.now().toISOString() })
        .where('id', '=', id)
        .where('account_id', '=', ctx.accountId)
        .execute();
    }
  });
}
