import type { z } from 'zod';
import { AppError } from '../core/errors.ts';

/**
 * The validation hook of every route: the first zod issue becomes an `invalid` AppError naming the field,
 * which the surface's mapper then renders in its own shape.
 */
export function validationHook(result: { success: boolean; error?: z.ZodError; target: string }): void {
  if (result.success || !result.error) return;
  throw zodToAppError(result.error, result.target);
}

export function zodToAppError(error: z.ZodError, target = 'json'): AppError {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  const field = path || (target === 'json' ? 'body' : target);
  const message = issue ? describe(issue) : 'invalid input';
  return new AppError('invalid', `${field}: ${message}`, { field });
}

/**
 * zod 4 leaves `input` out of issues (unless asked to report it), so a missing field is recognised by
 * its default message; checking `input === undefined` called every wrong type "is required".
 */
const receivedUndefined = /received undefined$/;

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && receivedUndefined.test(issue.message)) return 'is required';
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
  return issue.message;
}
