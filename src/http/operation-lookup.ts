import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { operationIdOf } from './openapi-operations.ts';

/** Which operation a matched route is: (method, Hono route path such as /v1/personas/:id) → operationId. */
export type OperationLookup = (method: string, routePath: string) => string | undefined;

/**
 * The lookup for one surface, built from its route contracts on first use (every route is registered by
 * then), so the operationId the scope table keys on is the one /openapi.json shows.
 */
export function surfaceOperations(app: OpenAPIHono<AppEnv>, prefix: string): OperationLookup {
  let table: Map<string, string> | undefined;
  return (method, routePath) => {
    table ??= build(app, prefix);
    return table.get(`${method} ${routePath}`);
  };
}

function build(app: OpenAPIHono<AppEnv>, prefix: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const d of app.openAPIRegistry.definitions) {
    if (d.type !== 'route') continue;
    const { method, path, operationId } = d.route;
    const full = `${prefix}${path}`;
    const honoPath = full.replace(/\{([^}]+)\}/g, ':$1');
    table.set(`${method.toUpperCase()} ${honoPath}`, operationIdOf(method, full, operationId));
  }
  return table;
}
