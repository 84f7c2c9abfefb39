import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { crc32, deflateSync } from 'node:zlib';
import { cpuMs, httpOk, root, start } from './lib/processes.ts';

/**
 * `node bench/cards.ts`: POST /v1/personas/import of a 2 MB PNG card (a 840×840 noise image, which does
 * not compress, plus a card with a 60-entry lorebook) to `personakit serve` in its own process (build the
 * bundle first: `npm run build`) on a file SQLite store, side by side with POST /v1/personas (a JSON
 * create), the PNG export, and the floor: the same bytes written as one SQLite blob with no HTTP at all.
 * Prints the markdown section for bench/RESULTS.md.
 */
const RUNS = Number(process.env.BENCH_CARDS_RUNS ?? 60);

const chunk = (type: string, data: Buffer) => {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
};

function cardPng(): Buffer {
  const side = 840;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = randomBytes((side * 3 + 1) * side);
  for (let y = 0; y < side; y++) raw[y * (side * 3 + 1)] = 0;
  const card = {
    spec: 'chara_card_v3',
    spec_version: '3.0',
    data: {
      name: 'Bench',
      description: 'A benchmark character. '.repeat(200),
      personality: 'steady',
      scenario: 'A long evening.',
      first_mes: 'Hello, {{user}}.',
      mes_example: '<START>\n{{user}}: Hi\n{{char}}: Hello.',
      creator_notes: '',
      system_prompt: '',
      post_history_instructions: '',
      alternate_greetings: ['Hi.', 'Hey.'],
      group_only_greetings: [],
      tags: ['bench'],
      creator: 'bench',
      character_version: '1',
      extensions: { depth_prompt: { prompt: 'x', depth: 4 } },
      character_book: {
        extensions: {},
        entries: Array.from({ length: 60 }, (_, i) => ({
          keys: [`key${i}`, `/word${i}s?/i`],
          content: `Lore entry ${i}. `.repeat(20),
          extensions: { probability: 100 },
          enabled: true,
          insertion_order: i,
          use_regex: i % 2 === 0,
        })),
      },
    },
  };
  const text = Buffer.from(JSON.stringify(card)).toString('base64');
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 1 })),
    chunk('tEXt', Buffer.concat([Buffer.from('ccv3\0', 'latin1'), Buffer.from(text, 'latin1')])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'personakit-cards-bench-'));
  const server = await start(
    [`${root}bin/personakit.js`, 'serve'],
    {
      HOST: '127.0.0.1',
      PERSONAKIT_RATE_LIMIT: '1000000000',
      DATABASE_URL: `sqlite:${join(dir, 'bench.db')}`,
    },
    (port) => httpOk(`http://127.0.0.1:${port}/readyz`),
  );
  const key = /pk_[A-Za-z0-9_-]{32}/.exec(server.stderr())?.[0] ?? '';
  const base = `http://127.0.0.1:${server.port}`;
  const auth = { authorization: `Bearer ${key}` };
  const file = cardPng();

  const serverCpu: Record<string, number> = { import: 0, create: 0, export: 0 };
  const time = async (f: () => Promise<Response>, what?: string) => {
    const c = cpuMs(server.child.pid);
    const t = performance.now();
    const res = await f();
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    const wall = performance.now() - t;
    if (what) serverCpu[what] = (serverCpu[what] ?? 0) + cpuMs(server.child.pid) - c;
    return wall;
  };
  // The floor: the same bytes written as one blob row by node:sqlite alone, in a file store beside it.
  const floorDb = new DatabaseSync(join(dir, 'floor.db'));
  floorDb.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB)',
  );
  const floorInsert = floorDb.prepare('INSERT INTO t (data) VALUES (?)');
  const floorOnce = async () => {
    floorInsert.run(file);
    return new Response('');
  };
  const importOnce = () =>
    fetch(`${base}/v1/personas/import`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'image/png' },
      body: new Uint8Array(file),
    });
  const createOnce = () =>
    fetch(`${base}/v1/personas`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench', description: 'x', attributes: { tone: 'warm' } }),
    });
  const first = await importOnce();
  const id = ((await first.json()) as { id: string }).id;
  const exportOnce = () => fetch(`${base}/v1/personas/${id}/export?format=png`, { headers: auth });

  const imports: number[] = [];
  const creates: number[] = [];
  const exports: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < 5; i++) {
    await time(importOnce);
    await time(createOnce);
    await time(exportOnce);
  }
  // Interleaved, so the machine's load falls on all of them alike.
  for (let i = 0; i < RUNS; i++) {
    imports.push(await time(importOnce, 'import'));
    creates.push(await time(createOnce, 'create'));
    exports.push(await time(exportOnce, 'export'));
    floors.push(await time(floorOnce));
  }
  floorDb.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });

  const mb = (file.length / 1024 / 1024).toFixed(2);
  const cpu = (what: string) =>
    what in serverCpu ? `${((serverCpu[what] ?? 0) / RUNS).toFixed(1)} ms` : '—';
  const row = (what: string, xs: number[], op: string, target: string) =>
    `| ${what} | ${pct(xs, 50).toFixed(2)} ms | ${pct(xs, 99).toFixed(2)} ms | ${cpu(op)} | ${(pct(xs, 50) / pct(floors, 50)).toFixed(1)}× | ${target} |`;
  const p50 = pct(imports, 50);
  process.stdout.write(
    [
      `Run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ${RUNS} runs each (interleaved), \`personakit serve\` in its own process on a SQLite file store, fetch client over loopback. Card: ${mb} MiB PNG (840×840 noise + a V3 card with a 60-entry lorebook in \`ccv3\`).`,
      '',
      '| operation | p50 | p99 | server CPU per request (mean) | vs the blob-write floor (p50) | target |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      row(
        `POST /v1/personas/import, ${mb} MiB PNG`,
        imports,
        'import',
        `≤ 50 ms p50: ${p50 <= 50 ? 'yes' : '**no**'}`,
      ),
      row('GET /v1/personas/{id}/export?format=png', exports, 'export', 'reported'),
      row('POST /v1/personas (JSON create)', creates, 'create', '—'),
      row(
        `floor: node:sqlite INSERT of the ${mb} MiB as one blob (in the bench process, no HTTP)`,
        floors,
        'floor',
        '—',
      ),
      '',
      `Load average when the run ended: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')} (${cpus().length} CPUs).`,
      '',
    ].join('\n'),
  );
}

if (process.env.BENCH_CARDS_NO_MAIN !== '1') await main();

export { cardPng };
