import type { Context, Hono } from 'hono';
import type { Services } from '../core/context.ts';
import type { AppEnv } from '../http/env.ts';
import { assetResponse, type ConsoleBundle, defaultConsoleDir, loadConsoleBundle } from './assets.ts';

/**
 * The web console at /console (docs/adr/0047-web-console.md): one HTML page, one script and one style
 * sheet, all from this server (works offline), under a CSP that allows nothing else. The page itself
 * holds no data: the script signs in with an API key kept for the tab and calls the API like any
 * client. `/` redirects here.
 */

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; " +
  "font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const security = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const page = (b: ConsoleBundle) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>personakit console</title><link rel="stylesheet" href="/console/assets/${b.css}"></head>
<body><div id="app"><p class="boot">Loading the console…</p></div>
<noscript>The personakit console needs JavaScript.</noscript>
<script type="module" src="/console/assets/${b.js}"></script></body></html>`;

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>personakit console: not built</title></head>
<body><main><h1>The console is not built</h1>
<p>This install has no built console (dist/console). It is built by <code>npm run build</code>, which needs
the development dependencies: <code>npm ci &amp;&amp; npm run build &amp;&amp; npm prune --omit=dev</code>.</p>
<p>The API works without it: see <a href="/docs">/docs</a>.</p></main></body></html>`;

export function registerConsole(app: Hono<AppEnv>, services: Services): void {
  const dir = services.config.PERSONAKIT_CONSOLE_DIR ?? defaultConsoleDir();
  // Loaded on first use; a missing build is looked for again on the next request (it may appear).
  let loading: Promise<ConsoleBundle | null> | undefined;
  const bundle = async () => {
    loading ??= loadConsoleBundle(dir);
    const b = await loading;
    if (!b) loading = undefined;
    return b;
  };

  app.get('/', (c) => c.redirect('/console', 302));
  const html = async (c: Context<AppEnv>) => {
    const b = await bundle();
    return c.body(b ? page(b) : NOT_BUILT, 200, {
      ...security,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
  };
  app.get('/console', html);
  app.get('/console/', html);
  app.get('/console/assets/:name{[A-Za-z0-9_.-]{1,100}}', async (c) => {
    const b = await bundle();
    const asset = b?.assets.get(c.req.param('name'));
    if (!asset) return c.text('Not found', 404, { ...security, 'cache-control': 'no-store' });
    return assetResponse(asset, c.req.header('accept-encoding'), security);
  });
}
