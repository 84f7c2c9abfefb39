import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

/**
 * Traces (docs/operations.md "Traces"): a span per request, per store query and per provider call,
 * exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT) is set. When neither is,
 * nothing of OpenTelemetry is loaded (the SDK is imported on demand) and `services.tracing` is null, so the
 * hot path pays one null check.
 */

export type SpanAttributes = Record<string, string | number | boolean>;

export interface SpanHandle {
  set(attributes: SpanAttributes): void;
  /** Renames the span (a request's route is known only once it was routed). */
  rename(name: string): void;
  /** Marks the span failed with this error. */
  fail(err: unknown): void;
}

export type SpanKindName = 'server' | 'client' | 'internal';

export interface Tracing {
  /** Runs `fn` in a new span, child of the active one; the span ends when `fn` settles. */
  span<T>(
    name: string,
    kind: SpanKindName,
    attributes: SpanAttributes,
    fn: (span: SpanHandle) => Promise<T>,
  ): Promise<T>;
  /** The active trace's id (for log lines), if any. */
  traceId(): string | undefined;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** The OTLP/HTTP traces URL from the standard variables, or null when tracing is off. */
export function tracesUrl(config: Config): string | null {
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  // The spec's rule: the signal path is appended to the base endpoint.
  return base ? new URL('v1/traces', base.endsWith('/') ? base : `${base}/`).href : null;
}

/** Starts tracing when an endpoint is configured; loads the SDK only then. */
export async function startTracing(config: Config, log: Logger): Promise<Tracing | null> {
  const url = tracesUrl(config);
  if (!url) return null;
  const { otelTracing } = await import('./otel.ts');
  const tracing = otelTracing(url, config.OTEL_SERVICE_NAME);
  log.info({ url }, 'exporting traces over OTLP/HTTP');
  return tracing;
}

/**
 * The trace id of the active span, for log lines written by pino (its mixin asks here). Set once tracing
 * starts; until then, and without tracing, there is none.
 */
let activeTraceId: () => string | undefined = () => undefined;

export const currentTraceId = (): string | undefined => activeTraceId();

export function useTraceIds(tracing: Tracing | null): void {
  activeTraceId = tracing ? () => tracing.traceId() : () => undefined;
}
