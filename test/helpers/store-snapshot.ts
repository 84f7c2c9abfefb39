import { sql } from 'kysely';
import type { Db } from '../../src/storage/db.ts';

/**
 * Every table of the store, found in the database itself (so a table added by a later migration is
 * covered without touching the tests), for store snapshots and dumps.
 */
export async function tableNames(db: Db): Promise<string[]> {
  const q =
    db.dialect === 'sqlite'
      ? sql<{
          name: string;
        }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
      : sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
  const rows = (await q.execute(db.kysely)).rows;
  return rows.map((r) => r.name).sort();
}

/**
 * The tables a refused request must leave alone: all but the usage log, which records every metered
 * call, failed ones included (that is its job).
 */
export async function stateTables(db: Db): Promise<string[]> {
  return (await tableNames(db)).filter((t) => t !== 'usage_rollups');
}

/** Every row of every table, as one string: equal strings mean an unchanged store. Rows are sorted. */
export async function storeSnapshot(db: Db, tables?: string[]): Promise<string> {
  const names = tables ?? (await stateTables(db));
  const parts: string[] = [];
  for (const name of names) {
    const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(db.kysely))
      .rows;
    const lines = rows.map((r) => JSON.stringify(r)).sort();
    parts.push(`# ${name} (${lines.length})`, ...lines);
  }
  return parts.join('\n');
}

/** The first line where two snapshots differ, to say what a failed request changed. */
export function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i}: before ${x[i]?.slice(0, 300)} / after ${y[i]?.slice(0, 300)}`;
  }
  return 'no difference';
}
