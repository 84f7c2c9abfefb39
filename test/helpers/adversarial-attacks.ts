import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Answer,
  fieldOf,
  lastEvent,
  type Send,
  send,
  slowBody,
  stalledReader,
} from './adversarial-clients.ts';
import {
  type Attack,
  bounds,
  type Exchange,
  expect2xx,
  expect4xx,
  type Target,
} from './adversarial-guard.ts';
import {
  bracketBomb,
  deepeningPatch,
  doublingDepthPatch,
  doublingPatch,
  everyRuleAttributes,
  nested,
  runOf,
  textShapes,
  wide,
  wideCopyPatch,
  wordOf,
} from './adversarial-shapes.ts';
import { clipBody } from './suno.ts';

/**
 * The catalogue of the adversarial-size suite (issue 11): for each route that takes text or JSON, the
 * worst shapes at the size limit. Each attack is a named subtest; its requests carry labels so a failure
 * says which request broke which bound.
 */

/** The limits the attacks sit at (docs/operations.md, "Limits"). */
export const LIMITS = {
  body: 1024 * 1024,
  content: 100_000,
  answer: 16 * 1024 * 1024,
  depth: 64,
};

const req = (t: Target, s: Omit<Send, 'timeoutMs'> & { timeoutMs?: number }) =>
  send(t.origin, { key: t.key, timeoutMs: bounds.requestTimeoutMs, ...s });

const ex = (label: string, answer: Answer, check?: Exchange['check'], upstreamFault = false): Exchange => ({
  label,
  answer,
  ...(check ? { check } : {}),
  upstreamFault,
});

/** A stream's answer: 200 ending with exactly one `done` or `error` event, or an error status. */
export const streamEnds = (a: Answer) => {
  if (a.status !== 200) return undefined;
  const last = lastEvent(a.tail);
  return last?.event === 'done' || last?.event === 'error'
    ? undefined
    : `stream ended without a done or error event (last: ${last?.event ?? 'none'}, ${a.bytes} bytes)`;
};

/** A stream that must fail cleanly: an error status, or 200 ending with an `error` event. */
const streamFails = (a: Answer) => {
  if (a.status !== 200) return a.status >= 400 ? undefined : `status ${a.status}`;
  const last = lastEvent(a.tail);
  return last?.event === 'error'
    ? undefined
    : `expected an error event, the stream ended with ${last?.event}`;
};

const refineOpenai = (t: Target, model: string, extra: Record<string, unknown> = {}) => ({
  provider: 'openai',
  providerApiKey: 'sk-adversarial',
  model,
  personaId: t.everyRule,
  content: 'Thanks for waiting, your order shipped.',
  ...extra,
});

// ---------------------------------------------------------------------------------------------------
// The style engine: refine local over every shape at the content limit (SQLite only: no storage work).

const localShape = (shape: string): Attack => ({
  name: `refine local: ${LIMITS.content.toLocaleString('en')} chars of ${shape}`,
  storage: false,
  async run(t) {
    const content = textShapes[shape]?.(LIMITS.content) ?? '';
    const exchanges: Exchange[] = [];
    for (const [label, personaId] of [
      ['psys_support_agent', 'psys_support_agent'],
      ['every rule, 2,600 banned phrases', t.everyRule],
    ] as const) {
      const a = await req(t, {
        method: 'POST',
        path: '/v1/refine',
        json: { provider: 'local', personaId, content },
      });
      exchanges.push(ex(`persona ${label}`, a, expect2xx));
      if (a.status === 0) break; // the server is frozen: the next request would only measure that again
    }
    return { exchanges };
  },
});

const localAttacks: Attack[] = [
  ...Object.keys(textShapes).map(localShape),
  {
    name: 'refine local stream: 100,000 newlines, every rule',
    storage: false,
    async run(t) {
      const a = await req(t, {
        method: 'POST',
        path: '/v1/refine',
        json: {
          provider: 'local',
          personaId: t.everyRule,
          content: runOf('\n', LIMITS.content),
          stream: true,
        },
      });
      return { exchanges: [ex('stream', a, streamEnds)] };
    },
  },
  {
    name: 'refine local: content one past the limit',
    storage: false,
    async run(t) {
      const a = await req(t, {
        method: 'POST',
        path: '/v1/refine',
        json: { provider: 'local', personaId: t.everyRule, content: runOf('\n', LIMITS.content + 1) },
      });
      return { exchanges: [ex('100,001 newlines', a, expect4xx)] };
    },
  },
];

// ---------------------------------------------------------------------------------------------------
// Through a provider: the answer is the attacker (SQLite only).

/** Characters of a shape whose JSON-escaped answer stays just under the 16 MiB cap. */
const AT_CAP_NEWLINES = 7_500_000; // "\n" is 2 bytes escaped: 15 MB
const AT_CAP_PLAIN = 15_000_000;

const providerAttacks: Attack[] = [
  {
    name: 'refine openai JSON: 7,500,000 newlines answered (15 MB), checked against every rule',
    storage: false,
    maxMs: 30_000,
    async run(t) {
      const a = await req(t, {
        method: 'POST',
        path: '/v1/refine',
        timeoutMs: 45_000,
        json: refineOpenai(t, `adv-json:newlines:${AT_CAP_NEWLINES}`),
      });
      return { exchanges: [ex('JSON', a, undefined, true)] };
    },
  },
  {
    name: 'refine openai JSON enforce: 15,000,000 chars of ". " answered, repaired and checked',
    storage: false,
    maxMs: 30_000,
    async run(t) {
      const a = await req(t, {
        method: 'POST',
        path: '/v1/refine',
        timeoutMs: 45_000,
        json: refineOpenai(t, `adv-json:". " runs:${AT_CAP_PLAIN}`, { enforce: true }),
      });
      return { exchanges: [ex('JSON enforce', a, undefined, true)] };
    },
  },
  {
    name: 'refine openai JSON: answer past the 16 MiB cap (17 M spaces)',
    storage: false,
    async run(t) {
      const a = await req(t, {
        method: 'POST',
        path: '/v1/refine',
        json: refineOpenai(t, `adv-json:spaces:${17 * 2 ** 20}`),
      });
      return {
        exchanges: [
          ex('JSON', a, (x) => (x.status === 502 ? undefined : `expected 502, got ${x.status}`), true),
        ],
      };
    },
  },
  {
    name: 'refine openai stream enforce: 7,000,000 newlines in 64 Ki deltas',
    storage: false,
    maxMs: 30_000,
    async run(t) {
      const a = await req(t, {
        method: 'POST',
        path: '/v1/refine',
        timeoutMs: 45_000,
        json: refineOpenai(t, 'adv-stream:newlines:7000000', { stream: true, enforce: true }),
      });
      return { exchanges: [ex('stream enforce', a, streamEnds, true)] };
    },
  },
  {
    name: 'refine openai stream: 64 MiB streamed answer (4x the cap)',
    storage: false,
    async run(t) {
      const before = t.upstreamBytes();
      const a = await req(t, {
        method: 'POST',
        path: '/v1/refine',
        json: refineOpenai(t, `adv-stream:one-letter sentences:${64 * 2 ** 20}`, { stream: true }),
      });
      return {
        exchanges: [ex('stream', a, streamFails, true)],
        figures: { upstreamMiB: +((t.upstreamBytes() - before) / 2 ** 20).toFixed(1), answerBytes: a.bytes },
      };
    },
  },
  {
    name: 'refine openai stream: endless SSE line (16 MiB, no newline)',
    storage: false,
    async run(t) {
      const a = await req(t, {
        method: 'POST',
        path: '/v1/refine',
        json: refineOpenai(t, `adv-endless:${LIMITS.answer}`, { stream: true }),
      });
      return { exchanges: [ex('stream', a, streamFails, true)] };
    },
  },
  {
    name: 'refine openai stream: 4 clients that never read a 64 MiB answer (held 4 s)',
    storage: false,
    async run(t) {
      const before = t.upstreamBytes();
      const readers = await Promise.all(
        [0, 1, 2, 3].map(() =>
          stalledReader(
            t.origin,
            t.key,
            refineOpenai(t, `adv-stream:one-letter sentences:${64 * 2 ** 20}`, { stream: true }),
          ),
        ),
      );
      await sleep(4000);
      const problems = readers
        .map((r, i) =>
          r.status() === 200 || r.status() === 0 ? undefined : `reader ${i}: status ${r.status()}`,
        )
        .filter((p): p is string => p !== undefined);
      const closed = readers.filter((r) => r.closedByServer()).length;
      for (const r of readers) r.destroy();
      return {
        exchanges: [],
        problems,
        figures: {
          upstreamMiB: +((t.upstreamBytes() - before) / 2 ** 20).toFixed(1),
          closedByServerWithin4s: closed,
        },
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------------
// Connections: slow bodies (SQLite only).

const SLOW_BODY_BOUND_MS = Number(process.env.ADVERSARIAL_SLOW_BODY_MS ?? 20_000);

const connectionAttacks: Attack[] = [
  {
    name: 'slow bodies: 16 without a key and 16 with one, one byte every 2 s',
    storage: false,
    maxMs: SLOW_BODY_BOUND_MS + 5000,
    async run(t) {
      const unauth = Array.from({ length: 16 }, () =>
        slowBody(t.origin, { everyMs: 2000, boundMs: 5000 + 1000 }),
      );
      const auth = Array.from({ length: 16 }, () =>
        slowBody(t.origin, { key: t.key, everyMs: 2000, boundMs: SLOW_BODY_BOUND_MS }),
      );
      const [u, k] = await Promise.all([Promise.all(unauth), Promise.all(auth)]);
      const problems: string[] = [];
      const openU = u.filter((r) => r.closedAfterMs === undefined).length;
      const openK = k.filter((r) => r.closedAfterMs === undefined).length;
      if (openU)
        problems.push(
          `${openU}/16 unauthenticated slow bodies still connected after 6 s (statuses ${[...new Set(u.map((r) => r.status))]})`,
        );
      if (openK)
        problems.push(
          `${openK}/16 authenticated slow bodies still connected after ${SLOW_BODY_BOUND_MS} ms (${Math.max(...k.map((r) => r.bytesSent))} bytes sent)`,
        );
      const bad = [...u, ...k].filter((r) => r.status >= 500);
      if (bad.length) problems.push(`${bad.length} slow bodies got a 5xx (${bad[0]?.status})`);
      const when = (rs: typeof u) =>
        Math.round(Math.max(0, ...rs.map((r) => r.closedAfterMs ?? Number.POSITIVE_INFINITY)));
      return {
        exchanges: [],
        problems,
        figures: {
          unauthenticated: { statuses: [...new Set(u.map((r) => r.status))], closedAfterMsMax: when(u) },
          authenticated: { statuses: [...new Set(k.map((r) => r.status))], closedAfterMsMax: when(k) },
        },
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------------
// Storage routes: /v1, /v2 (incl. JSON Patch), /suno, the persona cache (both backends).

const v1Attacks: Attack[] = [
  {
    name: 'v1 create and patch: 2,600 banned phrases, 300 vocabulary words (64 KiB attributes)',
    storage: true,
    async run(t) {
      const c = await req(t, {
        method: 'POST',
        path: '/v1/personas',
        json: { name: 'Every rule', attributes: everyRuleAttributes() },
      });
      const id = fieldOf(c, 'id');
      const p = await req(t, {
        method: 'PATCH',
        path: `/v1/personas/${id}`,
        json: { name: runOf(' x', 200).trim(), attributes: everyRuleAttributes() },
      });
      return { exchanges: [ex('create', c, expect2xx), ex('patch', p, expect2xx)] };
    },
  },
  {
    name: 'v1 create: attributes 62 levels deep and 4,000 keys wide, then refine local',
    storage: true,
    async run(t) {
      const c = await req(t, {
        method: 'POST',
        path: '/v1/personas',
        json: { name: 'Deep', attributes: { ...wide(4000), deep: nested(60, runOf('. ', 1000)) } },
      });
      const exchanges = [ex('create', c)];
      if (c.status === 200) {
        const id = fieldOf(c, 'id');
        const r = await req(t, {
          method: 'POST',
          path: '/v1/refine',
          json: { provider: 'local', personaId: id, content: runOf('. ', LIMITS.content) },
        });
        exchanges.push(ex('refine local', r, expect2xx));
      }
      return { exchanges };
    },
  },
  {
    name: 'v1 create: JSON nested past the limit (1 MiB of "[", and 200 object levels)',
    storage: true,
    async run(t) {
      const a = await req(t, {
        method: 'POST',
        path: '/v1/personas',
        body: bracketBomb(LIMITS.body - 10),
        headers: { 'content-type': 'application/json' },
      });
      const b = await req(t, {
        method: 'POST',
        path: '/v1/personas',
        json: { name: 'Too deep', attributes: nested(200) },
      });
      return { exchanges: [ex('1 MiB of "["', a, expect4xx), ex('200 levels', b, expect4xx)] };
    },
  },
  {
    name: 'v1 create: 1 MiB body of 90,000 keys and a name of 1 MiB whitespace',
    storage: true,
    async run(t) {
      const a = await req(t, {
        method: 'POST',
        path: '/v1/personas',
        json: { name: 'Wide', attributes: wide(90_000) },
      });
      const b = await req(t, {
        method: 'POST',
        path: '/v1/personas',
        json: { name: runOf(' \n', LIMITS.body - 100) },
      });
      return { exchanges: [ex('90,000 keys', a, expect4xx), ex('whitespace name', b, expect4xx)] };
    },
  },
];

async function v2Persona(t: Target, extra: Record<string, unknown> = {}) {
  const c = await req(t, {
    method: 'POST',
    path: '/v2/personas',
    json: { persona_name: 'Target', system_prompt: 'You are patient.', context: 'start', ...extra },
  });
  return { answer: c, id: fieldOf(c, 'persona_id') };
}

const patch = (t: Target, id: string, ops: unknown) =>
  req(t, { method: 'PATCH', path: `/v2/personas/${id}`, json: ops });

const v2Attacks: Attack[] = [
  {
    name: 'v2 create: 1 MiB context of newlines, system prompt of ". " runs, then refine local',
    storage: true,
    async run(t) {
      const { answer, id } = await v2Persona(t, {
        system_prompt: runOf('. ', 100_000),
        // "\n" is 2 bytes in JSON: the body ends just under 1 MiB.
        context: runOf('\n', (LIMITS.body - 100_000 - 1000) / 2),
      });
      const r = await req(t, {
        method: 'POST',
        path: '/v1/refine',
        json: { provider: 'local', personaId: id, content: runOf('\n', LIMITS.content) },
      });
      return { exchanges: [ex('create', answer, expect2xx), ex('refine local', r, expect2xx)] };
    },
  },
  {
    name: 'v2 create: layers 60 levels deep and 40,000 keys wide (1 MiB)',
    storage: true,
    async run(t) {
      const { answer } = await v2Persona(t, {
        layers: { llm: { model: 'm', extra: wide(40_000, 'zzzz') }, stt: nested(58) },
      });
      return { exchanges: [ex('create', answer)] };
    },
  },
  {
    name: 'v2 patch: 16 doubling copies (1 KiB request → 64 MiB document)',
    storage: true,
    maxMs: 15_000,
    async run(t) {
      const { answer, id } = await v2Persona(t);
      const p = await patch(t, id, doublingPatch(16));
      return { exchanges: [ex('create', answer, expect2xx), ex('patch', p, expect4xx)] };
    },
  },
  {
    name: 'v2 patch: 999 copies of a 64 KiB string (0.1 MB request → 64 MB document)',
    storage: true,
    maxMs: 15_000,
    async run(t) {
      const { answer, id } = await v2Persona(t);
      const ops = wideCopyPatch(999, 64 * 1024);
      const p = await patch(t, id, ops);
      return { exchanges: [ex('create', answer, expect2xx), ex('patch', p, expect4xx)] };
    },
  },
  {
    name: 'v2 patch: copies nested 100 levels (past the 64-level limit)',
    storage: true,
    async run(t) {
      const { answer, id } = await v2Persona(t);
      const p = await patch(t, id, deepeningPatch(100));
      return { exchanges: [ex('create', answer, expect2xx), ex('patch', p, expect4xx)] };
    },
  },
  {
    name: 'v2 patch: 11 copies doubling the nesting to 2,048 levels',
    storage: true,
    async run(t) {
      const { answer, id } = await v2Persona(t);
      const p = await patch(t, id, doublingDepthPatch(11));
      return { exchanges: [ex('create', answer, expect2xx), ex('patch', p, expect4xx)] };
    },
  },
  {
    name: 'v2 patch: 20,000 small add ops',
    storage: true,
    async run(t) {
      const { answer, id } = await v2Persona(t);
      const ops = Array.from({ length: 20_000 }, (_, i) => ({ op: 'add', path: `/${wordOf(i)}`, value: i }));
      const p = await patch(t, id, ops);
      return { exchanges: [ex('create', answer, expect2xx), ex('patch', p)] };
    },
  },
];

const CACHE_PERSONAS = Number(process.env.ADVERSARIAL_CACHE_PERSONAS ?? 120);
/** What the persona cache may keep of them: a byte bound well under what they weigh (issue 11.5). */
const CACHE_HEAP_MIB = Number(process.env.ADVERSARIAL_CACHE_HEAP_MIB ?? 100);

const cacheAttack: Attack = {
  name: `persona cache: ${CACHE_PERSONAS} personas with 1 MiB context, each read once`,
  // What the cache keeps is the same on both backends; the 1 MiB rows written and read are not (SQLite
  // writes on the event loop, ADR 0054/0055).
  storage: true,
  maxMs: 60_000,
  async run(t) {
    const heapBefore = await t.heapAfterGc();
    const context = runOf('c', LIMITS.body - 1024);
    const ids: string[] = [];
    const exchanges: Exchange[] = [];
    let failed = 0;
    let started = 0;
    const worker = async () => {
      while (started < CACHE_PERSONAS) {
        const slot = started++;
        const { answer, id } = await v2Persona(t, { context });
        if (answer.status === 200) ids.push(id);
        else {
          failed++;
          if (failed <= 3) exchanges.push(ex(`create ${slot}`, answer, expect2xx));
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    let reads = 0;
    for (const id of ids) {
      const a = await req(t, { method: 'GET', path: `/v2/personas/${id}` });
      if (a.status !== 200 && reads++ < 3) exchanges.push(ex(`read ${id}`, a, expect2xx));
    }
    const kept = (await t.heapAfterGc()) - heapBefore;
    const keptMiB = +(kept / 2 ** 20).toFixed(1);
    return {
      exchanges,
      problems:
        keptMiB > CACHE_HEAP_MIB
          ? [
              `the server kept ${keptMiB} MiB of heap after GC for ${ids.length} MiB read (bound ${CACHE_HEAP_MIB} MiB)`,
            ]
          : [],
      figures: { created: ids.length, failedCreates: failed, heapKeptMiB: keptMiB },
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// /suno (both backends).

const sunoAttacks: Attack[] = [
  {
    name: 'suno clips: 20,000-char prompt of newlines, 1,000-char tags of ", "',
    storage: true,
    async run(t) {
      const a = await req(t, {
        method: 'POST',
        path: '/suno/clips',
        json: clipBody({ metadata: { tags: runOf(', ', 1000), prompt: runOf('\n', 20_000) } }),
      });
      return { exchanges: [ex('clip', a, expect2xx)] };
    },
  },
  {
    name: 'suno persona of 50 clips, description of ". ", then generate with 20,000-char delimiter runs',
    storage: true,
    async run(t) {
      const clips: string[] = [];
      for (let i = 0; i < 50; i++) {
        const c = await req(t, {
          method: 'POST',
          path: '/suno/clips',
          json: clipBody({ metadata: { tags: runOf(',', 1000), prompt: runOf('. ', 20_000) } }),
        });
        if (c.status === 200) clips.push(fieldOf(c, 'id'));
      }
      const p = await req(t, {
        method: 'POST',
        path: '/suno/persona/create/',
        json: {
          root_clip_id: clips[0],
          name: runOf('. ', 200),
          description: runOf('. ', 5000),
          clips,
          is_public: false,
        },
      });
      const persona = fieldOf(p, 'id');
      const g = await req(t, {
        method: 'POST',
        path: '/suno/generate',
        json: {
          persona_id: persona,
          prompt: runOf('\n[Verse]', 20_000),
          tags: runOf(', ', 20_000),
          negative_tags: runOf(',', 20_000),
          title: 'Adversarial',
        },
      });
      return { exchanges: [ex('persona', p, expect2xx), ex('generate', g, undefined, true)] };
    },
  },
  {
    name: 'suno generate: 1 MiB of forwarded fields (20,000 URL strings, 60 levels deep)',
    storage: true,
    async run(t) {
      const clip = await req(t, { method: 'POST', path: '/suno/clips', json: clipBody() });
      const persona = await req(t, {
        method: 'POST',
        path: '/suno/persona/create/',
        json: {
          root_clip_id: fieldOf(clip, 'id'),
          name: 'Forward',
          description: '',
          clips: [fieldOf(clip, 'id')],
          is_public: false,
        },
      });
      const urls = Object.fromEntries(
        Array.from({ length: 20_000 }, (_, i) => [wordOf(i), `https://8.8.${i % 250}.${i % 200}/cb`]),
      );
      const g = await req(t, {
        method: 'POST',
        path: '/suno/generate',
        json: {
          persona_id: fieldOf(persona, 'id'),
          prompt: 'x',
          extra: urls,
          deep: nested(60, 'http://10.0.0.1/'),
        },
      });
      return { exchanges: [ex('persona', persona, expect2xx), ex('generate', g, undefined, true)] };
    },
  },
  {
    name: 'suno feed: 15 KiB path of commas',
    storage: true,
    async run(t) {
      const a = await req(t, { method: 'GET', path: `/suno/feed/${runOf(',', 15 * 1024)}` });
      return { exchanges: [ex('feed', a, expect4xx)] };
    },
  },
];

/** Every attack, in the order the suite runs them; the cache fill last (it leaves the most memory). */
export const attacks: Attack[] = [
  ...localAttacks,
  ...providerAttacks,
  ...connectionAttacks,
  ...v1Attacks,
  ...v2Attacks,
  ...sunoAttacks,
  cacheAttack,
];
