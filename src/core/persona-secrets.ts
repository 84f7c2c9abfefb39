import { invalid } from './errors.ts';
import { isJsonObject, type JsonObject } from './persona.ts';
import type { SecretBox } from './secrets.ts';

/**
 * Secrets kept inside a persona's Tavus `layers`: the custom LLM's `api_key`, the TTS provider's `api_key`
 * and every value of the custom LLM's `headers` (they usually carry credentials).
 *
 * Stored form: `layers` keeps each secret's place (so key order survives) with the value replaced by
 * REDACTED; the persona's `secrets` column holds a JSON object mapping each slot (a JSON Pointer into
 * `layers`) to its own AES-256-GCM envelope. The database therefore never holds a plaintext secret, reads
 * need no key, and a write that keeps a secret (sends REDACTED back) keeps its envelope untouched.
 */
export const REDACTED = '********';

interface Slot {
  pointer: string;
  holder: Record<string, unknown>;
  key: string;
}

const escapePointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** The secret-holding places present in `layers` (string values only). */
function slotsOf(layers: JsonObject): Slot[] {
  const slots: Slot[] = [];
  const add = (holder: unknown, key: string, pointer: string) => {
    if (isJsonObject(holder) && typeof holder[key] === 'string') slots.push({ pointer, holder, key });
  };
  const llm = layers.llm;
  add(llm, 'api_key', '/llm/api_key');
  add(layers.tts, 'api_key', '/tts/api_key');
  if (isJsonObject(llm) && isJsonObject(llm.headers)) {
    for (const name of Object.keys(llm.headers)) {
      add(llm.headers, name, `/llm/headers/${escapePointer(name)}`);
    }
  }
  return slots;
}

export function parseSecrets(secrets: string | null): Record<string, string> {
  if (!secrets) return {};
  const v: unknown = JSON.parse(secrets);
  if (!isJsonObject(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export interface SealedLayers {
  layers: JsonObject;
  secrets: string | null;
}

/**
 * Moves the secrets of `layers` into envelopes. A slot whose value is REDACTED keeps the envelope it had
 * in `previous` (the client sent back what it read); any other value is a new secret and is sealed.
 * REDACTED where there was no secret is refused: there is nothing to keep.
 */
export function sealLayers(box: SecretBox, layers: JsonObject, previous: string | null): SealedLayers {
  const out = structuredClone(layers);
  const before = parseSecrets(previous);
  const next: Record<string, string> = {};
  for (const slot of slotsOf(out)) {
    const value = slot.holder[slot.key];
    const kept = before[slot.pointer];
    if (value === REDACTED) {
      if (kept === undefined) {
        throw invalid(
          `layers${slot.pointer.replaceAll('/', '.')}`,
          'is redacted; send the real value to set it',
        );
      }
      next[slot.pointer] = kept;
    } else {
      next[slot.pointer] = box.seal(String(value), slot.pointer);
      slot.holder[slot.key] = REDACTED;
    }
  }
  return { layers: out, secrets: Object.keys(next).length > 0 ? JSON.stringify(next) : null };
}

/** `layers` with the plaintext secrets back in place, for code that calls the persona's own providers. */
export function revealLayers(box: SecretBox, layers: JsonObject, secrets: string | null): JsonObject {
  const out = structuredClone(layers);
  const sealed = parseSecrets(secrets);
  for (const slot of slotsOf(out)) {
    const envelope = sealed[slot.pointer];
    if (envelope !== undefined) slot.holder[slot.key] = box.open(envelope, slot.pointer);
  }
  return out;
}

/** One stored (slot, envelope), to check at start that the configured key opens what is stored. */
export function firstSecret(secrets: string | null): { slot: string; envelope: string } | undefined {
  const first = Object.entries(parseSecrets(secrets))[0];
  return first ? { slot: first[0], envelope: first[1] } : undefined;
}
