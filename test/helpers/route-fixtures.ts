import assert from 'node:assert/strict';
import { ensureAccount } from '../../src/core/api-keys.ts';
import type { Base } from './fuzz-mutations.ts';
import type { Account, Harness } from './harness.ts';
import { exampleOf, label, type OpenApiDoc, pathParams, routesOf } from './openapi-routes.ts';
import { clipBody } from './suno.ts';

/**
 * One valid request per route of the OpenAPI document, with real resources of one account behind its
 * ids: what the fuzzer mutates and what the tenant tests replay with another account's key. Resource ids
 * travel as tokens (@V1P@, @V2P@, @CLIP@, @SUNOP@, @TASK@) that Fixtures.fill replaces with the current ids.
 */

export type Token = 'V1P' | 'V2P' | 'CLIP' | 'SUNOP' | 'TASK' | 'DOC' | 'CONV' | 'MEM' | 'KEY' | 'ACCT';

/** Which fixture fills each route's path parameter; a new route with a path parameter must be added. */
export const pathFixtures: Record<string, Token> = {
  '/v1/personas/{id}': 'V1P',
  '/v1/models/{model}': 'V1P',
  '/v1/personas/{id}/versions': 'V1P',
  '/v1/personas/{id}/versions/{version}': 'V1P',
  '/v1/personas/{id}/versions/{version}/diff': 'V1P',
  '/v1/personas/{id}/versions/{version}/restore': 'V1P',
  '/v1/personas/{id}/export': 'V1P',
  '/v2/personas/{persona_id}': 'V2P',
  '/suno/clips/{id}': 'CLIP',
  '/suno/feed/{ids}': 'CLIP',
  '/suno/persona/{id}/': 'SUNOP',
  '/suno/persona/{id}': 'SUNOP',
  '/suno/fetch/{task_id}': 'TASK',
  '/v2/documents/{document_id}': 'DOC',
  '/v2/documents/{document_id}/recrawl': 'DOC',
  '/v2/documents/{document_id}/content': 'DOC',
  '/v2/conversations/{conversation_id}': 'CONV',
  '/v2/conversations/{conversation_id}/end': 'CONV',
  '/v2/conversations/{conversation_id}/events': 'CONV',
  '/v2/memories/{memory_store}': 'MEM',
  '/v1/keys/{id}': 'KEY',
  '/v1/keys/{id}/rotate': 'KEY',
  '/v1/accounts/{id}': 'ACCT',
};

/** Path parameters that are not resource ids: a value every fixture resource has. */
const literalParams: Record<string, string> = { version: '1' };

type Body = Record<string, unknown>;
const without = (b: Body, ...keys: string[]) =>
  Object.fromEntries(Object.entries(b).filter(([k]) => !keys.includes(k)));

/** Where the schema's example alone is not a valid request here: real ids, or no network. */
const bodyFixtures: Record<string, (example: Body) => unknown> = {
  'POST /v1/refine': () => ({
    provider: 'local',
    personaId: '@V1P@',
    content: 'Hello customer!! We got it.',
  }),
  // The local engine (no LLM configured in these suites): no network.
  'POST /v1/chat/completions': () => ({ model: '@V1P@', messages: [{ role: 'user', content: 'Hello!' }] }),
  'POST /v1/check': () => ({ personaId: '@V1P@', content: 'Hello customer!! We got it.' }),
  'PATCH /v2/personas/{persona_id}': () => [{ op: 'replace', path: '/persona_name', value: 'Fuzzed' }],
  'POST /suno/clips': (e) => without(e, 'id'),
  'POST /suno/clips/upload': (e) => without(e, 'id'),
  'POST /suno/persona/create/': (e) => ({
    ...without(e, 'upstream_persona_id'),
    root_clip_id: '@CLIP@',
    clips: ['@CLIP@'],
  }),
  'POST /suno/persona/create': (e) => ({
    ...without(e, 'upstream_persona_id'),
    root_clip_id: '@CLIP@',
    clips: ['@CLIP@'],
  }),
  'POST /suno/generate': (e) => ({ ...without(e, 'artist_clip_id'), persona_id: '@SUNOP@' }),
  'POST /suno/submit/music': (e) => ({ ...without(e, 'artist_clip_id'), persona_id: '@SUNOP@' }),
  // No callback (its example host would need DNS); the default persona.
  'POST /v2/conversations': (e) => without(e, 'callback_url', 'persona_id'),
  // An echo: no engine turn behind it.
  'POST /v2/conversations/{conversation_id}/events': () => ({
    message_type: 'conversation',
    event_type: 'conversation.echo',
    properties: { modality: 'text', text: 'Fuzz echo.' },
  }),
  // A reserved address: refused by the outbound guard at once, without DNS or network.
  'POST /v2/documents': (e) => ({
    ...without(e, 'callback_url', 'crawl'),
    document_url: 'http://192.0.2.1/doc.txt',
  }),
};

/** The fuzzing account's real resources; recreated when a fuzzed request deleted or trashed one. */
export class Fixtures {
  ids = {} as Record<Token, string>;
  readonly h: Harness;
  readonly account: Account;
  constructor(h: Harness, account: Account) {
    this.h = h;
    this.account = account;
  }

  async #post(path: string, json: unknown): Promise<Body> {
    const r = await this.h.request('POST', path, { account: this.account, json });
    assert.ok(r.status === 200, `fixture ${path}: ${r.status} ${r.text}`);
    return r.body;
  }

  async ensure(): Promise<void> {
    const db = this.h.services.db.kysely;
    const has = async (table: 'personas' | 'suno_personas', column: 'id' | 'persona_id', id?: string) =>
      id !== undefined &&
      (await db.selectFrom(table).select(column).where(column, '=', id).executeTakeFirst()) !== undefined;
    if (!(await has('personas', 'id', this.ids.V1P))) {
      this.ids.V1P = String(
        (await this.#post('/v1/personas', { name: 'Fuzz', attributes: { tone: 'warm' } })).id,
      );
    }
    if (!(await has('personas', 'id', this.ids.V2P))) {
      const b = await this.#post('/v2/personas', { persona_name: 'Fuzz', system_prompt: 'Be kind.' });
      this.ids.V2P = String(b.persona_id);
    }
    const clip = this.ids.CLIP
      ? await db.selectFrom('clips').select('is_trashed').where('id', '=', this.ids.CLIP).executeTakeFirst()
      : undefined;
    if (!clip || Number(clip.is_trashed) === 1)
      this.ids.CLIP = String((await this.#post('/suno/clips', clipBody())).id);
    if (!(await has('suno_personas', 'persona_id', this.ids.SUNOP))) {
      const body = {
        root_clip_id: this.ids.CLIP,
        name: 'Fuzz',
        description: '',
        clips: [],
        is_public: false,
      };
      this.ids.SUNOP = String((await this.#post('/suno/persona/create/', body)).id);
    }
    if (
      !(await db
        .selectFrom('documents')
        .select('id')
        .where('id', '=', this.ids.DOC ?? '')
        .executeTakeFirst())
    ) {
      this.ids.DOC = await this.#document();
    }
    const conv = this.ids.CONV
      ? await db
          .selectFrom('conversations')
          .select(['status', 'deleted'])
          .where('id', '=', this.ids.CONV)
          .executeTakeFirst()
      : undefined;
    if (conv?.status !== 'active' || Number(conv.deleted) === 1) {
      this.ids.CONV = String((await this.#post('/v2/conversations', {})).conversation_id);
    }
    const mem = this.ids.MEM
      ? await db
          .selectFrom('conversation_memories')
          .select('store')
          .where('store', '=', this.ids.MEM)
          .executeTakeFirst()
      : undefined;
    if (!mem) {
      this.ids.MEM = `fuzzmem-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
      await this.#post('/v2/conversations', { memory_stores: [this.ids.MEM] });
    }
    // A second key of the account (never the one the requests use: a fuzzed DELETE may revoke it).
    const key = this.ids.KEY
      ? await db
          .selectFrom('api_keys')
          .select('id')
          .where('id', '=', this.ids.KEY)
          .where('revoked_at', 'is', null)
          .where('replaced_by', 'is', null)
          .executeTakeFirst()
      : undefined;
    if (!key) {
      const r = await this.h.request('POST', '/v1/keys', {
        account: this.account,
        json: { name: 'fixture' },
      });
      assert.equal(r.status, 201, `fixture /v1/keys: ${r.text}`);
      this.ids.KEY = String(r.body.id);
    }
    // Another account (a fuzzed PATCH may disable it; disabling the caller's own would lock it out).
    this.ids.ACCT ??= (await ensureAccount(this.h.services.db, `fixture-${this.account.accountId}`)).id;
    // A generation task of this account (tasks exist only through an upstream; without one the polling
    // route answers 501 whatever the id).
    const task = this.ids.TASK
      ? await db
          .selectFrom('suno_tasks')
          .select('task_id')
          .where('task_id', '=', this.ids.TASK)
          .executeTakeFirst()
      : undefined;
    if (!task && this.h.services.config.PERSONAKIT_SUNO_BASE_URL !== undefined) {
      const made = await this.#post('/suno/generate', { persona_id: this.ids.SUNOP, prompt: 'fixture' });
      const data = made.data as Body;
      this.ids.TASK = String(data.task_id);
    } else if (!task) this.ids.TASK = 'task-without-upstream';
  }

  /**
   * An uploaded document, made a ready crawl document with its text directly in the store: these
   * harnesses run no job queue, and GET …/content only answers for a processed document.
   */
  async #document(): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob(['Fixture text.'], { type: 'text/plain' }), 'fixture.txt');
    const res = await this.h.app.request('/v2/documents', {
      method: 'POST',
      headers: this.account.auth,
      body: form,
    });
    const body = (await res.json()) as Body;
    assert.equal(res.status, 200, `fixture /v2/documents: ${JSON.stringify(body)}`);
    const id = String(body.document_id);
    const db = this.h.services.db.kysely;
    // A ready crawl document, so that recrawl's base request is valid (202).
    await db
      .updateTable('documents')
      .set({
        status: 'ready',
        document_url: 'http://192.0.2.1/',
        file_name: null,
        crawl_config: JSON.stringify({ depth: 1, max_pages: 1 }),
        crawl_count: 1,
      })
      .where('id', '=', id)
      .execute();
    await db.insertInto('document_contents').values({ document_id: id, text: 'Fixture text.' }).execute();
    return id;
  }

  fill(s: string): string {
    return s.replace(/@(V1P|V2P|CLIP|SUNOP|TASK|DOC|CONV|MEM|KEY|ACCT)@/g, (_, k: Token) => this.ids[k]);
  }
}

export function basesOf(doc: OpenApiDoc): Base[] {
  return routesOf(doc).map((route) => {
    let path = route.path;
    for (const p of pathParams(route)) {
      const literal = literalParams[p.name];
      if (literal !== undefined) {
        path = path.replace(`{${p.name}}`, literal);
        continue;
      }
      const token = pathFixtures[route.path];
      assert.ok(token, `${label(route)}: add a fixture for its path parameter to pathFixtures`);
      path = path.replace(`{${p.name}}`, `@${token}@`);
    }
    if (!route.body) return { route, path };
    const example = exampleOf(doc, route.body.schema) as Body;
    const fixture = bodyFixtures[label(route)];
    return { route, path, body: fixture ? fixture(example) : example };
  });
}
