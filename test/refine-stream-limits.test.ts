import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { request } from 'undici';
import { startFloodUpstream } from './helpers/flood-upstream.ts';
import { describeEachBackend, listening } from './helpers/harness.ts';
import { newPersona } from './helpers/refine-fixtures.ts';

const flood = await startFloodUpstream();
after(() => flood.close());

/** The SSE events of a whole streamed answer, read to its end. */
function eventsOf(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const [eventLine = '', dataLine = ''] = frame.split('\n');
      return { event: eventLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) };
    });
}

describeEachBackend(
  '/v1/refine stream bounds',
  (h) => {
    const origin = listening(h);

    async function streamed(model: string, extraHeaders: Record<string, string> = {}) {
      const account = await h().newAccount();
      const persona = await newPersona(h, account);
      const res = await request(`${origin()}/v1/refine`, {
        method: 'POST',
        headers: { ...account.auth, 'content-type': 'application/json', ...extraHeaders },
        body: JSON.stringify({
          provider: 'openai-compatible',
          baseUrl: flood.baseUrl,
          providerApiKey: 'k',
          model,
          personaId: persona.id,
          content: 'hello',
          stream: true,
        }),
      });
      assert.equal(res.statusCode, 200);
      const events = eventsOf(await res.body.text());
      const run = flood.runs.at(-1);
      assert.ok(run);
      return { events, run };
    }

    // The native fast path, and Hono (an Idempotency-Key sends the request there).
    for (const [path, headers] of [
      ['native', {}],
      ['hono', { 'idempotency-key': `k-${Math.random()}` }],
    ] as const) {
      test(`${path}: a stream past the 16 MiB answer cap ends with an error event and the upstream is cut`, async () => {
        const { events, run } = await streamed('flood:24', headers);
        const last = events.at(-1);
        assert.equal(last?.event, 'error');
        assert.deepEqual(last?.data, {
          error: 502,
          message: 'openai-compatible returned a malformed response (stream over 16777216 bytes)',
        });
        assert.ok(events.length > 1000, 'deltas were relayed until the cap');
        // Cut at the cap: the upstream's 24 MiB were not all read (what it sent past 16 MiB sits in buffers).
        await run.closed;
        assert.equal(run.finished, false);
      });
    }

    test('an endless line from the upstream ends the stream with an error event past 1 MiB', async () => {
      // 64 MiB: far more than socket buffers hold, so the upstream can only finish if nothing cut it.
      const { events, run } = await streamed('line:64');
      assert.deepEqual(events, [
        {
          event: 'error',
          data: {
            error: 502,
            message:
              'openai-compatible returned a malformed response (an event-stream line or event is longer than 1048576 characters)',
          },
        },
      ]);
      await run.closed;
      assert.equal(run.finished, false);
    });

    test('a stream under the cap still completes, its text whole', async () => {
      const { events, run } = await streamed('flood:2');
      const done = events.at(-1);
      assert.equal(done?.event, 'done');
      const deltas = events.filter((e) => e.event === 'delta').length;
      assert.ok(deltas * 1024 > 1.8 * 1024 * 1024, `${deltas} deltas`);
      assert.equal(String(done?.data.response), 'x'.repeat(deltas * 1024));
      assert.equal(run.finished, true);
    });
  },
  { PERSONAKIT_ALLOWED_HOSTS: '127.0.0.1' },
);
