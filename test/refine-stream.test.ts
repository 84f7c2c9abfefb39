import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { describeEachBackend, listen } from './helpers/harness.ts';
import { marker, newPersona, refineBody, specOf, startFakes } from './helpers/refine-fixtures.ts';

const fakes = await startFakes();
after(() => fakes.close());
const logLines: string[] = [];
const logDestination = { write: (line: string) => void logLines.push(line) };

/** Polls `probe` every 10 ms until it returns a value; fails after `ms`. */
async function eventually<T>(probe: () => T | undefined, ms: number, what: string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what} within ${ms} ms`);
    await sleep(10);
  }
}

/** Fails instead of hanging when the awaited thing never happens. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describeEachBackend(
  '/v1/refine stream over a real connection',
  (h) => {
    let listener: Awaited<ReturnType<typeof listen>> | undefined;
    let origin = '';
    before(async () => {
      listener = await listen(h());
      origin = listener.url;
    });
    after(() => listener?.close());

    for (const id of ['openai', 'anthropic', 'cohere', 'google']) {
      test(`${id}: a client that disconnects mid-stream closes the upstream connection at once`, async () => {
        const account = await h().newAccount();
        const persona = await newPersona(h, account);
        const content = marker('abort');
        const controller = new AbortController();
        const res = await request(`${origin}/v1/refine`, {
          method: 'POST',
          headers: { ...account.auth, 'content-type': 'application/json' },
          body: JSON.stringify(
            refineBody(specOf(id), fakes, {
              providerApiKey: 'k',
              personaId: persona.id,
              content,
              model: 'scenario:drip',
              stream: true,
            }),
          ),
          signal: controller.signal,
        });
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /^text\/event-stream/);

        // The first delta arrives while the upstream keeps its stream open.
        res.body.setEncoding('utf8');
        let received = '';
        const reader = res.body[Symbol.asyncIterator]();
        while (!received.includes('event: delta')) {
          const { value, done } = await within(reader.next(), 5000, 'no first delta');
          if (done) break;
          received += value;
        }
        assert.match(received, /^event: delta\ndata: \{"text":"Refined: /);
        const upstream = fakes.of(id).find(content);
        let closed = false;
        void upstream.connectionClosed.then(() => {
          closed = true;
        });
        await sleep(50);
        assert.equal(closed, false, 'the upstream stream stays open while the client listens');

        controller.abort();
        await within(upstream.connectionClosed, 5000, 'the upstream connection was not closed');
        await reader.return?.();
      });
    }

    test('a client that leaves a JSON refine closes the upstream at once and is logged as 499', async () => {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const content = marker('leave');
      const controller = new AbortController();
      const sent = request(`${origin}/v1/refine`, {
        method: 'POST',
        headers: {
          ...account.auth,
          'content-type': 'application/json',
          'x-request-id': `leave-${persona.id}`,
        },
        body: JSON.stringify(
          refineBody(specOf('openai'), fakes, {
            providerApiKey: 'k',
            personaId: persona.id,
            content,
            model: 'scenario:hang',
          }),
        ),
        signal: controller.signal,
      });
      sent.catch(() => {});
      const upstream = await eventually(
        () => fakes.of('openai').requests.find((r) => JSON.stringify(r.body).includes(content)),
        5000,
        'the upstream saw no request',
      );
      controller.abort();
      await within(upstream.connectionClosed, 5000, 'the upstream connection was not closed');
      const line = await eventually(
        () =>
          logLines.find((l) => l.includes(`"reqId":"leave-${persona.id}"`) && l.includes('"msg":"request"')),
        5000,
        'no access line',
      );
      assert.equal((JSON.parse(line) as { status: number }).status, 499);
    });
  },
  { ...fakes.env, LOG_LEVEL: 'info' },
  { logDestination },
);
