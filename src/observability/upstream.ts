import type { Services } from '../core/context.ts';
import { toAppError } from '../core/errors.ts';
import type { Usage } from '../providers/types.ts';

/** What a provider call is, for metrics and spans: `complete` (a whole answer), `open` / `stream`. */
export type UpstreamOperation = 'complete' | 'open' | 'stream';

/**
 * Runs one provider call with its metrics (personakit_upstream_*, personakit_tokens_total) and its client
 * span (`llm <provider> <operation>`, GenAI attribute names). With neither on, it is the call itself.
 */
export function upstreamCall<T>(
  s: Pick<Services, 'metrics' | 'tracing'>,
  provider: string,
  model: string | null,
  operation: UpstreamOperation,
  call: () => Promise<T>,
  usageOf: (result: T) => Usage | undefined,
): Promise<T> {
  const { metrics, tracing } = s;
  if (!metrics && !tracing) return call();
  const run = (): Promise<T> => {
    const started = performance.now();
    return call().then(
      (result) => {
        metrics?.upstream(provider, operation, 'ok', (performance.now() - started) / 1000, usageOf(result));
        return result;
      },
      (err: unknown) => {
        metrics?.upstream(provider, operation, toAppError(err).code, (performance.now() - started) / 1000);
        throw err;
      },
    );
  };
  if (!tracing) return run();
  const attributes: Record<string, string> = { 'gen_ai.system': provider, 'gen_ai.operation.name': 'chat' };
  if (model) attributes['gen_ai.request.model'] = model;
  return tracing.span(`llm ${provider} ${operation}`, 'client', attributes, run);
}
