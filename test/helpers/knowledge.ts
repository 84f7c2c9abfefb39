import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Account, Harness, Reply } from './harness.ts';

/** Uploads a file as multipart/form-data (the body built by undici's FormData). */
export async function upload(
  h: Harness,
  account: Account,
  file: { name: string; type: string; text: string | Uint8Array },
  fields: Record<string, string> = {},
): Promise<Reply> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([file.text], { type: file.type }), file.name);
  const res = await h.app.request('/v2/documents', { method: 'POST', headers: account.auth, body: form });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

/** Polls GET /v2/documents/{id} until `until` holds (default: a terminal status); bounded. */
export async function waitForDocument(
  h: Harness,
  account: Account,
  id: string,
  until?: (doc: Record<string, unknown>) => boolean,
) {
  const done = until ?? ((d: Record<string, unknown>) => d.status === 'ready' || d.status === 'error');
  for (let i = 0; i < 300; i++) {
    const r = await h.request('GET', `/v2/documents/${id}`, { account });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
    if (r.status === 200 && done(r.body)) return r.body as any;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`document ${id} did not reach the expected state`);
}

export interface LocalSite {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

/** A server on 127.0.0.1 answering with `handler` (which sees the request body read whole). */
export async function localSite(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<LocalSite> {
  const requests: LocalSite['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
