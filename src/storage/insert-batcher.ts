import type { CompiledQuery } from 'kysely';
import { LARGE_CHARS, ownTurn } from '../loop-turns.ts';
import type { Db } from './db.ts';
import type { NewPersonaRow, NewPersonaVersionRow } from './schema.ts';

/** A new persona and its first version: written together, in the same transaction. */
export interface NewPersona {
  row: NewPersonaRow;
  version: NewPersonaVersionRow;
}

interface Pending {
  row: NewPersona;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Rows per statement: far below SQLite's 32,766 bound parameters for tables of ~20 columns (and of 7). */
const MAX_BATCH = 500;
/**
 * Characters of text per group. SQLite writes on the event loop: three 1 MiB personas in one transaction
 * held it for one long stretch (issue 11); a group stops at this size and the loop turns before the next.
 */
const MAX_BATCH_CHARS = 1024 * 1024;

function rowChars(row: NewPersonaRow): number {
  let n = 0;
  for (const v of Object.values(row)) if (typeof v === 'string') n += v.length;
  return n;
}

/**
 * Group commit for persona inserts, each with its first version. Creates that arrive while the event loop
 * is busy (concurrent requests) are written as one multi-row INSERT per table in one transaction, and each
 * caller is answered only after that transaction committed: the same durability as one transaction each,
 * with one BEGIN/COMMIT (and, on PostgreSQL, one round trip per statement) for the whole group. If the group fails, each row is retried on its own,
 * so one bad row cannot fail the others.
 */
export class PersonaInsertBatcher {
  readonly #db: Db;
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(db: Db) {
    this.#db = db;
  }

  insert(row: NewPersona): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ row, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    while (this.#queue.length > 0) {
      let count = 0;
      let chars = 0;
      while (count < this.#queue.length && count < MAX_BATCH && chars < MAX_BATCH_CHARS) {
        chars += rowChars((this.#queue[count] as Pending).row.row);
        count++;
      }
      const batch = this.#queue.splice(0, count);
      // A large group is written in a turn of its own, after what else is waiting (a /healthz, a read).
      if (chars >= LARGE_CHARS) await ownTurn();
      await this.#writeBatch(batch);
    }
  }

  async #writeBatch(batch: Pending[]): Promise<void> {
    try {
      await this.#write(batch.map((p) => p.row));
      for (const p of batch) p.resolve();
    } catch {
      for (const p of batch) await this.#write([p.row]).then(p.resolve, p.reject);
    }
  }

  async #write(rows: NewPersona[]): Promise<void> {
    await this.#db.kysely.transaction().execute(async (tx) => {
      await tx
        .insertInto('personas')
        .values(rows.map((r) => r.row))
        .execute();
      // After the personas: each version row references its persona.
      await tx.executeQuery(versionInsert(this.#db, rows));
      await this.#db.announceChange(tx, 'personas');
    });
  }
}

const VERSION_COLUMNS = [
  'persona_id',
  'version',
  'account_id',
  'created_at',
  'key_id',
  'restored_from',
  'fields',
] as const;

const versionInserts = new WeakMap<Db, Map<number, CompiledQuery>>();

/**
 * The versions' INSERT, compiled once per database and group size and run with the rows as parameters:
 * building and compiling it with Kysely for every group was most of what versions added to a create.
 */
function versionInsert(db: Db, rows: NewPersona[]): CompiledQuery {
  let bySize = versionInserts.get(db);
  if (!bySize) {
    bySize = new Map();
    versionInserts.set(db, bySize);
  }
  let q = bySize.get(rows.length);
  if (!q) {
    const blank = Object.fromEntries(VERSION_COLUMNS.map((c) => [c, ''])) as unknown as NewPersonaVersionRow;
    q = db.kysely
      .insertInto('persona_versions')
      .values(rows.map(() => blank))
      .compile();
    if (bySize.size < 64) bySize.set(rows.length, q);
  }
  const parameters: unknown[] = [];
  for (const r of rows) for (const c of VERSION_COLUMNS) parameters.push(r.version[c] ?? null);
  return { ...q, parameters };
}
