import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { usageAs } from '../../core/usage-report.ts';
import type { AppEnv } from '../../http/env.ts';
import { adminErrors, UsageQuerySchema, UsageReportSchema } from './schemas.ts';

export const route = createRoute({
  method: 'get',
  path: '/usage',
  tags: ['Usage'],
  summary: 'Usage report',
  description:
    'Sums of metered calls (refine, chat, conversation turns) in [from, to), grouped by key, persona, ' +
    'model or UTC day. An account’s key sees its account; an operator key sees every account, or one ' +
    'with `account_id`. Tokens of the local engine are estimates (`estimated_requests`).',
  operationId: 'getUsage',
  security: [{ bearerAuth: [] }],
  request: { query: UsageQuerySchema },
  responses: {
    200: { description: 'The report.', content: { 'application/json': { schema: UsageReportSchema } } },
    ...adminErrors(400, 401, 403),
  },
});

const DAY_MS = 86_400_000;

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const ctx = c.get('ctx');
    const q = c.req.valid('query');
    const to = q.to ? new Date(q.to) : ctx.now();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY_MS);
    const range = { from: from.toISOString(), to: to.toISOString() };
    const report = await usageAs(ctx, { ...range, groupBy: q.group_by, accountId: q.account_id });
    return c.json({ ...range, group_by: q.group_by, ...report }, 200);
  });
}
