import { resolveOutboundUrl } from '../net/outbound-url.ts';
import { upstreamCall } from '../observability/upstream.ts';
import { KEY_OPTIONAL, PROVIDER_IDS, providersFor } from '../providers/registry.ts';
import { pinnedTarget } from '../providers/transport.ts';
import type {
  Call,
  ChatRequest,
  ClientSignal,
  Completion,
  DeltaSink,
  Provider,
  Usage,
} from '../providers/types.ts';
import { compileSystemPrompt, type StyleCheck } from '../style/index.ts';
import { styleText } from '../style/off-thread.ts';
import { StreamEnforcer } from '../style/stream-enforcer.ts';
import type { Ctx } from './context.ts';
import { AppError, invalid } from './errors.ts';
import type { Persona } from './persona.ts';
import { personaLlm } from './persona-llm.ts';
import { getPersonaVersion } from './persona-versions.ts';
import { getPersona } from './personas.ts';
import { outcomeOf, recordUsage } from './usage.ts';

/**
 * Refine: rewrite a text in a persona's voice through an LLM provider (or the local rule engine), then
 * verify the persona's hard rules on the result. The caller's providerApiKey is used for this one
 * upstream call only: it is never stored, logged or put in an error message.
 */

export const MAX_CONTENT_CHARS = 100_000;

export interface RefineInput {
  provider: string;
  providerApiKey?: string | undefined;
  personaId: string;
  /** Pin a version of the persona (docs/versions.md); the latest when absent. */
  personaVersion?: number | undefined;
  content: string;
  model?: string | undefined;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  /** Untrusted: validated and pinned by net/outbound-url before any connection. */
  baseUrl?: string | undefined;
  /** Repair the provider's output with the local engine before the checks. */
  enforce?: boolean | undefined;
  /** The client's request signal: aborting it aborts the upstream call at once. */
  signal: ClientSignal;
}

export interface RefineResult {
  response: string;
  provider: string;
  model: string;
  usage: Usage;
  checks: StyleCheck[];
}

export interface RefineStream {
  /**
   * Reads the upstream stream, passing on raw text deltas; resolves with the final (enforced) result.
   * `onDelta` returning a promise (the client is not reading) pauses the upstream until it settles.
   */
  run(onDelta: DeltaSink): Promise<RefineResult>;
}

interface Prepared {
  provider: Provider;
  call: Call | null;
  req: ChatRequest;
  persona: Persona;
  enforce: boolean;
}

async function prepare(ctx: Ctx, input: RefineInput): Promise<Prepared> {
  const provider = providersFor(ctx.config).get(input.provider);
  if (!provider) {
    throw invalid('provider', `unknown provider "${input.provider}"; supported: ${PROVIDER_IDS.join(', ')}`);
  }
  if (input.content.length > MAX_CONTENT_CHARS) {
    throw new AppError(
      'payload_too_large',
      `content: must be at most ${MAX_CONTENT_CHARS} characters (got ${input.content.length})`,
      { field: 'content' },
    );
  }
  let model = input.model ?? provider.defaultModel;
  let apiKey = input.providerApiKey ?? '';
  let baseUrl = input.baseUrl;
  let baseUrlField = 'baseUrl';
  const keyOptional = KEY_OPTIONAL.has(provider.id);
  if (provider.remote && !keyOptional) {
    if (!apiKey) throw invalid('providerApiKey', `is required for provider ${provider.id}`);
    if (!model) throw invalid('model', `is required for provider ${provider.id}`);
    if (!input.baseUrl && !provider.defaultTarget) {
      throw invalid('baseUrl', `is required for provider ${provider.id}`);
    }
  }

  const persona =
    input.personaVersion === undefined
      ? await getPersona(ctx, input.personaId)
      : await getPersonaVersion(ctx, input.personaId, input.personaVersion);

  // openai-compatible with no baseUrl: the persona's own LLM (layers.llm), each request field winning.
  if (keyOptional && baseUrl === undefined) {
    const stored = personaLlm(ctx, persona);
    if (stored) {
      baseUrl = stored.baseUrl;
      baseUrlField = 'layers.llm.base_url';
      model ??= stored.model ?? null;
      if (!apiKey) apiKey = stored.apiKey ?? '';
    }
  }
  if (keyOptional) {
    const where = "(in the request, or in the persona's layers.llm)";
    if (!baseUrl) throw invalid('baseUrl', `is required for provider ${provider.id} ${where}`);
    if (!model) throw invalid('model', `is required for provider ${provider.id} ${where}`);
  }

  let call: Call | null = null;
  if (provider.remote) {
    const target = baseUrl
      ? pinnedTarget(await resolveOutboundUrl(baseUrl, ctx.config.PERSONAKIT_ALLOWED_HOSTS, baseUrlField))
      : provider.defaultTarget;
    if (!target) throw invalid('baseUrl', `is required for provider ${provider.id}`);
    call = { target, apiKey, signal: input.signal, timeoutMs: ctx.config.PERSONAKIT_UPSTREAM_TIMEOUT_MS };
  }
  const req: ChatRequest = {
    model: model ?? '',
    system: provider.remote ? compileSystemPrompt(persona) : '',
    content: input.content,
    temperature: input.temperature,
    maxTokens: input.maxTokens,
    attributes: persona.attributes,
  };
  return { provider, call, req, persona, enforce: input.enforce === true };
}

async function finish(p: Prepared, completion: Completion): Promise<RefineResult> {
  // The local engine's output is already the engine's output; enforcing it again would change nothing.
  // A large answer is styled and checked off the event loop (style/off-thread.ts).
  const apply = p.enforce && p.provider.remote;
  const styled =
    completion.checks && !apply
      ? { text: completion.text, checks: completion.checks }
      : await styleText(completion.text, p.persona.attributes, { apply, check: true });
  return {
    response: styled.text,
    provider: p.provider.id,
    model: completion.model,
    usage: completion.usage,
    checks: styled.checks,
  };
}

export async function refine(ctx: Ctx, input: RefineInput): Promise<RefineResult> {
  const started = performance.now();
  try {
    const p = await prepare(ctx, input);
    const completion = await upstreamCall(
      ctx,
      p.provider.id,
      p.req.model,
      'complete',
      () => p.provider.complete(p.call, p.req),
      (c) => c.usage,
    );
    const result = await finish(p, completion);
    meter(ctx, input, started, result);
    return result;
  } catch (err) {
    meter(ctx, input, started, undefined, err);
    throw err;
  }
}

/**
 * One usage row per refine, whatever its outcome. Tokens come from the provider's usage; the local
 * engine (and a provider that reports none) gets an estimate from the texts, marked as such.
 */
function meter(ctx: Ctx, input: RefineInput, started: number, result?: RefineResult, err?: unknown): void {
  const latencyMs = performance.now() - started;
  if (result) {
    recordUsage(ctx, {
      kind: 'refine',
      personaId: input.personaId,
      provider: result.provider,
      model: result.model,
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      inputText: input.content,
      outputText: result.response,
      latencyMs,
      outcome: 'ok',
    });
    return;
  }
  recordUsage(ctx, {
    kind: 'refine',
    personaId: input.personaId,
    provider: input.provider,
    model: input.model ?? '',
    inputTokens: 0,
    outputTokens: 0,
    latencyMs,
    outcome: outcomeOf(err),
  });
}

/**
 * Streaming refine in two steps, so that everything that can fail before the upstream accepted the
 * request (validation, persona, key rejected, rate limit) still fails with its own HTTP status.
 */
export async function openRefineStream(ctx: Ctx, input: RefineInput): Promise<RefineStream> {
  const started = performance.now();
  let opened: RefineStream;
  try {
    opened = await openStream(ctx, input);
  } catch (err) {
    meter(ctx, input, started, undefined, err);
    throw err;
  }
  return {
    run: async (onDelta) => {
      try {
        const result = await opened.run(onDelta);
        meter(ctx, input, started, result);
        return result;
      } catch (err) {
        meter(ctx, input, started, undefined, err);
        throw err;
      }
    },
  };
}

async function openStream(ctx: Ctx, input: RefineInput): Promise<RefineStream> {
  const p = await prepare(ctx, input);
  const opened = await upstreamCall(
    ctx,
    p.provider.id,
    p.req.model,
    'open',
    () => p.provider.open(p.call, p.req),
    () => undefined,
  );
  const stream = {
    read: (onDelta: DeltaSink) =>
      upstreamCall(
        ctx,
        p.provider.id,
        p.req.model,
        'stream',
        () => opened.read(onDelta),
        (c) => c.usage,
      ),
  };
  if (!(p.enforce && p.provider.remote))
    return { run: async (onDelta) => finish(p, await stream.read(onDelta)) };
  // enforce: the deltas are the fixed text, held back to the end of each line (style/stream-enforcer.ts)
  return {
    run: async (onDelta) => {
      const enforcer = new StreamEnforcer(p.persona.attributes, onDelta);
      const completion = await stream.read((text) => enforcer.push(text));
      const response = enforcer.finish();
      return finish({ ...p, enforce: false }, { ...completion, text: response });
    },
  };
}
