import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/**
 * The built console (scripts/console-build.mjs): manifest.json names one script and one style sheet,
 * each with a content hash in its name. Read once on first use and kept, with gzip and brotli forms made
 * then, so every later load is a lookup. Absent (a production install without esbuild, docs/adr/0018)
 * is a normal state: the caller answers a page saying how to build it.
 */

export interface Asset {
  type: string;
  raw: Buffer;
  gzip: Buffer;
  br: Buffer;
}

export interface ConsoleBundle {
  js: string;
  css: string;
  assets: Map<string, Asset>;
}

/** dist/console beside the running code: the bundle (dist/personakit.mjs) or the sources (src/console). */
export function defaultConsoleDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'console'), join(here, '..', '..', 'dist', 'console')];
  return candidates.find((d) => existsSync(join(d, 'manifest.json'))) ?? (candidates[1] as string);
}

const types: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

export async function loadConsoleBundle(dir: string): Promise<ConsoleBundle | null> {
  let manifest: { js?: unknown; css?: unknown };
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as typeof manifest;
  } catch {
    return null;
  }
  const { js, css } = manifest;
  if (typeof js !== 'string' || typeof css !== 'string') return null;
  const assets = new Map<string, Asset>();
  try {
    for (const [name, kind] of [
      [js, 'js'],
      [css, 'css'],
    ] as const) {
      const raw = await readFile(join(dir, name));
      assets.set(name, {
        type: types[kind] as string,
        raw,
        gzip: gzipSync(raw, { level: 9 }),
        br: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
      });
    }
  } catch {
    return null;
  }
  return { js, css, assets };
}

/**
 * A built asset as a response: brotli or gzip as the client accepts, cached for good (its name carries a
 * hash of its content, so a new build has new names), with the page's security headers.
 */
export function assetResponse(
  asset: Asset,
  acceptEncoding: string | undefined,
  security: Record<string, string>,
): Response {
  const accept = acceptEncoding ?? '';
  const [body, encoding] = /\bbr\b/.test(accept)
    ? [asset.br, 'br']
    : /\bgzip\b/.test(accept)
      ? [asset.gzip, 'gzip']
      : [asset.raw, undefined];
  return new Response(new Uint8Array(body), {
    status: 200,
    headers: {
      ...security,
      'content-type': asset.type,
      'cache-control': 'public, max-age=31536000, immutable',
      vary: 'accept-encoding',
      ...(encoding ? { 'content-encoding': encoding } : {}),
    },
  });
}
