import { resolveOutboundUrl } from '../net/outbound-url.ts';
import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';

/**
 * What a generation request names that the operator's upstream will act on with the operator's key.
 * Unknown fields are forwarded (resellers add their own), so the whole body is inspected, at every depth:
 * - every clip id (a field named `…clip_id`, `…clip_ids`, `…ClipId`…) must be the caller's clip, and
 *   every task id the caller's task; any other id-named field is refused, since personakit cannot tell
 *   whose it is (the persona is the top-level `persona_id`, checked by the route);
 * - every string that starts like a URL (`scheme://`), and every callback-named field, must be a public
 *   http(s) URL: the upstream may call it from inside the operator's network.
 * One pass, linear in the body (bounded at 1 MiB and 64 levels by the JSON guard).
 */
export interface NamedInBody {
  clipIds: [field: string, id: string][];
  taskIds: [field: string, id: string][];
  urls: [field: string, url: string][];
}

/** At most this many URLs are resolved for one request (each may take a DNS lookup). */
export const MAX_URLS = 20;
const MAX_DEPTH = 64;

/** callBackUrl, callback_url, webhook_url, notify_url…: the names resellers give the URL they call back. */
const callbackField = /^(call_?back|web_?hook|notify)_?url$/i;
/** `scheme://` at the start: anchored, with a bounded run, so it cannot backtrack. */
const urlStart = /^[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\//;

type IdKind = 'clip' | 'task' | 'other';

/** The kind of id a field name holds, or undefined for fields that hold no id. */
function idKind(key: string): IdKind | undefined {
  const lower = key.toLowerCase();
  const isId =
    lower === 'id' ||
    lower === 'ids' ||
    lower.endsWith('_id') ||
    lower.endsWith('_ids') ||
    lower.endsWith('-id') ||
    lower.endsWith('-ids') ||
    key.endsWith('Id') ||
    key.endsWith('Ids') ||
    key.endsWith('ID');
  if (!isId) return undefined;
  if (lower.includes('clip')) return 'clip';
  if (lower.includes('task')) return 'task';
  return 'other';
}

export function inspectGenerationBody(body: Record<string, unknown>): NamedInBody {
  const named: NamedInBody = { clipIds: [], taskIds: [], urls: [] };
  const idValue = (kind: IdKind, field: string, v: unknown) => {
    if (v === null || v === undefined || v === '') return;
    if (kind === 'other') {
      throw new AppError(
        'invalid',
        `${field}: personakit forwards clip and task ids of your account only, and cannot check this one`,
        { field },
      );
    }
    if (typeof v !== 'string') throw new AppError('invalid', `${field}: must be a string id`, { field });
    (kind === 'clip' ? named.clipIds : named.taskIds).push([field, v]);
  };
  const walk = (v: unknown, field: string, depth: number, kind: IdKind | undefined, callback: boolean) => {
    if (depth > MAX_DEPTH) throw new AppError('invalid', `${field}: nested too deeply`, { field });
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, `${field}.${i}`, depth + 1, kind, callback);
      });
      return;
    }
    if (kind !== undefined) return idValue(kind, field, v);
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const path = field === '' ? k : `${field}.${k}`;
        if (depth === 0 && k === 'persona_id') continue;
        walk(x, path, depth + 1, idKind(k), callbackField.test(k));
      }
      return;
    }
    if (callback && typeof v !== 'string') {
      throw new AppError('invalid', `${field}: must be a URL`, { field });
    }
    if (typeof v === 'string' && (callback || urlStart.test(v.trimStart()))) {
      if (named.urls.length >= MAX_URLS) {
        throw new AppError('invalid', `${field}: at most ${MAX_URLS} URLs per request`, { field });
      }
      named.urls.push([field, v.trim()]);
    }
  };
  walk(body, '', 0, undefined, false);
  return named;
}

/**
 * Every URL named must be public (or allow-listed), as every request-supplied URL. personakit never calls
 * them itself, so DNS may still change before the upstream does; refusing private targets is what can be
 * done here.
 */
export async function checkNamedUrls(ctx: Ctx, named: NamedInBody): Promise<void> {
  for (const [field, url] of named.urls) {
    await resolveOutboundUrl(url, ctx.config.PERSONAKIT_ALLOWED_HOSTS, field);
  }
}
