import { inWorker } from '../style/off-thread.ts';
import { type EncodedJson, encodeJson } from './native.ts';

/**
 * A reply that carries a long text (a refine of a 16 MiB answer) serialized off the event loop (issue 11):
 * JSON.stringify of 15 M newlines (30 MB of `\n` escapes) and writing that string to the socket held the
 * loop ~0.2 s. The value goes to the worker pool of style/off-thread.ts (a long string crosses as one
 * copy) and comes back as UTF-8 bytes, moved, which the socket takes without another encoding. Callers
 * pass the length of the long text they know of; below LARGE_REPLY_CHARS it is encoded inline.
 */
export const LARGE_REPLY_CHARS = 256 * 1024;

export async function encodeReply(value: unknown, chars: number): Promise<EncodedJson> {
  if (chars < LARGE_REPLY_CHARS) return encodeJson(value);
  const job = inWorker({ kind: 'encode-json', value }, chars);
  if (!job) return encodeJson(value);
  try {
    const { bytes } = await job;
    const buf = bytes as Uint8Array;
    return { text: Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), bytes: buf.byteLength };
  } catch {
    return encodeJson(value);
  }
}
