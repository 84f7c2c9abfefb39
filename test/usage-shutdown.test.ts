import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../src/app.ts';
import { testConfig } from '../src/config.ts';
import { createKey } from '../src/core/api-keys.ts';
import { createLogger } from '../src/log.ts';
import { closeServices, createServices } from '../src/services.ts';
import { openDb } from '../src/storage/db.ts';

test('usage recorded just before shutdown is in the store after it (flushed on close)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pk-usage-shutdown-'));
  try {
    const url = `sqlite:${join(dir, 'store.db')}`;
    const config = testConfig({ DATABASE_URL: url });
    const services = await createServices(config, createLogger(config));
    const app = createApp(services);
    const { key } = await createKey(services.db, 'shutdown');
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const made = await app.request('/v1/personas', { method: 'POST', headers, body: '{"name":"S"}' });
    const personaId = ((await made.json()) as { id: string }).id;
    for (let i = 0; i < 3; i++) {
      const r = await app.request('/v1/refine', {
        method: 'POST',
        headers,
        body: JSON.stringify({ provider: 'local', personaId, content: `call ${i}` }),
      });
      assert.equal(r.status, 200);
    }
    // The flush timer (1 s) has not fired: the sums are only in memory until close writes them.
    await closeServices(services);
    const db = await openDb(url);
    try {
      const row = await db.kysely
        .selectFrom('usage_rollups')
        .select((eb) => eb.fn.sum<number>('requests').as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.n), 3);
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
