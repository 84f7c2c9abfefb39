import assert from 'node:assert/strict';
import { createKey } from '../../src/core/api-keys.ts';
import { GRANTABLE_SCOPES, type Scope } from '../../src/core/scopes.ts';
import { anyKeyOperations, operationScopes } from '../../src/http/scopes.ts';
import { errorShapeProblem } from './error-shapes.ts';
import type { Harness } from './harness.ts';
import { label, type OpenApiDoc, type Schema } from './openapi-routes.ts';

/**
 * The one auth test every route gets (as Unkey's shared route helper does): walks every operation of
 * the app's own /openapi.json, so a route added later is covered without editing any test, and checks
 * that (1) a key missing the operation's scope is refused with 403 in that surface's error shape, naming
 * the scope, and (2) a key holding that scope alone gets past the check (whatever the dummy request then
 * earns, it is not 401 or 403).
 */

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. /v1/personas/{id}. */
  path: string;
  operationId: string;
}

export function operationsOf(doc: OpenApiDoc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {}) as [string, Schema][])
    for (const [method, op] of Object.entries(item) as [string, Schema][])
      out.push({ method: method.toUpperCase(), path, operationId: String(op.operationId) });
  return out;
}

/** Sends one request: the in-process app, or a real socket (the native fast path). */
export type Send = (
  method: string,
  path: string,
  key: string,
) => Promise<{ status: number; contentType: string | null; text: string }>;

/** A request that can reach any route's auth check: dummy ids in the path, `{}` as the body. */
export const concretePath = (path: string) => path.replace(/\{[^}]+\}/g, 'nosuch_1');

export function sendThrough(fetchLike: (path: string, init: RequestInit) => Promise<Response>): Send {
  return async (method, path, key) => {
    const hasBody = method === 'POST' || method === 'PATCH' || method === 'PUT';
    const res = await fetchLike(concretePath(path), {
      method,
      headers: { authorization: `Bearer ${key}`, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      ...(hasBody ? { body: '{}' } : {}),
    });
    return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
  };
}

/** A key of a fresh account holding exactly these scopes. */
async function keyWith(h: Harness, scopes: Scope[], operator = false): Promise<string> {
  const name = `scopes-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return (await createKey(h.services.db, name, new Date(), { scopes, operator })).key;
}

export async function checkScopesOnEveryRoute(h: Harness, doc: OpenApiDoc, send: Send): Promise<number> {
  const ops = operationsOf(doc);
  const keysFor = new Map<Scope, { without: string; only: string }>();
  let checked = 0;
  for (const op of ops) {
    if (anyKeyOperations.has(op.operationId)) {
      // Open to every valid key: one holding no scope at all gets past the check.
      const r = await send(op.method, op.path, await keyWith(h, []));
      assert.ok(r.status !== 403 && r.status !== 401, `${label(op)} with no scope: ${r.status} ${r.text}`);
      checked++;
      continue;
    }
    const scope = operationScopes[op.operationId];
    assert.ok(scope, `${label(op)} (${op.operationId}) has no entry in src/http/scopes.ts`);
    let keys = keysFor.get(scope);
    if (!keys) {
      // accounts: an account key with every scope lacks it; an operator key holding nothing else has it.
      keys =
        scope === 'accounts'
          ? { without: await keyWith(h, [...GRANTABLE_SCOPES]), only: await keyWith(h, ['usage'], true) }
          : {
              without: await keyWith(
                h,
                GRANTABLE_SCOPES.filter((s) => s !== scope),
              ),
              only: await keyWith(h, [scope]),
            };
      keysFor.set(scope, keys);
    }
    const refused = await send(op.method, op.path, keys.without);
    assert.equal(refused.status, 403, `${label(op)} without "${scope}": ${refused.status} ${refused.text}`);
    const problem = errorShapeProblem(op.path, 403, refused.contentType, refused.text);
    assert.equal(problem, undefined, `${label(op)} 403 shape: ${problem} in ${refused.text}`);
    assert.match(refused.text, scope === 'accounts' ? /operator/ : new RegExp(`'${scope}'`), label(op));
    const passed = await send(op.method, op.path, keys.only);
    assert.ok(
      passed.status !== 403 && passed.status !== 401,
      `${label(op)} with only "${scope}": ${passed.status} ${passed.text}`,
    );
    checked++;
  }
  return checked;
}
