import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FixedWindow } from '../src/core/fixed-window.ts';

test('a key gets `points` requests per window, then waits for the window to end', () => {
  const w = new FixedWindow(3, 60);
  const t0 = 1_000_000;
  assert.equal(w.take('k', t0), undefined);
  assert.equal(w.take('k', t0 + 10), undefined);
  assert.equal(w.take('k', t0 + 20), undefined);
  assert.equal(w.take('k', t0 + 30_000), 30_000); // over the limit: 30 s of the window left
  assert.equal(w.take('other', t0 + 30_000), undefined); // keys are counted apart
  assert.equal(w.take('k', t0 + 59_999), 1);
  assert.equal(w.take('k', t0 + 60_000), undefined); // a new window
});

test('expired windows are swept once the map has grown, live ones kept', () => {
  const w = new FixedWindow(1, 1);
  for (let i = 0; i < 1023; i++) w.take(`old${i}`, 0);
  w.take('live', 1_500);
  assert.equal(w.size, 1024);
  w.take('new', 2_000); // the 1,025th key: the "old" windows ended at 1,000 ms, "live"'s ends at 2,500
  assert.equal(w.size, 2, 'the expired windows are gone, "live" and "new" are left');
  assert.equal(w.take('live', 2_100), 400); // the kept window still counts: its second request is over
});
