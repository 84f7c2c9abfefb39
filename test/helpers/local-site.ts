import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small web site on 127.0.0.1 for the fetch and crawl suites: each path answers with its handler,
 * every request is recorded (path, headers), and the most requests ever in flight at once is kept, so
 * a test can prove "one request at a time" by counting rather than timing.
 */
export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface LocalSite {
  origin: string;
  port: number;
  /** Paths requested, in order (query included). */
  hits: string[];
  userAgents: string[];
  hosts: string[];
  /** performance.now() of each request's arrival, beside `hits`. */
  times: number[];
  maxInFlight: number;
  /** Bytes written by handlers that stream (a capped download must stop them early). */
  streamed: { bytes: number; closed: boolean };
  route(path: string, handler: Route): void;
  close(): Promise<void>;
}

export function html(body: string, status = 200): Route {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>t</title></head><body>${body}</body></html>`);
  };
}

export function links(...hrefs: string[]): Route {
  return html(hrefs.map((h) => `<a href="${h}">${h}</a>`).join(' '));
}

export function redirect(location: string, status = 302): Route {
  return (_req, res) => {
    res.writeHead(status, { location });
    res.end();
  };
}

export function text(body: string, contentType = 'text/plain', status = 200): Route {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(body);
  };
}

export async function startSite(routes: Record<string, Route> = {}): Promise<LocalSite> {
  const table = new Map(Object.entries(routes));
  let inFlight = 0;
  const site: LocalSite = {
    origin: '',
    port: 0,
    hits: [],
    userAgents: [],
    hosts: [],
    times: [],
    maxInFlight: 0,
    streamed: { bytes: 0, closed: false },
    route: (path, handler) => table.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    site.hits.push(path);
    site.times.push(performance.now());
    site.userAgents.push(req.headers['user-agent'] ?? '');
    site.hosts.push(req.headers.host ?? '');
    inFlight++;
    site.maxInFlight = Math.max(site.maxInFlight, inFlight);
    res.on('close', () => {
      inFlight--;
    });
    const handler = table.get(path);
    if (handler) handler(req, res);
    else text('not found', 'text/plain', 404)(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site.port = (server.address() as AddressInfo).port;
  site.origin = `http://127.0.0.1:${site.port}`;
  return site;
}
