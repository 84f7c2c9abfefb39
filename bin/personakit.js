#!/usr/bin/env node
// personakit runs its TypeScript sources directly (Node's type stripping), which needs Node >= 22.18.
// Inside the checkout, npm scripts and npx put the project's own pinned Node (devDependency "node") first.
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
await import('../src/main.ts');
