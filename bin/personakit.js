#!/usr/bin/env node
// personakit runs on Node >= 22.18 (type stripping, node:sqlite). Inside the checkout, npm scripts and npx put
// the project's own pinned Node (devDependency "node") first; a production install (npm ci --omit=dev) has
// none and runs on the system Node.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  // Say what to do for the install at hand: which of the three ways it was installed decides the remedy.
  const pinned = join(root, 'node_modules', 'node');
  const advice = existsSync(join(pinned, 'bin', 'node'))
    ? "The project's own Node 24 is installed: run personakit through npm (npm start, npx personakit), " +
      'or as node_modules/.bin/node bin/personakit.js.'
    : existsSync(join(pinned, 'package.json'))
      ? "The project's own Node 24 was not downloaded (npm install --ignore-scripts skips that): run " +
        '"npm rebuild node", then "npm start".'
      : 'This install has no development dependencies (npm ci --omit=dev), so it runs on the system Node: ' +
        'install Node 22.18 or later (https://nodejs.org/), or run "npm install" (without --omit=dev), ' +
        "which installs the project's own Node 24 for npm start and npx personakit.";
  process.stderr.write(`personakit needs Node >= 22.18 (this is ${process.version}). ${advice}\n`);
  process.exit(1);
}
// The server runs with V8's young generation bounded (docs/adr/0012-young-generation-bound.md): under
// sustained load V8 grows it to ~114 MiB, which took the server to ~320 MiB RSS with 1,000 open streams
// although its live heap was ~40 MiB; 16 MiB semi-spaces keep it near 210 MiB at no measured cost in
// throughput. The flag only exists at start, and a shebang cannot carry it portably, so `serve` replaces
// this process with one that has it: process.execve keeps the pid, so signals and supervisors see one
// process. Skipped where execve is missing (Windows) or when the operator chose a size themselves.
//
// The same start fixes glibc's mmap threshold at its default, 128 KiB (docs/adr/0026-large-answers-off-the-loop.md):
// left dynamic, glibc raises it up to 32 MiB after the first large buffer is freed, and every later
// buffer below that comes from its arenas, which keep the memory after it is freed. After two 16 MiB
// provider answers the server kept ~100 MiB more RSS with a JS heap of 24 MB; fixed, ~30 MiB. Setting the
// variable makes glibc keep it fixed; other C libraries ignore it; an operator's own value is kept.
const SEMI_SPACE = '--max-semi-space-size=16';
const command = process.argv[2] ?? 'serve';
const needsSemiSpace =
  process.env.PERSONAKIT_KEEP_V8_DEFAULTS !== '1' &&
  !/--max-semi-space-size/.test([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '));
const needsMmapThreshold = process.platform === 'linux' && process.env.MALLOC_MMAP_THRESHOLD_ === undefined;
if (
  command === 'serve' &&
  typeof process.execve === 'function' &&
  process.platform !== 'win32' &&
  (needsSemiSpace || needsMmapThreshold)
) {
  const self = fileURLToPath(import.meta.url);
  process.execve(
    process.execPath,
    [
      process.execPath,
      ...(needsSemiSpace ? [SEMI_SPACE] : []),
      ...process.execArgv,
      self,
      ...process.argv.slice(2),
    ],
    needsMmapThreshold ? { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' } : process.env,
  );
}

// node:sqlite still announces itself as experimental on every start; that line would only alarm users.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : warning?.message;
  if (typeof text === 'string' && text.includes('SQLite is an experimental feature')) return;
  return emitWarning.call(process, warning, ...rest);
};

// The bundle (npm run build; made by npm install and npm start where esbuild is installed) starts fastest; if
// any source file is newer than it, run the sources themselves so an edit is never shadowed by a stale bundle.
// A production install without a bundle runs the sources too, with Node's type stripping.
const bundle = join(root, 'dist', 'personakit.mjs');
const newestSource = (dir) => {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
};
const useBundle =
  process.env.PERSONAKIT_RUN_SOURCES !== '1' &&
  existsSync(bundle) &&
  statSync(bundle).mtimeMs >= newestSource(join(root, 'src'));
await import(useBundle ? bundle : '../src/main.ts');
