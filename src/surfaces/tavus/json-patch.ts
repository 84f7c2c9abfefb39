import jsonpatch, { type Operation } from 'fast-json-patch';
import { AppError, invalid } from '../../core/errors.ts';
import { fieldsOf, type JsonObject, type Persona, type PersonaFields } from '../../core/persona.ts';
import type { SecretBox } from '../../core/secrets.ts';
import { zodToAppError } from '../../http/validation.ts';
import { applyBoundedPatch, PatchFailure } from './bounded-patch.ts';
import { INVALID_PATCH } from './errors.ts';
import { baseUrlOf } from './llm-base-url.ts';
import {
  needsSystemPrompt,
  type PatchBody,
  PersonaDocument,
  readOnlyFields,
  SYSTEM_PROMPT_REQUIRED,
} from './schemas.ts';
import { fieldsFromDocument, toWire } from './wire.ts';

const { _areEquals: same } = jsonpatch;

/**
 * The mutation behind PATCH /v2/personas/{id}: applies an RFC 6902 patch (fast-json-patch) to the
 * persona's Tavus document (secrets read as REDACTED there) and returns the new record fields. All or
 * nothing: any failing operation or an invalid result throws, and the caller's transaction writes nothing.
 * A result equal to the original returns the current fields unchanged (the caller answers 304).
 */
export function applyPersonaPatch(box: SecretBox, current: Persona, ops: PatchBody): PersonaFields {
  const original: JsonObject = toWire(current);
  let patched: unknown;
  try {
    // Each operation is checked against the document (paths that must exist, test values) and the size
    // and depth limits; prototype pollution through __proto__ paths is refused by the library's default.
    patched = applyBoundedPatch(structuredClone(original), ops as Operation[]);
  } catch (err) {
    if (err instanceof PatchFailure) throw new AppError('unprocessable', INVALID_PATCH);
    throw err;
  }
  if (same(original, patched)) return fieldsOf(current);
  if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) {
    throw invalid('body', 'the patched persona must be an object');
  }
  const raw = patched as JsonObject;
  const parsed = PersonaDocument.safeParse(raw);
  if (!parsed.success) throw zodToAppError(parsed.error);
  for (const field of readOnlyFields) {
    if (!same(raw[field], original[field])) throw invalid(field, 'cannot be changed');
  }
  // Personas made on /v1 have no system prompt; only a patch that touches the prompt or the mode must
  // leave a valid pair behind, so such a persona can still be renamed here.
  const touched =
    !same(raw.system_prompt, original.system_prompt) || !same(raw.pipeline_mode, original.pipeline_mode);
  if (touched && needsSystemPrompt(parsed.data)) throw invalid('system_prompt', SYSTEM_PROMPT_REQUIRED);
  return fieldsFromDocument(box, raw, parsed.data, fieldsOf(current));
}

/**
 * The `layers.llm.base_url` a patch would leave on the persona, computed without side effects so it can be
 * checked before the write transaction; undefined when the patch does not apply (the write reports why).
 */
export function patchedBaseUrl(current: Persona, ops: PatchBody): string | undefined {
  try {
    const doc = applyBoundedPatch(structuredClone(toWire(current)), ops as Operation[]);
    return baseUrlOf((doc as JsonObject | null)?.layers);
  } catch {
    return undefined;
  }
}
