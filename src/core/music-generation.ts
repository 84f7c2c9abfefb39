import { resolveOutboundUrl } from '../net/outbound-url.ts';
import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';
import { getMusicPersona } from './music-personas.ts';
import { mergeRequestTags, styleTagsOf } from './music-style.ts';
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
 * `persona_id` replaced by the persona's upstream id when it has one.
 */
export async function prepareGeneration(ctx: Ctx, req: GenerateRequest): Promise<Record<string, unknown>> {
  const mp = await getMusicPersona(ctx, req.persona_id, 'use');
  return {
    ...req,
    task: req.task ?? 'artist_consistency',
    persona_id: mp.upstreamPersonaId ?? mp.persona.id,
    artist_clip_id: req.artist_clip_id ?? mp.rootClipId,
    tags: mergeRequestTags(req.tags, styleTagsOf(mp.persona.attributes), req.negative_tags),
  };
}

/** Checks and prepares the request, then forwards it to the operator's upstream at the same path. */
export async function generateWithPersona(
  ctx: Ctx,
  upstream: SunoUpstream,
  path: string,
  req: GenerateRequest,
): Promise<UpstreamReply> {
  // Say how to configure an upstream before anything else: without one no request can succeed.
  if (!upstream.configured) throw new AppError('not_implemented', NOT_CONFIGURED);
  await checkCallbackUrls(ctx, req);
  const body = await prepareGeneration(ctx, req);
  return upstream.postJson(path, body);
}

/** callBackUrl, callback_url, webhook_url, notify_url…: the names resellers give the URL they call back. */
const callbackField = /^(call_?back|web_?hook|notify)_?url$/i;

/**
 * Unknown fields are forwarded, so a callback URL that the operator's upstream will call comes from the
 * caller: an upstream inside the operator's network would then call an internal address for a tenant.
 * Such URLs must be public (or allow-listed), as every request-supplied URL. personakit never calls them
 * itself, so DNS may still change before the upstream does; refusing private targets here is what can
 * be done.
 */
async function checkCallbackUrls(ctx: Ctx, req: GenerateRequest): Promise<void> {
  for (const [field, value] of Object.entries(req)) {
    if (!callbackField.test(field)) continue;
    if (typeof value !== 'string') throw new AppError('invalid', `${field}: must be a URL`, { field });
    await resolveOutboundUrl(value, ctx.config.PERSONAKIT_ALLOWED_HOSTS, field);
  }
}
