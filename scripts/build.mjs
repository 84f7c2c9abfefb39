import { rmSync } from 'node:fs';
import { build } from 'esbuild';

/**
 * Bundles the server into dist/personakit.mjs, which bin/personakit.js runs when it is up to date.
 * Plain JavaScript so it also runs under an older system Node during npm install (prepare).
 * One bundled file starts in a fraction of the time of ~600 separate ES modules with type stripping,
 * and holds far less memory (see bench/RESULTS.md: idle RSS and spawn -> /readyz). The sources stay
 * directly runnable; tests run them as they are.
 */
// Chunk names carry content hashes: start clean so no stale chunk lingers.
rmSync('dist', { recursive: true, force: true });
await build({
  // The style engine's worker thread (src/style/off-thread.ts finds it beside the bundle).
  entryPoints: { personakit: 'src/main.ts', 'style-worker': 'src/style/style-worker.ts' },
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
