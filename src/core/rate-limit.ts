import type { Redis } from 'ioredis';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import RateLimiterMemory from 'rate-limiter-flexible/lib/RateLimiterMemory.js';
import RateLimiterRes from 'rate-limiter-flexible/lib/RateLimiterRes.js';
import type { Config } from '../config.ts';
import { AppError } from './errors.ts';

/**
 * Per-key request limits (rate-limiter-flexible). In memory by default; with REDIS_URL the counters live
 * in Redis so every instance shares them, with an in-memory limiter as insurance while Redis is away
 * (requests keep being limited, per instance, instead of failing).
 */
export interface RateLimiter {
  /** Counts one request for the key; throws a rate_limited AppError (with retry-after) past the limit. */
  consume(keyId: string): Promise<void>;
  /** Resolves once the shared store is connected (or after a bounded wait; the insurance limiter covers). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export async function createRateLimiter(config: Config): Promise<RateLimiter> {
  const points = config.PERSONAKIT_RATE_LIMIT;
  if (points === 0) return { consume: async () => {}, ready: async () => {}, close: async () => {} };
  const duration = config.PERSONAKIT_RATE_LIMIT_WINDOW_S;
  const memory = new RateLimiterMemory({ points, duration, keyPrefix: 'pk_rl' });
  let redis: Redis | undefined;
  let limiter: RateLimiterAbstract = memory;
  if (config.REDIS_URL) {
    // Loaded only with REDIS_URL: the default in-memory limiter needs no Redis client in memory.
    const [ioredis, { default: RateLimiterRedis }] = await Promise.all([
      import('ioredis'),
      import('rate-limiter-flexible/lib/RateLimiterRedis.js'),
    ]);
    // Bundled (dist/), a CommonJS module's dynamic import may expose its exports only as `default`.
    const Redis = ioredis.Redis ?? (ioredis as unknown as { default: typeof ioredis }).default.Redis;
    redis = new Redis(config.REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
    });
    // Connection errors are handled by the insurance limiter; an unhandled 'error' event would crash.
    redis.on('error', () => {});
    limiter = new RateLimiterRedis({
      storeClient: redis,
      points,
      duration,
      keyPrefix: 'personakit_rl',
      insuranceLimiter: new RateLimiterMemory({ points, duration }),
    });
  }
  return {
    async consume(keyId) {
      try {
        await limiter.consume(keyId);
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
          throw new AppError('rate_limited', `Rate limit of ${points} requests per ${duration} s exceeded`, {
            retryAfter: String(seconds),
          });
        }
        throw err;
      }
    },
    async ready() {
      const client = redis;
      if (!client || client.status === 'ready') return;
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
      redis?.disconnect();
    },
  };
}
