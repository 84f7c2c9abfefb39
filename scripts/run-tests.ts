import { spawnSync } from 'node:child_process';

/**
 * npm test's runner: node's own test runner over test/, with a visible line saying whether the
 * PostgreSQL half runs, so a green run without it is never mistaken for a full one. Each PostgreSQL suite
 * left out counts in node's closing "skipped" (test/helpers/backends.ts), and the last line says how to
 * run them.
 */
const HOW_TO_RUN_PG =
  'To run them: createdb -h 127.0.0.1 -U postgres test, then TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test ' +
  '(any PostgreSQL database this user may create schemas in; each suite makes and drops its own schema).';
if (process.env.TEST_DATABASE_URL) {
  console.log(`storage tests: SQLite and PostgreSQL (${new URL(process.env.TEST_DATABASE_URL).host})`);
} else {
  console.log(
    'storage tests: SQLite only. TEST_DATABASE_URL is not set, so every PostgreSQL suite is SKIPPED.',
  );
}
// Process-level tests run bin/personakit.js, which runs the bundle when it is fresh: build it now, so they
// test what users run (a stale bundle would silently send them to the sources instead).
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const args = ['--test', '--test-concurrency=2', '--test-timeout=120000', ...process.argv.slice(2)];
if (process.argv.length <= 2) args.push('test/**/*.test.ts');
const r = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', ...args], {
  stdio: 'inherit',
});
if (!process.env.TEST_DATABASE_URL) {
  console.log(
    `\nThe "skipped" count above includes every PostgreSQL suite: TEST_DATABASE_URL is not set. ${HOW_TO_RUN_PG}`,
  );
}
process.exit(r.status ?? 1);
