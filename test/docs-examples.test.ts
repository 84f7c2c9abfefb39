import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pngCard } from './helpers/card-files.ts';
import { sillyTavernV2 } from './helpers/card-samples.ts';
import { type DocBlock, pageScript, shellBlocks } from './helpers/doc-blocks.ts';
import { startFakeSunoUpstream } from './helpers/fake-suno-upstream.ts';
import { type Fake, startFake } from './helpers/fake-upstreams.ts';
import { pdf } from './helpers/knowledge-files.ts';
import { spawnServer } from './helpers/spawn-server.ts';

/**
 * Issue 17.6: every command and curl example of the README and the guides runs against a live server,
 * extracted from the Markdown as it is, so the docs cannot drift from the code. Each page gets its own
 * server and store; provider examples reach fake upstreams on 127.0.0.1 speaking each vendor's wire
 * (the `*_API_KEY` variables the examples use are set to test keys). Blocks that set up a machine or
 * need the internet say so with a `<!-- doc-test: skip … -->` line (helpers/doc-blocks.ts).
 */

const root = fileURLToPath(new URL('..', import.meta.url));
// DOCS_PAGE=docs/refine.md runs one page (while mending it).
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
].filter((p) => !process.env.DOCS_PAGE || p === process.env.DOCS_PAGE);
const blocksOf = (page: string) => shellBlocks(page, readFileSync(join(root, page), 'utf8'));

/**
 * Runs the page's script asynchronously (the fake upstreams answer from this process's event loop), its
 * output into files: examples `tee /dev/stderr`, which cannot be opened when stderr is a socket.
 */
function shell(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const outFile = join(cwd, 'stdout.log');
  const errFile = join(cwd, 'stderr.log');
  const out = openSync(outFile, 'w');
  const err = openSync(errFile, 'w');
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', out, err] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      closeSync(out);
      closeSync(err);
      resolve({ status, stdout: readFileSync(outFile, 'utf8'), stderr: readFileSync(errFile, 'utf8') });
    });
  });
}

describe('docs examples are run against a live server', () => {
  const fakes: Fake[] = [];
  after(async () => {
    await Promise.all(fakes.map((f) => f.close()));
  });

  test('every skipped block says why', () => {
    for (const page of pages) {
      for (const b of blocksOf(page)) {
        if (b.skip !== undefined) assert.notEqual(b.skip, 'no reason given', `${b.file}:${b.line}`);
      }
    }
  });

  for (const page of pages) {
    const blocks = blocksOf(page);
    const runnable = blocks.filter((b) => b.skip === undefined);
    if (runnable.length === 0) continue;
    test(`${page}: ${runnable.length} of ${blocks.length} blocks (sh and js)`, {
      timeout: 120_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'personakit-docs-'));
      const vendors = await Promise.all(
        (['openai', 'anthropic', 'cohere', 'google'] as const).map(startFake),
      );
      fakes.push(...vendors);
      const [openai, anthropic, cohere, google] = vendors as [Fake, Fake, Fake, Fake];
      const suno = await startFakeSunoUpstream();
      fakes.push({ close: suno.close } as Fake);
      const store = `sqlite:${join(dir, 'docs.db')}`;
      const env = {
        DATABASE_URL: store,
        PERSONAKIT_OPENAI_BASE_URL: openai.origin,
        PERSONAKIT_ANTHROPIC_BASE_URL: anthropic.origin,
        PERSONAKIT_COHERE_BASE_URL: cohere.origin,
        PERSONAKIT_GOOGLE_BASE_URL: google.origin,
        PERSONAKIT_SUNO_BASE_URL: suno.url,
        PERSONAKIT_SUNO_API_KEY: 'suno-docs-test',
        // The operator key the operations guide's examples use.
        PERSONAKIT_ADMIN_KEY: 'change-me-to-a-long-random-secret',
        // The conversation examples' callback receivers listen on this machine (README says so).
        PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1',
      };
      const server = await spawnServer(env);
      try {
        const key = /pk_[A-Za-z0-9_-]{32}/.exec(server.stderr())?.[0];
        assert.ok(key, 'the first start prints a key');
        // Files the examples upload.
        writeFileSync(
          join(dir, 'handbook.pdf'),
          pdf([['Employees get 25 vacation days a year.']], 'Handbook'),
        );
        writeFileSync(join(dir, 'Seraphina.png'), pngCard('chara', sillyTavernV2()));
        writeFileSync(join(dir, 'seraphina.json'), JSON.stringify(sillyTavernV2()));
        // JS examples import packages (openai): resolved through a link to this checkout's node_modules.
        symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
        const script = pageScript(blocks, server.url, (b: DocBlock, n: number) =>
          join(dir, `block-${n}.${b.lang === 'js' ? 'mjs' : 'sh'}`),
        );
        // Asynchronously: the fake upstreams answer from this process's event loop.
        const run = await shell(script, dir, {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          ...env,
          KEY: key,
          PERSONAKIT_ROOT: root,
          PERSONAKIT_URL: server.url,
          OPENAI_API_KEY: 'sk-docs-test',
          ANTHROPIC_API_KEY: 'sk-ant-docs-test',
          COHERE_API_KEY: 'co-docs-test',
          GEMINI_API_KEY: 'gm-docs-test',
        });
        const stderr = run.stderr.split('\n');
        const last = stderr.filter((l) => l.startsWith('::block')).at(-1);
        assert.equal(
          run.status,
          0,
          `${page}: failed in ${last?.slice(8) ?? 'set-up'}\n--- stdout (end) ---\n${run.stdout.slice(-1500)}\n--- stderr (end) ---\n${stderr.slice(-25).join('\n')}`,
        );
      } finally {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
