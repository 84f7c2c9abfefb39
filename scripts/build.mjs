import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Bundles the server into dist/personakit.mjs, which bin/personakit.js runs when it is up to date.
 * Plain JavaScript so it also runs under an older system Node during npm install (prepare).
 * One bundled file starts in a fraction of the time of ~600 separate ES modules with type stripping,
 * and holds far less memory (see bench/RESULTS.md: idle RSS and spawn -> /readyz). The sources stay
 * directly runnable; tests run them as they are.
 *
 * esbuild is a devDependency: a production install (npm ci --omit=dev) has none, and npm still runs this
 * script there (prepare, npm start). It then leaves dist/ as it is and exits 0, and bin/personakit.js runs
 * the sources (docs/adr/0018-production-install.md).
 */
let esbuild;
try {
  esbuild = await import('esbuild');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  console.error(
    existsSync('dist/personakit.mjs')
      ? 'personakit: esbuild is not installed (a production install): the bundle already in dist/ is kept.'
      : 'personakit: esbuild is not installed (a production install), so no bundle is built and personakit ' +
          'runs from its TypeScript sources. For the faster-starting bundle: npm ci && npm run build && ' +
          'npm prune --omit=dev',
  );
  process.exit(0);
}
// The typed client's schema (src/client/schema.ts) is generated from the routes' OpenAPI document when a
// source changed since it was written (scripts/generate-client.ts); it needs Node's type stripping.
const schema = 'src/client/schema.ts';
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path === 'src/client' ? t : Math.max(t, newest(path));
    return Math.max(t, statSync(path).mtimeMs);
  }, 0);
if (!existsSync(schema) || statSync(schema).mtimeMs < newest('src')) {
  const generated = spawnSync(process.execPath, ['scripts/generate-client.ts'], { stdio: 'inherit' });
  if (generated.status !== 0) process.exit(generated.status ?? 1);
}
// Chunk names carry content hashes: start clean so no stale chunk lingers.
rmSync('dist', { recursive: true, force: true });
await esbuild.build({
  // Workers are loaded by path (new Worker(url)), so each is an entry of its own beside the bundle:
  // dist/style-worker.mjs (src/style/off-thread.ts) and dist/extract-worker.mjs
  // (src/knowledge/extract/run-worker.ts; docs/adr/0021-extract-in-a-worker.md).
  entryPoints: {
    personakit: 'src/main.ts',
    'style-worker': 'src/style/style-worker.ts',
    'extract-worker': 'src/knowledge/extract/worker.ts',
    // The typed client (package export personakit/client), for applications: not loaded by the server.
    client: 'src/client/index.ts',
  },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  // Code only some deployments need (pg, ioredis, undici) is imported lazily and lands in its own chunk.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Whitespace and syntax only: identifiers keep their names, so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22.18',
  // pg's optional native binding is never installed; swagger-ui-dist is read from disk at run time.
  external: ['pg-native', 'swagger-ui-dist'],
  banner: {
    js: "import { createRequire as __pkRequire } from 'node:module'; const require = __pkRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
});
// The web console (src/console/ui): a browser bundle of its own, served at /console (src/console/serve.ts).
// Imported here, after esbuild was found: a production install never loads it.
// The conversation_url page's chat is a bundle of its own beside it (src/surfaces/tavus/conversation-page.ts).
const { buildConsole, buildRoom } = await import('./console-build.mjs');
await buildConsole(esbuild, 'dist/console');
await buildRoom(esbuild, 'dist/console');
