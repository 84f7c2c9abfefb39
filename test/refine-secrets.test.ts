import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { describeEachBackend } from './helpers/harness.ts';
import { marker, newPersona, refineBody, specOf, startFakes } from './helpers/refine-fixtures.ts';

const fakes = await startFakes();
after(() => fakes.close());

/** Every log line the server writes, at the most verbose level. */
const lines: string[] = [];
const logDestination = { write: (line: string) => void lines.push(line) };

describeEachBackend(
  'providerApiKey never leaks',
  (h) => {
    for (const id of ['openai', 'anthropic', 'cohere', 'google']) {
      test(`${id}: failing refines log nothing of the key and never echo it`, async () => {
        const account = await h().newAccount();
        const persona = await newPersona(h, account);
        const key = `sk-live-${crypto.randomUUID()}`;
        const from = lines.length;
        const replies: string[] = [];
        // The 401 and 500 fakes put the key they received into their error bodies, as some vendors do.
        for (const model of ['scenario:500', 'scenario:401', 'scenario:cut', 'scenario:malformed', 'ok']) {
          for (const stream of [false, true]) {
            const r = await h().request('POST', '/v1/refine', {
              account,
              json: refineBody(specOf(id), fakes, {
                providerApiKey: key,
                personaId: persona.id,
                content: marker('secret'),
                model,
                stream,
              }),
            });
            replies.push(r.text);
          }
        }
        const logged = lines.slice(from).join('');
        assert.ok(logged.includes('"status":502'), 'the failing requests were logged');
        assert.ok(logged.includes('"level":"error"'), 'and the upstream failures as errors');
        assert.ok(!logged.includes(key), 'the key is in no log line');
        assert.ok(!logged.includes(key.slice(0, 12)), 'nor a prefix of it');
        for (const text of replies) assert.ok(!text.includes(key), `the key is in no response: ${text}`);
      });
    }
  },
  { ...fakes.env, LOG_LEVEL: 'trace' },
  { logDestination },
);
