import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

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
const run = (files: string[], concurrency: number) =>
  spawnSync(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-timeout=120000',
      ...files,
    ],
    { stdio: 'inherit' },
  ).status ?? 1;
let status: number;
if (process.argv.length > 2) {
  status = run(process.argv.slice(2), 2);
} else {
  // The adversarial suite measures /healthz latency against a p99 bound: it runs first and alone, so no
  // other suite's CPU spike lands in its windows; then everything else, two files at a time.
  const alone = 'test/reliability-adversarial.test.ts';
  const rest = globSync('test/**/*.test.ts').filter((f) => f !== alone);
  const first = run([alone], 1);
  status = run(rest, 2) || first;
}
if (!process.env.TEST_DATABASE_URL) {
  console.log(
    `\nThe "skipped" count above includes every PostgreSQL suite: TEST_DATABASE_URL is not set. ${HOW_TO_RUN_PG}`,
  );
}
process.exit(status);
