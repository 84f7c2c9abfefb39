import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { textShapes } from './adversarial-shapes.ts';

/**
 * An OpenAI-compatible upstream that answers with the worst shapes at the size limits (issue 11): the
 * requested model names the answer, so the suite needs no shared mode.
 *
 *   adv-json:<shape>:<chars>                 a JSON chat completion whose content is <chars> of the shape
 *   adv-stream:<shape>:<chars>               SSE deltas of 64 Ki characters each, <chars> in all
 *   adv-endless:<bytes>                      one SSE `data:` line of <bytes>, never ended by a newline
 *
 * Writes honour backpressure (a stalled reader stalls it), stop when personakit goes away, and are counted:
 * `bytesWritten` says how much a stalled or aborted reader made it produce.
 */
export interface AdversarialUpstream {
  origin: string;
  /** Bytes written into answers so far (all requests). */
  bytesWritten(): number;
  close(): Promise<void>;
}

const DELTA_CHARS = 64 * 1024;

const frame = (obj: unknown) => `data: ${JSON.stringify(obj)}\n\n`;
const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
  id: 'chatcmpl-adv',
  object: 'chat.completion.chunk',
  created: 1_790_000_000,
  model: 'adv',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

export async function startAdversarialUpstream(): Promise<AdversarialUpstream> {
  let written = 0;

  /** Writes each piece in turn, waiting for 'drain' when the socket is full; stops if the reader left. */
  async function pump(res: ServerResponse, pieces: Iterable<string>) {
    let wake = () => {};
    const resume = () => wake();
    res.on('drain', resume);
    res.once('close', resume);
    try {
      for (const piece of pieces) {
        if (res.destroyed) return;
        written += Buffer.byteLength(piece);
        if (!res.write(piece)) await new Promise<void>((resolve) => (wake = resolve));
      }
      if (!res.destroyed) res.end();
    } finally {
      res.off('drain', resume);
    }
  }

  function* deltas(shape: (n: number) => string, chars: number) {
    yield frame(chunk({ role: 'assistant', content: '' }, null));
    const piece = frame(chunk({ content: shape(DELTA_CHARS) }, null));
    for (let sent = 0; sent < chars; sent += DELTA_CHARS) yield piece;
    yield frame(chunk({}, 'stop'));
    yield 'data: [DONE]\n\n';
  }

  function* endless(bytes: number) {
    yield 'data: {"choices":[{"index":0,"delta":{"content":"';
    const mib = 'a'.repeat(64 * 1024);
    for (let sent = 0; sent < bytes; sent += mib.length) yield mib;
  }

  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      raw += d;
    });
    req.on('end', () => {
      let model = '';
      try {
        model = String(JSON.parse(raw).model ?? '');
      } catch {}
      const [kind = '', a = '', b = ''] = model.split(':');
      if (kind === 'adv-json') {
        const shape = textShapes[a] ?? textShapes.newlines;
        const content = shape?.(Number(b)) ?? '';
        const body = JSON.stringify({
          id: 'chatcmpl-adv',
          object: 'chat.completion',
          created: 1_790_000_000,
          model: 'adv',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        void pump(res, [body]);
        return;
      }
      if (kind === 'adv-stream' || kind === 'adv-endless') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const shape = textShapes[a] ?? textShapes.newlines;
        void pump(res, kind === 'adv-endless' ? endless(Number(a)) : deltas(shape ?? String, Number(b)));
        return;
      }
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: `unknown model ${model}`, type: 'invalid_request_error' } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    bytesWritten: () => written,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
