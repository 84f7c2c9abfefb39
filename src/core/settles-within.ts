/**
 * Whether `p` settles (fulfilled: true) within `ms`; false when the time ran out first. The timer is
 * cleared either way, so a stop that waits on it holds the process no longer than needed. A rejection of
 * `p` rejects this too: callers whose promise may fail pass `p.catch(…)`.
 */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
