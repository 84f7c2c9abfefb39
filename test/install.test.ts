import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { build } from 'esbuild';

/**
 * Issue 12.7/12.8: a production install (npm ci --omit=dev) has only `dependencies`, so everything
 * `npm start` loads must come from there; and npm test's summary must count the suites it leaves out.
 * Real installs need the registry, so .ci/run does those; these checks run offline in seconds.
 */
const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const dir = mkdtempSync(join(tmpdir(), 'personakit-install-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Dependencies read from disk rather than imported, so no import graph shows them. */
const READ_FROM_DISK: Record<string, string> = {
  'swagger-ui-dist': 'src/http/docs-page.ts serves its files at /docs',
};

/** Started by path (new Worker), not imported: a second entry of the bundle, with the parsers' imports. */
const EXTRACT_WORKER = 'src/knowledge/extract/worker.ts';

/** The package's other export (personakit/client), for applications: its imports ship too. */
const CLIENT = 'src/client/index.ts';

const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const isBuiltin = (specifier: string) =>
  specifier.startsWith('node:') || builtinModules.includes(packageOf(specifier));

/** Every package the code reachable from `entry` imports at run time (type-only imports are erased). */
async function runtimeImports(entry: string): Promise<Map<string, string[]>> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
    outdir: join(dir, 'out'),
  });
  const found = new Map<string, string[]>();
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const imported of input.imports) {
      if (!imported.external || isBuiltin(imported.path)) continue;
      const name = packageOf(imported.path);
      found.set(name, [...(found.get(name) ?? []), file]);
    }
  }
  return found;
}

describe('a production install (npm ci --omit=dev) has what npm start needs', () => {
  test('npm start runs only the build script and bin/personakit.js serve', () => {
    // The checks below cover exactly these files: a new step in `start` must be checked too.
    assert.equal(pkg.scripts.start, 'node scripts/build.mjs && node bin/personakit.js serve');
  });

  test('the server and bin/personakit.js import only dependencies, never a devDependency', async () => {
    for (const entry of ['src/main.ts', 'bin/personakit.js', EXTRACT_WORKER, CLIENT]) {
      const imports = await runtimeImports(entry);
      for (const [name, files] of imports) {
        assert.ok(
          name in pkg.dependencies,
          `${files.join(', ')} imports ${name}, which is ${name in pkg.devDependencies ? 'a devDependency' : 'not a dependency'}: a production install lacks it`,
        );
      }
    }
  });

  test('every dependency is used at run time (the install carries nothing the server does not need)', async () => {
    const used = new Set([
      ...(await runtimeImports('src/main.ts')).keys(),
      ...(await runtimeImports(EXTRACT_WORKER)).keys(),
      ...(await runtimeImports(CLIENT)).keys(),
    ]);
    for (const name of Object.keys(pkg.dependencies)) {
      assert.ok(
        used.has(name) || name in READ_FROM_DISK,
        `${name} is a dependency but the server never imports it: move it to devDependencies or drop it`,
      );
    }
  });

  test('without esbuild the build step exits 0, says so, and keeps an existing bundle', () => {
    // A copy of the script where no node_modules can resolve esbuild: what npm ci --omit=dev leaves.
    const copy = join(dir, 'no-esbuild');
    mkdirSync(join(copy, 'scripts'), { recursive: true });
    mkdirSync(join(copy, 'dist'));
    cpSync(join(root, 'scripts', 'build.mjs'), join(copy, 'scripts', 'build.mjs'));
    writeFileSync(join(copy, 'dist', 'personakit.mjs'), '// an earlier build\n');
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: copy, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /esbuild is not installed .*the bundle already in dist\/ is kept/);
    assert.ok(existsSync(join(copy, 'dist', 'personakit.mjs')), 'the existing bundle was removed');
  });
});

describe('npm test counts what it leaves out', () => {
  test('a suite skipped for want of PostgreSQL is counted in the closing "skipped"', () => {
    const suite = join(dir, 'skipped-suite.test.ts');
    // The helper every storage suite uses, run as `npm test` runs it without TEST_DATABASE_URL.
    const helper = join(root, 'test', 'helpers', 'harness.ts');
    writeFileSync(
      suite,
      `import { test } from 'node:test';
import { describeEachBackend } from ${JSON.stringify(helper)};
describeEachBackend('a suite', () => {
  test('one', () => {});
  test('two', () => {});
});
`,
    );
    const env = { ...process.env };
    delete env.TEST_DATABASE_URL;
    delete env.NODE_TEST_CONTEXT; // else the inner runner reports to this one instead of to its stdout
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', suite], {
      env,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /skipped 1\n/); // the [postgres] suite
    assert.match(r.stdout, /pass 2\n/); // the [sqlite] suite's two tests
    assert.match(r.stdout, /TEST_DATABASE_URL is not set/);
  });
});
