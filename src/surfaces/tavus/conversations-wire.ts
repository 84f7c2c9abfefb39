import { callbackEvents, transcriptOf } from '../../conversations/callbacks.ts';
import type { Services } from '../../core/context.ts';
import type { ConversationRow } from '../../storage/schema.ts';

/** The conversation object as Tavus returns it; conversation_url points at this server's chat page. */
export function conversationUrl(config: Services['config'], origin: string, row: ConversationRow): string {
  const base = (config.PERSONAKIT_PUBLIC_URL ?? origin).replace(/\/+$/, '');
  return `${base}/c/${row.id}`;
}

export function conversationWire(services: Services, origin: string, row: ConversationRow) {
  return {
    conversation_id: row.id,
    conversation_name: row.name,
    conversation_url: conversationUrl(services.config, origin, row),
    status: row.status === 'ended' ? ('ended' as const) : ('active' as const),
    callback_url: row.callback_url ?? '',
    replica_id: row.replica_id,
    persona_id: row.persona_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export async function verboseWire(services: Services, origin: string, row: ConversationRow) {
  return {
    ...conversationWire(services, origin, row),
    shutdown_reason: row.shutdown_reason,
    transcript: (await transcriptOf(services, row)) as unknown as Record<string, unknown>[],
    events: (await callbackEvents(services, row)) as Record<string, unknown>[],
  };
}

/** The origin a request came to (the default of PERSONAKIT_PUBLIC_URL). */
export const originOf = (url: string) => new URL(url).origin;
