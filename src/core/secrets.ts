import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from './errors.ts';

/**
 * AES-256-GCM (node:crypto) for the few secrets a persona must keep, such as a custom LLM's API key. Each
 * value is sealed on its own with a fresh 96-bit nonce, and the slot it belongs to (e.g. `/llm/api_key`)
 * is authenticated data: an envelope moved to another slot does not open. Envelope text:
 * `v1.<nonce>.<ciphertext>.<tag>`, each part base64url.
 */
export const KEY_BYTES = 32;
const ENVELOPE_VERSION = 'v1';
const NONCE_BYTES = 12;

export interface SecretBox {
  /** False when no key is configured (PostgreSQL without PERSONAKIT_ENCRYPTION_KEY): nothing can be sealed. */
  readonly enabled: boolean;
  seal(plaintext: string, slot: string): string;
  /** Throws when the envelope was not sealed with this key for this slot. */
  open(envelope: string, slot: string): string;
}

export const MISSING_KEY_MESSAGE =
  'Persona secrets cannot be stored: set PERSONAKIT_ENCRYPTION_KEY (32 bytes, base64 or hex) on this server';

export function createSecretBox(key: Buffer | null): SecretBox {
  if (key && key.length !== KEY_BYTES) throw new Error(`encryption key must be ${KEY_BYTES} bytes`);
  return {
    enabled: key !== null,
    seal(plaintext, slot) {
      if (!key) throw new AppError('unavailable', MISSING_KEY_MESSAGE);
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(slot, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [nonce, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'));
      return [ENVELOPE_VERSION, ...parts].join('.');
    },
    open(envelope, slot) {
      if (!key) throw new AppError('unavailable', MISSING_KEY_MESSAGE);
      const [version, nonce, ciphertext, tag, ...rest] = envelope.split('.');
      if (version !== ENVELOPE_VERSION || !nonce || ciphertext === undefined || !tag || rest.length > 0) {
        throw new Error('not a persona secret envelope');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(slot, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
      return plain.toString('utf8');
    },
  };
}

export const newEncryptionKey = () => randomBytes(KEY_BYTES);

/** A 32-byte key written as 64 hex digits or as base64 / base64url; null when it is neither. */
export function parseEncryptionKey(text: string): Buffer | null {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) return null;
  const key = Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64');
  return key.length === KEY_BYTES ? key : null;
}
