/**
 * The app's routes as its own OpenAPI document describes them, for tests that must cover every route
 * (a route added later is covered without editing the tests): methods, parameters, body schemas, and a
 * valid value built from a schema's examples and defaults.
 */

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents are arbitrary JSON
export type Schema = Record<string, any>;
// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents are arbitrary JSON
export type OpenApiDoc = Record<string, any>;

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: Schema;
}

export interface RouteContract {
  method: string;
  /** The OpenAPI path, e.g. /v1/personas/{id}. */
  path: string;
  params: Param[];
  body?: { schema: Schema; contentTypes: string[] };
  /** The statuses the route documents. */
  statuses: number[];
}

export const label = (r: Pick<RouteContract, 'method' | 'path'>) => `${r.method} ${r.path}`;

/** Follows `$ref`s into components. */
export function deref(doc: OpenApiDoc, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; s.$ref && i < 20; i++) {
    const name = String(s.$ref).replace('#/components/schemas/', '');
    s = doc.components?.schemas?.[name] ?? {};
  }
  return s;
}

export function routesOf(doc: OpenApiDoc): RouteContract[] {
  const routes: RouteContract[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {}) as [string, Schema][]) {
    for (const [method, op] of Object.entries(item) as [string, Schema][]) {
      const content = op.requestBody?.content as Record<string, Schema> | undefined;
      const types = Object.keys(content ?? {});
      const first = types[0];
      routes.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []) as Param[],
        ...(content && first
          ? { body: { schema: deref(doc, content[first]?.schema), contentTypes: types } }
          : {}),
        statuses: Object.keys(op.responses ?? {}).map(Number),
      });
    }
  }
  return routes;
}

export const pathParams = (r: RouteContract) => r.params.filter((p) => p.in === 'path');
export const queryParams = (r: RouteContract) => r.params.filter((p) => p.in === 'query');

/**
 * A valid value for a schema: its example, else its default, else one built from its type (objects get
 * their required properties and those with examples). Per-route fixtures then put real ids in.
 */
export function exampleOf(doc: OpenApiDoc, schema: Schema | undefined, depth = 0): unknown {
  const s = deref(doc, schema);
  if (s.example !== undefined) return structuredClone(s.example);
  if (s.default !== undefined) return structuredClone(s.default);
  if (depth > 8) return null;
  const variants = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (variants?.[0]) return exampleOf(doc, variants[0], depth + 1);
  if (s.enum) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  if (type === 'object' || s.properties) {
    const required = new Set<string>(s.required ?? []);
    const out: Record<string, unknown> = {};
    for (const [name, prop] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
      const p = deref(doc, prop);
      if (required.has(name) || p.example !== undefined) out[name] = exampleOf(doc, p, depth + 1);
    }
    return out;
  }
  if (type === 'array') return [exampleOf(doc, s.items, depth + 1)];
  if (type === 'integer' || type === 'number') return s.minimum ?? 1;
  if (type === 'boolean') return false;
  if (type === 'string') return 'x'.repeat(Math.max(1, s.minLength ?? 1));
  return null;
}
