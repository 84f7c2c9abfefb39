import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Ctx } from '../../core/context.ts';
import { getPersona, updatePersona } from '../../core/personas.ts';
import type { AppEnv } from '../../http/env.ts';
import { patchValidationHook } from './errors.ts';
import { applyPersonaPatch, patchedBaseUrl } from './json-patch.ts';
import { assertChecked, baseUrlOf, checkBaseUrl } from './llm-base-url.ts';
import { checkPatchedDocumentIds } from './persona-documents.ts';
import { errorResponses, PatchBody, PersonaIdParam, PersonaSchema, security } from './schemas.ts';
import { toWire } from './wire.ts';

export const route = createRoute({
  method: 'patch',
  path: '/personas/{persona_id}',
  tags: ['Tavus personas'],
  summary: 'Patch Persona',
  description:
    'Applies a JSON Patch (RFC 6902) to the persona as GET shows it, all or nothing, with the row locked ' +
    'so concurrent patches never lose one another. Secrets read as `********` there: leave them and they ' +
    'are kept, replace them to set new ones. Content-Type `application/json` or `application/json-patch+json`.',
  security,
  request: {
    params: PersonaIdParam,
    body: {
      required: true,
      content: {
        'application/json': { schema: PatchBody },
        'application/json-patch+json': { schema: PatchBody },
      },
    },
  },
  responses: {
    200: { description: 'The updated persona.', content: { 'application/json': { schema: PersonaSchema } } },
    304: {
      description:
        'No changes were made to the persona. Tavus documents the body `{"message": "No changes were made ' +
        'to the persona"}`, but HTTP forbids a body on 304, so none is sent.',
    },
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 503),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route,
    async (c) => {
      const ctx = c.get('ctx');
      const ops = c.req.valid('json');
      const id = c.req.valid('param').persona_id;
      const checked = await checkPatchedBaseUrl(ctx, id, ops);
      await checkPatchedDocumentIds(ctx, id, ops);
      const { persona, changed } = await updatePersona(ctx, id, (current) => {
        const next = applyPersonaPatch(ctx.secrets, current, ops);
        assertChecked(current.layers, next.layers, checked);
        return next;
      });
      if (!changed) return c.body(null, 304);
      return c.json(toWire(persona), 200);
    },
    patchValidationHook,
  );
}

/**
 * A patch that sets a new layers.llm.base_url has it checked (with a DNS lookup) before the write
 * transaction, which must not wait on DNS. Returns the checked URL. Personas the caller cannot change
 * are left to updatePersona, so they fail exactly as without a base URL.
 */
async function checkPatchedBaseUrl(ctx: Ctx, id: string, ops: PatchBody): Promise<string | undefined> {
  const current = await getPersona(ctx, id, { includeSystem: false }).catch(() => undefined);
  if (!current) return undefined;
  const url = patchedBaseUrl(current, ops);
  if (url === undefined || url === baseUrlOf(current.layers)) return undefined;
  await checkBaseUrl(ctx, url);
  return url;
}
