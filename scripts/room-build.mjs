import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Bundles the conversation_url page (src/console/ui/conversations/room.tsx: the console's chat view on
 * the page's own endpoints) into <consoleDir>/room: one script, one style sheet, manifest.json naming
 * them, the shape src/console/assets.ts reads. Kept apart from the console's bundle so a person joining a
 * conversation loads only the chat (a fraction of the console). Without it the server serves the page's
 * plain script (src/surfaces/tavus/conversation-page-script.ts). Plain JavaScript, like build.mjs.
 */
export async function buildRoom(esbuild, consoleDir) {
  const outdir = join(consoleDir, 'room');
  mkdirSync(outdir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { room: 'src/console/ui/conversations/room.tsx' },
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
  if (!js || !css) throw new Error(`room build: expected one .js and one .css, got ${outputs.join(', ')}`);
  writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify({ js, css })}\n`);
  return { js, css };
}
