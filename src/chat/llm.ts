import type { Config } from '../config.ts';
import type { Ctx } from '../core/context.ts';
import { AppError, invalid } from '../core/errors.ts';
import { isJsonObject, type JsonObject, type Persona } from '../core/persona.ts';
import { revealLayers } from '../core/persona-secrets.ts';
import { resolveOutboundUrl } from '../net/outbound-url.ts';
import type { ChatAdapter, ToolDef } from '../providers/chat-types.ts';
import { KEY_OPTIONAL, PROVIDER_IDS, providersFor } from '../providers/registry.ts';
import { pinnedTarget, type Target, trustedTarget } from '../providers/transport.ts';
import type { Call, ClientSignal, Provider } from '../providers/types.ts';
import type { BringYourOwn } from './types.ts';

/**
 * Which LLM answers a chat turn (issue 14, docs/chat.md "Which LLM answers"), first match wins:
 *   1. the caller's own provider for this request (X-Personakit-Provider…), never stored or logged;
 *   2. the persona's own OpenAI-compatible endpoint (`layers.llm.base_url`, its encrypted key, headers,
 *      extra_body, default_query, tools);
 *   3. the operator's default (PERSONAKIT_CHAT_PROVIDER / _MODEL / _BASE_URL and the provider's key in
 *      env); Tavus' hosted model names (tavus-gpt-4o…) in `layers.llm.model` mean this default;
 *   4. the local engine: no key, no network.
 * URLs from a request or a persona go through the outbound-URL guard; env URLs are trusted.
 */

export type ChatLlm =
  | { kind: 'local' }
  | {
      kind: 'remote';
      provider: Provider;
      adapter: ChatAdapter;
      call: Call;
      model: string;
      extraBody?: JsonObject;
      extraHeaders?: Record<string, string>;
      extraQuery?: Record<string, string>;
      /** The persona's own tools (layers.llm.tools), offered besides the request's. */
      tools: ToolDef[];
      /** Where the settings came from, for the docs' order and the tests. */
      source: 'request' | 'persona' | 'operator';
    };

/** Tavus' hosted models: a persona naming one uses the operator's default LLM. */
export const HOSTED_MODELS: ReadonlySet<string> = new Set([
  'tavus-gpt-4o',
  'tavus-gpt-4o-mini',
  'tavus-gpt-oss',
]);

const apiKeyEnv = (id: string) =>
  `PERSONAKIT_${id.toUpperCase().replaceAll('-', '_')}_API_KEY` as keyof Config;

/** The operator's key for a provider, from env. */
export function operatorKey(config: Config, id: string): string | undefined {
  const v = config[apiKeyEnv(id)];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The operator's default provider: PERSONAKIT_CHAT_PROVIDER, else the first one with a key in env. */
export function operatorProvider(config: Config): string {
  if (config.PERSONAKIT_CHAT_PROVIDER) return config.PERSONAKIT_CHAT_PROVIDER;
  return PROVIDER_IDS.find((id) => id !== 'local' && operatorKey(config, id) !== undefined) ?? 'local';
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

export async function resolveLlm(
  ctx: Ctx,
  persona: Persona,
  byo: BringYourOwn | undefined,
  signal: ClientSignal,
): Promise<ChatLlm> {
  const call = (target: Target, apiKey: string): Call => ({
    target,
    apiKey,
    signal,
    timeoutMs: ctx.config.PERSONAKIT_UPSTREAM_TIMEOUT_MS,
  });
  const stored = isJsonObject(persona.layers.llm) ? persona.layers.llm : undefined;
  const storedModel = text(stored?.model);
  const ownModel = storedModel && !HOSTED_MODELS.has(storedModel) ? storedModel : undefined;

  if (byo) {
    const provider = providersFor(ctx.config).get(byo.provider);
    if (!provider) {
      throw invalid(
        'X-Personakit-Provider',
        `unknown provider "${byo.provider}"; supported: ${PROVIDER_IDS.join(', ')}`,
      );
    }
    if (!provider.remote) return { kind: 'local' };
    const apiKey = byo.apiKey ?? '';
    if (!apiKey && !KEY_OPTIONAL.has(provider.id)) {
      throw invalid('X-Personakit-Provider-Key', `is required for provider ${provider.id}`);
    }
    const target = byo.baseUrl
      ? pinnedTarget(
          await resolveOutboundUrl(
            byo.baseUrl,
            ctx.config.PERSONAKIT_ALLOWED_HOSTS,
            'X-Personakit-Provider-Base-Url',
          ),
        )
      : provider.defaultTarget;
    if (!target) throw invalid('X-Personakit-Provider-Base-Url', `is required for provider ${provider.id}`);
    const model = byo.model ?? provider.defaultModel ?? ownModel;
    if (!model) throw invalid('X-Personakit-Provider-Model', `is required for provider ${provider.id}`);
    return remote(provider, call(target, apiKey), model, 'request', {});
  }

  const baseUrl = text(stored?.base_url);
  if (stored && baseUrl) {
    const provider = providersFor(ctx.config).get('openai-compatible') as Provider;
    const revealed =
      persona.secrets !== null ? revealLayers(ctx.secrets, { llm: stored }, persona.secrets).llm : stored;
    const llm = isJsonObject(revealed) ? revealed : stored;
    const model = ownModel ?? ctx.config.PERSONAKIT_CHAT_MODEL;
    if (!model) throw invalid('layers.llm.model', 'is required with layers.llm.base_url');
    const target = pinnedTarget(
      await resolveOutboundUrl(baseUrl, ctx.config.PERSONAKIT_ALLOWED_HOSTS, 'layers.llm.base_url'),
    );
    return remote(provider, call(target, text(llm.api_key) ?? ''), model, 'persona', {
      extraBody: isJsonObject(llm.extra_body) ? llm.extra_body : undefined,
      extraHeaders: stringRecord(llm.headers),
      extraQuery: stringRecord(llm.default_query),
      tools: toolDefs(llm.tools),
    });
  }

  const operator = operatorLlm(ctx.config);
  if (!operator) return { kind: 'local' };
  const model = ownModel ?? operator.model;
  if (!operator.target || !model) {
    throw new AppError(
      'unavailable',
      `the default chat provider ${operator.provider.id} needs PERSONAKIT_CHAT_BASE_URL and PERSONAKIT_CHAT_MODEL`,
    );
  }
  return remote(operator.provider, call(operator.target, operator.apiKey), model, 'operator', {});
}

/** The operator's default LLM as configured: everything but the persona's own model. */
interface OperatorLlm {
  provider: Provider;
  apiKey: string;
  target: Target | null;
  model: string | null | undefined;
}

/**
 * Per configuration, found once (as providersFor builds its providers once): the default answers most
 * chat turns, and finding it built the key's env name and looked the provider up on each of them. A
 * misconfiguration is not kept: it throws on every turn, as it did.
 */
const operatorLlms = new WeakMap<Config, OperatorLlm | null>();

function operatorLlm(config: Config): OperatorLlm | null {
  const known = operatorLlms.get(config);
  if (known !== undefined) return known;
  const id = operatorProvider(config);
  const provider = providersFor(config).get(id);
  let found: OperatorLlm | null = null;
  if (provider?.remote) {
    const apiKey = operatorKey(config, id) ?? '';
    if (!apiKey && !KEY_OPTIONAL.has(id)) {
      throw new AppError(
        'unavailable',
        `the default chat provider ${id} has no key: the operator sets ${String(apiKeyEnv(id))}`,
      );
    }
    const configured = config.PERSONAKIT_CHAT_BASE_URL;
    found = {
      provider,
      apiKey,
      target: configured ? trustedTarget(configured) : provider.defaultTarget,
      model: config.PERSONAKIT_CHAT_MODEL ?? provider.defaultModel,
    };
  }
  operatorLlms.set(config, found);
  return found;
}

function remote(
  provider: Provider,
  call: Call,
  model: string,
  source: 'request' | 'persona' | 'operator',
  extra: {
    extraBody?: JsonObject | undefined;
    extraHeaders?: Record<string, string> | undefined;
    extraQuery?: Record<string, string> | undefined;
    tools?: ToolDef[];
  },
): ChatLlm {
  const adapter = provider.chat;
  if (!adapter) {
    throw new AppError('not_implemented', `provider ${provider.id} cannot hold a chat yet`);
  }
  return {
    kind: 'remote',
    provider,
    adapter,
    call,
    model,
    source,
    tools: extra.tools ?? [],
    ...(extra.extraBody ? { extraBody: extra.extraBody } : {}),
    ...(extra.extraHeaders ? { extraHeaders: extra.extraHeaders } : {}),
    ...(extra.extraQuery ? { extraQuery: extra.extraQuery } : {}),
  };
}

/** String values of an object (headers, query parameters); numbers and booleans as their text. */
function stringRecord(v: unknown): Record<string, string> | undefined {
  if (!isJsonObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) {
    if (typeof value === 'string') out[k] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[k] = String(value);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Tavus function tools (`{type: "function", function: {…}}`) as the provider-neutral ToolDef. */
function toolDefs(v: unknown): ToolDef[] {
  if (!Array.isArray(v)) return [];
  const out: ToolDef[] = [];
  for (const t of v) {
    const fn = isJsonObject(t) && isJsonObject(t.function) ? t.function : undefined;
    const name = text(fn?.name);
    if (!fn || !name) continue;
    out.push({
      name,
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      ...(isJsonObject(fn.parameters) ? { parameters: fn.parameters } : {}),
    });
  }
  return out;
}
