import type { Ctx } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import { getPersona } from '../core/personas.ts';
import { documentsInScope } from './ready-documents.ts';
import { searchChunks } from './search.ts';

export interface KnowledgeQuery {
  query: string;
  document_ids?: string[] | undefined;
  document_tags?: string[] | undefined;
  persona_id?: string | undefined;
  limit: number;
  strategy: 'speed' | 'balanced' | 'quality';
}

/**
 * POST /v2/knowledge/search: which documents, then the index. The scope is the union of `document_ids`,
 * documents with any of `document_tags`, and the persona's own ids and tags; with none of them, every
 * document of the account. Only `ready` documents of the caller's account are ever searched, whatever
 * the ids name.
 */
export async function searchKnowledge(ctx: Ctx, q: KnowledgeQuery) {
  const ids = new Set(q.document_ids ?? []);
  const tags = new Set(q.document_tags ?? []);
  if (q.persona_id !== undefined) {
    const persona = await getPersona(ctx, q.persona_id);
    for (const id of persona.documentIds) ids.add(id);
    for (const t of persona.documentTags) tags.add(t);
  }
  const scoped = q.document_ids !== undefined || q.document_tags !== undefined || q.persona_id !== undefined;
  const { ids: picked, names } = await documentsInScope(ctx.db, ctx.accountId, { ids, tags, scoped });
  if (q.document_ids !== undefined) {
    const own = await ctx.db.kysely
      .selectFrom('documents')
      .select('id')
      .where('account_id', '=', ctx.accountId)
      .where('id', 'in', q.document_ids.length > 0 ? q.document_ids : [''])
      .execute();
    const known = new Set(own.map((r) => r.id));
    const unknown = q.document_ids.find((id) => !known.has(id));
    if (unknown !== undefined) {
      throw new AppError('invalid', `document_ids: no document ${unknown}`, { field: 'document_ids' });
    }
  }
  if (picked.length === 0) return [];
  const passages = await searchChunks(ctx.db, {
    accountId: ctx.accountId,
    query: q.query,
    documentIds: picked,
    limit: q.limit,
    strategy: q.strategy,
    // The process's one embedder (null without PERSONAKIT_EMBEDDINGS_URL): `speed` never uses it.
    embeddings: ctx.embedder,
  });
  return passages
    .filter((p) => names.has(p.document_id))
    .map((p) => ({ ...p, document_name: names.get(p.document_id) ?? '' }));
}
