import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake OpenAI-compatible `/embeddings` server on 127.0.0.1. Vectors are a deterministic bag of words:
 * each word, after a small synonym table (automobile → car, feline → cat, …), adds 1 to a hashed
 * dimension. A paraphrase sharing no word with a passage ("car" / "automobile") is thus close to it,
 * which full text alone cannot find.
 */
export const DIMENSIONS = 256;

const SYNONYMS: Record<string, string> = {
  automobile: 'car',
  vehicle: 'car',
  cars: 'car',
  feline: 'cat',
  kitten: 'cat',
  canine: 'dog',
  puppy: 'dog',
  tyres: 'tire',
  tires: 'tire',
};

export type FakeMode = 'ok' | 'fail' | 'malformed' | 'huge' | 'wrong-count' | 'too-long';

export interface FakeEmbeddings {
  /** The base URL (`…/v1`), as an operator would configure it. */
  url: string;
  mode: FakeMode;
  requests: { path: string; authorization: string | undefined; model: string; inputs: number }[];
  close(): Promise<void>;
}

export function bagOfWords(text: string): number[] {
  const v = new Array<number>(DIMENSIONS).fill(0);
  for (const m of text.toLowerCase().matchAll(/[a-z]+/g)) {
    const word = SYNONYMS[m[0]] ?? m[0];
    let h = 2166136261;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
    const i = (h >>> 0) % DIMENSIONS;
    v[i] = (v[i] as number) + 1;
  }
  return v;
}

export async function fakeEmbeddings(): Promise<FakeEmbeddings> {
  const fake: FakeEmbeddings = { url: '', mode: 'ok', requests: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { model: string; input: string[] };
      fake.requests.push({
        path: req.url ?? '',
        authorization: req.headers.authorization,
        model: body.model,
        inputs: body.input.length,
      });
      const mode = fake.mode;
      if (mode === 'fail') {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"overloaded"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      if (mode === 'malformed') {
        res.end(
          JSON.stringify({ data: body.input.map((_, index) => ({ index, embedding: 'not a vector' })) }),
        );
        return;
      }
      if (mode === 'huge') {
        // 65 MiB of whitespace inside valid-looking JSON: past the embedder's 64 MiB bound.
        const blank = Buffer.alloc(1024 * 1024, 0x20);
        res.write('{"data":[');
        for (let i = 0; i < 65; i++) res.write(blank);
        res.end(']}');
        return;
      }
      if (mode === 'too-long') {
        res.end(
          JSON.stringify({
            data: body.input.map((_, index) => ({ index, embedding: new Array(20_000).fill(1) })),
          }),
        );
        return;
      }
      const inputs = mode === 'wrong-count' ? body.input.slice(1) : body.input;
      // Out of order on purpose: clients must place vectors by `index`.
      const data = inputs
        .map((t, index) => ({ object: 'embedding', index, embedding: bagOfWords(t) }))
        .reverse();
      res.end(JSON.stringify({ object: 'list', model: body.model, data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
