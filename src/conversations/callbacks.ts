import type { Services } from '../core/context.ts';
import { CALLBACK_ATTEMPTS, CALLBACK_JOB } from '../knowledge/callbacks.ts';
import type { Tx } from '../storage/db.ts';
import type { ConversationRow } from '../storage/schema.ts';
import { type Envelope, readEvents } from './events.ts';

/**
 * Tavus's conversation callbacks (system.replica_joined, system.shutdown, application.transcription_ready)
 * in the envelope its webhooks page shows. They go out through the knowledge callbacks' job
 * ('knowledge.callback': a URL and a body, POSTed through the outbound-URL guard, retried with backoff,
 * signed with PERSONAKIT_WEBHOOK_SECRET), enqueued in the transaction that caused them.
 */

export interface TranscriptEntry {
  role: 'user' | 'assistant';
  content: string;
  timestamp: number;
  seconds_from_start: number;
  duration: number;
  inference_id?: string;
}

const TRANSCRIPT_EVENTS = 100_000;

export function callbackBody(
  row: ConversationRow,
  messageType: 'system' | 'application',
  eventType: string,
  properties: Record<string, unknown>,
  at: Date,
) {
  return {
    properties: { replica_id: row.replica_id ?? '', ...properties },
    conversation_id: row.id,
    webhook_url: row.callback_url ?? '',
    event_type: eventType,
    message_type: messageType,
    timestamp: at.toISOString(),
  };
}

async function enqueue(services: Pick<Services, 'jobs'>, row: ConversationRow, body: unknown, tx?: Tx) {
  if (!row.callback_url) return;
  await services.jobs.enqueue(
    CALLBACK_JOB,
    { url: row.callback_url, body: JSON.stringify(body) },
    { maxAttempts: CALLBACK_ATTEMPTS, accountId: row.account_id },
    tx,
  );
}

export async function enqueueSystemCallback(
  services: Pick<Services, 'jobs' | 'now'>,
  row: ConversationRow,
  eventType: string,
  properties: Record<string, unknown>,
  tx?: Tx,
): Promise<void> {
  await enqueue(services, row, callbackBody(row, 'system', eventType, properties, services.now()), tx);
}

/** At the end: system.shutdown, then application.transcription_ready with the whole transcript. */
export async function enqueueShutdownCallbacks(
  services: Pick<Services, 'jobs' | 'now' | 'db'>,
  row: ConversationRow,
  tx?: Tx,
): Promise<void> {
  if (!row.callback_url) return;
  const now = services.now();
  await enqueue(
    services,
    row,
    callbackBody(row, 'system', 'system.shutdown', { shutdown_reason: row.shutdown_reason ?? '' }, now),
    tx,
  );
  const transcript = await transcriptOf(services, row, tx);
  await enqueue(
    services,
    row,
    callbackBody(row, 'application', 'application.transcription_ready', { transcript }, now),
    tx,
  );
}

/**
 * The transcript from the log: each final utterance, the replica's as `assistant` (Tavus's callback
 * roles), with when it started, its offset from the conversation's creation and how long it took (the
 * replica's stopped_speaking duration; 0 for typed user turns).
 */
export async function transcriptOf(
  services: Pick<Services, 'db'>,
  row: ConversationRow,
  tx?: Tx,
): Promise<TranscriptEntry[]> {
  const db = tx ? { ...services.db, kysely: tx } : services.db;
  const events = await readEvents(db, row.id, 0, TRANSCRIPT_EVENTS);
  const durations = new Map<string, number>();
  for (const { envelope: e } of events) {
    if (e.event_type === 'conversation.stopped_speaking' && e.inference_id) {
      const d = e.properties?.duration;
      if (typeof d === 'number') durations.set(e.inference_id, d);
    }
  }
  const start = Date.parse(row.created_at) / 1000;
  const out: TranscriptEntry[] = [];
  for (const { envelope: e } of events) {
    if (e.event_type !== 'conversation.utterance') continue;
    const role = e.properties?.role === 'user' ? 'user' : 'assistant';
    const entry: TranscriptEntry = {
      role,
      content: String(e.properties?.speech ?? ''),
      timestamp: e.timestamp,
      seconds_from_start: Math.max(0, Math.round((e.timestamp - start) * 100) / 100),
      duration: (e.inference_id && durations.get(e.inference_id)) || 0,
    };
    if (role === 'assistant' && e.inference_id) entry.inference_id = e.inference_id;
    out.push(entry);
  }
  return out;
}

/** For GET ?verbose=true: the callback payloads of this conversation so far, as Tavus lists them. */
export async function callbackEvents(services: Pick<Services, 'db'>, row: ConversationRow) {
  const fields = JSON.parse(row.fields) as { test_mode?: boolean };
  const out: unknown[] = [];
  const created = new Date(row.created_at);
  if (fields.test_mode !== true) {
    out.push(callbackBody(row, 'system', 'system.replica_joined', {}, created));
  }
  if (row.status === 'ended' && fields.test_mode !== true) {
    const at = new Date(row.ended_at ?? row.updated_at);
    out.push(
      callbackBody(row, 'system', 'system.shutdown', { shutdown_reason: row.shutdown_reason ?? '' }, at),
    );
    out.push(
      callbackBody(
        row,
        'application',
        'application.transcription_ready',
        {
          transcript: await transcriptOf(services, row),
        },
        at,
      ),
    );
  }
  return out;
}

export type { Envelope };
