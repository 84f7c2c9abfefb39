import type { components } from '../../../client/schema.ts';
import { api, apiFetch, query } from '../api.ts';

/** The Tavus conversations contract (/v2/conversations), as the console uses it. */

// The route contract's own types (src/client/schema.ts is generated from it): no second copy to drift.
type Schemas = components['schemas'];
export type Conversation = Schemas['TavusConversation'];

export const listConversations = (
  params: { page: number; limit: number; status?: string },
  signal?: AbortSignal,
) =>
  api<{ data: Conversation[]; total_count: number }>(`/v2/conversations${query(params)}`, {
    signal,
  });

export const getConversation = (id: string, signal?: AbortSignal) =>
  api<Conversation>(`/v2/conversations/${encodeURIComponent(id)}`, { signal });

export const createConversation = (body: {
  persona_id?: string;
  require_auth?: boolean;
  conversation_name?: string;
  conversational_context?: string;
  custom_greeting?: string;
}) => api<Conversation>('/v2/conversations', { method: 'POST', json: body });

// These two answer 200 with no body: apiFetch, not api (which would parse one).
export async function endConversation(id: string): Promise<void> {
  await apiFetch(`/v2/conversations/${encodeURIComponent(id)}/end`, { method: 'POST' });
}

export type InteractionType =
  | 'conversation.respond'
  | 'conversation.echo'
  | 'conversation.interrupt'
  | 'conversation.append_llm_context'
  | 'conversation.overwrite_llm_context';

/** One interaction in Tavus's app-message envelope; its effects arrive on the event stream. */
export async function interact(
  id: string,
  type: InteractionType,
  properties: Record<string, string> = {},
): Promise<void> {
  await apiFetch(`/v2/conversations/${encodeURIComponent(id)}/events`, {
    method: 'POST',
    json: { message_type: 'conversation', event_type: type, conversation_id: id, properties },
  });
}

const TOKEN_KEY = 'personakit.meeting-token.';

/** A require_auth conversation's token, shown by the API once: kept in this tab for its chat page link. */
export function rememberMeetingToken(id: string, token: string): void {
  try {
    sessionStorage.setItem(TOKEN_KEY + id, token);
  } catch {
    // storage refused: the link then has no token
  }
}

export function meetingToken(id: string): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY + id);
  } catch {
    return null;
  }
}

/** The chat page link, with the meeting token when this tab holds it. */
export function chatPageUrl(c: Conversation): string {
  const token = meetingToken(c.conversation_id);
  if (!token) return c.conversation_url;
  const url = new URL(c.conversation_url);
  url.searchParams.set('t', token);
  return url.href;
}
