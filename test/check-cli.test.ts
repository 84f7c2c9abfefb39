import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { type CliIo, runCli } from '../src/cli/index.ts';
import { describeEachBackend, listen } from './helpers/harness.ts';
import { marker, newPersona, startFakes } from './helpers/refine-fixtures.ts';

const fakes = await startFakes();
after(() => fakes.close());

function io(env: Record<string, string>, stdin = '') {
  let stdout = '';
  let stderr = '';
  const input = Object.assign(Readable.from(stdin ? [stdin] : []), { isTTY: false });
  const cli: CliIo = {
    // An unusable database: help must answer without opening one.
    env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ...env },
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    stdin: input,
  };
  return { cli, out: () => stdout, err: () => stderr };
}

test('--help works on every command and subcommand, without configuration or a database', async () => {
  const lines: [string[], RegExp][] = [
    [['--help'], /^usage: personakit <command>/],
    [['help'], /^usage: personakit <command>/],
    [['serve', '--help'], /^usage: personakit serve\n/],
    [['migrate', '-h'], /^usage: personakit migrate\n/],
    [['keys', '--help'], /^usage: personakit keys <subcommand>/],
    [['keys', 'create', '--help'], /^usage: personakit keys create --account NAME/],
    [['keys', 'list', '--help'], /^usage: personakit keys list/],
    [['keys', 'revoke', '-h'], /^usage: personakit keys revoke ID/],
    [['refine', '--help'], /^usage: personakit refine --persona ID/],
    [['refine', '--persona', 'p1', '--help'], /^usage: personakit refine --persona ID/],
    [['check', '--help'], /^usage: personakit check --persona ID/],
    [['help', 'check'], /^usage: personakit check --persona ID/],
    [['help', 'keys', 'revoke'], /^usage: personakit keys revoke ID/],
  ];
  for (const [argv, expected] of lines) {
    // PORT=nope would make loading the configuration fail (exit 78): help never loads it.
    const t = io({ PORT: 'nope' });
    assert.equal(await runCli(argv, t.cli), 0, `${argv.join(' ')}: ${t.err()}`);
    assert.match(t.out(), expected, argv.join(' '));
    assert.equal(t.err(), '');
  }
  const unknown = io({});
  assert.equal(await runCli(['help', 'nope'], unknown.cli), 2);
  assert.match(unknown.err(), /no help for "nope"/);
  // After `--`, "--help" is text to work on, not a flag.
  const text = io({ PORT: 'nope' });
  assert.equal(await runCli(['check', '--persona', 'p1', '--', '--help'], text.cli), 78);
});

describeEachBackend(
  'personakit check and refine exit codes (CLI)',
  (h) => {
    let listener: Awaited<ReturnType<typeof listen>> | undefined;
    let url = '';
    before(async () => {
      listener = await listen(h());
      url = listener.url;
    });
    after(() => listener?.close());

    test('check: one line per rule, exit 0 when all pass and 3 when one fails; --json', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account, { emoji: 'none', exclamations: 'none' });
      const env = { DATABASE_URL: 'sqlite::memory:', PERSONAKIT_URL: url, PERSONAKIT_API_KEY: account.key };
      const good = io(env);
      assert.equal(await runCli(['check', '--persona', persona.id, 'All', 'fine.'], good.cli), 0, good.err());
      assert.equal(
        good.out(),
        'pass  emoji: no emoji found\npass  exclamations: no exclamation marks found\n',
      );
      const bad = io(env, 'Great!! 🎉\n');
      assert.equal(await runCli(['check', '--persona', persona.id], bad.cli), 3);
      assert.match(bad.out(), /^FAIL {2}emoji: 1 emoji found: "🎉"/m);
      assert.match(bad.out(), /^FAIL {2}exclamations: /m);
      const json = io(env);
      assert.equal(await runCli(['check', '--persona', persona.id, '--json', 'Hi!'], json.cli), 3);
      assert.equal(JSON.parse(json.out()).passed, false);
      const missing = io(env);
      assert.equal(await runCli(['check', '--persona', 'pmissing000', 'x'], missing.cli), 1);
      assert.equal(missing.err(), 'personakit: Persona not found (HTTP 404)\n');
      const usage = io(env);
      assert.equal(await runCli(['check', 'x'], usage.cli), 2);
      assert.match(usage.err(), /check needs --persona ID/);
    });

    test('refine exits 3 when a check of its result fails, 0 when all pass', async () => {
      const account = await h().newAccount();
      const env = {
        DATABASE_URL: 'sqlite::memory:',
        PERSONAKIT_URL: url,
        PERSONAKIT_API_KEY: account.key,
        PERSONAKIT_PROVIDER_API_KEY: 'sk-cli',
      };
      const persona = await newPersona(h, account, { exclamations: 'none' });
      // The fake provider answers "Refined: <content>", so the "!!" stays and the check fails.
      const failing = io(env);
      const args = ['refine', '--persona', persona.id, '--provider', 'anthropic', `${marker('cli')} wow!!`];
      assert.equal(await runCli(args, failing.cli), 3, failing.err());
      assert.match(failing.err(), /^check failed: exclamations: /m);
      const passing = io(env);
      assert.equal(
        await runCli(
          ['refine', '--persona', persona.id, '--provider', 'anthropic', marker('ok')],
          passing.cli,
        ),
        0,
        passing.err(),
      );
      assert.equal(passing.err(), '');
    });
  },
  fakes.env,
);
