import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api.ts';

export interface AsyncState<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  /** Runs the loader again (after a change). */
  reload: () => void;
}

/** Loads data when deps change; a newer load wins over an older one still running. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, loading: false }),
      (err) =>
        !ctl.signal.aborted && setState((s) => ({ data: s.data, error: describeError(err), loading: false })),
    );
    return () => ctl.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Runs an action with busy and error state: `const [run, busy, error] = useAction()`. */
export function useAction(): [
  <T>(fn: () => Promise<T>) => Promise<T | undefined>,
  boolean,
  string | undefined,
  (e: string | undefined) => void,
] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const run = useCallback(async <T>(fn: () => Promise<T>) => {
    setBusy(true);
    setError(undefined);
    try {
      return await fn();
    } catch (err) {
      if (mounted.current) setError(describeError(err));
      return undefined;
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  return [run, busy, error, setError];
}
