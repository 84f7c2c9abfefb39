import { CompiledQuery } from 'kysely';
import type { Db, Tx } from '../storage/db.ts';
import type { ConversationRow } from '../storage/schema.ts';
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

/** As a NewEvent's turn_idx: the turn that appendTurnStart's claim opens (its turn_idx + 1). */
export const NEW_TURN = 'new turn';

export interface NewEvent {
  event_type: string;
  properties?: Record<string, unknown>;
  turn_idx?: number | typeof NEW_TURN;
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
  options: { evenIfEnded?: boolean; urgent?: boolean } = {},
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const claim: Claim = { conversationId, events, now, evenIfEnded: options.evenIfEnded === true };
  if (!tx) return (await batcherOf(db).append(claim, options.urgent === true)).stored;
  return (await appendIn(tx, db, claim)).stored;
}

/**
 * A conversation.respond's append: in the same statement that claims the events' seqs, the caller's
 * active conversation (scoped by account, not deleted) moves to its next turn_idx (events with
 * turn_idx NEW_TURN get it), and the row is returned as the turn starts — so the respond costs no read
 * before it and no transaction of its own: it joins the group commit. Undefined when no such active
 * conversation of the account's exists (nothing was appended).
 */
export async function appendTurnStart(
  db: Db,
  conversationId: string,
  accountId: string,
  events: NewEvent[],
  now: Date,
): Promise<{ stored: StoredEvent[]; row: ConversationRow } | undefined> {
  const { stored, row } = await batcherOf(db).append({
    conversationId,
    events,
    now,
    evenIfEnded: false,
    turnOf: accountId,
  });
  return row && stored.length > 0 ? { stored, row } : undefined;
}

/** One append: its conversation's counter to move, and (appendTurnStart) the account whose turn it opens. */
interface Claim {
  conversationId: string;
  events: NewEvent[];
  now: Date;
  evenIfEnded: boolean;
  turnOf?: string;
}

interface Claimed {
  stored: StoredEvent[];
  /** The row as the turn starts, for a claim with turnOf. */
  row?: ConversationRow;
}

/** One append's statements inside `t`: the seq counter moved, the rows written, the envelopes returned. */
async function appendIn(t: Tx, db: Db, claim: Claim): Promise<Claimed> {
  const out = await claimSeqs(t, db, claim);
  await insertEvents(t, db, out.stored);
  return out;
}

/**
 * Moves the conversation's seq counter by the events' count and returns them as envelopes with their
 * seq, or [] when the conversation is not active (unless evenIfEnded). One statement: UPDATE … RETURNING
 * (on PostgreSQL it also sends the NOTIFY that wakes other instances, delivered at commit).
 */
async function claimSeqs(t: Tx, db: Db, claim: Claim): Promise<Claimed> {
  const { conversationId, events } = claim;
  const pg = db.dialect === 'postgres';
  const text =
    claim.turnOf !== undefined
      ? pg
        ? PG_CLAIM_TURN
        : SQLITE_CLAIM_TURN
      : claim.evenIfEnded
        ? pg
          ? PG_CLAIM
          : SQLITE_CLAIM
        : pg
          ? PG_CLAIM_ACTIVE
          : SQLITE_CLAIM_ACTIVE;
  const params: unknown[] = pg
    ? [events.length, conversationId, notifyPayload(db, conversationId)]
    : [events.length, conversationId];
  if (claim.turnOf !== undefined) params.push(claim.turnOf);
  const { rows } = await t.executeQuery<{ last_seq: number | string; turn_idx?: number | string }>(
    CompiledQuery.raw(text, params),
  );
  const row = rows[0];
  if (!row) return { stored: [] };
  const first = Number(row.last_seq) - events.length + 1;
  const turnIdx = claim.turnOf !== undefined ? Number(row.turn_idx) : undefined;
  const timestamp = claim.now.getTime() / 1000;
  const stored = events.map((e, i): StoredEvent => {
    const turn = e.turn_idx === NEW_TURN ? turnIdx : e.turn_idx;
    const envelope: Envelope = {
      message_type: 'conversation',
      event_type: e.event_type,
      conversation_id: conversationId,
      ...(e.properties !== undefined && { properties: e.properties }),
      seq: first + i,
      timestamp,
      ...(turn !== undefined && { turn_idx: turn }),
      ...(e.inference_id !== undefined && { inference_id: e.inference_id }),
    };
    return { seq: first + i, visible: e.visible !== false, envelope };
  });
  if (claim.turnOf === undefined) return { stored };
  const { woke: _woke, ...columns } = row as unknown as ConversationRow & { woke?: unknown };
  return { stored, row: { ...columns, last_seq: Number(row.last_seq), turn_idx: Number(row.turn_idx) } };
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
// A respond's claim: the next turn of the account's active conversation, and the whole row back.
const TURN = `, "turn_idx" = "turn_idx" + 1 where "id" = `;
const TURN_WHERE = `and "deleted" = 0 and "status" = 'active' returning *`;
const SQLITE_CLAIM_TURN = `${CLAIM}?${TURN}? and "account_id" = ? ${TURN_WHERE}`;
const PG_CLAIM_TURN = `${CLAIM}$1${TURN}$2 and "account_id" = $4 ${TURN_WHERE}, pg_notify(${CONVERSATION_CHANNEL}, $3) as "woke"`;

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
  claim: Claim;
  chars: number;
  resolve: (claimed: Claimed) => void;
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
  /** A group transaction is under way: its loop takes what is queued meanwhile, in order. */
  #running = false;
  #soon = false;
  #now = false;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * `urgent` (a turn's first streamed words, the wait a client feels most) flushes at the end of the
   * current callback rather than of the loop turn: with what is queued already, so still a group.
   *
   * A group holding a turn's start (`turnOf`: a respond, whose answer opens its upstream call beside the
   * commit, turn.ts) starts one check phase later on SQLite (ADR 0064): there the group's transaction
   * runs on the event loop, and undici writes a request on an idle keep-alive socket only from a
   * setImmediate queued after this one (its check for bytes the server sent meanwhile), so the upstream
   * request waited for the whole group commit (0.55 ms p50, 2 ms p90 at 200 live conversations). The
   * respond commits while the provider thinks instead.
   */
  append(claim: Claim, urgent = false): Promise<Claimed> {
    let chars = 0;
    for (const e of claim.events) chars += 64 + (e.properties ? JSON.stringify(e.properties).length : 0);
    return new Promise((resolve, reject) => {
      this.#queue.push({ claim, chars, resolve, reject });
      if (this.#running) return;
      if (urgent && !this.#now) {
        this.#now = true;
        queueMicrotask(() => {
          this.#now = false;
          void this.#flush();
        });
      } else if (!this.#soon) {
        this.#soon = true;
        const flush = () => {
          this.#soon = false;
          void this.#flush();
        };
        const afterUpstream = claim.turnOf !== undefined && this.#db.dialect === 'sqlite';
        setImmediate(afterUpstream ? () => setImmediate(flush) : flush);
      }
    });
  }

  /** One flush at a time: two groups in flight could commit a conversation's appends out of order. */
  async #flush(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await this.#drain();
    } finally {
      this.#running = false;
    }
  }

  async #drain(): Promise<void> {
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
          const out: Claimed[] = [];
          // Each append's counter moved in call order, then every row of the group in one INSERT.
          for (const p of group) out.push(await claimSeqs(t, this.#db, p.claim));
          await insertEvents(
            t,
            this.#db,
            out.flatMap((c) => c.stored),
          );
          return out;
        });
        for (const [i, p] of group.entries()) p.resolve(results[i] ?? { stored: [] });
      } catch {
        for (const p of group) {
          try {
            p.resolve(await this.#db.kysely.transaction().execute((t) => appendIn(t, this.#db, p.claim)));
          } catch (err) {
            p.reject(err);
          }
        }
      }
    }
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

/** The conversation's last `limit` visible utterances (user and replica), oldest first; up to seq `upTo`. */
export async function recentUtterances(
  db: Db,
  conversationId: string,
  limit: number,
  upTo?: number,
): Promise<Envelope[]> {
  let q = db.kysely
    .selectFrom('conversation_events')
    .select('body')
    .where('conversation_id', '=', conversationId)
    .where('event_type', '=', 'conversation.utterance')
    .where('visible', '=', 1);
  if (upTo !== undefined) q = q.where('seq', '<=', upTo);
  const rows = await q.orderBy('seq', 'desc').limit(limit).execute();
  return rows.reverse().map((r) => JSON.parse(r.body) as Envelope);
}
