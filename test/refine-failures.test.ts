import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { describeEachBackend, type Harness, type Reply } from './helpers/harness.ts';
import {
  type Fakes,
  marker,
  newPersona,
  parseEvents,
  refineBody,
  specOf,
  startFakes,
} from './helpers/refine-fixtures.ts';

const fakes = await startFakes();
after(() => fakes.close());

/** One provider per wire protocol: each failure is mapped by the shared machinery, per protocol. */
const protocols = ['openai', 'anthropic', 'cohere', 'google'] as const;

function assertV1Error(r: Reply, status: number, message?: RegExp) {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), ['error', 'message']);
  assert.equal(r.body.error, status);
  if (message) assert.match(r.body.message, message);
}

async function call(h: () => Harness, f: Fakes, id: string, fields: Record<string, unknown>) {
  const account = await h().newAccount();
  const persona = await newPersona(h, account);
  const content = marker('fail');
  const key = `secret-${crypto.randomUUID()}`;
  const r = await h().request('POST', '/v1/refine', {
    account,
    json: refineBody(specOf(id), f, { providerApiKey: key, personaId: persona.id, content, ...fields }),
  });
  return { r, key, content };
}

describeEachBackend(
  '/v1/refine upstream failures',
  (h) => {
    for (const id of protocols) {
      test(`${id}: key rejected -> 401 naming the provider`, async () => {
        for (const stream of [false, true]) {
          const { r, key } = await call(h, fakes, id, { model: 'scenario:401', stream });
          // Also in stream mode: nothing was streamed yet, so the status is still ours to set.
          assertV1Error(r, 401, new RegExp(`^${id} rejected the API key$`));
          assert.ok(!r.text.includes(key));
        }
      });

      test(`${id}: 429 -> 429 passing retry-after`, async () => {
        const { r } = await call(h, fakes, id, { model: 'scenario:429' });
        assertV1Error(r, 429, new RegExp(`^${id} rate limit reached`));
        assert.equal(r.headers.get('retry-after'), '7');
      });

      test(`${id}: 5xx -> 502 naming the provider, without the key the upstream echoed`, async () => {
        const { r, key } = await call(h, fakes, id, { model: 'scenario:500' });
        assertV1Error(r, 502, new RegExp(`^${id} failed with HTTP 500`));
        assert.ok(!r.text.includes(key), r.text);
      });

      test(`${id}: other 4xx -> 400 with the provider's reason`, async () => {
        const { r } = await call(h, fakes, id, { model: 'scenario:400' });
        assertV1Error(r, 400, new RegExp(`^${id} rejected the request \\(HTTP 400\\): .+`));
      });

      test(`${id}: malformed body -> 502`, async () => {
        const { r } = await call(h, fakes, id, { model: 'scenario:malformed' });
        assertV1Error(r, 502, new RegExp(`^${id} returned a malformed response`));
        const s = await call(h, fakes, id, { model: 'scenario:malformed', stream: true });
        assert.equal(s.r.status, 200);
        const events = parseEvents(s.r.text);
        assert.equal(events.at(-1)?.event, 'error');
        assert.equal(events.at(-1)?.data.error, 502);
        assert.match(events.at(-1)?.data.message, new RegExp(`^${id} returned a malformed response`));
      });

      test(`${id}: an answer larger than 16 MiB is refused -> 502, and reading stops`, async () => {
        const { r } = await call(h, fakes, id, { model: 'scenario:huge' });
        assertV1Error(r, 502, new RegExp(`^${id} returned a malformed response.*body over`));
      });

      test(`${id}: connection cut halfway -> 502 (JSON) / one error event (stream)`, async () => {
        const { r } = await call(h, fakes, id, { model: 'scenario:cut' });
        assertV1Error(r, 502, new RegExp(`^${id} answer broke off before the end$`));
        const s = await call(h, fakes, id, { model: 'scenario:cut', stream: true });
        assert.equal(s.r.status, 200);
        const events = parseEvents(s.r.text);
        assert.deepEqual(
          events.map((e) => e.event),
          ['delta', 'error'],
        );
        assert.deepEqual(events[1]?.data, { error: 502, message: `${id} stream broke off before the end` });
      });

      test(`${id}: an error event mid-stream -> one error event naming the provider`, async () => {
        const s = await call(h, fakes, id, { model: 'scenario:error-event', stream: true });
        assert.equal(s.r.status, 200);
        const events = parseEvents(s.r.text);
        assert.deepEqual(
          events.map((e) => e.event),
          ['delta', 'error'],
        );
        assert.equal(events[1]?.data.error, 502);
        assert.match(events[1]?.data.message, new RegExp(`^${id} reported an error mid-stream: .+`));
      });
    }

    test('unreachable upstream -> 502 naming the provider', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const r = await h().request('POST', '/v1/refine', {
        account,
        json: {
          provider: 'openai-compatible',
          providerApiKey: 'k',
          personaId: persona.id,
          content: 'x',
          model: 'm',
          baseUrl: 'http://127.0.0.1:9/v1', // discard port: nothing listens
        },
      });
      assertV1Error(r, 502, /^openai-compatible could not be reached$/);
    });
  },
  { ...fakes.env, PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1' },
);

describeEachBackend(
  '/v1/refine upstream timeout',
  (h) => {
    for (const id of protocols) {
      test(`${id}: no answer within the timeout -> 504`, async () => {
        const { r, content } = await call(h, fakes, id, { model: 'scenario:hang' });
        assertV1Error(r, 504, new RegExp(`^${id} did not answer within 300 ms$`));
        // The upstream call was abandoned: its connection is closed, not left hanging.
        await fakes.of(id).find(content).connectionClosed;
      });
    }

    test('stream: no answer -> 504; answer stalls mid-stream -> error event 504', async () => {
      const hang = await call(h, fakes, 'anthropic', { model: 'scenario:hang', stream: true });
      assertV1Error(hang.r, 504);
      const drip = await call(h, fakes, 'openai', { model: 'scenario:drip', stream: true });
      assert.equal(drip.r.status, 200);
      const events = parseEvents(drip.r.text);
      assert.deepEqual(
        events.map((e) => e.event),
        ['delta', 'error'],
      );
      assert.deepEqual(events[1]?.data, { error: 504, message: 'openai did not answer within 300 ms' });
    });
  },
  { ...fakes.env, PERSONAKIT_UPSTREAM_TIMEOUT_MS: '300' },
);
