import fc from 'fast-check';
import { label, pathParams, queryParams, type RouteContract } from './openapi-routes.ts';

/**
 * fast-check arbitraries that turn one valid request of a route into a bad one: wrong types, missing
 * and extra fields, huge strings, deep nesting, invalid UTF-8, NUL, prototype keys, duplicate keys,
 * wrong content types, truncation, absurd query values, random path ids, bad keys and methods.
 * Fixture ids travel as tokens (e.g. @V1P@) that the sender replaces with the current real ids.
 */

type Key = string | number;
type JsonPath = Key[];

export interface Base {
  route: RouteContract;
  /** The path with fixture tokens in place of path parameters. */
  path: string;
  body?: unknown;
}

export interface FuzzRequest {
  route: string;
  mutation: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** 'account': the fuzzing account's key; otherwise exactly these auth headers (maybe none). */
  auth: 'account' | Record<string, string>;
  body?: (string | Uint8Array)[];
}

const SPLICE = '@@SPLICE@@';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Every path into a JSON value (not the root), a few levels deep. */
function pathsOf(v: unknown, prefix: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  if (prefix.length > 5) return out;
  const entries: [Key, unknown][] = Array.isArray(v)
    ? v.map((x, i) => [i, x])
    : isObject(v)
      ? Object.entries(v)
      : [];
  for (const [k, x] of entries) {
    out.push([...prefix, k]);
    pathsOf(x, [...prefix, k], out);
  }
  return out;
}

const getAt = (v: unknown, path: JsonPath): unknown =>
  path.reduce<unknown>((x, k) => (x as Record<Key, unknown> | undefined)?.[k], v);

/** A copy of `v` with `path` set (own data property, so `__proto__` is a plain key) or removed. */
function withAt(v: unknown, path: JsonPath, value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const root = structuredClone(v);
  const parent = getAt(root, path.slice(0, -1));
  const key = path.at(-1) as Key;
  if (Array.isArray(parent) && typeof key === 'number') {
    if (remove) parent.splice(key, 1);
    else parent[key] = value;
  } else if (isObject(parent)) {
    if (remove) delete parent[key];
    else Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return root;
}

const weird = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '🙂',
  'null',
  'NaN',
  '-1',
  '1e309',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  "' OR 1=1 --",
  '%00',
  '\r\n',
  '\u202e',
  'ǅ',
);
const str = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 12 }), weird);
const json = fc.oneof(fc.jsonValue({ maxDepth: 3 }), str);

const text = (v: unknown) => JSON.stringify(v) ?? '';
/** encodeURIComponent throws on lone surrogates; the request must still be made. */
const encode = (s: string) => encodeURIComponent(s.toWellFormed());

/** The body text with raw text spliced in at a path (replacing its value). */
function spliced(body: unknown, path: JsonPath, raw: string | Uint8Array): (string | Uint8Array)[] {
  const [before, after] = text(withAt(body, path, SPLICE)).split(`"${SPLICE}"`);
  return [before ?? '', raw, after ?? ''];
}

const badBytes = fc.constantFrom(
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80],
  [0xe2, 0x82],
  [0x00],
);

function deepText(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const absurdQuery = fc.oneof(
  fc.constantFrom(
    '-1',
    '0',
    '-0',
    '1e309',
    '99999999999999999999',
    'NaN',
    'Infinity',
    '-Infinity',
    '1.5',
    '0x10',
    ' 7 ',
    '',
    '%00',
    '%',
    '%zz',
    '[]',
    '{}',
    'true',
    'null',
    '%EF%BC%91%EF%BC%92',
    '%D9%A3',
    '9'.repeat(400),
    '1,2',
  ),
  fc.integer().map(String),
  fc.double().map((d) => encode(String(d))),
  str.map(encode),
);

const randomId = fc.oneof(
  fc
    .string({ maxLength: 30 })
    .filter((s) => s.length > 0)
    .map(encode),
  fc.constantFrom(
    '..',
    '%2e%2e',
    '%2e%2e%2f',
    '%00',
    '%',
    '%zz',
    `p${'0'.repeat(24)}`,
    'a'.repeat(10_000),
    '%F0%9F%99%82',
    '%ED%A0%80',
    '%C0%AF',
    'null',
    '0',
    '-1',
    '%20',
    'x;y',
    'a,b',
    ',,',
    '__proto__',
    'constructor',
  ),
  fc.stringMatching(/^[a-z][a-z0-9_]{1,63}$/),
);

const contentTypes = fc.constantFrom(
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  'application/json; charset=utf-16',
  'application/jsonx',
  'APPLICATION/JSON',
  'application/xml',
  'json',
);

const authHeaders = fc.constantFrom<Record<string, string>>(
  {},
  { authorization: 'Bearer pk_garbage' },
  { authorization: 'Bearer ' },
  { authorization: 'Basic dXNlcjpwYXNz' },
  { 'x-api-key': 'x' },
  { authorization: `Bearer ${'a'.repeat(8000)}` },
  { authorization: 'Bearer pk_\u00ff\u00fe' },
);

const idempotencyKeys = fc.constantFrom('fuzz-1', 'fuzz-2', '', 'k'.repeat(256), '__proto__');

/** One arbitrary bad (or, rarely, valid) request for a route, built from its valid base request. */
export function mutationsOf(base: Base): fc.Arbitrary<FuzzRequest> {
  const { route } = base;
  const json0 = 'application/json';
  const request = (mutation: string, over: Partial<FuzzRequest> = {}): FuzzRequest => ({
    route: label(route),
    mutation,
    method: route.method,
    path: base.path,
    headers: base.body === undefined ? {} : { 'content-type': json0 },
    auth: 'account',
    ...(base.body === undefined ? {} : { body: [text(base.body)] }),
    ...over,
  });
  const withBody = (mutation: string, body: (string | Uint8Array)[]) => request(mutation, { body });
  const arbs: { arbitrary: fc.Arbitrary<FuzzRequest>; weight: number }[] = [
    { arbitrary: fc.constant(request('valid')), weight: 2 },
    { arbitrary: authHeaders.map((auth) => request('auth', { auth })), weight: 1 },
    {
      arbitrary: fc
        .constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')
        .filter((m) => m !== route.method)
        .map((method) => request('method', { method, ...(method === 'GET' ? { body: undefined } : {}) })),
      weight: 1,
    },
  ];
  const params = pathParams(route);
  if (params.length > 0) {
    arbs.push({
      arbitrary: randomId.map((id) => {
        let path = route.path;
        for (const p of params) path = path.replace(`{${p.name}}`, id);
        return request('path-id', { path });
      }),
      weight: 3,
    });
  }
  const query = queryParams(route);
  if (query.length > 0) {
    const pair = fc.tuple(
      fc.constantFrom(...query.map((q) => q.name), '__proto__', 'constructor[x]'),
      absurdQuery,
    );
    arbs.push({
      arbitrary: fc
        .array(pair, { minLength: 1, maxLength: 4 })
        .map((pairs) =>
          request('query', { path: `${base.path}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` }),
        ),
      weight: 4,
    });
  }
  if (base.body !== undefined) {
    const body = base.body;
    const paths = pathsOf(body);
    const anyPath = paths.length > 0 ? fc.constantFrom(...paths) : fc.constant<JsonPath>([]);
    const objectPaths = [[], ...paths].filter((p) => isObject(getAt(body, p)));
    const objectPath = objectPaths.length > 0 ? fc.constantFrom(...objectPaths) : fc.constant<JsonPath>([]);
    const bodyText = text(body);
    arbs.push(
      {
        arbitrary: fc
          .tuple(anyPath, json)
          .filter(([p, v]) => typeOf(v) !== typeOf(getAt(body, p)))
          .map(([p, v]) => withBody('wrong-type', [text(withAt(body, p, v))])),
        weight: 4,
      },
      {
        arbitrary: anyPath.map((p) => withBody('missing', [text(withAt(body, p, undefined, true))])),
        weight: 3,
      },
      {
        arbitrary: fc
          .tuple(
            objectPath,
            fc.oneof(
              str,
              fc.constantFrom(
                'id',
                'account_id',
                'version',
                'persona_type',
                'secrets',
                '_personakit_top_level',
              ),
            ),
            json,
          )
          .map(([p, k, v]) => withBody('extra', [text(withAt(body, [...p, k], v))])),
        weight: 3,
      },
      {
        arbitrary: fc
          .tuple(anyPath, fc.constantFrom(10_000, 100_000, 1_100_000))
          .map(([p, n]) => withBody('huge', [text(withAt(body, p, 'x'.repeat(n)))])),
        weight: 1,
      },
      {
        arbitrary: fc
          .tuple(
            fc.oneof(anyPath, fc.constant<JsonPath>([])),
            fc.constantFrom(100, 1_000, 10_000),
            fc.constantFrom('array' as const, 'object' as const),
          )
          .map(([p, depth, kind]) => withBody('deep', spliced(body, p, deepText(depth, kind)))),
        weight: 1,
      },
      {
        arbitrary: fc
          .tuple(anyPath, badBytes, fc.boolean(), fc.nat(bodyText.length))
          .map(([p, bytes, inString, at]) =>
            withBody(
              'invalid-utf8',
              inString
                ? spliced(body, p, new Uint8Array([0x22, ...bytes, 0x22]))
                : [bodyText.slice(0, at), new Uint8Array(bytes), bodyText.slice(at)],
            ),
          ),
        weight: 2,
      },
      {
        arbitrary: fc
          .tuple(objectPath, fc.string({ maxLength: 8 }), fc.boolean())
          .map(([p, s, asKey]) =>
            withBody('nul', [text(withAt(body, [...p, asKey ? `k\u0000${s}` : 'name'], `${s}\u0000${s}`))]),
          ),
        weight: 2,
      },
      {
        arbitrary: fc
          .tuple(
            objectPath,
            fc.constantFrom('__proto__', 'constructor', 'prototype'),
            fc.constantFrom<unknown>({ polluted: 'yes' }, { prototype: { polluted: 'yes' } }, 'yes', [1]),
          )
          .map(([p, k, v]) => withBody('proto', [text(withAt(body, [...p, k], v))])),
        weight: 3,
      },
      {
        arbitrary: fc.tuple(objectPath, json).map(([p, v]) => {
          const holder = getAt(body, p) as Record<string, unknown>;
          const key = Object.keys(holder)[0] ?? 'name';
          const raw = text(withAt(body, [...p, '@@DUP@@'], SPLICE));
          return withBody('duplicate-key', [raw.replace(`"@@DUP@@":"${SPLICE}"`, `${text(key)}:${text(v)}`)]);
        }),
        weight: 2,
      },
      {
        arbitrary: fc.tuple(contentTypes, fc.boolean()).map(([type, form]) =>
          request('content-type', {
            headers: type === undefined ? {} : { 'content-type': type },
            body: [form ? 'a=1&b=%00' : bodyText],
          }),
        ),
        weight: 2,
      },
      {
        arbitrary: fc
          .nat(Math.max(0, bodyText.length - 1))
          .map((n) => withBody('truncated', [bodyText.slice(0, n)])),
        weight: 2,
      },
    );
  }
  // Any request may also carry an Idempotency-Key: a failed request must still leave the store as it was.
  return fc
    .tuple(fc.oneof(...arbs), fc.option(idempotencyKeys, { freq: 6 }))
    .map(([r, key]) =>
      printable(
        key === null || r.method !== 'POST' ? r : { ...r, headers: { ...r.headers, 'idempotency-key': key } },
      ),
    );
}

/** fast-check prints counterexamples in full; a 1 MB body would bury the report. */
function printable(r: FuzzRequest): FuzzRequest {
  const short = (s: string) => (s.length > 400 ? `${s.slice(0, 400)}…(${s.length} chars)` : s);
  const body = r.body
    ?.map((p) => (typeof p === 'string' ? short(p) : `<bytes ${[...p].join(',')}>`))
    .join('');
  Object.defineProperty(r, fc.toStringMethod, {
    value: () => JSON.stringify({ ...r, path: short(r.path), headers: r.headers, body }),
  });
  return r;
}
