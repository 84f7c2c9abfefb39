import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import ExcelJS from 'exceljs';
import { runParseWorker, workerUrl } from '../src/knowledge/extract/run-worker.ts';
import type { ExtractFormat } from '../src/knowledge/extract/types.ts';
import { KnowledgeError } from '../src/knowledge/extract/types.ts';
import { docx, pdf, pptx } from './helpers/knowledge-files.ts';

/**
 * The extract worker is loaded by path, so it must work both from the TypeScript sources and from the
 * esbuild bundle users run (dist/extract-worker.mjs, whose parsers sit in dist/chunks/).
 */
const root = new URL('..', import.meta.url).pathname;
const bundled = join(root, 'dist', 'extract-worker.mjs');
const newest = (dir: string): number =>
  Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );

describe('extract worker: path resolution', () => {
  const dir = mkdtempSync(join(tmpdir(), 'personakit-extract-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('sources: worker.ts beside the module', () => {
    assert.equal(
      workerUrl('file:///app/src/knowledge/extract/run-worker.ts').href,
      'file:///app/src/knowledge/extract/worker.ts',
    );
  });

  test('bundle: extract-worker.mjs found from the entry file and from a chunk', () => {
    mkdirSync(join(dir, 'dist', 'chunks'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'extract-worker.mjs'), '');
    const want = pathToFileURL(join(dir, 'dist', 'extract-worker.mjs')).href;
    assert.equal(workerUrl(pathToFileURL(join(dir, 'dist', 'personakit.mjs')).href).href, want);
    assert.equal(workerUrl(pathToFileURL(join(dir, 'dist', 'chunks', 'chunk-X.mjs')).href).href, want);
  });

  test('bundle without the worker: a clear internal_error', () => {
    assert.throws(
      () => workerUrl(pathToFileURL(join(dir, 'elsewhere', 'chunk.mjs')).href),
      (e: unknown) => e instanceof KnowledgeError && e.code === 'internal_error' && /rebuild/.test(e.message),
    );
  });
});

describe('extract worker: the built bundle parses every zip-based and binary format', () => {
  before(() => {
    // npm test builds first; a direct run with a missing or stale bundle builds it here.
    if (existsSync(bundled) && statSync(bundled).mtimeMs >= newest(join(root, 'src'))) return;
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
    assert.equal(build.status, 0, 'scripts/build.mjs failed');
  });

  const run = (format: ExtractFormat, bytes: Uint8Array) =>
    runParseWorker(
      {
        bytes,
        format,
        maxTextChars: 1_000_000,
        maxUnzippedBytes: 10 * 1024 * 1024,
        maxZipEntries: 100,
        maxZipRatio: 100,
      },
      { timeoutMs: 60_000, maxMemoryMb: 256 },
      pathToFileURL(bundled),
    );

  test('PDF (pdf.js in its own chunk)', async () => {
    const doc = await run('pdf', pdf([['Bundled text']]));
    assert.deepEqual(
      doc.blocks.map((b) => [b.text, b.page]),
      [['Bundled text', 1]],
    );
  });

  test('DOCX, PPTX, XLSX, HTML', async () => {
    assert.equal(
      (await run('docx', docx([{ style: 'Heading1', text: 'H' }, { text: 'Body' }]))).blocks[1]
        ?.headingPath[0],
      'H',
    );
    assert.equal((await run('pptx', pptx([{ title: 'S', lines: ['x'] }]))).blocks[0]?.text, 'S');
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Data').addRows([
      ['K', 'V'],
      ['a', 1],
    ]);
    const xlsx = await run('xlsx', new Uint8Array((await wb.xlsx.writeBuffer()) as ArrayBuffer));
    assert.equal(xlsx.blocks[1]?.text, 'K: a; V: 1');
    const html = await run('html', new TextEncoder().encode('<html><body><h2>T</h2><p>P</p></body></html>'));
    assert.deepEqual(
      html.blocks.map((b) => b.text),
      ['T', 'P'],
    );
  });
});
