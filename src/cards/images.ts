import type { Db } from '../storage/db.ts';

/** A file that came with a card: its image (`icon`) or another CHARX asset, by its path in the card. */
export interface CardFile {
  path: string;
  role: 'icon' | 'asset';
  mediaType: string;
  data: Buffer;
}

/** Stored in one transaction: a persona has all of its card's files or none. */
export async function saveCardFiles(db: Db, personaId: string, files: readonly CardFile[]): Promise<void> {
  if (files.length === 0) return;
  await db.kysely.transaction().execute(async (tx) => {
    for (const f of files) {
      await tx
        .insertInto('persona_images')
        .values({ persona_id: personaId, path: f.path, role: f.role, media_type: f.mediaType, data: f.data })
        .execute();
    }
  });
}

/** The persona's files, icon first. Callers have checked the persona is the caller's to read. */
export async function loadCardFiles(db: Db, personaId: string): Promise<CardFile[]> {
  const rows = await db.kysely
    .selectFrom('persona_images')
    .selectAll()
    .where('persona_id', '=', personaId)
    .orderBy('role', 'desc')
    .orderBy('path')
    .execute();
  return rows.map((r) => ({
    path: r.path,
    role: r.role === 'icon' ? 'icon' : 'asset',
    mediaType: r.media_type,
    data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength),
  }));
}

const mediaTypes: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  json: 'application/json',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
  webm: 'video/webm',
};

export const mediaTypeOf = (path: string) =>
  mediaTypes[path.slice(path.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';
