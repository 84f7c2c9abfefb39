import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { SpanHandle, SpanKindName, Tracing } from './tracing.ts';

/**
 * The OpenTelemetry SDK behind the Tracing interface; imported only when an OTLP endpoint is set
 * (tracing.ts). Spans are batched and exported in the background; the exporter also reads the other
 * standard variables itself (OTEL_EXPORTER_OTLP_HEADERS, …_TIMEOUT, …_COMPRESSION).
 */

const kinds: Record<SpanKindName, SpanKind> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  internal: SpanKind.INTERNAL,
};

function handle(span: Span): SpanHandle {
  return {
    set: (attributes) => span.setAttributes(attributes),
    rename: (name) => span.updateName(name),
    fail(err) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: err instanceof Error ? err.message : String(err),
      });
    },
  };
}

export function otelTracing(url: string, serviceName: string): Tracing {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }), scheduledDelayMillis: 1000 }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  const tracer = provider.getTracer('personakit');

  return {
    span(name, kind, attributes, fn) {
      return tracer.startActiveSpan(name, { kind: kinds[kind], attributes }, async (span) => {
        try {
          return await fn(handle(span));
        } catch (err) {
          span.recordException(err instanceof Error ? err : String(err));
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: err instanceof Error ? err.message : String(err),
          });
          throw err;
        } finally {
          span.end();
        }
      });
    },
    traceId() {
      const span = trace.getActiveSpan();
      return span?.isRecording() ? span.spanContext().traceId : undefined;
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}
