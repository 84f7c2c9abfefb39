import assert from 'node:assert/strict';
import { test } from 'node:test';
import { derivedOperationId, finishOperations } from '../src/http/openapi-operations.ts';
import { describeEachBackend } from './helpers/harness.ts';

/**
 * operationIds are part of the API: generated clients name their methods after them, so a rename breaks
 * every client. This list pins them; a new route adds its line.
 */
const expected: Record<string, string> = {
  'POST /v1/personas': 'createPersona',
  'GET /v1/personas': 'listPersonas',
  'GET /v1/personas/{id}': 'getPersona',
  'PATCH /v1/personas/{id}': 'updatePersona',
  'DELETE /v1/personas/{id}': 'deletePersona',
  'GET /v1/personas/{id}/versions': 'listPersonaVersions',
  'GET /v1/personas/{id}/versions/{version}': 'getPersonaVersion',
  'GET /v1/personas/{id}/versions/{version}/diff': 'diffPersonaVersions',
  'POST /v1/personas/{id}/versions/{version}/restore': 'restorePersonaVersion',
  'POST /v1/refine': 'refineContent',
  'POST /v1/check': 'checkContent',
  'POST /v1/keys': 'createApiKey',
  'GET /v1/keys': 'listApiKeys',
  'GET /v1/keys/{id}': 'getApiKey',
  'DELETE /v1/keys/{id}': 'revokeApiKey',
  'POST /v1/keys/{id}/rotate': 'rotateApiKey',
  'POST /v1/accounts': 'createAccount',
  'GET /v1/accounts': 'listAccounts',
  'GET /v1/accounts/{id}': 'getAccount',
  'PATCH /v1/accounts/{id}': 'updateAccount',
  'GET /v1/usage': 'getUsage',
  'POST /v1/personas/import': 'importPersona',
  'GET /v1/personas/{id}/export': 'exportPersona',
  // OpenAI's own operationIds, so clients generated from either document name them alike.
  'POST /v1/chat/completions': 'createChatCompletion',
  'GET /v1/models': 'listModels',
  'GET /v1/models/{model}': 'retrieveModel',
  'POST /v2/personas': 'createTavusPersona',
  'GET /v2/personas': 'listTavusPersonas',
  'GET /v2/personas/{persona_id}': 'getTavusPersona',
  'PATCH /v2/personas/{persona_id}': 'patchTavusPersona',
  'DELETE /v2/personas/{persona_id}': 'deleteTavusPersona',
  'POST /v2/documents': 'createDocument',
  'GET /v2/documents': 'listDocuments',
  'GET /v2/documents/{document_id}': 'getDocument',
  'PATCH /v2/documents/{document_id}': 'patchDocument',
  'DELETE /v2/documents/{document_id}': 'deleteDocument',
  'POST /v2/documents/{document_id}/recrawl': 'recrawlDocument',
  'GET /v2/documents/{document_id}/content': 'getDocumentContent',
  'POST /v2/knowledge/search': 'searchKnowledge',
  'POST /v2/conversations': 'createConversation',
  'GET /v2/conversations': 'listConversations',
  'GET /v2/conversations/{conversation_id}': 'getConversation',
  'POST /v2/conversations/{conversation_id}/end': 'endConversation',
  'DELETE /v2/conversations/{conversation_id}': 'deleteConversation',
  'POST /v2/conversations/{conversation_id}/events': 'sendConversationInteraction',
  'GET /v2/conversations/{conversation_id}/events': 'streamConversationEvents',
  'DELETE /v2/memories/{memory_store}': 'deleteMemoryStore',
  'POST /suno/clips': 'registerSunoClip',
  'POST /suno/clips/upload': 'registerUploadedSunoClip',
  'DELETE /suno/clips/{id}': 'trashSunoClip',
  'GET /suno/feed/{ids}': 'getSunoFeed',
  'POST /suno/persona/create/': 'createSunoPersona',
  'POST /suno/persona/create': 'createSunoPersonaNoSlash',
  'GET /suno/persona/{id}/': 'getSunoPersona',
  'GET /suno/persona/{id}': 'getSunoPersonaNoSlash',
  'DELETE /suno/persona/{id}/': 'deleteSunoPersona',
  'DELETE /suno/persona/{id}': 'deleteSunoPersonaNoSlash',
  'GET /suno/personas': 'listSunoPersonas',
  'POST /suno/generate': 'generateSunoMusic',
  'POST /suno/submit/music': 'submitSunoMusic',
};

describeEachBackend('OpenAPI operations', (h) => {
  test('every operation has a unique, stable operationId and offers both key schemes', async () => {
    const doc = (await h().request('GET', '/openapi.json')).body;
    const seen = new Map<string, string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const [method, value] of Object.entries(ops)) {
        const op = value as { operationId?: string; security?: unknown };
        const route = `${method.toUpperCase()} ${path}`;
        assert.match(op.operationId ?? '', /^[a-z][A-Za-z0-9]*$/, `${route} has no usable operationId`);
        assert.equal(seen.has(op.operationId as string), false, `${op.operationId} is used twice`);
        seen.set(op.operationId as string, route);
        if (route in expected) assert.equal(op.operationId, expected[route], route);
        assert.deepEqual(op.security, [{ bearerAuth: [] }, { apiKeyAuth: [] }], `${route} security`);
      }
    }
    for (const route of Object.keys(expected))
      assert.ok([...seen.values()].includes(route), `${route} missing`);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apiKeyAuth', 'bearerAuth']);
  });

  test('both schemes really work on every surface', async () => {
    const account = await h().newAccount();
    for (const path of ['/v1/personas', '/v1/models', '/v2/personas', '/suno/personas']) {
      const bearer = await h().request('GET', path, { headers: { authorization: `Bearer ${account.key}` } });
      const apiKey = await h().request('GET', path, { headers: { 'x-api-key': account.key } });
      assert.equal(bearer.status, 200, path);
      assert.equal(apiKey.status, 200, path);
    }
  });
});

test('a route without a name gets one from method and path; a duplicate is refused', () => {
  assert.equal(derivedOperationId('get', '/v1/things/{thing_id}'), 'getV1ThingsByThingId');
  assert.equal(derivedOperationId('post', '/v1/chat/completions/'), 'postV1ChatCompletionsSlash');
  const paths = {
    '/a/b': { get: { security: [{ bearerAuth: [] }] } },
    '/x': { get: { operationId: 'getAB' } },
  };
  assert.throws(() => finishOperations(paths), /operationId getAB is used by/);
});
