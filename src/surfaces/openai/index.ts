import { OpenAPIHono } from '@hono/zod-openapi';
import type { Services } from '../../core/context.ts';
import { authenticate } from '../../http/auth.ts';
import type { AppEnv } from '../../http/env.ts';
import { jsonBody } from '../../http/json-body.ts';
import { surfaceOperations } from '../../http/operation-lookup.ts';
import { validationHook } from '../../http/validation.ts';
import * as completions from './chat-completions.ts';
import { openAiError } from './errors.ts';
import * as models from './models.ts';

/** The paths this surface answers under /v1 (the OpenGiant surface has the rest of /v1). */
export const ownsPath = (path: string) =>
  path.startsWith('/v1/chat/') || path === '/v1/models' || path.startsWith('/v1/models/');

/**
 * The OpenAI-compatible surface (issue 14): Chat Completions and Models, where a model is a persona.
 * It shares the /v1 prefix with the OpenGiant surface, so its middleware is bound to its own paths only,
 * and it is mounted first: its routes answer before the OpenGiant middleware would run.
 */
export function openAiSurface(services: Services) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const auth = authenticate(services, surfaceOperations(app, '/v1'));
  app.use('/chat/*', auth, jsonBody());
  app.use('/models', auth);
  app.use('/models/*', auth);
  completions.register(app);
  models.register(app);
  return { prefix: '/v1', app, errorMapper: openAiError, owns: ownsPath };
}

export const openAiNativeRoutes = [completions.native];
