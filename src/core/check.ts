import { checkStyle, type StyleCheck } from '../style/index.ts';
import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';
import { getPersona } from './personas.ts';
import { MAX_CONTENT_CHARS } from './refine.ts';

/**
 * Check only: a persona's hard rules verified on any text, with no rewrite (a guardrail for answers
 * produced elsewhere, and for CI). The same checks refine returns, the same content limit and errors.
 */
export interface CheckInput {
  personaId: string;
  content: string;
}

export interface CheckResult {
  /** Every check passed (true when the persona sets no hard rule). */
  passed: boolean;
  checks: StyleCheck[];
}

export async function checkContent(ctx: Ctx, input: CheckInput): Promise<CheckResult> {
  if (input.content.length > MAX_CONTENT_CHARS) {
    throw new AppError(
      'payload_too_large',
      `content: must be at most ${MAX_CONTENT_CHARS} characters (got ${input.content.length})`,
      { field: 'content' },
    );
  }
  const persona = await getPersona(ctx, input.personaId);
  const checks = checkStyle(input.content, persona.attributes);
  return { passed: checks.every((c) => c.passed), checks };
}
