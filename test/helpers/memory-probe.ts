import { getHeapSpaceStatistics } from 'node:v8';

/**
 * Loaded into a spawned server by the soak test only (NODE_OPTIONS="--expose-gc --import <this file>"):
 * on SIGUSR2 it collects garbage and prints one line to stderr with the memory the test cannot read from
 * /proc: the JS heap in use after a full collection, and the size V8 gives its young generation (which
 * grows under load to V8's ceiling and is kept afterwards, so it is accounted for separately from RSS).
 */
export const PROBE_PREFIX = 'personakit-memory-probe ';

const gc = (globalThis as { gc?: () => void }).gc;

process.on('SIGUSR2', () => {
  if (!gc) return;
  for (let i = 0; i < 4; i++) gc();
  const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  const { rss, heapUsed } = process.memoryUsage();
  process.stderr.write(`${PROBE_PREFIX}${JSON.stringify({ rss, heapUsed, newSpace })}\n`);
});
