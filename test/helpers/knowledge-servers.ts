import { setTimeout as sleep } from 'node:timers/promises';
import { FormData, Pool } from 'undici';
import type { Db } from '../../src/storage/db.ts';
import { type Json, keyedClient } from './reliability.ts';
import { type ServerProcess, spawnServer } from './spawn-server.ts';

/**
 * Spawned `personakit serve` processes for the knowledge suites that crash or multiply the server
 * (test/knowledge-durability.test.ts, test/knowledge-instances.test.ts): documents created over a real
 * socket, waited for through GET, and the store read directly to count what ingestion wrote.
 */

export interface KnowledgeServer {
  process: ServerProcess;
  url: string;
  send(method: string, path: string, json?: unknown): Promise<{ status: number; body: Json; text: string }>;
  /** POST /v2/documents as multipart/form-data with a `file` part. */
  upload(
    name: string,
    text: string,
    fields?: Record<string, string>,
  ): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

export async function startKnowledgeServer(
  key: string,
  env: Record<string, string>,
  children: ServerProcess[],
): Promise<KnowledgeServer> {
  const p = await spawnServer({
    PERSONAKIT_BOOTSTRAP_KEY: 'off',
    PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1',
    ...env,
  });
  children.push(p);
  const client = keyedClient(p.url, 8);
  const pool = new Pool(p.url, { connections: 4 });
  return {
    process: p,
    url: p.url,
    send: (method, path, json) => client.send(key, method, path, json),
    async upload(name, text, fields = {}) {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append('file', new Blob([text], { type: 'text/markdown' }), name);
      const res = await pool.request({
        method: 'POST',
        path: '/v2/documents',
        headers: { authorization: `Bearer ${key}` },
        body: form,
      });
      const body = (await res.body.json()) as Json;
      return { status: res.statusCode, body };
    },
    async close() {
      await client.pool.close();
      await pool.close();
    },
  };
}

/** Polls GET /v2/documents/{id} until `until` holds; bounded (fails with the last state seen). */
export async function documentState(
  server: KnowledgeServer,
  id: string,
  until: (doc: Json) => boolean,
  timeoutMs = 60_000,
): Promise<Json> {
  const end = Date.now() + timeoutMs;
  let last: Json;
  while (Date.now() < end) {
    const r = await server.send('GET', `/v2/documents/${id}`);
    last = r.body;
    if (r.status === 200 && until(r.body)) return r.body;
    await sleep(50);
  }
  throw new Error(`document ${id} did not reach the expected state; last: ${JSON.stringify(last)}`);
}

export const terminal = (d: Json) => d.status === 'ready' || d.status === 'error';

/** Each document's chunk ordinals as stored, to tell "indexed once" from "indexed twice". */
export async function chunkOrdinals(db: Db, documentIds: string[]): Promise<Map<string, number[]>> {
  const rows = await db.kysely
    .selectFrom('knowledge_chunks')
    .select(['document_id', 'ordinal'])
    .where('document_id', 'in', documentIds)
    .orderBy('document_id')
    .orderBy('ordinal')
    .execute();
  const out = new Map<string, number[]>(documentIds.map((id) => [id, []]));
  for (const r of rows) out.get(r.document_id)?.push(Number(r.ordinal));
  return out;
}

/** The ingestion jobs of these documents: how many exist and how many attempts each took. */
export async function ingestJobs(db: Db, documentIds: string[]) {
  const rows = await db.kysely
    .selectFrom('jobs')
    .select(['payload', 'status', 'attempts'])
    .where('kind', '=', 'knowledge.ingest')
    .execute();
  return rows
    .map((r) => ({ ...r, documentId: (JSON.parse(r.payload) as { documentId: string }).documentId }))
    .filter((r) => documentIds.includes(r.documentId));
}
