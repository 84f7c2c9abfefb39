import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../core/errors.ts';
import type { AppEnv } from './env.ts';
import { header } from './request-context.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

const jsonType = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;
const withBody = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Guards every JSON route before validation: size (413), media type (415) and well-formed JSON (400), so
 * each surface reports them in its own error shape instead of a validator's generic one.
 */
export function jsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError('payload_too_large', `Request body is larger than ${maxBytes} bytes`);
    },
  });
  return async (c, next) => {
    if (!withBody.has(c.req.method)) return next();
    const type = header(c, 'content-type');
    if (!type || !jsonType.test(type)) {
      throw new AppError('unsupported_media_type', 'Content-Type must be application/json');
    }
    return limit(c, async () => {
      try {
        // Parsed once here; Hono caches it for the route's validator.
        await c.req.json();
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError('invalid', 'Request body is not valid JSON');
      }
      await next();
    });
  };
}
