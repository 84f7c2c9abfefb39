#!/usr/bin/env node
// personakit runs on Node >= 22.18. Inside the checkout, npm scripts and npx put the project's own pinned
// Node (devDependency "node") first.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `personakit needs Node >= 22.18 (this is ${process.version}). Run it through npm (npm start, npx personakit), ` +
      'which uses the Node the project installs.\n',
  );
  process.exit(1);
}
// node:sqlite still announces itself as experimental on every start; that line would only alarm users.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : warning?.message;
  if (typeof text === 'string' && text.includes('SQLite is an experimental feature')) return;
  return emitWarning.call(process, warning, ...rest);
};

// The bundle (npm run build; made by npm install and npm start) starts fastest; if any source file is
// newer than it, run the sources themselves so an edit is never shadowed by a stale bundle.
const root = fileURLToPath(new URL('..', import.meta.url));
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
