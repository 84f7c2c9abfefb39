import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import WebSocket from 'ws';
import { createNativeServer } from '../../src/server.ts';
import { attachConversationSockets } from '../../src/surfaces/tavus/conversations-socket.ts';
import type { Account, Harness } from './harness.ts';

/** Helpers for the conversation suites: create one, and read its Server-Sent Events stream. */

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON envelopes
export type Env = any;

export async function createConversation(
  h: () => Harness,
  account: Account,
  fields: Record<string, unknown> = {},
) {
  const r = await h().request('POST', '/v2/conversations', { account, json: fields });
  if (r.status !== 200) throw new Error(`conversation: ${r.status} ${r.text}`);
  return r.body as { conversation_id: string; conversation_url: string; meeting_token?: string };
}

export function interaction(id: string, event_type: string, properties?: Record<string, unknown>) {
  return {
    message_type: 'conversation',
    event_type,
    conversation_id: id,
    ...(properties !== undefined && { properties }),
  };
}

/** An SSE client over a real socket: collects envelopes (with each frame's id) as they arrive. */
export class EventReader {
  readonly events: Env[] = [];
  readonly ids: string[] = [];
  readonly #controller = new AbortController();
  #waiters: (() => void)[] = [];
  done: Promise<void>;
  status = 0;

  constructor(url: string, headers: Record<string, string>) {
    this.done = this.#read(url, headers).catch(() => undefined);
  }

  async #read(url: string, headers: Record<string, string>) {
    const res = await fetch(url, { headers, signal: this.#controller.signal });
    this.status = res.status;
    this.#notify();
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body) {
      buf += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let id = '';
        let data = '';
        for (const line of frame.split('\n')) {
          if (line.startsWith('id:')) id = line.slice(3).trim();
          if (line.startsWith('data:')) data += line.slice(5).trim();
        }
        if (data) {
          this.events.push(JSON.parse(data));
          this.ids.push(id);
          this.#notify();
        }
      }
    }
  }

  #notify() {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Resolves with the first event matching, waiting (bounded) for it to come. */
  async waitFor(match: (e: Env) => boolean, what = 'event'): Promise<Env> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`no ${what}; got ${this.events.map((e) => e.event_type).join(', ')}`);
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  close() {
    this.#controller.abort();
  }
}

export const utterance = (role: string) => (e: Env) =>
  e.event_type === 'conversation.utterance' && e.properties?.role === role;

/** The harness app on a loopback port with the conversation WebSockets attached, as the server has them. */
export async function serveWithSockets(h: Pick<Harness, 'app' | 'services'>) {
  const server = serve({
    fetch: h.app.fetch,
    createServer: createNativeServer(h.services),
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const wss = attachConversationSockets(server as Server, h.services);
  return {
    url: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A `ws` client that collects the envelopes it receives. */
export class SocketClient {
  readonly events: Env[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (d) => this.events.push(JSON.parse(String(d))));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
  }
  send(msg: unknown) {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }
  async waitFor(match: (e: Env) => boolean, what: string): Promise<Env> {
    for (let i = 0; i < 200; i++) {
      const found = this.events.find(match);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${what}; got ${this.events.map((e) => e.event_type).join(', ')}`);
  }
}
