import RateLimiterMemory from 'rate-limiter-flexible/lib/RateLimiterMemory.js';
import RateLimiterRes from 'rate-limiter-flexible/lib/RateLimiterRes.js';
import type { Config } from '../config.ts';
import { AppError } from './errors.ts';
import { FixedWindow } from './fixed-window.ts';

/**
 * Per-key request limits. In memory by default (a fixed window, fixed-window.ts); with REDIS_URL the
 * counters live in Redis (rate-limiter-flexible) so every instance shares them, with an in-memory
 * limiter as insurance while Redis is away (requests keep being limited, per instance, instead of failing).
 */
export interface RateLimiter {
  /** Counts one request for the key; throws a rate_limited AppError (with retry-after) past the limit. */
  consume(keyId: string): Promise<void>;
  /** Resolves once the shared store is connected (or after a bounded wait; the insurance limiter covers). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** The answer of every allowed request: one settled promise, nothing allocated per call. */
const allowed = Promise.resolve();

export async function createRateLimiter(config: Config): Promise<RateLimiter> {
  const points = config.PERSONAKIT_RATE_LIMIT;
  if (points === 0) return { consume: async () => {}, ready: async () => {}, close: async () => {} };
  const duration = config.PERSONAKIT_RATE_LIMIT_WINDOW_S;
  const exceeded = (msBeforeNext: number) =>
    new AppError('rate_limited', `Rate limit of ${points} requests per ${duration} s exceeded`, {
      retryAfter: String(Math.max(1, Math.ceil(msBeforeNext / 1000))),
    });
  if (!config.REDIS_URL) {
    const window = new FixedWindow(points, duration);
    return {
      consume(keyId) {
        const wait = window.take(keyId);
        return wait === undefined ? allowed : Promise.reject(exceeded(wait));
      },
      ready: async () => {},
      close: async () => {},
    };
  }
  // Loaded only with REDIS_URL: the default in-memory limiter needs no Redis client in memory.
  const [ioredis, { default: RateLimiterRedis }] = await Promise.all([
    import('ioredis'),
    import('rate-limiter-flexible/lib/RateLimiterRedis.js'),
  ]);
  // Bundled (dist/), a CommonJS module's dynamic import may expose its exports only as `default`.
  const Redis = ioredis.Redis ?? (ioredis as unknown as { default: typeof ioredis }).default.Redis;
  const redis = new Redis(config.REDIS_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: false,
  });
  // Connection errors are handled by the insurance limiter; an unhandled 'error' event would crash.
  redis.on('error', () => {});
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    points,
    duration,
    keyPrefix: 'personakit_rl',
    insuranceLimiter: new RateLimiterMemory({ points, duration }),
  });
  return {
    async consume(keyId) {
      try {
        await limiter.consume(keyId);
      } catch (err) {
        if (err instanceof RateLimiterRes) throw exceeded(err.msBeforeNext);
        throw err;
      }
    },
    async ready() {
      const client = redis;
      if (client.status === 'ready') return;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(done, 2000);
        client.once('ready', done);
      });
    },
    async close() {
      redis.disconnect();
    },
  };
}
