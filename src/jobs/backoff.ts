/**
 * The delay before retry number `attempt` (1 = the first retry): exponential from `baseMs`, capped at
 * `capMs`, with "equal jitter" (half fixed, half random) so jobs that failed together (an upstream down)
 * do not all come back in the same instant, while each still waits at least half its step.
 */
export function backoffMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(step / 2 + (step / 2) * random());
}
