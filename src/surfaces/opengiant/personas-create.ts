import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Ctx } from '../../core/context.ts';
import { emptyFields } from '../../core/persona.ts';
import { createPersona } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { nativeRoute } from '../../http/native.ts';
import { attributeWarnings } from '../../style/vocabulary.ts';
import { openGiantError } from './errors.ts';
import { created, errorResponses, PersonaCreateBody, PersonaCreated } from './schemas.ts';

export const route = createRoute({
  method: 'post',
  path: '/personas',
  tags: ['OpenGiant personas'],
  summary: 'Create a persona',
  description:
    'Create a new AI persona. A style attribute with a value outside its vocabulary, or an unknown field, is a ' +
    '400; an attribute key one edit away from a style key is stored and reported in `warnings`.',
  operationId: 'createPersona',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: PersonaCreateBody } } } },
  responses: {
    200: {
      description: 'Persona created successfully.',
      content: { 'application/json': { schema: PersonaCreated } },
    },
    ...errorResponses(400, 401, 413, 415),
  },
});

type Body = z.infer<typeof PersonaCreateBody>;

const handle = async (ctx: Ctx, body: Body) => {
  const fields = { ...emptyFields(body.name), attributes: body.attributes };
  if (body.description !== undefined) fields.description = body.description;
  const persona = await createPersona(ctx, fields);
  return created(persona, body.description !== undefined, attributeWarnings(body.attributes));
};

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await handle(c.get('ctx'), c.req.valid('json')), 200));
}

export const native = nativeRoute<undefined, Body>('/v1', route, openGiantError, async (ctx, i) => ({
  status: 200,
  json: await handle(ctx, i.body),
}));
