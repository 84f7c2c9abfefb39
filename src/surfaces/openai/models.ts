import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import { chatPersona, parseModelId } from '../../chat/persona-version.ts';
import type { Ctx } from '../../core/context.ts';
import { AppError } from '../../core/errors.ts';
import type { Persona } from '../../core/persona.ts';
import { rowToPersona } from '../../core/persona.ts';
import { SYSTEM_ACCOUNT } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { errorResponses, ModelList, ModelParam, ModelSchema } from './schemas.ts';
import { modelNotFound } from './wire.ts';

/**
 * GET /v1/models and /v1/models/{model}: each persona the caller may chat with, as an OpenAI model
 * (its id the persona id, plus its name). OpenAI's list has no pages, so it is capped: the account's
 * newest MAX_LISTED personas, then the system personas.
 */
export const MAX_LISTED = 10_000;

export const listRoute = createRoute({
  method: 'get',
  path: '/models',
  tags: ['OpenAI-compatible chat'],
  summary: 'List models',
  description: `Your personas (newest first, at most ${MAX_LISTED}) and the system personas, as models.`,
  operationId: 'listModels',
  security: [{ bearerAuth: [] }],
  responses: {
    200: { description: 'The models.', content: { 'application/json': { schema: ModelList } } },
    401: errorResponses[401],
  },
});

export const getRoute = createRoute({
  method: 'get',
  path: '/models/{model}',
  tags: ['OpenAI-compatible chat'],
  summary: 'Retrieve a model',
  description: 'One persona as a model; `<persona_id>@<version>` names a version.',
  operationId: 'retrieveModel',
  security: [{ bearerAuth: [] }],
  request: { params: ModelParam },
  responses: {
    200: { description: 'The model.', content: { 'application/json': { schema: ModelSchema } } },
    401: errorResponses[401],
    404: errorResponses[404],
  },
});

type Model = z.infer<typeof ModelSchema>;

export function toModel(p: Persona, id = p.id): Model {
  return {
    id,
    object: 'model',
    created: Math.floor(Date.parse(p.createdAt) / 1000),
    owned_by: p.personaType === 'system' ? 'system' : 'personakit',
    name: p.name,
  };
}

export async function listModels(ctx: Ctx): Promise<Model[]> {
  const query = (account: string, limit: number) =>
    ctx.db.kysely
      .selectFrom('personas')
      .selectAll()
      .where('account_id', '=', account)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  const [own, system] = await Promise.all([query(ctx.accountId, MAX_LISTED), query(SYSTEM_ACCOUNT, 1_000)]);
  return [...own, ...system].map((row) => toModel(rowToPersona(row)));
}

export async function getModel(ctx: Ctx, model: string): Promise<Model> {
  const target = parseModelId(model);
  if (!target) throw modelNotFound(model);
  try {
    return toModel(await chatPersona(ctx, target.personaId, target.version), model);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') throw modelNotFound(model);
    throw err;
  }
}

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(listRoute, async (c) =>
    c.json({ object: 'list' as const, data: await listModels(c.get('ctx')) }, 200),
  );
  app.openapi(getRoute, async (c) => c.json(await getModel(c.get('ctx'), c.req.valid('param').model), 200));
}
