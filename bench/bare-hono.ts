import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/**
 * The ceiling for GET /v1/personas/{id}: a bare Hono route on @hono/node-server returning the same JSON
 * (BODY) with no auth, store, validation or logging — the same process layout as personakit.
 */
const body = process.env.BODY ?? '{}';
const app = new Hono();
app.get('/v1/personas/:id', (c) => c.body(body, 200, { 'content-type': 'application/json' }));
const server = serve(
  { fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' },
  (info) => {
    console.log(JSON.stringify({ port: info.port }));
  },
);
server.on('error', () => process.exit(1));
