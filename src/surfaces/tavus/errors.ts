import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { ErrorMapper } from '../../http/error-shape.ts';
import { validationHook } from '../../http/validation.ts';
import { DocumentRequestError } from '../../knowledge/documents.ts';

/**
 * Tavus' documented error bodies: 400 `{"error": "..."}`, 401 `{"message": "Invalid access token"}`, and
 * `{"message": "..."}` for every other status (404, 422, ...).
 */
export const tavusError: ErrorMapper = (err) => {
  // The documents routes word their 409 and 429 as `{"error": ...}` (Create and Recrawl Document).
  if (err instanceof DocumentRequestError) return { status: err.status, body: { error: err.message } };
  if (err.status === 400) return { status: 400, body: { error: err.message } };
  if (err.status === 401) return { status: 401, body: { message: 'Invalid access token' } };
  return { status: err.status, body: { message: err.message } };
};

export const INVALID_PATCH = 'Invalid JSON patch format';

interface HookResult {
  success: boolean;
  error?: z.ZodError;
  target: string;
}

/** A malformed path id reads as Tavus words it, `Invalid persona_id`; everything else as usual. */
export function tavusValidationHook(result: HookResult, _c?: Context): void {
  if (result.success) return;
  if (result.target === 'param') {
    const name = String(result.error?.issues[0]?.path[0] ?? 'id');
    throw new AppError('invalid', `Invalid ${name}`, { field: name });
  }
  validationHook(result);
}

/** For PATCH: a body that is not a well-formed JSON Patch is a 422, as Tavus documents. */
export function patchValidationHook(result: HookResult, c?: Context): undefined {
  if (!result.success && result.target === 'json') throw new AppError('unprocessable', INVALID_PATCH);
  tavusValidationHook(result, c);
  return undefined;
}
