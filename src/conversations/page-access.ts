import { timingSafeEqual } from 'node:crypto';
import type { Services } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import type { Principal } from '../core/scopes.ts';
import { RequestCtx } from '../http/request-ctx.ts';

/**
 * Who may use a conversation without an API key: whoever holds its conversation_url. The id is
 * unguessable (~124 bits), so as with Tavus the URL itself is the capability; with require_auth the
 * meeting_token must come too (`?t=`). The context it gives acts for the conversation's account, and only
 * on this conversation (the page and its live endpoints take no other id).
 */
export async function conversationCapability(
  services: Services,
  conversationId: string,
  token: string | undefined,
  reqId: string,
): Promise<RequestCtx> {
  const row = await services.db.kysely
    .selectFrom('conversations')
    .select(['account_id', 'meeting_token'])
    .where('id', '=', conversationId)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'Conversation not found');
  if (row.meeting_token !== null) {
    const given = Buffer.from(token ?? '');
    const want = Buffer.from(row.meeting_token);
    if (given.length !== want.length || !timingSafeEqual(given, want)) {
      throw new AppError('unauthorized', 'You are not allowed to join this meeting.');
    }
  }
  // The page's requests are rate limited as a key of their own would be.
  const keyId = `conversation:${conversationId}`;
  await services.limiter.consume(keyId);
  // The URL is the capability for this conversation only: the conversations scope, no key's budget.
  const principal: Principal = {
    accountId: row.account_id,
    keyId,
    scopes: new Set(['conversations']),
    operator: false,
    expiresAt: null,
    budget: null,
  };
  return new RequestCtx(services, principal, reqId);
}
