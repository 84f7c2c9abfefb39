import { request } from 'undici';
import type { Config } from '../config.ts';

/** Turns texts into vectors through the operator's OpenAI-compatible `/embeddings` endpoint. */
export interface Embedder {
  readonly model: string;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export interface EmbeddingsSettings {
  /** The endpoint, or a base URL (`…/v1`) that `/embeddings` is appended to. */
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
}

/** Texts per request: OpenAI accepts 2,048; local servers (TEI, Ollama) prefer small batches. */
export const EMBED_BATCH = 64;
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** The longest vector accepted (the largest common models have 3,072 or 4,096 dimensions). */
export const MAX_DIMENSIONS = 16_384;
/** Embedding requests in flight at once for one ingestion or re-embedding job. */
export const EMBED_CONCURRENCY = 2;

/** The configured embedder, or null when PERSONAKIT_EMBEDDINGS_URL / _MODEL are not both set. */
export function embedderFromConfig(config: Config): Embedder | null {
  const url = config.PERSONAKIT_EMBEDDINGS_URL;
  const model = config.PERSONAKIT_EMBEDDINGS_MODEL;
  if (!url || !model) return null;
  const settings: EmbeddingsSettings = { url, model };
  if (config.PERSONAKIT_EMBEDDINGS_API_KEY) settings.apiKey = config.PERSONAKIT_EMBEDDINGS_API_KEY;
  return createEmbedder(settings);
}

export function createEmbedder(settings: EmbeddingsSettings): Embedder {
  const endpoint = settings.url.replace(/\/+$/, '').endsWith('/embeddings')
    ? settings.url
    : `${settings.url.replace(/\/+$/, '')}/embeddings`;
  const timeout = settings.timeoutMs ?? 60_000;
  return {
    model: settings.model,
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
      const res = await request(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: settings.model, input: texts }),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        ...(signal ? { signal } : {}),
      });
      const body = await readBounded(res.body);
      if (res.statusCode < 200 || res.statusCode >= 300) {
        throw new Error(`embeddings endpoint answered ${res.statusCode}: ${body.slice(0, 200)}`);
      }
      return parseEmbeddings(body, texts.length);
    },
  };
}

async function readBounded(body: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of body) {
    size += part.length;
    if (size > MAX_RESPONSE_BYTES) throw new Error('embeddings endpoint answer is larger than 64 MiB');
    parts.push(part);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** `{data: [{index, embedding: number[]}]}`, in input order, each normalised to unit length. */
export function parseEmbeddings(body: string, expected: number): Float32Array[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error('embeddings endpoint answered with invalid JSON');
  }
  const data = (parsed as { data?: unknown }).data;
  if (!Array.isArray(data) || data.length !== expected) {
    throw new Error(
      `embeddings endpoint returned ${Array.isArray(data) ? data.length : 'no'} vectors for ${expected} texts`,
    );
  }
  const out: Float32Array[] = new Array(expected);
  let dimensions = -1;
  data.forEach((item: { index?: unknown; embedding?: unknown }, i) => {
    const index = typeof item?.index === 'number' ? item.index : i;
    const e = item?.embedding;
    if (Array.isArray(e) && e.length > MAX_DIMENSIONS) {
      throw new Error(
        `embeddings endpoint returned a vector of ${e.length} dimensions (at most ${MAX_DIMENSIONS})`,
      );
    }
    if (Array.isArray(e) && dimensions !== -1 && e.length !== dimensions) {
      throw new Error('embeddings endpoint returned vectors of different lengths');
    }
    if (Array.isArray(e)) dimensions = e.length;
    if (
      !Array.isArray(e) ||
      e.length === 0 ||
      !Number.isInteger(index) ||
      index < 0 ||
      index >= expected ||
      !e.every((x) => typeof x === 'number' && Number.isFinite(x))
    ) {
      throw new Error('embeddings endpoint returned a malformed vector');
    }
    out[index] = normalise(Float32Array.from(e as number[]));
  });
  for (let i = 0; i < expected; i++) if (!out[i]) throw new Error('embeddings endpoint skipped an input');
  return out;
}

/** Embeds any number of texts in batches of EMBED_BATCH, one request at a time. */
export async function embedAll(
  embedder: Embedder,
  texts: string[],
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += EMBED_BATCH) {
    signal?.throwIfAborted();
    out.push(...(await embedder.embed(texts.slice(i, i + EMBED_BATCH), signal)));
  }
  return out;
}

/**
 * Embeds texts in batches of EMBED_BATCH with at most `concurrency` requests in flight, vectors in input
 * order. The first failure (or the signal) stops it: no further batch starts.
 */
export async function embedConcurrently(
  embedder: Embedder,
  texts: string[],
  signal?: AbortSignal,
  concurrency = EMBED_CONCURRENCY,
): Promise<Float32Array[]> {
  const out: Float32Array[] = new Array(texts.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < texts.length) {
      signal?.throwIfAborted();
      const start = next;
      next += EMBED_BATCH;
      try {
        const vectors = await embedder.embed(texts.slice(start, start + EMBED_BATCH), signal);
        for (let i = 0; i < vectors.length; i++) out[start + i] = vectors[i] as Float32Array;
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers = Array.from(
    { length: Math.max(1, Math.min(concurrency, Math.ceil(texts.length / EMBED_BATCH))) },
    worker,
  );
  const results = await Promise.allSettled(workers);
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  return out;
}

function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) * (v[i] as number);
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / norm;
  return v;
}

/** float32 little-endian bytes (the store's `embedding` column). */
export function vectorToBytes(v: Float32Array): Uint8Array {
  const bytes = new Uint8Array(v.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i] as number, true);
  return bytes;
}

export function bytesToVector(bytes: Uint8Array): Float32Array {
  const n = Math.floor(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = view.getFloat32(i * 4, true);
  return v;
}

/** Dot product of unit vectors = cosine similarity; vectors of another length score 0. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
