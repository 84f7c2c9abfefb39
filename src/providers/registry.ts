import type { Config } from '../config.ts';
import { anthropicWire } from './anthropic.ts';
import { anthropicChatWire } from './anthropic-chat.ts';
import { type ChatWire, chatAdapter } from './chat-wire.ts';
import { cohereWire } from './cohere.ts';
import { cohereChatWire } from './cohere-chat.ts';
import { googleWire } from './google.ts';
import { googleChatWire } from './google-chat.ts';
import { httpProvider } from './http-provider.ts';
import { localProvider } from './local.ts';
import { openAiChatWire } from './openai-chat.ts';
import { openAiCompatibleWire } from './openai-compatible.ts';
import type { Provider } from './types.ts';
import type { WireFormat } from './wire.ts';

/** Every provider id /v1/refine accepts, in the order the docs list them. */
export const PROVIDER_IDS = [
  'local',
  'openai',
  'anthropic',
  'cohere',
  'google',
  'mistral',
  'groq',
  'deepseek',
  'together',
  'openrouter',
  'openai-compatible',
] as const;

export type ProviderId = (typeof PROVIDER_IDS)[number];

type BaseUrlEnv = Extract<keyof Config, `PERSONAKIT_${string}_BASE_URL`>;

interface Preset {
  /** Current default model, documented in docs/readme/refine.md (checked November 2026). */
  defaultModel: string | null;
  /** The vendor's base URL; our endpoint paths are appended to it. */
  baseUrl: string | null;
  env: BaseUrlEnv | null;
  wire: WireFormat;
  /** Multi-turn chat with tools (issue 14), on the same target and key as `wire`. */
  chat: ChatWire;
}

const openAi = openAiCompatibleWire({ maxTokensField: 'max_completion_tokens', streamUsage: true });
const compatible = openAiCompatibleWire({ maxTokensField: 'max_tokens', streamUsage: false });
const compatibleWithUsage = openAiCompatibleWire({ maxTokensField: 'max_tokens', streamUsage: true });
const openAiChat = openAiChatWire({ maxTokensField: 'max_completion_tokens', streamUsage: true });
const compatibleChat = openAiChatWire({ maxTokensField: 'max_tokens', streamUsage: false });
const compatibleChatWithUsage = openAiChatWire({ maxTokensField: 'max_tokens', streamUsage: true });

const presets: Record<Exclude<ProviderId, 'local'>, Preset> = {
  openai: {
    defaultModel: 'gpt-6.1-terra',
    baseUrl: 'https://api.openai.com/v1',
    env: 'PERSONAKIT_OPENAI_BASE_URL',
    wire: openAi,
    chat: openAiChat,
  },
  anthropic: {
    defaultModel: 'claude-haiku-5-5',
    baseUrl: 'https://api.anthropic.com',
    env: 'PERSONAKIT_ANTHROPIC_BASE_URL',
    wire: anthropicWire,
    chat: anthropicChatWire,
  },
  cohere: {
    defaultModel: 'command-a-plus-05-2026',
    baseUrl: 'https://api.cohere.com',
    env: 'PERSONAKIT_COHERE_BASE_URL',
    wire: cohereWire,
    chat: cohereChatWire,
  },
  google: {
    defaultModel: 'gemini-3.8-flash',
    baseUrl: 'https://generativelanguage.googleapis.com',
    env: 'PERSONAKIT_GOOGLE_BASE_URL',
    wire: googleWire,
    chat: googleChatWire,
  },
  mistral: {
    defaultModel: 'mistral-medium-latest',
    baseUrl: 'https://api.mistral.ai/v1',
    env: 'PERSONAKIT_MISTRAL_BASE_URL',
    // Mistral sends usage in the last chunk by itself and rejects unknown fields.
    wire: compatible,
    chat: openAiChatWire({ maxTokensField: 'max_tokens', streamUsage: false, userFields: false }),
  },
  groq: {
    defaultModel: 'openai/gpt-oss-120b',
    baseUrl: 'https://api.groq.com/openai/v1',
    env: 'PERSONAKIT_GROQ_BASE_URL',
    wire: openAiCompatibleWire({ maxTokensField: 'max_completion_tokens', streamUsage: false }),
    chat: openAiChatWire({ maxTokensField: 'max_completion_tokens', streamUsage: false }),
  },
  deepseek: {
    defaultModel: 'deepseek-v4-flash',
    baseUrl: 'https://api.deepseek.com',
    env: 'PERSONAKIT_DEEPSEEK_BASE_URL',
    wire: compatibleWithUsage,
    chat: compatibleChatWithUsage,
  },
  together: {
    defaultModel: 'openai/gpt-oss-120b',
    baseUrl: 'https://api.together.xyz/v1',
    env: 'PERSONAKIT_TOGETHER_BASE_URL',
    wire: compatible,
    chat: compatibleChat,
  },
  openrouter: {
    defaultModel: 'openrouter/auto',
    baseUrl: 'https://openrouter.ai/api/v1',
    env: 'PERSONAKIT_OPENROUTER_BASE_URL',
    wire: compatible,
    chat: compatibleChat,
  },
  // vLLM, Ollama, LM Studio, llama.cpp…: the request (or the persona's layers.llm) brings baseUrl and model.
  'openai-compatible': {
    defaultModel: null,
    baseUrl: null,
    env: null,
    wire: keyless(compatibleWithUsage),
    // Sends no Authorization header when the key is '' (keyless local servers).
    chat: compatibleChatWithUsage,
  },
};

/**
 * Local servers (Ollama, LM Studio, llama.cpp) need no key: with none, no Authorization header is sent
 * at all (an empty `Bearer ` is refused by some proxies in front of them).
 */
function keyless(wire: WireFormat): WireFormat {
  return {
    ...wire,
    request(req, stream, apiKey) {
      const out = wire.request(req, stream, apiKey);
      if (apiKey !== '') return out;
      const { authorization: _, ...headers } = out.headers;
      return { ...out, headers };
    },
  };
}

/** Providers that may be called without a key (the keyless servers above). */
export const KEY_OPTIONAL: ReadonlySet<string> = new Set(['openai-compatible']);

const registries = new WeakMap<Config, ReadonlyMap<string, Provider>>();

/**
 * The providers for one configuration, built once (pools are created lazily and shared by origin), so
 * the hot path only does a Map lookup.
 */
export function providersFor(config: Config): ReadonlyMap<string, Provider> {
  let registry = registries.get(config);
  if (registry) return registry;
  const map = new Map<string, Provider>([['local', localProvider]]);
  for (const [id, p] of Object.entries(presets)) {
    const baseUrl = (p.env ? config[p.env] : undefined) ?? p.baseUrl;
    const provider = httpProvider({ id, defaultModel: p.defaultModel, baseUrl }, p.wire);
    map.set(id, { ...provider, chat: chatAdapter(id, p.chat) });
  }
  registry = map;
  registries.set(config, registry);
  return registry;
}
