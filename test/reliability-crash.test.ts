import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { Pool } from 'undici';
import { createKey } from '../src/core/api-keys.ts';
import { openDb } from '../src/storage/db.ts';
import { backends, describeUnlessSkipped } from './helpers/backends.ts';
import { type Fake, startFake } from './helpers/fake-upstreams.ts';
import { parseEvents } from './helpers/refine-fixtures.ts';
import { type Json, keyedClient, recordFigures } from './helpers/reliability.ts';
import { type ServerProcess, spawnServer } from './helpers/spawn-server.ts';

/**
 * Issue 7.6: a server process killed with SIGKILL in the middle of concurrent writes loses no write it
 * acknowledged and leaves an intact store (SQLite file and PostgreSQL); SIGTERM drains in-flight requests
 * and streams, refuses new connections and exits 0.
 */

const dir = mkdtempSync(join(tmpdir(), 'personakit-crash-'));
const children: ServerProcess[] = [];
after(async () => {
  // Even when a test failed halfway: no child outlives the suite.
  for (const c of children)
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const s = await spawnServer({ PERSONAKIT_BOOTSTRAP_KEY: 'off', ...env });
  children.push(s);
  return s;
}

const client = keyedClient;

const V1_WRITERS = 12;
const V2_WRITERS = 8;
/** Acknowledged writes after which the process is killed, while every writer still has one in flight. */
const KILL_AFTER_ACKS = 300;

interface Created {
  id: string;
  name: string;
  attributes: Json;
}
/** A /v2 persona patched by one sequential writer: the last acknowledged patch and the one after it. */
interface Patched {
  id: string;
  acked: number;
  sent: number;
}

for (const { backend, skip } of backends) {
  describeUnlessSkipped(`SIGKILL in the middle of writes [${backend.name}]`, skip, () => {
    let url = '';
    let drop = async () => {};
    before(async () => {
      if (backend.name === 'sqlite') url = `sqlite:${join(dir, 'crash', 'personakit.db')}`;
      else ({ url, drop } = await backend.fresh());
    });
    after(() => drop());

    test('every acknowledged write survives, and the store passes its integrity check', async () => {
      const setup = await openDb(url);
      const { key } = await createKey(setup, 'crash');
      await setup.close();

      const first = await start({ DATABASE_URL: url });
      const c = client(first.url);
      const patched: Patched[] = [];
      for (let w = 0; w < V2_WRITERS; w++) {
        const r = await c.send(key, 'POST', '/v2/personas', {
          persona_name: `Crash ${w}`,
          system_prompt: 'You write a lot.',
          context: 'ctx-initial',
        });
        assert.equal(r.status, 200, r.text);
        patched.push({ id: r.body.persona_id, acked: -1, sent: -1 });
      }

      const created: Created[] = [];
      const refused: string[] = [];
      let acks = 0;
      let killed = false;
      const kill = () => {
        if (killed) return;
        killed = true;
        first.child.kill('SIGKILL');
      };
      const acked = () => {
        if (++acks >= KILL_AFTER_ACKS) kill();
      };
      const v1Writer = async (w: number) => {
        for (let n = 0; !killed; n++) {
          const name = `w${w}-${n}`;
          const attributes = { writer: w, n, tone: 'steady', notes: 'x'.repeat(300) };
          try {
            const r = await c.send(key, 'POST', '/v1/personas', { name, attributes });
            if (r.status !== 200) refused.push(`POST ${r.status} ${r.text}`);
            else {
              created.push({ id: r.body.id, name, attributes });
              acked();
            }
          } catch {
            // The connection died with the process: this write was never acknowledged.
            return;
          }
        }
      };
      const v2Writer = async (p: Patched) => {
        for (let n = 0; !killed; n++) {
          p.sent = n;
          try {
            const r = await c.send(key, 'PATCH', `/v2/personas/${p.id}`, [
              { op: 'replace', path: '/context', value: `ctx-${n}` },
            ]);
            if (r.status !== 200) refused.push(`PATCH ${r.status} ${r.text}`);
            else {
              p.acked = n;
              acked();
            }
          } catch {
            return;
          }
        }
      };
      const timer = setTimeout(kill, 30_000); // a stalled server must not stall the suite
      await Promise.all([
        ...Array.from({ length: V1_WRITERS }, (_, w) => v1Writer(w)),
        ...patched.map((p) => v2Writer(p)),
      ]);
      clearTimeout(timer);
      await c.pool.destroy();
      if (first.child.exitCode === null && first.child.signalCode === null) await once(first.child, 'exit');
      assert.equal(first.child.signalCode, 'SIGKILL');
      assert.deepEqual(refused, [], 'every write before the kill succeeded');
      assert.ok(acks >= KILL_AFTER_ACKS, `only ${acks} writes were acknowledged before the kill`);

      // Restart on the same store: every acknowledged create reads back as acknowledged; each patched
      // persona holds its last acknowledged patch, or the one in flight when the process died.
      const second = await start({ DATABASE_URL: url });
      const c2 = client(second.url);
      const missing: string[] = [];
      await Promise.all(
        created.map(async (w) => {
          const r = await c2.send(key, 'GET', `/v1/personas/${w.id}`);
          if (r.status !== 200) missing.push(`${w.id}: ${r.status}`);
          else if (
            r.body.name !== w.name ||
            JSON.stringify(r.body.attributes) !== JSON.stringify(w.attributes)
          )
            missing.push(`${w.id}: ${r.text}`);
        }),
      );
      let patchInFlightCommitted = 0;
      for (const p of patched) {
        const r = await c2.send(key, 'GET', `/v2/personas/${p.id}`);
        assert.equal(r.status, 200, r.text);
        const context: string = r.body.data[0].context;
        const allowed = new Set([p.acked === -1 ? 'ctx-initial' : `ctx-${p.acked}`, `ctx-${p.sent}`]);
        if (!allowed.has(context)) missing.push(`${p.id}: context ${context}, acked ${p.acked}`);
        if (context === `ctx-${p.sent}` && p.sent !== p.acked) patchInFlightCommitted++;
      }
      assert.deepEqual(missing, [], 'acknowledged writes lost or changed after SIGKILL');
      // The restarted server takes writes again.
      const again = await c2.send(key, 'POST', '/v1/personas', { name: 'After the crash' });
      assert.equal(again.status, 200, again.text);
      await c2.pool.close();
      assert.equal(await second.stop('SIGTERM'), 0);

      const integrity = await checkIntegrity(url, patched);
      assert.deepEqual(integrity.problems, []);

      recordFigures(`crash-${backend.name}`, {
        writers: { v1Creates: V1_WRITERS, v2Patches: V2_WRITERS },
        acknowledgedBeforeKill: acks,
        acknowledgedCreates: created.length,
        acknowledgedPatches: patched.reduce((n, p) => n + p.acked + 1, 0),
        checkedAfterRestart: created.length + patched.length,
        lost: missing.length,
        unacknowledgedCreatesCommitted: integrity.personas - created.length - V2_WRITERS - 1,
        patchesInFlightThatCommitted: patchInFlightCommitted,
        integrity: integrity.checks,
      });
    });
  });
}

/**
 * The store after the crash: SQLite's own integrity and foreign-key checks; on both backends every
 * persona row parses, each patched persona's version matches its content (both written in one
 * transaction), and no Suno or key row points at a missing parent.
 */
async function checkIntegrity(url: string, patched: Patched[]) {
  const problems: string[] = [];
  const checks: string[] = [];
  if (url.startsWith('sqlite:')) {
    const raw = new DatabaseSync(url.slice('sqlite:'.length));
    try {
      const integrity = raw.prepare('PRAGMA integrity_check').all();
      if (JSON.stringify(integrity) !== JSON.stringify([{ integrity_check: 'ok' }]))
        problems.push(`integrity_check: ${JSON.stringify(integrity)}`);
      const fk = raw.prepare('PRAGMA foreign_key_check').all();
      if (fk.length > 0) problems.push(`foreign_key_check: ${JSON.stringify(fk)}`);
      checks.push('PRAGMA integrity_check = ok', 'PRAGMA foreign_key_check empty');
    } finally {
      raw.close();
    }
  }
  const db = await openDb(url, { migrate: false });
  try {
    const rows = await db.kysely.selectFrom('personas').selectAll().execute();
    for (const row of rows) {
      for (const col of ['attributes', 'layers', 'document_ids', 'document_tags'] as const) {
        try {
          JSON.parse(row[col]);
        } catch {
          problems.push(`${row.id}.${col} is not JSON`);
        }
      }
      if (row.version < 1 || row.updated_at < row.created_at) problems.push(`${row.id}: version/timestamps`);
    }
    for (const p of patched) {
      const row = rows.find((r) => r.id === p.id);
      const n = /^ctx-(\d+)$/.exec(row?.context ?? '')?.[1];
      // Created at version 1; the patch writing ctx-N is the (N+1)th, so it leaves version N+2.
      const expected = n === undefined ? 1 : Number(n) + 2;
      if (row?.version !== expected)
        problems.push(`${p.id}: version ${row?.version}, content ${row?.context}`);
    }
    const orphans = async (child: string, column: string, parent: string) => {
      const r = await sql<{ n: number | string }>`
        SELECT count(*) AS n FROM ${sql.table(child)} c
        LEFT JOIN ${sql.table(parent)} p ON p.id = c.${sql.ref(column)}
        WHERE p.id IS NULL`.execute(db.kysely);
      const n = Number(r.rows[0]?.n);
      if (n > 0) problems.push(`${n} orphan rows in ${child}`);
    };
    await orphans('suno_personas', 'persona_id', 'personas');
    await orphans('persona_clips', 'persona_id', 'personas');
    await orphans('api_keys', 'account_id', 'accounts');
    checks.push(
      `${rows.length} persona rows parse`,
      'versions match content',
      'no orphan suno_personas / persona_clips / api_keys rows',
    );
    return { problems, checks, personas: rows.filter((r) => r.persona_type === 'user').length };
  } finally {
    await db.close();
  }
}

describe('SIGTERM drains', () => {
  let fake: Fake;
  before(async () => {
    fake = await startFake('openai');
  });
  after(() => fake?.close());

  test('in-flight requests and streams finish, new connections are refused, exit 0', async () => {
    const url = `sqlite:${join(dir, 'drain', 'personakit.db')}`;
    const setup = await openDb(url);
    const { key } = await createKey(setup, 'drain');
    await setup.close();
    const server = await start({
      DATABASE_URL: url,
      LOG_LEVEL: 'info',
      PERSONAKIT_OPENAI_BASE_URL: `${fake.origin}/v1`,
      PERSONAKIT_UPSTREAM_TIMEOUT_MS: '30000',
      PERSONAKIT_SHUTDOWN_TIMEOUT_MS: '3000',
    });
    const port = Number(new URL(server.url).port);
    const setupClient = client(server.url, 1);
    // Its keep-alive connection stays open and idle until SIGTERM.
    const persona = await setupClient.send(key, 'POST', '/v1/personas', { name: 'Drain' });
    const refineJson = (model: string, stream: boolean) =>
      JSON.stringify({
        provider: 'openai',
        providerApiKey: 'sk-drain',
        personaId: persona.body.id,
        content: `drain ${model}`,
        model,
        stream,
      });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    // Each request on its own connection, as separate clients would be.
    const open = (body: string | Readable, path = '/v1/refine') => {
      const pool = new Pool(server.url, { connections: 1 });
      const res = pool.request({ method: 'POST', path, headers, body });
      return { pool, res };
    };
    /** A JSON answer, read at once: a connection cut by a broken drain becomes status 0, not a throw. */
    const answered = (req: ReturnType<typeof open>) => ({
      ...req,
      answer: req.res.then(
        async (r) => ({ status: r.statusCode, body: (await r.body.json()) as Json }),
        (err: Error) => ({ status: 0, body: err.message as Json }),
      ),
    });
    /** Reads a stream to its end (or its cut), resolving once the first delta has arrived. */
    const streamed = async (model: string) => {
      const { pool, res } = open(refineJson(model, true));
      const r = await res;
      let text = '';
      let firstDelta: () => void = () => {};
      const started = new Promise<void>((resolve) => {
        firstDelta = resolve;
      });
      const done = (async () => {
        try {
          for await (const chunk of r.body) {
            text += chunk;
            if (text.includes('event: delta')) firstDelta();
          }
        } catch {
          // A stream cut by the shutdown bound: what arrived is kept.
        }
        await pool.destroy();
        return { status: r.statusCode, text };
      })();
      await started;
      // Wrapped: returning the promise itself would make this function wait for the stream's end.
      return { done };
    };

    // A stream that takes 1.2 s, one that never ends, a JSON refine answered after 1 s and an upload
    // still sending its body: all in flight when SIGTERM arrives.
    const slowStream = await streamed('scenario:slow:1200');
    const endlessStream = await streamed('scenario:drip');
    const json = answered(open(refineJson('scenario:slow:1000', false)));
    const upload = answered(
      open(
        Readable.from(
          (async function* () {
            yield '{"name":"Late",';
            await sleep(500);
            yield '"attributes":{}}';
          })(),
        ),
        '/v1/personas',
      ),
    );
    await sleep(100);

    const exited = server.stop('SIGTERM');
    for (let i = 0; i < 500 && !server.stdout().includes('shutting down'); i++) await sleep(10);
    const refusedCode = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('accepted');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    assert.equal(refusedCode, 'ECONNREFUSED', 'a new connection after SIGTERM must be refused');
    // An idle keep-alive connection is closed by the drain: a new request on it fails too.
    await assert.rejects(setupClient.send(key, 'GET', '/v1/personas'));
    await setupClient.pool.destroy();

    const slow = await slowStream.done;
    assert.equal(slow.status, 200);
    const events = parseEvents(slow.text);
    assert.equal(events.at(-1)?.event, 'done', `the drained stream completed:\n${slow.text}`);
    assert.equal(events.at(-1)?.data.response, 'Refined: drain scenario:slow:1200');
    assert.deepEqual(
      [await json.answer, await upload.answer].map((a) => [a.status, a.body.response ?? a.body.name]),
      [
        [200, 'Refined: drain scenario:slow:1000'],
        [200, 'Late'],
      ],
    );
    // The stream that never ends is cut at PERSONAKIT_SHUTDOWN_TIMEOUT_MS, and the process still exits 0.
    const endless = await endlessStream.done;
    assert.ok(!endless.text.includes('event: done'));
    assert.equal(await exited, 0);
    assert.match(server.stdout(), /shutdown timeout reached/);
    await Promise.all([json.pool.close(), upload.pool.close()]);
  });
});
