import { checkOwnClipIds } from './clips.ts';
import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';
import { ensureUpstreamPersona, getMusicPersona } from './music-personas.ts';
import { checkNamedUrls, inspectGenerationBody } from './music-request-guard.ts';
import { mergeRequestTags, styleTagsOf } from './music-style.ts';
import { checkOwnTaskIds, recordGeneration } from './music-tasks.ts';
import { NOT_CONFIGURED, type SunoUpstream, type UpstreamReply } from './suno-upstream.ts';

/** A Suno generation request through a persona; every field besides these is passed through untouched. */
export interface GenerateRequest extends Record<string, unknown> {
  persona_id: string;
  task?: string | undefined;
  artist_clip_id?: string | undefined;
  tags?: string | undefined;
  negative_tags?: string | undefined;
}

/**
 * What is sent upstream: the caller's request with the persona's style merged into `tags`, the persona's
 * root clip as `artist_clip_id` unless the caller chose one, `task` defaulting to artist_consistency, and
 * `persona_id` replaced by the persona's upstream id (created upstream first if it has none yet): the
 * upstream knows only its own ids. Every clip, task and URL the request names is checked first.
 */
export async function prepareGeneration(
  ctx: Ctx,
  upstream: SunoUpstream,
  req: GenerateRequest,
): Promise<Record<string, unknown>> {
  const named = inspectGenerationBody(req);
  const mp = await getMusicPersona(ctx, req.persona_id, 'use');
  // The root clip is the caller's (the persona is), but it must be no other account's either.
  const root: [string, string][] = req.artist_clip_id === undefined ? [['persona_id', mp.rootClipId]] : [];
  await checkOwnClipIds(ctx, [...named.clipIds, ...root]);
  await checkOwnTaskIds(ctx, named.taskIds);
  await checkNamedUrls(ctx, named);
  const upstreamPersonaId = await ensureUpstreamPersona(ctx, upstream, mp);
  return {
    ...req,
    task: req.task ?? 'artist_consistency',
    persona_id: upstreamPersonaId,
    artist_clip_id: req.artist_clip_id ?? mp.rootClipId,
    tags: mergeRequestTags(req.tags, styleTagsOf(mp.persona.attributes), req.negative_tags),
  };
}

/**
 * Checks and prepares the request, forwards it to the operator's upstream at the same path, and records
 * the task (and any clips) the answer names for the caller.
 */
export async function generateWithPersona(
  ctx: Ctx,
  upstream: SunoUpstream,
  path: string,
  req: GenerateRequest,
): Promise<UpstreamReply> {
  // Say how to configure an upstream before anything else: without one no request can succeed.
  if (!upstream.configured) throw new AppError('not_implemented', NOT_CONFIGURED);
  const body = await prepareGeneration(ctx, upstream, req);
  const reply = await upstream.postJson(path, body);
  await recordGeneration(ctx, reply.body);
  return reply;
}
