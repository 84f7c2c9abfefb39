import { clipIdPattern, pendingUpstreamClips, recordUpstreamClips, type UpstreamClip } from './clips.ts';
import type { Ctx } from './context.ts';
import { AppError, notFound } from './errors.ts';
import type { SunoUpstream, UpstreamReply } from './suno-upstream.ts';

/**
 * Upstream generation tasks. A generation's answer names a task; personakit records it for the account
 * that started it, so only that account can poll it (`GET /suno/fetch/{task_id}`, forwarded to the same
 * path upstream, the route the Suno proxies document). The clips a task answer lists are recorded in the
 * account's store as they progress, so `GET /suno/feed/{ids}` and persona creation see them.
 */

/** Upstream task ids: URL-path-safe, bounded. */
export const taskIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;

/** At most this many clips are recorded from one answer (Suno makes two per task). */
const MAX_CLIPS_PER_ANSWER = 50;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The task id of a generation answer: `data` as a string (CometAPI-style), `data.task_id` or `task_id`. */
export function taskIdOf(answer: unknown): string | undefined {
  if (!isObject(answer)) return undefined;
  const data = answer.data;
  const found = [data, isObject(data) ? data.task_id : undefined, answer.task_id].find(
    (v) => typeof v === 'string',
  );
  return typeof found === 'string' && taskIdPattern.test(found) ? found : undefined;
}

/** The clip objects of an answer: `data.data[]` (task polling), `data[]`, `clips[]` or `data.clips[]`. */
export function clipsOf(answer: unknown): UpstreamClip[] {
  if (!isObject(answer)) return [];
  const data = answer.data;
  const lists = [
    isObject(data) ? data.data : undefined,
    data,
    answer.clips,
    isObject(data) ? data.clips : undefined,
  ];
  const list = lists.find((l): l is unknown[] => Array.isArray(l)) ?? [];
  return list.slice(0, MAX_CLIPS_PER_ANSWER).flatMap((c) => {
    const clip = toUpstreamClip(c);
    return clip ? [clip] : [];
  });
}

const str = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');
/** URLs from the upstream are stored, never fetched; only http(s) ones are kept. */
const url = (v: unknown) => {
  const s = str(v, 2048);
  return s.startsWith('https://') || s.startsWith('http://') ? s : '';
};

function toUpstreamClip(c: unknown): UpstreamClip | undefined {
  if (!isObject(c) || typeof c.id !== 'string' || !clipIdPattern.test(c.id)) return undefined;
  const meta = isObject(c.metadata) ? c.metadata : {};
  const duration = [meta.duration, c.duration].find((d) => typeof d === 'number' && d >= 0);
  const createdAt = typeof c.created_at === 'string' ? Date.parse(c.created_at) : Number.NaN;
  return {
    id: c.id,
    title: str(c.title, 500),
    audioUrl: url(c.audio_url),
    videoUrl: url(c.video_url),
    imageUrl: url(c.image_url),
    imageLargeUrl: url(c.image_large_url),
    majorModelVersion: str(c.major_model_version, 50),
    modelName: str(c.model_name, 100),
    tags: str(meta.tags ?? c.tags, 1000),
    prompt: str(meta.prompt ?? c.prompt, 20_000),
    duration: typeof duration === 'number' ? duration : null,
    status: str(c.status, 50) || 'submitted',
    isPublic: c.is_public === true,
    createdAt: Number.isFinite(createdAt) ? new Date(createdAt).toISOString() : undefined,
  };
}

/**
 * Records the task a generation answer names for the caller, and the clips it lists. A task id already
 * recorded for another account (which a real upstream never answers twice) is left to that account.
 */
export async function recordGeneration(ctx: Ctx, answer: unknown): Promise<void> {
  const taskId = taskIdOf(answer);
  if (taskId === undefined) return;
  await ctx.db.kysely
    .insertInto('suno_tasks')
    .values({ task_id: taskId, account_id: ctx.accountId, created_at: ctx.now().toISOString() })
    .onConflict((oc) => oc.column('task_id').doNothing())
    .execute();
  if (await ownsTask(ctx, taskId)) await recordUpstreamClips(ctx, taskId, clipsOf(answer));
}

async function ownsTask(ctx: Ctx, taskId: string): Promise<boolean> {
  const row = await ctx.db.kysely
    .selectFrom('suno_tasks')
    .select('account_id')
    .where('task_id', '=', taskId)
    .executeTakeFirst();
  return row?.account_id === ctx.accountId;
}

/** `[field, id]`: every task id must be one the caller started (404 naming the field otherwise). */
export async function checkOwnTaskIds(
  ctx: Ctx,
  named: readonly (readonly [string, string])[],
): Promise<void> {
  for (const [field, id] of named) {
    if (!(await ownsTask(ctx, id)))
      throw new AppError('not_found', `${field}: task ${id} not found`, { field });
  }
}

/**
 * Polls one of the caller's tasks upstream and records the clips it lists; the upstream's answer comes
 * back as is (without the operator's key). Another account's task is "not found", like a missing one.
 */
export async function fetchTask(ctx: Ctx, upstream: SunoUpstream, taskId: string): Promise<UpstreamReply> {
  if (!(await ownsTask(ctx, taskId))) throw notFound(`Task ${taskId}`);
  const reply = await upstream.getJson(`/suno/fetch/${encodeURIComponent(taskId)}`);
  await recordUpstreamClips(ctx, taskId, clipsOf(reply.body));
  return reply;
}

/** At most this many tasks are polled for one feed request. */
const MAX_TASKS_PER_FEED = 10;

/**
 * Brings the caller's clips among `ids` that are still being generated up to date by polling their
 * tasks. The feed is a read of the store: when the upstream fails, the clips keep their last recorded
 * state (logged), rather than failing the read.
 */
export async function refreshPendingClips(ctx: Ctx, upstream: SunoUpstream, ids: string[]): Promise<void> {
  if (!upstream.configured) return;
  const tasks = [...new Set((await pendingUpstreamClips(ctx, ids)).map((p) => p.taskId))];
  for (const taskId of tasks.slice(0, MAX_TASKS_PER_FEED)) {
    try {
      const reply = await upstream.getJson(`/suno/fetch/${encodeURIComponent(taskId)}`);
      await recordUpstreamClips(ctx, taskId, clipsOf(reply.body));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      ctx.log.warn({ taskId, code: err.code }, 'suno feed: polling the upstream task failed');
    }
  }
}
