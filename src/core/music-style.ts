import type { JsonObject } from './persona.ts';

/**
 * A music persona's style is the merged tags of its clips. It is stored in the persona's `attributes`
 * under one key whose line reads as a style guide ("music_style: electronic pop, synthwave"), so /v1 and
 * /v2 reads show it, /v1/refine can use it, and an edit through /v1 changes what generation sends.
 */
export const MUSIC_STYLE_KEY = 'music_style';

/** Suno's tags field is short; a persona's style keeps its most frequent tags only. */
export const MAX_STYLE_TAGS = 20;

export function splitTags(tags: string | undefined): string[] {
  if (!tags) return [];
  return tags
    .split(',')
    .map((t) => t.trim().replace(/\s+/g, ' '))
    .filter((t) => t.length > 0);
}

/**
 * Tags of all clips, most frequent first, ties in order of first appearance. Tags compare
 * case-insensitively; the first spelling seen is kept.
 */
export function mergeClipTags(clipTags: string[], max = MAX_STYLE_TAGS): string[] {
  const seen = new Map<string, { tag: string; count: number; first: number }>();
  let order = 0;
  for (const tags of clipTags) {
    for (const tag of splitTags(tags)) {
      const key = tag.toLowerCase();
      const entry = seen.get(key);
      if (entry) entry.count++;
      else seen.set(key, { tag, count: 1, first: order++ });
    }
  }
  return [...seen.values()]
    .sort((a, b) => b.count - a.count || a.first - b.first)
    .slice(0, max)
    .map((e) => e.tag);
}

export function styleAttributes(tags: string[]): JsonObject {
  return tags.length > 0 ? { [MUSIC_STYLE_KEY]: tags.join(', ') } : {};
}

/** The persona's style tags as currently stored (possibly edited through /v1 or /v2). */
export function styleTagsOf(attributes: JsonObject): string[] {
  const style = attributes[MUSIC_STYLE_KEY];
  if (typeof style === 'string') return splitTags(style);
  if (Array.isArray(style)) return style.filter((t): t is string => typeof t === 'string').flatMap(splitTags);
  return [];
}

/**
 * The request's own tags first, kept verbatim (they describe this song; Suno weighs earlier tags more),
 * then the persona's tags not already among them and not excluded by the request's negative_tags.
 */
export function mergeRequestTags(
  own: string | undefined,
  style: string[],
  negative: string | undefined,
): string {
  const present = new Set(splitTags(own).map((t) => t.toLowerCase()));
  const excluded = new Set(splitTags(negative).map((t) => t.toLowerCase()));
  const added: string[] = [];
  for (const tag of style) {
    const key = tag.toLowerCase();
    if (present.has(key) || excluded.has(key)) continue;
    present.add(key);
    added.push(tag);
  }
  const base = (own ?? '').trim().replace(/,\s*$/, '');
  return [base, ...added].filter((t) => t.length > 0).join(', ');
}
