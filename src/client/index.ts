import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema.ts';

/**
 * The typed personakit client (`import { personakitClient } from 'personakit/client'`): openapi-fetch
 * over the types generated from the server's OpenAPI document (schema.ts), so every route, parameter,
 * body and answer of every surface is checked by the compiler.
 *
 *   const pk = personakitClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.PERSONAKIT_API_KEY });
 *   const { data, error } = await pk.POST('/v1/personas', { body: { name: 'Ada', attributes: {} } });
 *
 * Calls answer `{ data }` on success and `{ error }` (the surface's own error shape) otherwise; they
 * never throw for an HTTP status.
 */
export type { components, operations, paths };

export interface PersonakitClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** The server, e.g. http://127.0.0.1:8080 (no trailing path). */
  baseUrl: string;
  /** A personakit API key, sent as `Authorization: Bearer`. */
  apiKey?: string | undefined;
}

export type PersonakitClient = Client<paths>;

export function personakitClient(options: PersonakitClientOptions): PersonakitClient {
  const { apiKey, baseUrl, ...rest } = options;
  let end = baseUrl.length;
  while (end > 0 && baseUrl[end - 1] === '/') end--;
  const client = createClient<paths>({ ...rest, baseUrl: baseUrl.slice(0, end) });
  if (apiKey) {
    const auth: Middleware = {
      onRequest({ request }) {
        if (!request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${apiKey}`);
        return request;
      },
    };
    client.use(auth);
  }
  return client;
}
