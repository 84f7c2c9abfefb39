import { randomBytes } from 'node:crypto';
import { channelExpr } from '../jobs/pg-wake.ts';

/**
 * The wake of live subscribers on other instances (PostgreSQL, ADR 0052): every append to a conversation's
 * log sends `NOTIFY personakit_conv_<schema hash>, '<origin>:<conversation id>'` inside its transaction,
 * so it is delivered at commit (never for a rolled-back append) and, being a duplicate, once per
 * transaction. An instance listening on the channel pumps that conversation's subscribers at once; the
 * log read by seq stays the source of truth, and the poll catches whatever a lost notification missed.
 * `origin` names the store handle that appended: its own process already woke its subscribers.
 */

export const CONVERSATION_CHANNEL = channelExpr('personakit_conv_');

const origins = new WeakMap<object, string>();

/** A random name for one store handle (an instance), stable for its life. */
export function originOf(db: object): string {
  let origin = origins.get(db);
  if (!origin) {
    origin = randomBytes(6).toString('hex');
    origins.set(db, origin);
  }
  return origin;
}

/** The payload of an append's pg_notify (evaluated in its transaction: src/conversations/events.ts). */
export function notifyPayload(db: object, conversationId: string): string {
  return `${originOf(db)}:${conversationId}`;
}

/** A payload from another instance: the conversation to wake; undefined for our own or a malformed one. */
export function wakeTarget(db: object, payload: string): string | undefined {
  const at = payload.indexOf(':');
  if (at < 0 || payload.slice(0, at) === originOf(db)) return undefined;
  return payload.slice(at + 1);
}
