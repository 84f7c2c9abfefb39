import type { Ctx } from '../../core/context.ts';
import { AppError } from '../../core/errors.ts';
import { isJsonObject } from '../../core/persona.ts';
import { resolveOutboundUrl } from '../../net/outbound-url.ts';

/**
 * `layers.llm.base_url` names a server that a persona's LLM calls would be sent to: a request-supplied
 * URL like /v1/refine's baseUrl. It is checked when written (a DNS lookup included, so a host name that
 * resolves to a private address is refused like the address itself): private, loopback, link-local,
 * metadata, IPv6-mapped and other non-public targets are a 400 unless PERSONAKIT_ALLOWED_HOSTS lists
 * them. Nothing in personakit calls it yet; whatever does must resolve it again with resolveOutboundUrl
 * and connect through pinnedTarget, because DNS may answer differently by then (rebinding).
 */
export const BASE_URL_FIELD = 'layers.llm.base_url';

/** The base URL in a persona's layers (as sent or as stored), if it is a non-empty string. */
export function baseUrlOf(layers: unknown): string | undefined {
  const llm = isJsonObject(layers) ? layers.llm : undefined;
  const url = isJsonObject(llm) ? llm.base_url : undefined;
  return typeof url === 'string' && url !== '' ? url : undefined;
}

export async function checkBaseUrl(ctx: Ctx, url: string | undefined): Promise<void> {
  if (url !== undefined) await resolveOutboundUrl(url, ctx.config.PERSONAKIT_ALLOWED_HOSTS, BASE_URL_FIELD);
}

/**
 * For PATCH: the URL is checked before the write transaction (a DNS lookup must not hold the store's
 * lock), so the transaction only accepts a base URL that was checked or is unchanged. A concurrent patch
 * that swapped the URL in between makes this one a 409, to be retried.
 */
export function assertChecked(before: unknown, after: unknown, checked: string | undefined): void {
  const url = baseUrlOf(after);
  if (url === undefined || url === baseUrlOf(before) || url === checked) return;
  throw new AppError('conflict', 'The persona changed while this patch was checked; retry the request');
}
