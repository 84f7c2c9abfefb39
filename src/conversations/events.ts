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
  if (!tx) return batcherOf(db).append(conversationId, events, now, options);
  return appendIn(tx, db, conversationId, events, now, options);
}

/** One append's statements inside `t`: the seq counter moved, the rows written, the envelopes returned. */
async function appendIn(
  t: Tx,
  db: Db,
  conversationId: string,
  events: NewEvent[],
  now: Date,
  options: { evenIfEnded?: boolean },
): Promise<StoredEvent[]> {
  const out = await claimSeqs(t, db, conversationId, events, now, options);
  await insertEvents(t, out);
  return out;
}

/**
 * Moves the conversation's seq counter by the events' count and returns them as envelopes with their
 * seq, or [] when the conversation is not active (unless evenIfEnded). One statement: UPDATE … RETURNING
 * (on PostgreSQL it also sends the NOTIFY that wakes other instances, delivered at commit).
 */
async function claimSeqs(
  t: Tx,
  db: Db,
  conversationId: string,
  events: NewEvent[],
  now: Date,
  options: { evenIfEnded?: boolean },
): Promise<StoredEvent[]> {
  const row = await t
    .updateTable('conversations')
    .set((eb) => ({ last_seq: eb('last_seq', '+', events.length) }))
    .where('id', '=', conversationId)
    .$if(options.evenIfEnded !== true, (q) => q.where('status', '=', 'active'))
    .returning('last_seq')
    .$if(db.dialect === 'postgres', (q) => q.returning(notifyAppend(db, conversationId).as('woke')))
    .executeTakeFirst();
  if (!row) return [];
  const first = Number(row.last_seq) - events.length + 1;
  const timestamp = now.getTime() / 1000;
  return events.map((e, i): StoredEvent => {
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
}

/** Rows per INSERT: 6 columns each, far below SQLite's bound-parameter limit. */
const INSERT_ROWS = 500;

/** The envelopes' rows, any conversations, in as few INSERTs as the parameter bound allows. */
async function insertEvents(t: Tx, out: StoredEvent[]): Promise<void> {
  for (let i = 0; i < out.length; i += INSERT_ROWS) {
    await t
      .insertInto('conversation_events')
      .values(
        out.slice(i, i + INSERT_ROWS).map((e) => ({
          conversation_id: e.envelope.conversation_id,
          seq: e.seq,
          event_type: e.envelope.event_type,
          visible: e.visible ? 1 : 0,
          body: JSON.stringify(e.envelope),
          created_at: new Date(e.envelope.timestamp * 1000).toISOString(),
        })),
      )
      .execute();
  }
}

interface PendingAppend {
  conversationId: string;
  events: NewEvent[];
  now: Date;
  options: { evenIfEnded?: boolean };
  chars: number;
  resolve: (stored: StoredEvent[]) => void;
  reject: (err: unknown) => void;
}

/** Appends per group transaction, and characters of event text (bounds one stretch of SQLite writes). */
const MAX_GROUP = 256;
const MAX_GROUP_CHARS = 1024 * 1024;

/**
 * Group commit for appends made outside a caller's transaction (every streamed utterance, echo, respond):
 * those that arrive within one turn of the event loop are written in one transaction, in arrival order,
 * and each caller is answered after it committed — the same durability and per-conversation order as a
 * transaction each. At 200 live conversations that was ~3,000 transactions a second on SQLite's one
 * connection, each holding it across its statements: the queue for it was most of a turn's latency. If
 * a group fails, each append is retried alone, so one cannot fail the others.
 */
class AppendBatcher {
  readonly #db: Db;
  #queue: PendingAppend[] = [];
  #scheduled = false;

  constructor(db: Db) {
    this.#db = db;
  }

  append(
    conversationId: string,
    events: NewEvent[],
    now: Date,
    options: { evenIfEnded?: boolean },
  ): Promise<StoredEvent[]> {
    let chars = 0;
    for (const e of events) chars += 64 + (e.properties ? JSON.stringify(e.properties).length : 0);
    return new Promise((resolve, reject) => {
      this.#queue.push({ conversationId, events, now, options, chars, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      let n = 0;
      let chars = 0;
      while (n < this.#queue.length && n < MAX_GROUP && (n === 0 || chars < MAX_GROUP_CHARS)) {
        chars += this.#queue[n]?.chars ?? 0;
        n++;
      }
      const group = this.#queue.splice(0, n);
      try {
        const results = await this.#db.kysely.transaction().execute(async (t) => {
          const out: StoredEvent[][] = [];
          // Each append's counter moved in call order, then every row of the group in one INSERT.
          for (const p of group)
            out.push(await claimSeqs(t, this.#db, p.conversationId, p.events, p.now, p.options));
          await insertEvents(t, out.flat());
          return out;
        });
        for (const [i, p] of group.entries()) p.resolve(results[i] ?? []);
      } catch {
        for (const p of group) {
          try {
            p.resolve(
              await this.#db.kysely
                .transaction()
                .execute((t) => appendIn(t, this.#db, p.conversationId, p.events, p.now, p.options)),
            );
          } catch (err) {
            p.reject(err);
          }
        }
      }
    }
    this.#scheduled = false;
  }
}

const batchers = new WeakMap<Db, AppendBatcher>();

function batcherOf(db: Db): AppendBatcher {
  let b = batchers.get(db);
  if (!b) {
    b = new AppendBatcher(db);
    batchers.set(db, b);
  }
  return b;
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

/** The conversation's last `limit` visible utterances (user and replica), oldest first. */
export async function recentUtterances(db: Db, conversationId: string, limit: number): Promise<Envelope[]> {
  const rows = await db.kysely
    .selectFrom('conversation_events')
    .select('body')
    .where('conversation_id', '=', conversationId)
    .where('event_type', '=', 'conversation.utterance')
    .where('visible', '=', 1)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map((r) => JSON.parse(r.body) as Envelope);
}
