import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { buildConsole } from '../scripts/console-build.mjs';
import { replaceResultsSection } from './lib/report.ts';

/**
 * The web console's first load (issue 18): the bytes of its one script and one style sheet, raw and as
 * the server sends them (gzip level 9, brotli quality 11: src/console/assets.ts compresses once, with
 * these settings), against the 200 KB target for compressed JS + CSS. Built from the sources by the
 * same function `npm run build` uses. BENCH_CONSOLE=1 adds it to bench/run.ts, =only runs it alone.
 */

const SECTION = '## Console first load (issue 18)';
const TARGET_KB = 200;

export async function consoleBench(log: (s: string) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'personakit-console-bench-'));
  try {
    log('console: building');
    const { js, css } = await buildConsole(await import('esbuild'), dir);
    const sizes = [js, css].map((name) => {
      const raw = readFileSync(join(dir, name));
      return {
        name: name.endsWith('.js') ? 'JS' : 'CSS',
        raw: raw.length,
        gzip: gzipSync(raw, { level: 9 }).length,
        br: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
      };
    });
    const total = sizes.reduce((t, s) => ({ raw: t.raw + s.raw, gzip: t.gzip + s.gzip, br: t.br + s.br }), {
      raw: 0,
      gzip: 0,
      br: 0,
    });
    const kb = (n: number) => (n / 1024).toFixed(1);
    const rows = [...sizes, { name: '**JS + CSS**', ...total }]
      .map((s) => `| ${s.name} | ${kb(s.raw)} | ${kb(s.gzip)} | ${kb(s.br)} |`)
      .join('\n');
    const worst = Math.max(total.gzip, total.br) / 1024;
    return `${SECTION}

Everything the browser fetches to show the console (the HTML page itself is under 1 KB): one script
(Preact, the pages, jsdiff) and one style sheet, minified by esbuild, in KiB. Target: at most ${TARGET_KB} KB
compressed; measured ${worst.toFixed(1)} KiB with gzip (${((worst / TARGET_KB) * 100).toFixed(0)}% of the budget).

| asset | raw | gzip -9 | brotli 11 |
| --- | ---: | ---: | ---: |
${rows}
`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writeConsoleSection(md: string): void {
  replaceResultsSection(SECTION, md);
}

if (import.meta.main) {
  const md = await consoleBench((s) => process.stderr.write(`bench: ${s}\n`));
  process.stdout.write(`${md}\n`);
  if (process.env.BENCH_WRITE !== '0') writeConsoleSection(md);
}
