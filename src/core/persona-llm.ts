import type { Ctx } from './context.ts';
import { isJsonObject, type Persona } from './persona.ts';
import { revealLayers } from './persona-secrets.ts';

/**
 * The custom LLM a persona stores in its Tavus `layers.llm` (an OpenAI-compatible endpoint): base URL,
 * model and, decrypted, its API key. Only what is set; the key only together with the base URL it was
 * stored for, so a stored key can never be sent to another server.
 */
export interface PersonaLlm {
  baseUrl: string;
  model: string | undefined;
  apiKey: string | undefined;
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

export function personaLlm(ctx: Ctx, persona: Persona): PersonaLlm | undefined {
  const stored = persona.layers.llm;
  if (!isJsonObject(stored)) return undefined;
  const baseUrl = text(stored.base_url);
  if (baseUrl === undefined) return undefined;
  // Decrypted only when a key is stored: most personas keep none, and opening costs a cipher per call.
  let apiKey: string | undefined;
  if (persona.secrets !== null && text(stored.api_key) !== undefined) {
    const revealed = revealLayers(ctx.secrets, { llm: stored }, persona.secrets).llm;
    apiKey = isJsonObject(revealed) ? text(revealed.api_key) : undefined;
  }
  return { baseUrl, model: text(stored.model), apiKey };
}
