import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Browser bundles of src/console/ui (Preact + TSX): one minified script and one style sheet with content
 * hashes in their names, plus manifest.json naming them, the shape the server reads (src/console/assets.ts).
 * Used by scripts/build.mjs (into dist/console) and by the browser tests and the bench (into directories of
 * their own). Plain JavaScript, like build.mjs.
 */
async function buildBundle(esbuild, name, entry, outdir) {
  mkdirSync(outdir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { [name]: entry },
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
  if (!js || !css) throw new Error(`${name} build: expected one .js and one .css, got ${outputs.join(', ')}`);
  writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify({ js, css })}\n`);
  return { js, css };
}

/** The web console, into `outdir`. */
export function buildConsole(esbuild, outdir) {
  return buildBundle(esbuild, 'console', 'src/console/ui/main.tsx', outdir);
}

/**
 * The conversation_url page (src/console/ui/conversations/room.tsx: the console's chat view on the page's
 * own endpoints) into <consoleDir>/room. Kept apart from the console's bundle so a person joining a
 * conversation loads only the chat (a fraction of the console). Without it the server serves the page's
 * plain script (src/surfaces/tavus/conversation-page-script.ts).
 */
export function buildRoom(esbuild, consoleDir) {
  return buildBundle(esbuild, 'room', 'src/console/ui/conversations/room.tsx', join(consoleDir, 'room'));
}
