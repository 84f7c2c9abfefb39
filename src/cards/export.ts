import type { Ctx } from '../core/context.ts';
import { isJsonObject, type JsonObject, type Persona } from '../core/persona.ts';
import { getPersona } from '../core/personas.ts';
import { type ExportSpec, personaToCard } from './card-from-persona.ts';
import { writeCharx } from './charx.ts';
import { defaultImage } from './default-image.ts';
import { type CardFile, loadCardFiles } from './images.ts';
import { isCardKeyword } from './import.ts';
import { isPng, rewriteTextChunks } from './png.ts';

export type ExportFormat = 'png' | 'json' | 'charx';

export interface ExportedCard {
  bytes: Buffer;
  contentType: string;
  fileName: string;
}

const CHARX_ICON_PATH = 'assets/icon/images/main.png';

/**
 * Any persona the caller may read as a card file. PNG: the persona's image (or a generated one) with the
 * card in `ccv3` and a V2 backfill in `chara` (V3 §PNG; V2-only readers such as older SillyTavern read
 * `chara`), or only `chara` for spec=v2. CHARX: card.json and every stored asset at its path.
 */
export async function exportPersona(
  ctx: Ctx,
  id: string,
  format: ExportFormat,
  spec: ExportSpec,
): Promise<ExportedCard> {
  const persona = await getPersona(ctx, id);
  const base = safeFileName(persona.name) || persona.id;
  if (format === 'json') {
    const json = Buffer.from(JSON.stringify(personaToCard(persona, spec)));
    return { bytes: json, contentType: 'application/json', fileName: `${base}.json` };
  }
  const files = await loadCardFiles(ctx.db, persona.id);
  const icon = files.find((f) => f.role === 'icon');
  if (format === 'png') {
    const image = icon && isPng(icon.data) ? icon.data : defaultImage(persona.id);
    const chunks = [{ keyword: 'chara', text: encode(personaToCard(persona, 'v2')) }];
    if (spec === 'v3') chunks.unshift({ keyword: 'ccv3', text: encode(personaToCard(persona, 'v3')) });
    const bytes = rewriteTextChunks(image, isCardKeyword, chunks);
    return { bytes, contentType: 'image/png', fileName: `${base}.png` };
  }
  const bytes = await charxOf(persona, spec, files, icon);
  return { bytes, contentType: 'application/zip', fileName: `${base}.charx` };
}

/**
 * The archive holds the stored files at their own paths. A card that names no embedded icon (made here,
 * or imported from PNG or JSON) gets its image at the spec's suggested path, listed in `assets`.
 */
function charxOf(persona: Persona, spec: ExportSpec, files: CardFile[], icon: CardFile | undefined) {
  const out: [string, Buffer][] = [];
  const assets = persona.card?.extra?.assets;
  const list = Array.isArray(assets) ? assets : [];
  const listsIcon = list.some(
    (a) =>
      isJsonObject(a) && a.type === 'icon' && typeof a.uri === 'string' && a.uri.startsWith('embeded://'),
  );
  const extra: JsonObject = {};
  if (!listsIcon) {
    const data = icon?.data ?? defaultImage(persona.id);
    const path =
      icon && !isPng(icon.data) ? CHARX_ICON_PATH.replace(/png$/, extOf(icon.path)) : CHARX_ICON_PATH;
    out.push([path, data]);
    const ext = path.slice(path.lastIndexOf('.') + 1);
    // The default icon stands in for `ccdefault:`; other assets are kept.
    const others = list.filter((a) => !(isJsonObject(a) && a.type === 'icon' && a.name === 'main'));
    extra.assets = [{ type: 'icon', uri: `embeded://${path}`, name: 'main', ext }, ...others];
  }
  const card = personaToCard(persona, spec, extra);
  for (const f of files) if (f.role !== 'icon' || listsIcon) out.push([f.path, f.data]);
  return writeCharx([['card.json', Buffer.from(JSON.stringify(card))], ...out]);
}

const encode = (card: JsonObject) => Buffer.from(JSON.stringify(card)).toString('base64');

const extOf = (path: string) => path.slice(path.lastIndexOf('.') + 1).toLowerCase() || 'png';

/** A file name for Content-Disposition: letters, digits, space, dash, underscore and dot only. */
function safeFileName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9 _.-]/g, '')
    .trim()
    .slice(0, 100);
}
