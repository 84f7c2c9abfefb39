import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.ts';
import { redactUrlCredentials } from './core/redact-url.ts';
import { LogBatcher } from './log-batcher.ts';
import { currentTraceId } from './observability/tracing.ts';

export type { Logger };

/**
 * JSON logs. The default destination is asynchronous and buffered so logging never blocks a request; it
 * is flushed on shutdown. Nothing logs request bodies or headers, so secrets never reach a log line; key-path redaction
 * would cost ~4% of a request for fields that are never there (and tests grep the logs for secrets).
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      base: undefined,
      // pino's default epoch-millisecond `time`: ISO formatting cost ~2% of a small request.
      formatters: { level: (label) => ({ level: label }) },
      // Logged errors (a lost database or Redis connection) may quote a URL with its password.
      serializers: { err: redactedError },
      // With tracing on, every line written inside a request's span carries its trace id.
      mixin: () => {
        const traceId = currentTraceId();
        return traceId ? { traceId } : {};
      },
    },
    destination ?? defaultDestination(),
  );
}

/**
 * Standard output, written asynchronously in batches of 16 KiB or every 200 ms (log-batcher.ts): a write
 * per line (an fs.write on libuv's pool each) was ~3% of a request, and sonic-boom's own batching another
 * ~3.5 µs per line. Flushed on shutdown and at exit.
 */
function defaultDestination(): LogBatcher {
  return new LogBatcher(pino.destination({ sync: false }));
}

/** Writes the one access-log line of a request. */
export type AccessLog = (
  reqId: string,
  method: string,
  path: string,
  status: number,
  ms: number,
  traceId?: string,
) => void;

/**
 * The access line, written straight to the logger's destination in exactly pino's format for this
 * configuration: it is logged once per request, and pino's generic serialization of the object was
 * ~4% of a GET. Only `path` comes from the client and needs escaping (the request id is validated,
 * the method is an HTTP token from Node's parser).
 */
export function accessLog(log: Logger): AccessLog {
  if (!log.isLevelEnabled('info')) return () => {};
  const out = (log as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym];
  if (!out)
    return (reqId, method, path, status, ms, traceId) =>
      log.info(
        traceId ? { reqId, traceId, method, path, status, ms } : { reqId, method, path, status, ms },
        'request',
      );
  return (reqId, method, path, status, ms, traceId) => {
    // A trace id is 32 hex digits from the tracer, never from the client: no escaping needed.
    const trace = traceId ? `,"traceId":"${traceId}"` : '';
    out.write(
      `{"level":"info","time":${Date.now()},"reqId":"${reqId}"${trace},"method":"${method}","path":${JSON.stringify(path)},"status":${status},"ms":${ms},"msg":"request"}\n`,
    );
  };
}

function redactedError(err: Error): unknown {
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  if (typeof out.message === 'string') out.message = redactUrlCredentials(out.message);
  if (typeof out.stack === 'string') out.stack = redactUrlCredentials(out.stack);
  return out;
}
