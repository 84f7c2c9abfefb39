import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Bundles the web console (src/console/ui, Preact + TSX) for the browser: one minified script and one
 * style sheet with content hashes in their names, plus manifest.json naming them, which the server reads
 * (src/console/assets.ts). Used by scripts/build.mjs (into dist/console) and by the browser tests
 * (test/helpers/console.ts, into a directory of their own). Plain JavaScript, like build.mjs.
 */
export async function buildConsole(esbuild, outdir) {
  mkdirSync(outdir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { console: 'src/console/ui/main.tsx' },
    outdir,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: 'src/console/ui/tsconfig.json',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = outputs.find((p) => p.endsWith('.js'));
  const css = outputs.find((p) => p.endsWith('.css'));
  if (!js || !css) throw new Error(`console build: expected one .js and one .css, got ${outputs.join(', ')}`);
  writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify({ js, css })}\n`);
  return { js, css };
}
