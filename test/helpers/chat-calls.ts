import { testConfig } from '../../src/config.ts';
import { AppError } from '../../src/core/errors.ts';
import type { ConverseDelta, ConverseRequest, ConverseResult } from '../../src/providers/chat-types.ts';
import { providersFor } from '../../src/providers/registry.ts';
import { trustedTarget } from '../../src/providers/transport.ts';
import type { Call, Provider } from '../../src/providers/types.ts';
import type { ChatFake } from './fake-chat-upstream.ts';

/** Calls a provider's chat adapter straight, against a fake upstream, as the chat engine does. */

const envOf: Record<string, string> = {
  openai: 'PERSONAKIT_OPENAI_BASE_URL',
  mistral: 'PERSONAKIT_MISTRAL_BASE_URL',
  groq: 'PERSONAKIT_GROQ_BASE_URL',
  deepseek: 'PERSONAKIT_DEEPSEEK_BASE_URL',
  together: 'PERSONAKIT_TOGETHER_BASE_URL',
  openrouter: 'PERSONAKIT_OPENROUTER_BASE_URL',
  anthropic: 'PERSONAKIT_ANTHROPIC_BASE_URL',
  cohere: 'PERSONAKIT_COHERE_BASE_URL',
  google: 'PERSONAKIT_GOOGLE_BASE_URL',
};

/**
 * The registry's provider `id` with its base URL pointed at the fake (keeping the vendor's path prefix),
 * and a Call to it. `openai-compatible` has no default target: it gets the fake with `prefix`.
 */
export function providerAt(id: string, fake: ChatFake, prefix = '', signal?: AbortSignal) {
  const env = envOf[id];
  const config = testConfig(env ? { [env]: `${fake.origin}${prefix}` } : {});
  const provider = providersFor(config).get(id) as Provider;
  const target = provider.defaultTarget ?? trustedTarget(`${fake.origin}${prefix}`);
  const call: Call = {
    target,
    apiKey: fake.key,
    signal: signal ?? new AbortController().signal,
    timeoutMs: 5000,
  };
  const chat = provider.chat;
  if (!chat) throw new Error(`${id} has no chat adapter`);
  return { provider, call, chat };
}

export async function converse(
  id: string,
  fake: ChatFake,
  req: ConverseRequest,
  prefix = '',
): Promise<ConverseResult> {
  const { chat, call } = providerAt(id, fake, prefix);
  return chat.converse(call, req);
}

/** Streams a request, collecting every delta the adapter passed on. */
export async function streamed(id: string, fake: ChatFake, req: ConverseRequest, prefix = '') {
  const { chat, call } = providerAt(id, fake, prefix);
  const deltas: ConverseDelta[] = [];
  const stream = await chat.openConverse(call, req);
  const result = await stream.read((d) => {
    deltas.push(d);
    return undefined;
  });
  return { result, deltas };
}

/** The AppError a promise rejects with (fails the test when it resolves or throws something else). */
export async function appError(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError, got an answer');
}

/** The texts of a stream's text deltas, in order. */
export const textsOf = (deltas: ConverseDelta[]) =>
  deltas.flatMap((d) => (d.type === 'text' ? [d.text] : []));
