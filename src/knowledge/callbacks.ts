import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Services } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import type { JobRecord } from '../jobs/queue.ts';
import { pinnedLookup, resolveOutboundUrl } from '../net/outbound-url.ts';
import type { Tx } from '../storage/db.ts';
import type { DocumentRow } from '../storage/schema.ts';
import { documentWire } from './document-wire.ts';

/**
 * Status callbacks: each status change of a document with a callback_url enqueues a 'knowledge.callback'
 * job (in the transaction that changed the status) carrying the document object as it was then. The job
 * POSTs it through the outbound-URL guard, retried with backoff on a network error or a non-2xx answer.
 * With PERSONAKIT_WEBHOOK_SECRET each call is signed:
 *   x-personakit-timestamp: <unix seconds>
 *   x-personakit-signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
 */
export const CALLBACK_JOB = 'knowledge.callback';
export const CALLBACK_ATTEMPTS = 6;
const CALLBACK_TIMEOUT_MS = 10_000;

interface CallbackPayload {
  url: string;
  body: string;
}

export async function enqueueCallback(
  services: Pick<Services, 'jobs'> & { accountId?: string },
  row: DocumentRow,
  tx?: Tx,
): Promise<void> {
  if (row.callback_url === null) return;
  const payload: CallbackPayload = { url: row.callback_url, body: JSON.stringify(documentWire(row)) };
  await services.jobs.enqueue(
    CALLBACK_JOB,
    payload,
    { maxAttempts: CALLBACK_ATTEMPTS, accountId: row.account_id },
    tx,
  );
}

export function signCallback(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export async function deliverCallback(
  services: Services,
  job: JobRecord,
  signal: AbortSignal,
): Promise<void> {
  const { url, body } = job.payload as CallbackPayload;
  let target: Awaited<ReturnType<typeof resolveOutboundUrl>>;
  try {
    target = await resolveOutboundUrl(url, services.config.PERSONAKIT_ALLOWED_HOSTS, 'callback_url');
  } catch (err) {
    // A refused target stays refused: retrying would only repeat the refusal.
    if (err instanceof AppError) {
      services.log.warn({ jobId: job.id, reason: err.message }, 'knowledge callback refused');
      return;
    }
    throw err;
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'personakit' };
  const secret = services.config.PERSONAKIT_WEBHOOK_SECRET;
  if (secret) {
    const timestamp = String(Math.floor(services.now().getTime() / 1000));
    headers['x-personakit-timestamp'] = timestamp;
    headers['x-personakit-signature'] = signCallback(secret, timestamp, body);
  }
  const dispatcher = new Agent({ connect: { lookup: pinnedLookup(target) } });
  try {
    const res = await request(target.url, {
      method: 'POST',
      headers,
      body,
      dispatcher,
      signal: AbortSignal.any([signal, AbortSignal.timeout(CALLBACK_TIMEOUT_MS)]),
    });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new Error(`callback answered HTTP ${res.statusCode}`);
    }
  } finally {
    await dispatcher.close();
  }
}
