import { join } from 'node:path';
import type { Context, Hono } from 'hono';
import {
  assetResponse,
  type ConsoleBundle,
  defaultConsoleDir,
  loadConsoleBundle,
} from '../../console/assets.ts';
import { interact } from '../../conversations/interactions.ts';
import { conversationCapability } from '../../conversations/page-access.ts';
import { endConversation, getConversation } from '../../conversations/store.ts';
import type { Services } from '../../core/context.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import type { AppEnv } from '../../http/env.ts';
import { jsonShapeProblem } from '../../http/json-body.ts';
import { CHAT_JS } from './conversation-page-script.ts';
import { eventStream, resumeSeq } from './conversations-events.ts';
import { tavusError } from './errors.ts';

/**
 * conversation_url: a page where a person chats with the persona in the browser. One HTML file, one
 * script, one style sheet, all served from here (works offline), under a CSP that allows nothing else.
 * The page and its endpoints (/c/{id}/events GET as SSE and POST, /c/{id}/end) take the URL as the
 * capability, plus ?t=<meeting_token> with require_auth (page-access.ts).
 *
 * The script is the console's chat view (src/console/ui/conversations/room.tsx, built by
 * scripts/console-build.mjs buildRoom into <console dir>/room) when that bundle is built; an install without it (run
 * from the sources, no esbuild) serves the plain script of conversation-page-script.ts, with the same
 * labels and classes.
 */

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'none'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ID = '[a-z0-9_]{1,64}';
const MAX_BODY = 64 * 1024;

const roomHtml = (b: ConsoleBundle) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Conversation</title><link rel="stylesheet" href="/conversation-page/assets/${b.css}"></head>
<body><div id="app"><p>Connecting…</p></div><noscript>This chat needs JavaScript.</noscript>
<script type="module" src="/conversation-page/assets/${b.js}"></script></body></html>`;

const HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Conversation</title><link rel="stylesheet" href="/conversation-page/chat.css"></head>
<body><main><header><h1>Conversation</h1><button id="end" type="button">End</button></header>
<div id="log" aria-live="polite"></div><p id="status">Connecting…</p>
<form id="form"><input id="text" autocomplete="off" maxlength="16000" placeholder="Type a message" aria-label="Message">
<button type="submit">Send</button></form></main>
<script src="/conversation-page/chat.js"></script></body></html>`;

const CSS = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f6f6;color:#111}
main{max-width:44rem;margin:0 auto;padding:1rem;display:flex;flex-direction:column;height:100vh;box-sizing:border-box}
header{display:flex;justify-content:space-between;align-items:center}h1{font-size:1.2rem}
#log{flex:1;overflow-y:auto}.msg{padding:.5rem .8rem;border-radius:.6rem;margin:.4rem 0;white-space:pre-wrap;max-width:85%}
.msg-user{background:#d8e8ff;margin-left:auto}.msg-assistant{background:#fff}#status{color:#666;font-size:.85rem}
form{display:flex;gap:.5rem}input{flex:1;padding:.6rem;font:inherit}button{padding:.6rem 1rem;font:inherit}`;

const security = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function fail(c: Context<AppEnv>, err: unknown) {
  const { status, body } = tavusError(toAppError(err));
  return c.json(body as object, status as 400);
}

export function registerConversationPage(app: Hono<AppEnv>, services: Services): void {
  const dir = join(services.config.PERSONAKIT_CONSOLE_DIR ?? defaultConsoleDir(), 'room');
  // Loaded on first use and kept; a missing build is looked for again on the next load (it may appear).
  let loading: Promise<ConsoleBundle | null> | undefined;
  const room = async () => {
    loading ??= loadConsoleBundle(dir);
    const b = await loading;
    if (!b) loading = undefined;
    return b;
  };
  app.get('/conversation-page/assets/:name{[A-Za-z0-9_.-]{1,100}}', async (c) => {
    const asset = (await room())?.assets.get(c.req.param('name'));
    if (!asset) return c.text('Not found', 404, security);
    return assetResponse(asset, c.req.header('accept-encoding'), security);
  });
  app.get('/conversation-page/chat.js', (c) =>
    c.body(CHAT_JS, 200, { ...security, 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/conversation-page/chat.css', (c) =>
    c.body(CSS, 200, { ...security, 'content-type': 'text/css; charset=utf-8' }),
  );
  const access = (c: Context<AppEnv>) =>
    conversationCapability(services, c.req.param('id') ?? '', c.req.query('t'), c.get('requestId') ?? '');
  app.get(`/c/:id{${ID}}`, async (c) => {
    try {
      await access(c);
      const b = await room();
      return c.body(b ? roomHtml(b) : HTML, 200, { ...security, 'content-type': 'text/html; charset=utf-8' });
    } catch (err) {
      return fail(c, err);
    }
  });
  app.get(`/c/:id{${ID}}/events`, async (c) => {
    try {
      const ctx = await access(c);
      const id = c.req.param('id');
      const row = await getConversation(ctx, id);
      const seq = Number(c.req.query('seq') ?? 0);
      return eventStream(
        c,
        ctx,
        id,
        resumeSeq(c.req.header('last-event-id'), Number.isSafeInteger(seq) ? seq : 0),
        row.status === 'ended',
      );
    } catch (err) {
      return fail(c, err);
    }
  });
  app.post(`/c/:id{${ID}}/events`, async (c) => {
    try {
      const ctx = await access(c);
      if (Number(c.req.header('content-length') ?? 0) > MAX_BODY)
        throw new AppError('payload_too_large', 'Interaction too large');
      const text = await c.req.text();
      if (text.length > MAX_BODY) throw new AppError('payload_too_large', 'Interaction too large');
      const problem = jsonShapeProblem(text);
      if (problem) throw new AppError('invalid', `An interaction ${problem}`);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      await interact(ctx, c.req.param('id'), body);
      return c.body(null, 200);
    } catch (err) {
      return fail(c, err);
    }
  });
  app.post(`/c/:id{${ID}}/end`, async (c) => {
    try {
      const ctx = await access(c);
      await endConversation(ctx, c.req.param('id'), 'end_conversation_endpoint_hit');
      return c.body(null, 200);
    } catch (err) {
      return fail(c, err);
    }
  });
}
