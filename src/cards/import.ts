import type { Ctx } from '../core/context.ts';
import { isJsonObject, type Persona, type PersonaFields } from '../core/persona.ts';
import { createPersona, deletePersona } from '../core/personas.ts';
import { notACard } from './card-errors.ts';
import { parseCardJson } from './card-json.ts';
import { type CardSpec, cardToPersona } from './card-to-persona.ts';
import { isZip, readCharx } from './charx.ts';
import { type CardFile, mediaTypeOf, saveCardFiles } from './images.ts';
import { compileRegexKey } from './key-match.ts';
import { isPng, takeTextChunks } from './png.ts';

export type CardFormat = 'png' | 'json' | 'charx';

export interface ParsedCard {
  format: CardFormat;
  spec: CardSpec;
  fields: PersonaFields;
  files: CardFile[];
  warnings: string[];
}

/** The PNG text chunks a card lives in (keywords are matched case-insensitively, as SillyTavern does). */
export const isCardKeyword = (k: string) => {
  const l = k.toLowerCase();
  return l === 'ccv3' || l === 'chara';
};

/** The path a PNG card's own image is stored under. */
export const PNG_ICON_PATH = 'icon.png';

/** A card file of any supported container, told apart by its bytes (never by name or media type). */
export async function parseCardFile(bytes: Buffer): Promise<ParsedCard> {
  if (bytes.length === 0) throw notACard('the file is empty');
  let parsed: ParsedCard;
  if (isPng(bytes)) parsed = fromPng(bytes);
  else if (isZip(bytes)) parsed = await fromCharx(bytes);
  else if (looksLikeJson(bytes)) {
    const { spec, fields } = cardToPersona(parseCardJson(bytes, 'the JSON file'));
    parsed = { format: 'json', spec, fields, files: [], warnings: [] };
  } else throw notACard(`${describe(bytes)}; a card is a PNG, JSON or CHARX file`);
  parsed.warnings.push(...regexWarnings(parsed.fields));
  return parsed;
}

/**
 * `ccv3` wins over `chara` (V3 §PNG); the version is then read from the JSON's `spec`, since real files
 * put V3 JSON in `chara` and relabelled V2 JSON in `ccv3`. A chunk that does not decode falls back to
 * the other one. The stored image is the PNG without its card chunks: the export writes fresh ones.
 */
function fromPng(png: Buffer): ParsedCard {
  const { texts: chunks, rest: image } = takeTextChunks(png, isCardKeyword);
  const ordered = [
    ...chunks.filter((c) => c.keyword.toLowerCase() === 'ccv3'),
    ...chunks.filter((c) => c.keyword.toLowerCase() === 'chara'),
  ];
  if (ordered.length === 0) {
    throw notACard('a PNG image without a character card in it (no "ccv3" or "chara" text chunk)');
  }
  const warnings: string[] = [];
  let firstError: unknown;
  for (const chunk of ordered) {
    try {
      const json = Buffer.from(chunk.text.trim(), 'base64');
      const { spec, fields } = cardToPersona(parseCardJson(json, `the PNG's "${chunk.keyword}" chunk`));
      if (chunk !== ordered[0])
        warnings.push(`the "${ordered[0]?.keyword}" chunk could not be read; used "${chunk.keyword}"`);
      const files: CardFile[] = [{ path: PNG_ICON_PATH, role: 'icon', mediaType: 'image/png', data: image }];
      return { format: 'png', spec, fields, files, warnings };
    } catch (err) {
      firstError ??= err;
    }
  }
  throw firstError;
}

/** card.json plus every other file of the archive (assets, app files), the icon marked as the image. */
async function fromCharx(zip: Buffer): Promise<ParsedCard> {
  const entries = await readCharx(zip);
  const cardJson = entries.get('card.json');
  if (!cardJson) throw notACard('a ZIP archive without card.json at its root (not a CHARX file)');
  const { spec, fields } = cardToPersona(parseCardJson(cardJson, 'card.json'));
  const iconPath = charxIconPath(fields);
  const files: CardFile[] = [];
  for (const [path, data] of entries) {
    if (path === 'card.json') continue;
    // Paths are stored as text: PostgreSQL refuses NUL, and UTF-8 cannot hold a lone surrogate.
    if (path.includes('\0') || !path.isWellFormed() || path.length > 1024) {
      throw notACard('the CHARX archive holds a file with an invalid name');
    }
    files.push({ path, role: path === iconPath ? 'icon' : 'asset', mediaType: mediaTypeOf(path), data });
  }
  const warnings = iconPath && !entries.has(iconPath) ? [`the icon ${iconPath} is not in the archive`] : [];
  return { format: 'charx', spec, fields, files, warnings };
}

/** The archive path of the main icon asset (`embeded://…`, V3's spelling), if the card names one. */
export function charxIconPath(fields: PersonaFields): string | undefined {
  const assets = fields.card?.extra?.assets;
  if (!Array.isArray(assets)) return undefined;
  const icons = assets.filter(
    (a) =>
      isJsonObject(a) && a.type === 'icon' && typeof a.uri === 'string' && a.uri.startsWith('embeded://'),
  ) as { name?: unknown; uri: string }[];
  const main = icons.find((a) => a.name === 'main') ?? icons[0];
  return main?.uri.slice('embeded://'.length);
}

function looksLikeJson(b: Buffer): boolean {
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return b[i] === 0x7b || b[i] === 0x5b;
}

/** What an unsupported file is, for the error message. */
function describe(b: Buffer): string {
  const ascii = b.toString('latin1', 0, 12);
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff)
    return 'a JPEG image (cards are embedded in PNG images)';
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP')
    return 'a WebP image (cards are embedded in PNG images)';
  if (ascii.startsWith('GIF8')) return 'a GIF image (cards are embedded in PNG images)';
  if (ascii.startsWith('%PDF')) return 'a PDF document';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'a gzip file';
  return 'an unrecognized file';
}

/** Regex keys the linear-time engine cannot run never match (V3: invalid regex ⇒ no match); say which. */
function regexWarnings(fields: PersonaFields): string[] {
  const out: string[] = [];
  const entries = fields.card?.lorebook?.entries ?? [];
  entries.forEach((e, i) => {
    if (e.useRegex !== true) return;
    for (const key of [...e.keys, ...(e.secondaryKeys ?? [])]) {
      const re = compileRegexKey(key, e.caseSensitive === true);
      if (re instanceof Error && out.length < 20) {
        out.push(`lorebook entry ${i} key ${JSON.stringify(key.slice(0, 80))} never matches: ${re.message}`);
      }
    }
  });
  return out;
}

export interface Imported {
  persona: Persona;
  card: ParsedCard;
}

/**
 * A new persona from a card file, through the same core write as every surface (so versions and caches
 * apply), then its image and assets. If storing those fails the persona is removed again: an import
 * leaves all of it or nothing.
 */
export async function importCard(ctx: Ctx, bytes: Buffer): Promise<Imported> {
  const card = await parseCardFile(bytes);
  const persona = await createPersona(ctx, card.fields);
  try {
    await saveCardFiles(ctx.db, persona.id, card.files);
  } catch (err) {
    await deletePersona(ctx, persona.id).catch(() => {});
    throw err;
  }
  return { persona, card };
}
