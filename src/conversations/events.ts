import type { Db, Tx } from '../storage/db.ts';
import { notifyAppend } from './pg-wake.ts';

/**
 * The append-only event log of a conversation. Each event takes the next `seq` from its conversation's
 * row inside the appending transaction: the row lock (PostgreSQL) or the single writer (SQLite)
 * serialises appends, so a later commit never carries a smaller seq and readers polling by seq miss
 * nothing. Broadcast events carry Tavus's envelope; interactions that only the engine needs (interrupt,
 * tool_result) are kept with visible = 0, so an instance generating an answer sees them even when they
 * were posted to another instance. On PostgreSQL each append also NOTIFYs other instances at its commit
 * (pg-wake.ts), in the statement that reads the new seq: no extra round trip.
 */

export interface Envelope {
  message_type: 'conversation';
  event_type: string;
  conversation_id: string;
  properties?: Record<string, unknown>;
  seq: number;
  timestamp: number;
  turn_idx?: number;
  inference_id?: string;
}

export interface NewEvent {
  event_type: string;
  properties?: Record<string, unknown>;
  turn_idx?: number;
  inference_id?: string;
  /** False for interactions kept for the engine only; never broadcast. */
  visible?: boolean;
}

export interface StoredEvent {
  seq: number;
  visible: boolean;
  envelope: Envelope;
}

/**
 * Appends in `tx` (the caller's, or a new one) and returns the envelopes with their seq. Only while the
 * conversation is active, unless `evenIfEnded` (its own system.shutdown): an answer still streaming, or an
 * interaction racing the end, appends nothing, so system.shutdown stays the last event (the row lock
 * orders the two). Returns [] when nothing was appended.
 */
export async function appendEvents(
  db: Db,
  conversationId: string,
  events: NewEvent[],
  now: Date,
  tx?: Tx,
  options: { evenIfEnded?: boolean } = {},
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const run = async (t: Tx) => {
    const updated = await t
      .updateTable('conversations')
      .set((eb) => ({ last_seq: eb('last_seq', '+', events.length) }))
      .where('id', '=', conversationId)
      .$if(options.evenIfEnded !== true, (q) => q.where('status', '=', 'active'))
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return [];
    const row = await t
      .selectFrom('conversations')
      .select('last_seq')
      .$if(db.dialect === 'postgres', (q) => q.select(notifyAppend(db, conversationId).as('woke')))
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    const first = Number(row.last_seq) - events.length + 1;
    const stamp = now.toISOString();
    const timestamp = now.getTime() / 1000;
    const out = events.map((e, i): StoredEvent => {
      const envelope: Envelope = {
        message_type: 'conversation',
        event_type: e.event_type,
        conversation_id: conversationId,
        ...(e.properties !== undefined && { properties: e.properties }),
        seq: first + i,
        timestamp,
        ...(e.turn_idx !== undefined && { turn_idx: e.turn_idx }),
        ...(e.inference_id !== undefined && { inference_id: e.inference_id }),
      };
      return { seq: first + i, visible: e.visible !== false, envelope };
    });
    await t
      .insertInto('conversation_events')
      .values(
        out.map((e) => ({
          conversation_id: conversationId,
          seq: e.seq,
          event_type: e.envelope.event_type,
          visible: e.visible ? 1 : 0,
          body: JSON.stringify(e.envelope),
          created_at: stamp,
        })),
      )
      .execute();
    return out;
  };
  return tx ? run(tx) : db.kysely.transaction().execute(run);
}

/** Events after `afterSeq` in order, at most `limit`; visible ones only unless `all`. */
export async function readEvents(
  db: Db,
  conversationId: string,
  afterSeq: number,
  limit: number,
  all = false,
): Promise<StoredEvent[]> {
  let q = db.kysely
    .selectFrom('conversation_events')
    .select(['seq', 'visible', 'body'])
    .where('conversation_id', '=', conversationId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit);
  if (!all) q = q.where('visible', '=', 1);
  const rows = await q.execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    visible: Number(r.visible) === 1,
    envelope: JSON.parse(r.body) as Envelope,
  }));
}
