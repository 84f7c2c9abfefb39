import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

/**
 * Fills a migrated SQLite store with N personas of one account, fast (one prepared statement, large
 * transactions), and writes a sample of their ids (for random GETs) and the cursor of the middle page.
 * argv: sqlite-file account-id count ids-out. Prints JSON {inserted, deepCursor}.
 */
const [file = '', accountId = '', countArg = '1000', idsOut = ''] = process.argv.slice(2);
/** Sampled ids: more than one latency run asks for (3,500) and than the persona cache holds (50,000). */
const SAMPLE = 60_000;
const count = Number(countArg);
const db = new DatabaseSync(file);
db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF');
const insert = db.prepare(
  `INSERT INTO personas (id, account_id, persona_type, name, description, attributes, system_prompt, context,
     pipeline_mode, default_replica_id, document_ids, document_tags, layers, secrets, created_at, updated_at, version)
   VALUES (?, ?, 'user', ?, '', ?, NULL, NULL, 'full', NULL, '[]', '[]', '{}', NULL, ?, ?, 1)`,
);
const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
const id = () => {
  let s = 'p';
  for (const b of randomBytes(24)) s += alphabet[b % 36];
  return s;
};
const start = Date.parse('2020-01-01T00:00:00.000Z');
const sample: string[] = [];
const attributes = JSON.stringify({ tone: 'warm', formality: 'casual', emoji: 'none' });
const batch = 20_000;
for (let i = 0; i < count; i += batch) {
  db.exec('BEGIN');
  for (let j = i; j < Math.min(count, i + batch); j++) {
    const pid = id();
    const at = new Date(start + j * 10).toISOString();
    insert.run(pid, accountId, `Persona ${j}`, attributes, at, at);
    if (j % Math.max(1, Math.floor(count / SAMPLE)) === 0) sample.push(pid);
  }
  db.exec('COMMIT');
}
const mid = db
  .prepare(
    'SELECT created_at, id FROM personas WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?',
  )
  .get(accountId, Math.floor(count / 2)) as { created_at: string; id: string } | undefined;
db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
db.close();
writeFileSync(idsOut, sample.join('\n'));
const deepCursor = mid ? Buffer.from(JSON.stringify([mid.created_at, mid.id])).toString('base64url') : null;
console.log(JSON.stringify({ inserted: count, deepCursor }));
