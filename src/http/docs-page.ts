import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Hono } from 'hono';
import type { AppEnv } from './env.ts';

/**
 * GET /docs: Swagger UI served from the swagger-ui-dist package, so the reference page works offline and
 * air-gapped like the rest of personakit. Assets are read on first use, keeping idle memory low.
 */
const assets = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const;

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>personakit API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });</script>
</body></html>`;

export function registerDocsPage(app: Hono<AppEnv>) {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Promise<Buffer>>();
  app.get('/docs', (c) => c.html(page));
  for (const [file, type] of Object.entries(assets)) {
    app.get(`/docs/${file}`, async (c) => {
      let body = cache.get(file);
      if (!body) {
        body = readFile(join(dir, file));
        cache.set(file, body);
      }
      return c.body(new Uint8Array(await body), 200, {
        'content-type': type,
        'cache-control': 'public, max-age=86400',
      });
    });
  }
}
