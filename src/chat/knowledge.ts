import type { Ctx } from '../core/context.ts';
import type { Persona } from '../core/persona.ts';
import { analyze } from '../knowledge/analyzer.ts';
import { searchKnowledge } from '../knowledge/retrieval.ts';
import { queryTerms } from '../knowledge/search.ts';
import type { ChatMessage } from '../providers/chat-types.ts';
import type { Citation } from './types.ts';

/**
 * Knowledge for one turn: the persona's documents (ids and tags) and any the request adds, searched with
 * the last user turn and earlier user turns (a follow-up like "and the price?" needs its context),
 * through the one retrieval function (src/knowledge/retrieval.ts). The best passages are kept in rank
 * order while they fit the token budget, each numbered for its citation marker.
 *
 * The retrieval strategy (Tavus's `document_retrieval_strategy`, default `balanced`) sets how much work
 * a turn's retrieval does (docs/knowledge.md, "Retrieval strategies"):
 * - `speed`: the last user turn alone, 3 candidates, 600 tokens, full text only: the shortest prompt.
 * - `balanced`: + the user turn before it, 8 candidates, 1,200 tokens, hybrid when embeddings are set.
 * - `quality`: + the three user turns before it (query expansion), 20 candidates, 2,400 tokens, every
 *   stored vector scored when embeddings are set, then a rerank: candidates that cover more of the
 *   *current* question's terms first (the expansion widens recall; the rerank keeps the answer about
 *   what was just asked).
 */

export type RetrievalStrategy = 'speed' | 'balanced' | 'quality';

export interface StrategyPlan {
  /** Passages asked of the index. */
  candidates: number;
  /** Tokens of the prompt that retrieved passages may take (estimated at 4 characters a token). */
  budget: number;
  /** Earlier user turns added to the query. */
  earlierTurns: number;
  rerank: boolean;
}

export const STRATEGIES: Readonly<Record<RetrievalStrategy, StrategyPlan>> = {
  speed: { candidates: 3, budget: 600, earlierTurns: 0, rerank: false },
  balanced: { candidates: 8, budget: 1_200, earlierTurns: 1, rerank: false },
  quality: { candidates: 20, budget: 2_400, earlierTurns: 3, rerank: true },
};

/** The default strategy's budget. */
export const KNOWLEDGE_TOKEN_BUDGET = STRATEGIES.balanced.budget;
/** Characters of each earlier turn added to the query. */
const CONTEXT_CHARS = 300;
const QUERY_CHARS = 2_000;

export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

export interface KnowledgeScope {
  documentIds?: string[] | undefined;
  documentTags?: string[] | undefined;
}

/** The search text for a turn: the last user message, then a little of each of `earlierTurns` before it. */
export function knowledgeQuery(messages: readonly ChatMessage[], earlierTurns = 1): string {
  let last = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') {
      last = i;
      break;
    }
  }
  if (last < 0) return '';
  let query = (messages[last]?.content ?? '').slice(0, QUERY_CHARS);
  let added = 0;
  for (let i = last - 1; i >= 0 && added < earlierTurns; i--) {
    const m = messages[i];
    if (m?.role === 'user') {
      query += `\n${m.content.slice(-CONTEXT_CHARS)}`;
      added++;
    }
  }
  return query.trim();
}

export async function retrieveCitations(
  ctx: Ctx,
  persona: Persona,
  messages: readonly ChatMessage[],
  scope: KnowledgeScope,
  strategy: RetrievalStrategy = 'balanced',
): Promise<Citation[]> {
  const plan = STRATEGIES[strategy];
  const hasScope =
    persona.documentIds.length > 0 ||
    persona.documentTags.length > 0 ||
    (scope.documentIds?.length ?? 0) > 0 ||
    (scope.documentTags?.length ?? 0) > 0;
  // A persona with no documents pays nothing for knowledge: no query at all.
  if (!hasScope) return [];
  const query = knowledgeQuery(messages, plan.earlierTurns);
  if (query === '') return [];
  const passages = await searchKnowledge(ctx, {
    query,
    persona_id: persona.id,
    document_ids: scope.documentIds?.length ? scope.documentIds : undefined,
    document_tags: scope.documentTags?.length ? scope.documentTags : undefined,
    limit: plan.candidates,
    strategy,
  });
  const ranked = plan.rerank ? rerankByCoverage(passages, knowledgeQuery(messages, 0)) : passages;
  return withinBudget(ranked, plan.budget);
}

/**
 * Orders passages by how many of the question's distinct terms (stemmed as the index stems them, stop
 * words left out) each contains, the search's rank breaking ties. Linear in the passages' text; no
 * regular expression runs over it.
 */
export function rerankByCoverage<P extends { text: string }>(passages: readonly P[], question: string): P[] {
  const wanted = new Set(analyze(queryTerms(question).join(' ')));
  if (wanted.size === 0) return [...passages];
  const scored = passages.map((p, rank) => {
    const seen = new Set<string>();
    for (const t of analyze(p.text)) if (wanted.has(t)) seen.add(t);
    return { p, rank, covered: seen.size };
  });
  scored.sort((a, b) => b.covered - a.covered || a.rank - b.rank);
  return scored.map((s) => s.p);
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
