// STAND-IN: replaced by the k-index branch
import { sql } from 'kysely';
import type { Db, Tx } from '../storage/db.ts';
import type { Chunk } from './chunk.ts';

const ready = new WeakMap<Db, Promise<void>>();
export function ensureStandinChunks(db: Db, tx?: Tx): Promise<void> {
  let p = tx ? undefined : ready.get(db);
  if (!p) {
    p = sql`CREATE TABLE IF NOT EXISTS standin_chunks (id text PRIMARY KEY, account_id text NOT NULL,
      document_id text NOT NULL, ordinal integer NOT NULL, text text NOT NULL, position text NOT NULL)`
      .execute(tx ?? db.kysely)
      .then(() => undefined);
    if (!tx) ready.set(db, p);
  }
  return p;
}

export async function replaceChunks(
  db: Db,
  accountId: string,
  documentId: string,
  chunks: Chunk[],
  tx?: Tx,
): Promise<void> {
  await ensureStandinChunks(db, tx);
  const exec = tx ?? db.kysely;
  await sql`DELETE FROM standin_chunks WHERE document_id = ${documentId}`.execute(exec);
  for (const c of chunks) {
    const position = JSON.stringify({
      ordinal: c.ordinal,
      heading_path: c.headingPath,
      ...(c.page !== undefined ? { page: c.page } : {}),
      ...(c.sheet !== undefined ? { sheet: c.sheet } : {}),
      ...(c.url !== undefined ? { url: c.url } : {}),
    });
    await sql`INSERT INTO standin_chunks VALUES (${`${documentId}:${c.ordinal}`}, ${accountId}, ${documentId},
      ${c.ordinal}, ${c.text}, ${position})`.execute(exec);
  }
}

export async function deleteChunks(db: Db, documentId: string, tx?: Tx): Promise<void> {
  await ensureStandinChunks(db, tx);
  await sql`DELETE FROM standin_chunks WHERE document_id = ${documentId}`.execute(tx ?? db.kysely);
}
