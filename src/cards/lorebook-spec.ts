import type { JsonObject } from '../core/persona.ts';
import type { Lorebook, LorebookEntry } from '../core/persona-card.ts';
import { bool, compact, nonEmpty, num, obj, rest, text, texts } from './coerce.ts';

/**
 * A card's `character_book` (V2 or V3 shape) ↔ the persona's Lorebook. Lenient on the way in (a book
 * without `extensions`, numbers as strings, `id` number or string, numeric SillyTavern positions), exact
 * on the way out; fields the spec does not name are kept in `extra` and written back.
 */

const bookKeys = new Set([
  'name',
  'description',
  'scan_depth',
  'token_budget',
  'recursive_scanning',
  'extensions',
  'entries',
]);

const entryKeys = new Set([
  'keys',
  'secondary_keys',
  'content',
  'extensions',
  'enabled',
  'insertion_order',
  'case_sensitive',
  'use_regex',
  'constant',
  'name',
  'priority',
  'comment',
  'id',
  'selective',
  'position',
]);

export function lorebookFromSpec(book: JsonObject): Lorebook {
  const entries = Array.isArray(book.entries) ? book.entries : [];
  return compact({
    name: nonEmpty(book.name),
    description: nonEmpty(book.description),
    scanDepth: num(book.scan_depth),
    tokenBudget: num(book.token_budget),
    recursiveScanning: bool(book.recursive_scanning),
    extensions: obj(book.extensions) ?? {},
    entries: entries.map((e) => entryFromSpec(obj(e) ?? {})),
    extra: rest(book, bookKeys),
  });
}

/**
 * An entry `position` the spec does not name (a number, as some tools write) is kept in `extra`; on export
 * it moves into the entry's extensions under this key, so the exported card stays valid, and comes back.
 */
const OTHER_POSITION = 'personakit/position';

function entryFromSpec(e: JsonObject): LorebookEntry {
  const position = e.position === 'before_char' || e.position === 'after_char' ? e.position : undefined;
  let extra = rest(e, entryKeys);
  const extensions = { ...(obj(e.extensions) ?? {}) };
  const other = e.position ?? extensions[OTHER_POSITION];
  delete extensions[OTHER_POSITION];
  if (position === undefined && other !== undefined && other !== null) extra = { ...extra, position: other };
  const id = typeof e.id === 'number' || typeof e.id === 'string' ? e.id : undefined;
  return compact({
    id,
    name: nonEmpty(e.name),
    comment: nonEmpty(e.comment),
    keys: texts(e.keys) ?? [],
    secondaryKeys: texts(e.secondary_keys),
    content: text(e.content) ?? '',
    enabled: bool(e.enabled) ?? true,
    insertionOrder: num(e.insertion_order) ?? 0,
    caseSensitive: bool(e.case_sensitive),
    // Stored as the export writes it (V3 requires the field), so a round trip gives the same entry.
    useRegex: bool(e.use_regex) ?? false,
    constant: bool(e.constant),
    selective: bool(e.selective),
    priority: num(e.priority),
    position,
    extensions,
    extra,
  });
}

/** V3 lines at the top of an entry's content: `@@decorator args`. A V2 backfill SHOULD remove them. */
const stripDecorators = (content: string) => {
  if (!content.startsWith('@@')) return content;
  const lines = content.split('\n');
  let i = 0;
  while (i < lines.length && (lines[i] as string).startsWith('@@')) i++;
  return lines.slice(i).join('\n');
};

export function lorebookToSpec(book: Lorebook, spec: 'v2' | 'v3'): JsonObject {
  return compact({
    ...book.extra,
    name: book.name,
    description: book.description,
    scan_depth: book.scanDepth,
    token_budget: book.tokenBudget,
    recursive_scanning: book.recursiveScanning,
    extensions: book.extensions ?? {},
    entries: book.entries.map((e) =>
      compact({
        ...e.extra,
        keys: e.keys,
        content: spec === 'v2' ? stripDecorators(e.content) : e.content,
        extensions:
          e.position === undefined && e.extra?.position !== undefined
            ? { ...e.extensions, [OTHER_POSITION]: e.extra.position }
            : (e.extensions ?? {}),
        enabled: e.enabled,
        insertion_order: e.insertionOrder,
        case_sensitive: e.caseSensitive,
        // V3 requires it; V2 readers (SillyTavern) keep it too.
        use_regex: e.useRegex ?? false,
        constant: e.constant,
        name: e.name,
        priority: e.priority,
        comment: e.comment,
        id: e.id,
        selective: e.selective,
        secondary_keys: e.secondaryKeys,
        position: e.position,
      }),
    ),
  });
}
