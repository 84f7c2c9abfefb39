import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { busOf } from '../../conversations/bus.ts';
import { readEvents } from '../../conversations/events.ts';
import { interact } from '../../conversations/interactions.ts';
import { liveClientsOf, type Participation } from '../../conversations/live-clients.ts';
import { conversationCapability } from '../../conversations/page-access.ts';
import { getConversation } from '../../conversations/store.ts';
import { ShuttingDown } from '../../conversations/turn-registry.ts';
import type { Ctx, Services } from '../../core/context.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { settlesWithin } from '../../core/settles-within.ts';
import { authorize } from '../../http/auth.ts';
import { jsonShapeProblem } from '../../http/json-body.ts';
import { tavusError } from './errors.ts';

/**
 * The WebSocket form of the live protocol, one socket per conversation, Tavus's app-message envelope both
 * ways: the server sends every broadcast event (from ?seq=N on, default all), the client sends
 * interactions. A malformed or refused interaction gets a `system.error` event on that socket only; the
 * socket stays open. Routes: /v2/conversations/{id}/ws with an API key (header), and the chat page's
 * /c/{id}/ws (the conversation_url capability, plus ?t= with require_auth). The socket closes (1000)
 * after the conversation's system.shutdown, and (1001) when the server stops, once it has the events
 * committed until then (conversations/live-clients.ts).
 */

/** An interaction larger than this gets an error event; the socket stays open. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** A frame larger than this closes the socket (1009, ws's own check): the memory a socket may hold. */
const MAX_FRAME_BYTES = 1024 * 1024;
/** Interactions per second per socket; past it, an error event instead of the interaction. */
export const MAX_INTERACTIONS_PER_SECOND = 20;
/** At stop, how long a client has to answer the close frame before its socket is cut. */
const CLOSE_HANDSHAKE_MS = 1000;
const GOING_AWAY = 1001;
const GOING_AWAY_REASON = 'server shutting down';

const API_PATH = /^\/v2\/conversations\/([a-z0-9_]{1,64})\/ws$/;
const PAGE_PATH = /^\/c\/([a-z0-9_]{1,64})\/ws$/;

function refuse(socket: Duplex, err: unknown): void {
  const e = toAppError(err);
  const { status, body } = tavusError(e);
  const text = JSON.stringify(body);
  const reason =
    { 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' }[status as number] ?? 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}

async function contextFor(
  services: Services,
  req: IncomingMessage,
  url: URL,
): Promise<[Ctx, string, boolean] | undefined> {
  const reqId = newId('req_');
  const api = API_PATH.exec(url.pathname);
  const page = PAGE_PATH.exec(url.pathname);
  let ctx: Ctx;
  let id: string;
  if (api?.[1]) {
    ctx = await authorize(services, (n) => header(req, n), reqId, 'conversationWebSocket');
    id = api[1];
  } else if (page?.[1]) {
    ctx = await conversationCapability(services, page[1], url.searchParams.get('t') ?? undefined, reqId);
    id = page[1];
  } else return undefined;
  const row = await getConversation(ctx, id);
  return [ctx, id, row.status === 'ended'];
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function attachConversationSockets(server: Server, services: Services): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    // The server is stopping: its live clients are being closed, a new one would be at once.
    if (liveClientsOf(services).closing) return refuse(socket, new ShuttingDown());
    contextFor(services, req, url).then(
      (found) => {
        if (!found) return refuse(socket, new AppError('not_found', 'No WebSocket at this path'));
        if (liveClientsOf(services).closing) return refuse(socket, new ShuttingDown());
        const [ctx, id, ended] = found;
        const seq = Number(url.searchParams.get('seq') ?? 0);
        wss.handleUpgrade(req, socket, head, (ws) =>
          serve(ctx, id, Number.isSafeInteger(seq) && seq >= 0 ? seq : 0, ws, ended),
        );
      },
      (err) => refuse(socket, err),
    );
  });
  return wss;
}

/** An ended conversation's socket gets its log as it is, then closes (1000). */
async function replayAndClose(ctx: Ctx, id: string, afterSeq: number, ws: WebSocket): Promise<void> {
  for (let after = afterSeq; ; ) {
    const events = await readEvents(ctx.db, id, after, 500);
    for (const e of events) if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(e.envelope));
    if (events.length < 500) break;
    after = events[events.length - 1]?.seq ?? after;
  }
  ws.close(1000, 'conversation ended');
}

function serve(ctx: Ctx, id: string, afterSeq: number, ws: WebSocket, ended: boolean): void {
  if (ended) {
    replayAndClose(ctx, id, afterSeq, ws).catch(() => ws.terminate());
    return;
  }
  const errorEvent = (message: string) =>
    JSON.stringify({
      message_type: 'conversation',
      event_type: 'system.error',
      conversation_id: id,
      properties: { message },
    });
  const unsubscribe = busOf(ctx).subscribe(id, afterSeq, (events) => {
    for (const e of events) {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(JSON.stringify(e.envelope));
      if (e.envelope.event_type === 'system.shutdown') ws.close(1000, 'conversation ended');
    }
  });
  let participation: Participation;
  try {
    participation = liveClientsOf(ctx).join(ctx, id, () => goAway(ws, unsubscribe));
  } catch {
    // The server began stopping while the upgrade completed.
    unsubscribe();
    ws.close(GOING_AWAY, GOING_AWAY_REASON);
    return;
  }
  let windowStart = Date.now();
  let inWindow = 0;
  ws.on('message', (data, isBinary) => {
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      inWindow = 0;
    }
    if (++inWindow > MAX_INTERACTIONS_PER_SECOND) {
      ws.send(errorEvent(`Too many interactions: at most ${MAX_INTERACTIONS_PER_SECOND} per second`));
      return;
    }
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (size > MAX_MESSAGE_BYTES) {
      ws.send(errorEvent(`An interaction must be at most ${MAX_MESSAGE_BYTES / 1024} KiB`));
      return;
    }
    let msg: unknown;
    try {
      if (isBinary) throw new Error('binary');
      const text = data.toString();
      const problem = jsonShapeProblem(text);
      if (problem) {
        ws.send(errorEvent(`An interaction ${problem}`));
        return;
      }
      msg = JSON.parse(text);
    } catch {
      ws.send(errorEvent('An interaction must be a JSON text message'));
      return;
    }
    interact(ctx, id, msg).catch((err) => {
      if (ws.readyState === ws.OPEN) ws.send(errorEvent(toAppError(err).message));
    });
  });
  ws.on('error', () => ws.terminate());
  ws.on('close', () => {
    unsubscribe();
    void participation.leave();
  });
}

/**
 * The server stops: the events committed until now, then the close frame (sent after them, in order). A
 * client that does not answer it within CLOSE_HANDSHAKE_MS is cut: the server does not wait on clients.
 */
async function goAway(ws: WebSocket, subscription: { catchUp(): Promise<void> }): Promise<void> {
  await subscription.catchUp();
  if (ws.readyState === ws.CLOSED) return;
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  if (ws.readyState === ws.OPEN) ws.close(GOING_AWAY, GOING_AWAY_REASON);
  if (!(await settlesWithin(closed, CLOSE_HANDSHAKE_MS))) ws.terminate();
}
