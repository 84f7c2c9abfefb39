import type { Ctx } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import type { Persona } from '../core/persona.ts';
import { getPersona } from '../core/personas.ts';

/**
 * The persona a chat speaks as: the caller's own or a system persona, optionally pinned to a version
 * (`<persona_id>@<n>` on the OpenAI surface). Any miss is one not-found error on `personaId`, whose
 * surface words it (OpenAI: `model_not_found`): another account's persona is "not found", never
 * "forbidden".
 *
 * Versions: the seam for the persona-versions store (built on another branch). Until it is wired, only
 * the current version can be named; any other `@n` is not found.
 */
export async function chatPersona(ctx: Ctx, personaId: string, version?: number): Promise<Persona> {
  let persona: Persona;
  try {
    persona = await getPersona(ctx, personaId);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') throw personaNotFound(personaId, version);
    throw err;
  }
  if (version !== undefined && version !== persona.version) throw personaNotFound(personaId, version);
  return persona;
}

export function personaNotFound(personaId: string, version?: number): AppError {
  const name = version === undefined ? personaId : `${personaId}@${version}`;
  return new AppError('not_found', `persona ${name} not found`, { field: 'personaId' });
}

/** `p123` or `p123@4`: the persona id and the pinned version, or undefined when it is not that form. */
export function parseModelId(model: string): { personaId: string; version?: number } | undefined {
  const at = model.lastIndexOf('@');
  if (at < 0) return model === '' ? undefined : { personaId: model };
  const personaId = model.slice(0, at);
  const n = model.slice(at + 1);
  if (personaId === '' || !/^[1-9][0-9]{0,8}$/.test(n)) return undefined;
  return { personaId, version: Number(n) };
}
