import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

/**
 * JSON logs. The default destination is asynchronous so logging never blocks a request; it is flushed on
 * shutdown. Secrets are redacted by key name wherever they could appear, as a second line of defence:
 * the first is that nothing logs request bodies or auth headers at all.
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'providerApiKey',
          '*.providerApiKey',
          'apiKey',
          '*.apiKey',
          'api_key',
          '*.api_key',
          'authorization',
          '*.authorization',
          '*["x-api-key"]',
          'key',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}
