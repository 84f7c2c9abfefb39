// STAND-IN: replaced by the k-index branch
import { sql } from 'kysely';
import type { Db } from '../storage/db.ts';
import { ensureStandinChunks } from './index-store.ts';

export interface SearchInput {
  accountId: string;
  query: string;
  documentIds: string[];
  limit?: number;
  strategy?: 'speed' | 'balanced' | 'quality';
}
export interface Passage {
  document_id: string;
  chunk_id: string;
  text: string;
  score: number;
  position: { ordinal: number; heading_path: string[]; page?: number; sheet?: string; url?: string };
}

/** Stand-in: counts query words found (LIKE) in each chunk. */
export async function searchChunks(db: Db, input: SearchInput): Promise<Passage[]> {
  await ensureStandinChunks(db);
  if (input.documentIds.length === 0) return [];
  const words = input.query
    .toLowerCase()
    .split(' ')
    .filter((w) => w.length > 2);
  const { rows } = await sql<{ id: string; document_id: string; text: string; position: string }>`
    SELECT id, document_id, text, position FROM standin_chunks WHERE account_id = ${input.accountId}
    AND document_id IN (${sql.join(input.documentIds)})`.execute(db.kysely);
  return rows
    .map((r) => ({
      document_id: r.document_id,
      chunk_id: r.id,
      text: r.text,
      score: words.filter((w) => r.text.toLowerCase().includes(w)).length,
      position: JSON.parse(r.position) as Passage['position'],
    }))
    .filter((p) => p.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, input.limit ?? 10);
}
