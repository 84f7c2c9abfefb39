import type { Ctx } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import type { Persona } from '../core/persona.ts';
import { getPersonaVersion, parsePersonaRef } from '../core/persona-versions.ts';
import { getPersona } from '../core/personas.ts';

/**
 * The persona a chat speaks as: the caller's own or a system persona, optionally pinned to one of its
 * stored versions (`<persona_id>@<n>` on the OpenAI surface; src/core/persona-versions.ts). Any miss is one
 * not-found error on `personaId`, which its surface words (OpenAI: `model_not_found`): another account's
 * persona, a missing one and a version that does not exist are answered alike.
 */
export async function chatPersona(ctx: Ctx, personaId: string, version?: number): Promise<Persona> {
  try {
    return version === undefined
      ? await getPersona(ctx, personaId)
      : await getPersonaVersion(ctx, personaId, version);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') throw personaNotFound(personaId, version);
    throw err;
  }
}

export function personaNotFound(personaId: string, version?: number): AppError {
  const name = version === undefined ? personaId : `${personaId}@${version}`;
  return new AppError('not_found', `persona ${name} not found`, { field: 'personaId' });
}

/** `p123` or `p123@4` as the persona id and the pinned version (the core's one parser of persona refs). */
export function parseModelId(model: string): { personaId: string; version?: number } | undefined {
  if (model === '') return undefined;
  const ref = parsePersonaRef(model);
  return ref.version === undefined ? { personaId: ref.id } : { personaId: ref.id, version: ref.version };
}
