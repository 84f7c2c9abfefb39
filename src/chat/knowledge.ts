import type { Ctx } from '../core/context.ts';
import type { Persona } from '../core/persona.ts';
import { searchKnowledge } from '../knowledge/retrieval.ts';
import type { ChatMessage } from '../providers/chat-types.ts';
import type { Citation } from './types.ts';

/**
 * Knowledge for one turn: the persona's documents (ids and tags) and any the request adds, searched with
 * the last user turn and the user turn before it (a follow-up like "and the price?" needs its context),
 * through the one retrieval function (src/knowledge/retrieval.ts). The best passages are kept in rank
 * order while they fit the token budget, each numbered for its citation marker.
 */

/** Tokens of the prompt that retrieved passages may take (estimated at 4 characters a token). */
export const KNOWLEDGE_TOKEN_BUDGET = 1_200;
/** Passages asked of the index: more than fit the budget usually, so the budget decides. */
const CANDIDATES = 8;
/** Characters of earlier turns added to the query. */
const CONTEXT_CHARS = 300;
const QUERY_CHARS = 2_000;

export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

export interface KnowledgeScope {
  documentIds?: string[] | undefined;
  documentTags?: string[] | undefined;
}

/** The search text for a turn: the last user message, then a little of the user turn before it. */
export function knowledgeQuery(messages: readonly ChatMessage[]): string {
  let last = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') {
      last = i;
      break;
    }
  }
  if (last < 0) return '';
  let query = (messages[last]?.content ?? '').slice(0, QUERY_CHARS);
  for (let i = last - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === 'user') {
      query += `\n${m.content.slice(-CONTEXT_CHARS)}`;
      break;
    }
  }
  return query.trim();
}

export async function retrieveCitations(
  ctx: Ctx,
  persona: Persona,
  messages: readonly ChatMessage[],
  scope: KnowledgeScope,
  budget = KNOWLEDGE_TOKEN_BUDGET,
): Promise<Citation[]> {
  const hasScope =
    persona.documentIds.length > 0 ||
    persona.documentTags.length > 0 ||
    (scope.documentIds?.length ?? 0) > 0 ||
    (scope.documentTags?.length ?? 0) > 0;
  // A persona with no documents pays nothing for knowledge: no query at all.
  if (!hasScope) return [];
  const query = knowledgeQuery(messages);
  if (query === '') return [];
  const passages = await searchKnowledge(ctx, {
    query,
    persona_id: persona.id,
    document_ids: scope.documentIds?.length ? scope.documentIds : undefined,
    document_tags: scope.documentTags?.length ? scope.documentTags : undefined,
    limit: CANDIDATES,
    strategy: 'balanced',
  });
  return withinBudget(passages, budget);
}

type Passage = Omit<Citation, 'index'>;

/** Passages in rank order while they fit; a first passage larger than the whole budget is cut to it. */
export function withinBudget(passages: readonly Passage[], budget: number): Citation[] {
  const out: Citation[] = [];
  let left = budget;
  for (const p of passages) {
    const cost = estimateTokens(p.text);
    if (cost > left) {
      if (out.length === 0 && left > 0) out.push({ ...p, text: p.text.slice(0, left * 4), index: 1 });
      break;
    }
    left -= cost;
    out.push({ ...p, index: out.length + 1 });
  }
  return out;
}
