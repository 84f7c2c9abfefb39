import type { Ctx } from '../../core/context.ts';
import { AppError } from '../../core/errors.ts';
import { getPersona } from '../../core/personas.ts';
import { unknownDocumentIds } from '../../knowledge/documents.ts';
import { applyPersonaPatch } from './json-patch.ts';
import type { PatchBody } from './schemas.ts';

/** A persona's document_ids must name documents of its own account (another account's read as unknown). */
export async function checkDocumentIds(
  ctx: Ctx,
  ids: readonly string[],
  previous: readonly string[] = [],
): Promise<void> {
  // Ids the persona already had are not checked again (a document deleted since is removed from it anyway).
  const kept = new Set(previous);
  const unknown = await unknownDocumentIds(
    ctx,
    ids.filter((id) => !kept.has(id)),
  );
  if (unknown.length > 0) {
    throw new AppError(
      'invalid',
      `document_ids: no document ${unknown.slice(0, 5).join(', ')} in this account`,
      {
        field: 'document_ids',
      },
    );
  }
}

/**
 * For PATCH: the document_ids the patch would leave, checked before the write transaction (which must not
 * wait on other queries). A patch that fails to apply is left to updatePersona to refuse as usual.
 */
export async function checkPatchedDocumentIds(ctx: Ctx, id: string, ops: PatchBody): Promise<void> {
  if (
    !ops.some(
      (op) => op.path.startsWith('/document_ids') || ('from' in op && op.from.startsWith('/document_ids')),
    )
  )
    return;
  const current = await getPersona(ctx, id, { includeSystem: false }).catch(() => undefined);
  if (!current) return;
  let next: string[];
  try {
    next = applyPersonaPatch(ctx.secrets, current, ops).documentIds;
  } catch {
    return;
  }
  await checkDocumentIds(ctx, next, current.documentIds);
}
