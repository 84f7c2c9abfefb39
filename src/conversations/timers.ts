import type { Services } from '../core/context.ts';
import type { JobRecord } from '../jobs/queue.ts';
import type { Tx } from '../storage/db.ts';
import type { ConversationRow } from '../storage/schema.ts';
import type { ConversationProperties } from './store.ts';

/**
 * The conversation timers are jobs with a run_at (so they survive a restart and run on whichever
 * instance claims them): max_call_duration from creation (Tavus default 3600 s);
 * participant_absent_timeout from creation, firing only if no participant ever joined (default 300 s);
 * participant_left_timeout from the moment the last participant left, firing only if nobody came back
 * since (enforced only when set: in text a reload or a reconnecting SSE client briefly leaves).
 * A participant is a connected page, WebSocket or SSE client (the `participants` column).
 *
 * A participant this server disconnected because it was stopping did not leave: it could not stay. Its
 * leave is recorded (the count stays true), but participant_left_timeout is not started then, since it
 * would run while the server is down and end the conversation as soon as it is back. The leave arms a
 * timer due at once instead (`afterShutdown`), which whichever instance runs next (another one, or this
 * one restarted) turns into the real countdown from that moment: the clients get the whole timeout, from
 * when a server is there again, to reconnect.
 */
export const TIMER_JOB = 'conversation.timer';

export const DEFAULT_MAX_CALL_DURATION = 3600;
export const DEFAULT_ABSENT_TIMEOUT = 300;

export type TimerKind = 'max_call_duration' | 'participant_absent_timeout' | 'participant_left_timeout';

interface TimerPayload {
  conversationId: string;
  kind: TimerKind;
  /** For the left timeout: the updated_at stamp of the leave that armed it. */
  leftAt?: string;
  /** For the left timeout: the leave was the shutdown's; when due, the countdown starts (see above). */
  afterShutdown?: boolean;
}

export async function scheduleTimers(
  services: Pick<Services, 'jobs'>,
  row: ConversationRow,
  props: ConversationProperties,
  now: Date,
  tx?: Tx,
): Promise<void> {
  const max = props.max_call_duration ?? DEFAULT_MAX_CALL_DURATION;
  const absent = props.participant_absent_timeout ?? DEFAULT_ABSENT_TIMEOUT;
  await arm(services, row.id, 'max_call_duration', new Date(now.getTime() + max * 1000), tx);
  await arm(services, row.id, 'participant_absent_timeout', new Date(now.getTime() + absent * 1000), tx);
}

async function arm(
  services: Pick<Services, 'jobs'>,
  conversationId: string,
  kind: TimerKind,
  runAt: Date,
  tx?: Tx,
  leftAt?: string,
  afterShutdown = false,
): Promise<void> {
  const payload: TimerPayload = {
    conversationId,
    kind,
    ...(leftAt !== undefined && { leftAt }),
    ...(afterShutdown && { afterShutdown }),
  };
  await services.jobs.enqueue(TIMER_JOB, payload, { runAt, maxAttempts: 5 }, tx);
}

/** A live client connected: counts as a participant (and marks the conversation joined). */
export async function participantJoined(services: Services, conversationId: string): Promise<void> {
  const stamp = services.now().toISOString();
  await services.db.kysely
    .updateTable('conversations')
    .set((eb) => ({
      participants: eb('participants', '+', 1),
      joined_at: eb.fn.coalesce('joined_at', eb.val(stamp)),
    }))
    .where('id', '=', conversationId)
    .execute();
}

/**
 * A live client left; the last one to leave arms participant_left_timeout when it is set. `shutdown`: it
 * was disconnected by this server stopping, so the countdown starts only once a server runs again.
 */
export async function participantLeft(
  services: Services,
  conversationId: string,
  cause: 'client' | 'shutdown' = 'client',
): Promise<void> {
  const now = services.now();
  const stamp = now.toISOString();
  await services.db.kysely.transaction().execute(async (tx) => {
    await tx
      .updateTable('conversations')
      .set((eb) => ({ participants: eb('participants', '-', 1), updated_at: stamp }))
      .where('id', '=', conversationId)
      .where('participants', '>', 0)
      .execute();
    const row = await tx
      .selectFrom('conversations')
      .select(['participants', 'status', 'fields'])
      .where('id', '=', conversationId)
      .executeTakeFirst();
    if (!row || row.status !== 'active' || Number(row.participants) > 0) return;
    const left = leftTimeout(row.fields);
    if (left === undefined) return;
    const shutdown = cause === 'shutdown';
    const runAt = shutdown ? now : new Date(now.getTime() + left * 1000);
    await arm(services, conversationId, 'participant_left_timeout', runAt, tx, stamp, shutdown);
  });
}

function leftTimeout(fields: string): number | undefined {
  const left = (JSON.parse(fields) as { properties?: ConversationProperties }).properties
    ?.participant_left_timeout;
  return typeof left === 'number' ? left : undefined;
}

/** Runs a due timer: ends the conversation when its condition still holds. */
export async function runTimer(
  services: Services,
  job: JobRecord,
  end: (id: string, reason: string) => Promise<boolean>,
): Promise<void> {
  const p = job.payload as TimerPayload;
  const row = await services.db.kysely
    .selectFrom('conversations')
    .select(['status', 'participants', 'joined_at', 'updated_at', 'fields'])
    .where('id', '=', p.conversationId)
    .executeTakeFirst();
  if (!row || row.status !== 'active') return;
  if (p.kind === 'participant_absent_timeout' && row.joined_at !== null) return;
  if (
    p.kind === 'participant_left_timeout' &&
    (Number(row.participants) > 0 || row.updated_at !== p.leftAt)
  ) {
    return;
  }
  if (p.afterShutdown) {
    // A server runs again (this one): the participants left by the shutdown get the whole timeout from now.
    // The same leftAt, so that anyone joining and leaving meanwhile still supersedes it.
    const left = leftTimeout(row.fields);
    if (left === undefined) return;
    const runAt = new Date(services.now().getTime() + left * 1000);
    await arm(services, p.conversationId, 'participant_left_timeout', runAt, undefined, p.leftAt);
    return;
  }
  await end(p.conversationId, `${p.kind} reached`);
}
