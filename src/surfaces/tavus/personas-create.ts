import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { emptyFields, type JsonObject } from '../../core/persona.ts';
import { createPersona } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { baseUrlOf, checkBaseUrl } from './llm-base-url.ts';
import { checkDocumentIds } from './persona-documents.ts';
import { errorResponses, PersonaCreateBody, PersonaCreated, security } from './schemas.ts';
import { createdWire, fieldsFromDocument } from './wire.ts';

export const route = createRoute({
  method: 'post',
  path: '/personas',
  tags: ['Tavus personas'],
  summary: 'Create Persona',
  description:
    'Creates a persona usable on every surface (it appears on /v1 with `name` = `persona_name`). ' +
    '`system_prompt` is required unless `pipeline_mode` is `echo`. Unknown fields are kept as sent; ' +
    '`layers.llm.api_key`, `layers.tts.api_key` and `layers.llm.headers` values are encrypted at rest.',
  security,
  request: { body: { required: true, content: { 'application/json': { schema: PersonaCreateBody } } } },
  responses: {
    200: { description: 'The new persona.', content: { 'application/json': { schema: PersonaCreated } } },
    ...errorResponses(400, 401, 413, 415, 503),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const ctx = c.get('ctx');
    const doc = c.req.valid('json');
    // The body as sent (already parsed and validated): layers and extra fields keep their key order.
    const raw: JsonObject = await c.req.json();
    await checkBaseUrl(ctx, baseUrlOf(doc.layers));
    await checkDocumentIds(ctx, doc.document_ids ?? []);
    const p = await createPersona(ctx, fieldsFromDocument(ctx.secrets, raw, doc, emptyFields('')));
    return c.json(createdWire(p), 200);
  });
}
