import type { Context } from 'hono';
import type { AppError } from '../core/errors.ts';

/** One function per surface: the vendor's documented error body for a core error. */
export type ErrorMapper = (err: AppError) => { status: number; body: unknown };

/** Sends an error in a surface's shape, with retry-after where the error carries one. */
export function sendError(c: Context, map: ErrorMapper, err: AppError): Response {
  const { status, body } = map(err);
  if (err.retryAfter) c.header('retry-after', err.retryAfter);
  if (status === 304) return c.body(null, 304);
  return c.json(body as object, status as 400);
}
