import { randomUUID } from 'node:crypto';
import type { Persona } from '../../src/core/persona.ts';
import { getPersona } from '../../src/core/personas.ts';
import { type Fake, type Protocol, type Recorded, startFake } from './fake-upstreams.ts';
import type { Account, Harness } from './harness.ts';

/** Every remote provider, the fake protocol it speaks, and how to read what we sent it. */
export interface RemoteSpec {
  id: string;
  protocol: Protocol;
  /** The documented default model (docs/readme/refine.md). */
  defaultModel: string | null;
  /** The env variable pointing it at its fake (null: the request brings baseUrl). */
  env: string | null;
  /** Path prefix the fake is mounted under, as the vendor's base URL has. */
  basePath: string;
  path(model: string, stream: boolean): string;
  auth(r: Recorded): string;
  system(r: Recorded): string;
  content(r: Recorded): string;
  stream(r: Recorded): boolean;
  model(r: Recorded): string;
  /** The model the answer reports: the fakes append -0001 where the vendor echoes a model. */
  answeredModel(model: string): string;
}

const bearer = (r: Recorded) => String(r.headers.authorization ?? '').replace(/^Bearer /, '');
const echo = (m: string) => `${m}-0001`;

const chat = (id: string, env: string | null, basePath: string, defaultModel: string | null): RemoteSpec => ({
  id,
  protocol: 'openai',
  defaultModel,
  env,
  basePath,
  path: () => `${basePath}/chat/completions`,
  auth: bearer,
  system: (r) => (r.body.messages[0].role === 'system' ? r.body.messages[0].content : ''),
  content: (r) => (r.body.messages[1].role === 'user' ? r.body.messages[1].content : ''),
  stream: (r) => r.body.stream === true,
  model: (r) => r.body.model,
  answeredModel: echo,
});

export const remoteSpecs: RemoteSpec[] = [
  chat('openai', 'PERSONAKIT_OPENAI_BASE_URL', '/v1', 'gpt-6.1-terra'),
  chat('mistral', 'PERSONAKIT_MISTRAL_BASE_URL', '/v1', 'mistral-medium-latest'),
  chat('groq', 'PERSONAKIT_GROQ_BASE_URL', '/openai/v1', 'openai/gpt-oss-120b'),
  chat('deepseek', 'PERSONAKIT_DEEPSEEK_BASE_URL', '', 'deepseek-v4-flash'),
  chat('together', 'PERSONAKIT_TOGETHER_BASE_URL', '/v1', 'openai/gpt-oss-120b'),
  chat('openrouter', 'PERSONAKIT_OPENROUTER_BASE_URL', '/api/v1', 'openrouter/auto'),
  chat('openai-compatible', null, '/custom/v1', null),
  {
    id: 'anthropic',
    protocol: 'anthropic',
    defaultModel: 'claude-haiku-5-5',
    env: 'PERSONAKIT_ANTHROPIC_BASE_URL',
    basePath: '',
    path: () => '/v1/messages',
    auth: (r) => String(r.headers['x-api-key'] ?? ''),
    system: (r) => r.body.system,
    content: (r) => (r.body.messages[0].role === 'user' ? r.body.messages[0].content : ''),
    stream: (r) => r.body.stream === true,
    model: (r) => r.body.model,
    answeredModel: echo,
  },
  {
    id: 'cohere',
    protocol: 'cohere',
    defaultModel: 'command-a-plus-05-2026',
    env: 'PERSONAKIT_COHERE_BASE_URL',
    basePath: '',
    path: () => '/v2/chat',
    auth: bearer,
    system: (r) => (r.body.messages[0].role === 'system' ? r.body.messages[0].content : ''),
    content: (r) => (r.body.messages[1].role === 'user' ? r.body.messages[1].content : ''),
    stream: (r) => r.body.stream === true,
    model: (r) => r.body.model,
    answeredModel: (m) => m, // v2 chat does not echo the model
  },
  {
    id: 'google',
    protocol: 'google',
    defaultModel: 'gemini-3.8-flash',
    env: 'PERSONAKIT_GOOGLE_BASE_URL',
    basePath: '',
    path: (model, stream) =>
      `/v1beta/models/${encodeURIComponent(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    auth: (r) => String(r.headers['x-goog-api-key'] ?? ''),
    system: (r) => r.body.systemInstruction.parts[0].text,
    content: (r) => (r.body.contents[0].role === 'user' ? r.body.contents[0].parts[0].text : ''),
    stream: (r) => r.path.includes(':streamGenerateContent'),
    model: (r) => decodeURIComponent(/\/models\/([^:]+):/.exec(r.path)?.[1] ?? ''),
    answeredModel: echo,
  },
];

export const specOf = (id: string): RemoteSpec => {
  const spec = remoteSpecs.find((s) => s.id === id);
  if (!spec) throw new Error(`no spec ${id}`);
  return spec;
};

export interface Fakes {
  /** provider id -> its fake */
  of(id: string): Fake;
  /** PERSONAKIT_*_BASE_URL for every preset, pointing at the fakes. */
  env: Record<string, string>;
  /** baseUrl for openai-compatible requests. */
  compatibleBaseUrl: string;
  close(): Promise<void>;
}

/** One fake server per provider (presets get their own, so each base path is checked). */
export async function startFakes(): Promise<Fakes> {
  const byId = new Map<string, Fake>();
  await Promise.all(
    remoteSpecs.map(async (s) => {
      byId.set(s.id, await startFake(s.protocol));
    }),
  );
  const of = (id: string) => {
    const f = byId.get(id);
    if (!f) throw new Error(`no fake for ${id}`);
    return f;
  };
  const env: Record<string, string> = {};
  for (const s of remoteSpecs) if (s.env) env[s.env] = `${of(s.id).origin}${s.basePath}`;
  return {
    of,
    env,
    compatibleBaseUrl: `${of('openai-compatible').origin}/custom/v1`,
    close: async () => {
      await Promise.all([...byId.values()].map((f) => f.close()));
    },
  };
}

export const marker = (label = 'text') => `${label} ${randomUUID()}`;

export async function newPersona(
  h: () => Harness,
  account: Account,
  attributes: Record<string, unknown> = { tone: 'warm', formality: 'casual' },
  name = 'Support',
): Promise<Persona> {
  const r = await h().request('POST', '/v1/personas', { account, json: { name, attributes } });
  if (r.status !== 200) throw new Error(`persona create failed: ${r.text}`);
  return personaOf(h, account, r.body.id);
}

/** The stored persona, as the core sees it (for compileSystemPrompt / checkStyle expectations). */
export function personaOf(h: () => Harness, account: Account, id: string): Promise<Persona> {
  const s = h().services;
  return getPersona({ ...s, accountId: account.accountId, keyId: 'test', log: s.log }, id);
}

export interface SseEvent {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  data: any;
}

/** Splits a whole text/event-stream body into events with JSON data. */
export function parseEvents(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      return { event, data: JSON.parse(data.join('\n')) };
    });
}

/** The request body for a remote provider, pointed at its fake. */
export function refineBody(
  spec: RemoteSpec,
  fakes: Fakes,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const body: Record<string, unknown> = { provider: spec.id, ...fields };
  if (spec.id === 'openai-compatible') {
    body.baseUrl ??= fakes.compatibleBaseUrl;
    body.model ??= 'served-model';
  }
  return body;
}
