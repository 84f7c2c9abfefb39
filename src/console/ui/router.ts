import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes (`#/personas/p_1`): the server serves one page at /console, and links, reloads and the
 * back button work without it knowing any route.
 */
export interface Route {
  /** The path after `#`, without the leading slash, e.g. `personas/p_1`. */
  path: string;
  /** Path segments. */
  parts: string[];
  /** Query after `?` in the hash. */
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { path, parts, query: new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** A link target for a route path: `href('personas', id)`. */
export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join('/')}`;

export function navigate(...parts: string[]): void {
  location.hash = href(...parts);
}
