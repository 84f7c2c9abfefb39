import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_SSE_LINE_CHARS, SseParser, SseTooLong } from '../src/providers/sse.ts';

/** Feeds `text` in `size`-character chunks; returns the events seen. */
function feed(parser: SseParser, text: string, size: number): void {
  for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
}

function collect(maxChars?: number) {
  const events: [string, string][] = [];
  const parser = new SseParser((e, d) => void events.push([e, d]), maxChars);
  return { events, parser };
}

describe('SseParser', () => {
  test('events split anywhere, LF and CRLF (even with CR and LF in different chunks), comments', () => {
    const stream =
      ': keep-alive\r\nevent: delta\r\ndata: {"a":1}\r\n\r\ndata: x\ndata: y\n\nevent: end\ndata:\n\n';
    for (const size of [1, 2, 3, 7, stream.length]) {
      const { events, parser } = collect();
      feed(parser, stream, size);
      assert.deepEqual(
        events,
        [
          ['delta', '{"a":1}'],
          ['message', 'x\ny'],
          ['end', ''],
        ],
        `chunks of ${size}`,
      );
    }
  });

  test('a line without a newline past the cap fails the stream, wherever the chunks cut it', () => {
    for (const size of [1000, 64 * 1024]) {
      const { parser } = collect();
      assert.throws(
        () => feed(parser, 'data: '.concat('x'.repeat(MAX_SSE_LINE_CHARS + 10)), size),
        (e) => e instanceof SseTooLong && /longer than 1048576 characters/.test(e.message),
      );
    }
    // A line just under the cap is fine.
    const { events, parser } = collect();
    feed(parser, `data: ${'y'.repeat(MAX_SSE_LINE_CHARS - 10)}\n\n`, 4096);
    assert.equal(events[0]?.[1].length, MAX_SSE_LINE_CHARS - 10);
  });

  test('an event made of many short data lines is bounded like a line', () => {
    const { parser } = collect(10_000);
    assert.throws(() => feed(parser, 'data: abcdefgh\n'.repeat(2000), 512), SseTooLong);
  });

  test('work is linear: a 4× longer line (in small chunks) costs about 4× (it cost 16× when re-scanned)', () => {
    // Best of three runs each, generous bound: quadratic re-scanning makes the ratio ~16.
    const cost = (chars: number) => {
      let best = Number.POSITIVE_INFINITY;
      for (let run = 0; run < 3; run++) {
        const { events, parser } = collect();
        const t0 = performance.now();
        for (let i = 0; i < chars; i += 64) parser.push('x'.repeat(64));
        parser.push('\n\n');
        best = Math.min(best, performance.now() - t0);
        assert.equal(events.length, 0); // no field name "xxx…" the parser knows: ignored, as specified
      }
      return best;
    };
    cost(64 * 1024); // warm-up
    const small = cost(192 * 1024);
    const large = cost(768 * 1024);
    assert.ok(
      large < small * 8 + 5,
      `4× input took ${(large / small).toFixed(1)}× (${small.toFixed(1)} → ${large.toFixed(1)} ms)`,
    );
  });
});
