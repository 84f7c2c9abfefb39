import { CompiledQuery } from 'kysely';
import type { Db, Tx } from '../storage/db.ts';
import { CONVERSATION_CHANNEL, notifyPayload } from './pg-wake.ts';

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
  await insertEvents(t, db, out);
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
  const onlyActive = options.evenIfEnded !== true;
  const { rows } = await t.executeQuery<{ last_seq: number | string }>(
    db.dialect === 'postgres'
      ? CompiledQuery.raw(onlyActive ? PG_CLAIM_ACTIVE : PG_CLAIM, [
          events.length,
          conversationId,
          notifyPayload(db, conversationId),
        ])
      : CompiledQuery.raw(onlyActive ? SQLITE_CLAIM_ACTIVE : SQLITE_CLAIM, [events.length, conversationId]),
  );
  const row = rows[0];
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

// The append path's two statements as fixed SQL text (every conversation event goes through them, ~5,000
// a second at 200 live conversations): building and compiling them through the query builder each time
// was a large share of the path's CPU. Fixed text also keeps SQLite's prepared-statement cache hits.
const CLAIM = 'update "conversations" set "last_seq" = "last_seq" + ';
const SQLITE_CLAIM = `${CLAIM}? where "id" = ? returning "last_seq"`;
const SQLITE_CLAIM_ACTIVE = `${CLAIM}? where "id" = ? and "status" = 'active' returning "last_seq"`;
const PG_RETURNING = `returning "last_seq", pg_notify(${CONVERSATION_CHANNEL}, $3) as "woke"`;
const PG_CLAIM = `${CLAIM}$1 where "id" = $2 ${PG_RETURNING}`;
const PG_CLAIM_ACTIVE = `${CLAIM}$1 where "id" = $2 and "status" = 'active' ${PG_RETURNING}`;

/** Rows per INSERT, as few distinct statement texts as possible: a full chunk, then the rest one by one. */
const INSERT_ROWS = 32;
const INSERT_HEAD =
  'insert into "conversation_events" ("conversation_id", "seq", "event_type", "visible", "body", "created_at") values ';
const insertTexts = new Map<string, string>();

function insertText(dialect: Db['dialect'], rows: number): string {
  const key = `${dialect}:${rows}`;
  let text = insertTexts.get(key);
  if (!text) {
    const groups: string[] = [];
    for (let r = 0; r < rows; r++) {
      const at = r * 6;
      groups.push(
        dialect === 'postgres'
          ? `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6})`
          : '(?, ?, ?, ?, ?, ?)',
      );
    }
    text = INSERT_HEAD + groups.join(', ');
    insertTexts.set(key, text);
  }
  return text;
}

/** The envelopes' rows, any conversations: chunks of INSERT_ROWS, then single rows. */
async function insertEvents(t: Tx, db: Db, out: StoredEvent[]): Promise<void> {
  let i = 0;
  while (i < out.length) {
    const n = out.length - i >= INSERT_ROWS ? INSERT_ROWS : 1;
    const params: unknown[] = [];
    for (const e of out.slice(i, i + n)) {
      params.push(
        e.envelope.conversation_id,
        e.seq,
        e.envelope.event_type,
        e.visible ? 1 : 0,
        JSON.stringify(e.envelope),
        new Date(e.envelope.timestamp * 1000).toISOString(),
      );
    }
    await t.executeQuery(CompiledQuery.raw(insertText(db.dialect, n), params));
    i += n;
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
          await insertEvents(t, this.#db, out.flat());
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
