type Linkedom = typeof import('linkedom');
let linkedom: Promise<Linkedom> | undefined;

/**
 * linkedom (~30 MiB and most of a second to load) is imported on the first crawl, not at server start:
 * a server that never crawls never pays for it. Bundled, it may come back as `default` only.
 */
function loadLinkedom(): Promise<Linkedom> {
  linkedom ??= import('linkedom').then((m) =>
    'parseHTML' in m ? m : (m as unknown as { default: Linkedom }).default,
  );
  return linkedom;
}

/** HTML past this is not searched for links: a crawl page is a web page, not a 50 MiB dump. */
const MAX_HTML_FOR_LINKS = 5 * 1024 * 1024;
/** Longer URLs are skipped: no site needs them, and robots.txt matching is linear in their length. */
const MAX_URL_LENGTH = 2048;
/** Links past these extensions are files, not pages: a crawl collects pages (see docs/adr/0022). */
const FILE_EXTENSIONS = new Set(
  (
    'pdf doc docx ppt pptx xls xlsx csv odt ods odp rtf epub zip gz tgz bz2 xz 7z rar tar dmg exe msi apk iso ' +
    'png jpg jpeg gif webp svg ico bmp tif tiff avif heic mp3 wav ogg flac m4a aac mp4 m4v mov avi mkv webm ' +
    'woff woff2 ttf otf eot css js mjs json xml rss atom txt md'
  ).split(' '),
);

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function isHtml(contentType: string | undefined): boolean {
  const type = mediaType(contentType);
  return type === 'text/html' || type === 'application/xhtml+xml';
}

/** A URL as the crawler keys it: absolute http(s), no fragment, no credentials, bounded; else undefined. */
export function normaliseUrl(href: string, base?: string | URL, maxLength = MAX_URL_LENGTH): URL | undefined {
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password) return undefined;
  url.hash = '';
  // "/page?" and "/page" are one resource (an empty query is not sent): one key for both.
  if (url.search === '') url.search = '';
  if (url.href.length > maxLength) return undefined;
  return url;
}

/** True when the path names a file type that is not a web page (by its extension). */
export function looksLikeFile(url: URL): boolean {
  const last = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  return dot > 0 && FILE_EXTENSIONS.has(last.slice(dot + 1).toLowerCase());
}

/**
 * The links of an HTML page (<a href>, <area href>), resolved against its <base href> or URL, in
 * document order. A page whose robots meta says nofollow yields none; rel="nofollow" links are left out.
 */
export async function extractLinks(
  bytes: Uint8Array,
  contentType: string | undefined,
  pageUrl: string,
): Promise<URL[]> {
  const html = decode(bytes.subarray(0, MAX_HTML_FOR_LINKS), contentType);
  const { parseHTML } = await loadLinkedom();
  const { document } = parseHTML(html);
  for (const meta of document.querySelectorAll('meta[name]')) {
    const name = meta.getAttribute('name')?.toLowerCase();
    if (name !== 'robots' && name !== 'personakit') continue;
    const directives = (meta.getAttribute('content') ?? '').toLowerCase().split(',');
    if (directives.some((d: string) => d.trim() === 'nofollow' || d.trim() === 'none')) return [];
  }
  const baseHref = document.querySelector('base[href]')?.getAttribute('href');
  const base = (baseHref ? normaliseUrl(baseHref, pageUrl) : undefined) ?? pageUrl;
  const links: URL[] = [];
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    const rel = (a.getAttribute('rel') ?? '').toLowerCase().split(' ');
    if (rel.includes('nofollow')) continue;
    const url = normaliseUrl(a.getAttribute('href') ?? '', base);
    if (url) links.push(url);
  }
  return links;
}

/** Link discovery only needs ASCII-compatible text: the declared charset when the platform knows it, else UTF-8. */
function decode(bytes: Uint8Array, contentType: string | undefined): string {
  let charset = 'utf-8';
  for (const param of (contentType ?? '').split(';').slice(1)) {
    const [key, value] = param.split('=');
    if (key?.trim().toLowerCase() === 'charset' && value) charset = value.trim().replaceAll('"', '');
  }
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
