import { CHAT_LIMITS, ChatCompletionBody, MessageSchema } from './schemas.ts';

/**
 * The common chat request checked by hand (ADR 0060): a body this accepts is one ChatCompletionBody
 * accepts unchanged (zod's output deep-equals it), so the native path hands it on as parsed and skips
 * the schema, which was the largest single piece of a chat turn's own CPU after the JSON work. Anything
 * else (a field this does not check, a value out of range, tools, content parts) returns false and goes
 * through the schema, which also words every error: this never refuses anything.
 *
 * Field names come from the schema itself: a field added to it is "known but not checked here" until
 * this learns it, so it falls back instead of passing unchecked. Fields the schema does not name pass
 * as they do through its loose objects.
 */
const BODY_FIELDS: ReadonlySet<string> = new Set(Object.keys(ChatCompletionBody.shape));
const MESSAGE_FIELDS: ReadonlySet<string> = new Set(
  MessageSchema.options.flatMap((o) => Object.keys(o.shape)),
);
const ROLES: ReadonlySet<unknown> = new Set(['system', 'developer', 'user', 'assistant']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const numberIn = (v: unknown, min: number, max: number) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const integerIn = (v: unknown, min: number, max: number) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;

function plainMessage(m: unknown): boolean {
  if (
    !isObject(m) ||
    !ROLES.has(m.role) ||
    typeof m.content !== 'string' ||
    m.content.length > CHAT_LIMITS.text
  ) {
    return false;
  }
  for (const k in m) {
    if (k === 'role' || k === 'content') continue;
    if (k === 'name') {
      const name = m.name;
      if (typeof name !== 'string' || name.length < 1 || name.length > CHAT_LIMITS.name) return false;
    } else if (MESSAGE_FIELDS.has(k) || k === '__proto__') return false;
  }
  return true;
}

/** `{include_usage?: boolean}`, loose like the schema's. */
function plainStreamOptions(o: unknown): boolean {
  if (!isObject(o)) return false;
  for (const k in o) {
    if (k === 'include_usage' ? typeof o[k] !== 'boolean' : k === '__proto__') return false;
  }
  return true;
}

/** Whether `body` (parsed JSON) is a request ChatCompletionBody accepts as it is; false means "ask zod". */
export function isPlainChatBody(body: unknown): body is ChatCompletionBody {
  if (!isObject(body)) return false;
  const { model, messages } = body;
  if (typeof model !== 'string' || model.length < 1 || model.length > CHAT_LIMITS.model) return false;
  if (!Array.isArray(messages) || messages.length < 1 || messages.length > CHAT_LIMITS.messages) return false;
  for (const m of messages) if (!plainMessage(m)) return false;
  for (const k in body) {
    const v = body[k];
    switch (k) {
      case 'model':
      case 'messages':
        break;
      case 'stream':
        if (v !== null && typeof v !== 'boolean') return false;
        break;
      case 'enforce':
        if (typeof v !== 'boolean') return false;
        break;
      case 'temperature':
        if (v !== null && !numberIn(v, 0, 2)) return false;
        break;
      case 'top_p':
        if (v !== null && !numberIn(v, 0, 1)) return false;
        break;
      case 'max_tokens':
      case 'max_completion_tokens':
        if (v !== null && !integerIn(v, 1, CHAT_LIMITS.tokens)) return false;
        break;
      case 'n':
        if (v !== null && !integerIn(v, 1, CHAT_LIMITS.n)) return false;
        break;
      case 'stream_options':
        if (v !== null && !plainStreamOptions(v)) return false;
        break;
      case 'user':
        if (typeof v !== 'string' || v.length > CHAT_LIMITS.user) return false;
        break;
      default:
        if (BODY_FIELDS.has(k) || k === '__proto__') return false;
    }
  }
  return true;
}
