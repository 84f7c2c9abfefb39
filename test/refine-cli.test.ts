import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { type CliIo, runCli } from '../src/cli/index.ts';
import { applyLocalStyle } from '../src/style/index.ts';
import { answerFor } from './helpers/fake-upstreams.ts';
import { describeEachBackend, listen } from './helpers/harness.ts';
import { marker, newPersona, startFakes } from './helpers/refine-fixtures.ts';

const fakes = await startFakes();
after(() => fakes.close());

function io(env: Record<string, string>, stdin = '') {
  let stdout = '';
  let stderr = '';
  const input = Object.assign(Readable.from(stdin ? [stdin] : []), { isTTY: false });
  const cli: CliIo = {
    env: { DATABASE_URL: 'sqlite::memory:', ...env },
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

describeEachBackend(
  'personakit refine (CLI)',
  (h) => {
    let listener: Awaited<ReturnType<typeof listen>> | undefined;
    let url = '';
    before(async () => {
      listener = await listen(h());
      url = listener.url;
    });
    after(() => listener?.close());

    test('text as arguments, provider local: the rewrite on stdout', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account, { emoji: 'none', exclamations: 'none' });
      const t = io({ PERSONAKIT_URL: url, PERSONAKIT_API_KEY: account.key });
      const code = await runCli(
        ['refine', '--persona', persona.id, '--provider', 'local', 'Hello', 'there!'],
        t.cli,
      );
      assert.equal(code, 0, t.err());
      assert.equal(t.out(), `${applyLocalStyle('Hello there!', persona.attributes)}\n`);
    });

    test('text on stdin; a remote provider streams through with the key from the environment', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const content = marker('cli');
      const t = io(
        { PERSONAKIT_URL: `${url}/`, PERSONAKIT_API_KEY: account.key, PERSONAKIT_PROVIDER_API_KEY: 'sk-cli' },
        `${content}\n`,
      );
      const code = await runCli(['refine', '--persona', persona.id, '--provider', 'anthropic'], t.cli);
      assert.equal(code, 0, t.err());
      assert.equal(t.out(), `${answerFor(content)}\n`);
      const sent = fakes.of('anthropic').find(content);
      assert.equal(sent.headers['x-api-key'], 'sk-cli');
      assert.equal(sent.body.stream, true);
    });

    test('errors: unknown persona, upstream failure, bad usage, server down', async () => {
      const account = await h().newAccount();
      const env = { PERSONAKIT_URL: url, PERSONAKIT_API_KEY: account.key };
      const missing = io(env);
      assert.equal(await runCli(['refine', '--persona', 'pnope', 'hi'], missing.cli), 1);
      assert.equal(missing.err(), 'personakit: Persona not found (HTTP 404)\n');

      const persona = await newPersona(h, account);
      const failing = io({ ...env, PERSONAKIT_PROVIDER_API_KEY: 'k' });
      const args = [
        'refine',
        '--persona',
        persona.id,
        '--provider',
        'openai',
        '--model',
        'scenario:cut',
        'x',
      ];
      assert.equal(await runCli(args, failing.cli), 1);
      assert.match(failing.err(), /personakit: openai stream broke off before the end \(502\)/);

      const usage = io(env);
      assert.equal(await runCli(['refine', 'no persona'], usage.cli), 2);
      assert.match(usage.err(), /refine needs --persona ID/);

      const down = io({ PERSONAKIT_URL: 'http://127.0.0.1:9', PERSONAKIT_API_KEY: 'k' });
      assert.equal(await runCli(['refine', '--persona', persona.id, 'x'], down.cli), 1);
      assert.match(down.err(), /cannot reach http:\/\/127\.0\.0\.1:9\/v1\/refine/);
    });
  },
  fakes.env,
);
