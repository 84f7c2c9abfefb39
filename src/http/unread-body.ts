import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { incomingOf } from './request-context.ts';

/**
 * An answer sent before its request's body was read (no key, rate limited, wrong media type, declared too
 * large) closes the connection after it. Node would otherwise keep reading the rest of the body to reuse
 * the connection, and a client sending one byte every few seconds held the socket 315 s after its 401
 * (issue 11 item 6). Closing costs a legitimate client one reconnect after an error. The answer says
 * `connection: close`, so the client does not queue its next request on the connection (on the Hono path
 * @hono/node-server would also close it, silently, after 500 ms of draining).
 */
export function closeIfBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  if (!res.headersSent && !req.complete && hasBody(req)) res.shouldKeepAlive = false;
}

/** The same for a request served by Hono over Node (in-process requests have no connection). */
export function closeIfBodyUnreadHono(c: Context): void {
  const req = incomingOf(c);
  const res = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (req && res) closeIfBodyUnread(req, res);
}

const hasBody = (req: IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
