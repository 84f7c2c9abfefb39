import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessLog, createLogger } from '../src/log.ts';

/** The access line is written by hand for speed: it must be the very line pino would have written. */
function capture(level: 'info' | 'warn') {
  const lines: string[] = [];
  const log = createLogger({ LOG_LEVEL: level }, { write: (s: string) => void lines.push(s) });
  return { log, lines };
}

test('the hand-written access line equals pino’s own, including an escaped path', () => {
  const path = '/v1/personas/a"b\\c\u0001é';
  const { log, lines } = capture('info');
  log.info({ reqId: 'req-1', method: 'GET', path, status: 404, ms: 1.25 }, 'request');
  accessLog(log)('req-1', 'GET', path, 404, 1.25);
  assert.equal(lines.length, 2);
  const [byPino, byHand] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(byPino && byHand);
  assert.equal(typeof byHand.time, 'number');
  assert.deepEqual({ ...byHand, time: 0 }, { ...byPino, time: 0 });
  assert.deepEqual(Object.keys(byHand), Object.keys(byPino));
  assert.ok(lines[1]?.endsWith('\n'));
});

test('nothing is written when the level is above info', () => {
  const { log, lines } = capture('warn');
  accessLog(log)('req-1', 'GET', '/healthz', 200, 0.1);
  assert.deepEqual(lines, []);
});
