import type { Ctx } from '../core/context.ts';
import { invalid } from '../core/errors.ts';
import type { Persona } from '../core/persona.ts';
import { outcomeOf, recordUsage } from '../core/usage.ts';
import { upstreamCall } from '../observability/upstream.ts';
import type { ConverseDelta, ConverseRequest, ConverseResult, ToolDef } from '../providers/chat-types.ts';
import { ClientGone } from '../providers/upstream-errors.ts';
import { styleText } from '../style/off-thread.ts';
import { StreamEnforcer } from '../style/stream-enforcer.ts';
import { knowledgeQuery, retrieveCitations } from './knowledge.ts';
import { type ChatLlm, resolveLlm } from './llm.ts';
import { deltasOf, LOCAL_MODEL, localAnswer } from './local-engine.ts';
import { activeLore } from './lore.ts';
import { chatPersona } from './persona-version.ts';
import { assemblePrompt } from './prompt.ts';
import type { ChatInput, ChatResult, ChatStream, Citation } from './types.ts';

/**
 * The chat engine (issue 14): persona + conversation in, an answer out, with the persona's checks and
 * the citations of the knowledge it was given. Transport-free: surfaces translate their wire format to
 * ChatInput and ChatResult/ChatStream back. Nothing is stored, so a client that leaves mid-answer leaves
 * nothing half-written; its signal aborts the upstream call at once (providers/upstream-exchange.ts).
 */

/** Turns in one request, and characters in all of them: the body cap (1 MiB) bounds both anyway. */
export const MAX_MESSAGES = 2_000;
/** Recent turns the lorebook scans for its keys. */
const LORE_SCAN_TURNS = 8;

interface Prepared {
  persona: Persona;
  llm: ChatLlm;
  citations: Citation[];
  hadScope: boolean;
  enforce: boolean;
  req: ConverseRequest;
  input: ChatInput;
}

function validate(input: ChatInput): void {
  if (input.messages.length === 0) throw invalid('messages', 'must hold at least one message');
  if (input.messages.length > MAX_MESSAGES) {
    throw invalid('messages', `must hold at most ${MAX_MESSAGES} messages`);
  }
}

async function prepare(ctx: Ctx, input: ChatInput): Promise<Prepared> {
  validate(input);
  const persona = await chatPersona(ctx, input.personaId, input.version);
  const hadScope =
    persona.documentIds.length + persona.documentTags.length > 0 ||
    (input.documentIds?.length ?? 0) + (input.documentTags?.length ?? 0) > 0;
  // Without documents there is nothing to retrieve (retrieveCitations would answer [] at once): the
  // provider is resolved alone, without a second promise to wait for.
  const [llm, citations] = hadScope
    ? await Promise.all([
        resolveLlm(ctx, persona, input.byo, input.signal),
        retrieveCitations(
          ctx,
          persona,
          input.messages,
          { documentIds: input.documentIds, documentTags: input.documentTags },
          input.retrievalStrategy,
        ),
      ])
    : [await resolveLlm(ctx, persona, input.byo, input.signal), []];
  const book = persona.card?.lorebook;
  const lore = activeLore(book, book ? input.messages.slice(-LORE_SCAN_TURNS) : []);
  const messages = assemblePrompt({ persona, messages: input.messages, citations, lore });
  const tools = llm.kind === 'remote' ? mergeTools(llm.tools, input.tools) : input.tools;
  // Fields are added one by one, in this order, only when set (what a spread of `{}` per field did, without
  // an object per field).
  const req: ConverseRequest = { model: llm.kind === 'remote' ? llm.model : LOCAL_MODEL, messages };
  if (tools && tools.length > 0) req.tools = tools;
  if (input.toolChoice !== undefined) req.toolChoice = input.toolChoice;
  if (input.temperature !== undefined) req.temperature = input.temperature;
  if (input.topP !== undefined) req.topP = input.topP;
  if (input.maxTokens !== undefined) req.maxTokens = input.maxTokens;
  if (input.stop !== undefined) req.stop = input.stop;
  if (input.responseFormat !== undefined) req.responseFormat = input.responseFormat;
  if (input.user !== undefined) req.user = input.user;
  if (llm.kind === 'remote') {
    if (llm.extraBody) req.extraBody = llm.extraBody;
    if (llm.extraHeaders) req.extraHeaders = llm.extraHeaders;
    if (llm.extraQuery) req.extraQuery = llm.extraQuery;
  }
  const enforce = input.enforce ?? persona.attributes.enforce === true;
  return { persona, llm, citations, hadScope, enforce, req, input };
}

/** The persona's tools and the request's; a request tool of the same name replaces the persona's. */
function mergeTools(own: ToolDef[], given: ToolDef[] | undefined): ToolDef[] | undefined {
  if (own.length === 0) return given;
  if (!given || given.length === 0) return own;
  const names = new Set(given.map((t) => t.name));
  return [...own.filter((t) => !names.has(t.name)), ...given];
}

/** The prompt the engine would send for this input, for tests and the console (no LLM is called). */
export async function previewPrompt(ctx: Ctx, input: ChatInput): Promise<ConverseRequest> {
  return (await prepare(ctx, input)).req;
}

/** What the local engine answers, already phrased through the persona's rules, with its checks. */
async function localResult(p: Prepared): Promise<ChatResult> {
  const raw = localAnswer(knowledgeQuery(p.input.messages), p.citations, p.hadScope);
  const styled = await styleText(raw, p.persona.attributes, { apply: true, check: true });
  return {
    text: styled.text,
    toolCalls: [],
    finishReason: 'stop',
    provider: 'local',
    model: LOCAL_MODEL,
    usage: { inputTokens: null, outputTokens: null },
    checks: styled.checks,
    citations: p.citations,
  };
}

/** The provider's answer checked (and repaired first when enforce is on), as it leaves. */
async function remoteResult(p: Prepared, provider: string, out: ConverseResult, enforced: boolean) {
  const styled = await styleText(out.text, p.persona.attributes, {
    apply: p.enforce && !enforced,
    check: true,
  });
  const result: ChatResult = {
    text: styled.text,
    toolCalls: out.toolCalls,
    finishReason: out.finishReason,
    provider,
    model: out.model,
    usage: out.usage,
    checks: styled.checks,
    citations: p.citations,
  };
  return result;
}

export async function chat(ctx: Ctx, input: ChatInput): Promise<ChatResult> {
  const started = performance.now();
  try {
    const p = await prepare(ctx, input);
    const { llm } = p;
    let result: ChatResult;
    if (llm.kind === 'local') result = await localResult(p);
    else {
      const out = await upstreamCall(
        ctx,
        llm.provider.id,
        llm.model,
        'complete',
        () => llm.adapter.converse(llm.call, p.req),
        (o) => o.usage,
      );
      result = await remoteResult(p, llm.provider.id, out, false);
    }
    meter(ctx, input, started, result);
    return result;
  } catch (err) {
    meter(ctx, input, started, undefined, err);
    throw err;
  }
}

/**
 * One usage record per answer, whatever its outcome (core/usage.ts, batched off the request path); the
 * local engine's tokens are estimated from the texts and marked as such.
 */
function meter(ctx: Ctx, input: ChatInput, started: number, result?: ChatResult, err?: unknown): void {
  const latencyMs = performance.now() - started;
  if (result) {
    const last = input.messages.at(-1)?.content ?? '';
    recordUsage(ctx, {
      kind: 'chat',
      personaId: input.personaId,
      provider: result.provider,
      model: result.model,
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      inputText: last,
      outputText: result.text,
      latencyMs,
      outcome: 'ok',
    });
    return;
  }
  recordUsage(ctx, {
    kind: 'chat',
    personaId: input.personaId,
    provider: input.byo?.provider ?? '',
    model: '',
    inputTokens: 0,
    outputTokens: 0,
    latencyMs,
    outcome: outcomeOf(err),
  });
}

/**
 * A streamed answer in two steps, so that everything that can fail before the provider accepted the
 * request (bad input, unknown persona, refused key, rate limit) fails with its own status. With enforce,
 * text deltas are the repaired text, held back to the end of each line (style/stream-enforcer.ts), and
 * their concatenation is the final text; tool-call fragments pass as they come.
 */
export async function openChat(ctx: Ctx, input: ChatInput): Promise<ChatStream> {
  const started = performance.now();
  let stream: ChatStream;
  try {
    stream = await openChatStream(ctx, input);
  } catch (err) {
    meter(ctx, input, started, undefined, err);
    throw err;
  }
  return {
    ...stream,
    async run(onDelta) {
      try {
        const result = await stream.run(onDelta);
        meter(ctx, input, started, result);
        return result;
      } catch (err) {
        meter(ctx, input, started, undefined, err);
        throw err;
      }
    },
  };
}

async function openChatStream(ctx: Ctx, input: ChatInput): Promise<ChatStream> {
  const p = await prepare(ctx, input);
  const { llm } = p;
  if (llm.kind === 'local') {
    return {
      provider: 'local',
      model: LOCAL_MODEL,
      citations: p.citations,
      async run(onDelta) {
        const result = await localResult(p);
        for (const text of deltasOf(result.text)) {
          if (input.signal.aborted) throw new ClientGone();
          await onDelta({ type: 'text', text });
        }
        return result;
      },
    };
  }
  const opened = await upstreamCall(
    ctx,
    llm.provider.id,
    llm.model,
    'open',
    () => llm.adapter.openConverse(llm.call, p.req),
    () => undefined,
  );
  const stream = {
    read: (sink: Parameters<typeof opened.read>[0]) =>
      upstreamCall(
        ctx,
        llm.provider.id,
        llm.model,
        'stream',
        () => opened.read(sink),
        (o) => o.usage,
      ),
  };
  return {
    provider: llm.provider.id,
    model: llm.model,
    citations: p.citations,
    async run(onDelta) {
      if (!p.enforce) return remoteResult(p, llm.provider.id, await stream.read(onDelta), false);
      const enforcer = new StreamEnforcer(p.persona.attributes, (text) => onDelta({ type: 'text', text }));
      const out = await stream.read((delta: ConverseDelta) =>
        delta.type === 'text' ? enforcer.push(delta.text) : onDelta(delta),
      );
      return remoteResult(p, llm.provider.id, { ...out, text: enforcer.finish() }, true);
    },
  };
}
