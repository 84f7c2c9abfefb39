/**
 * Stable operationIds and the security of every operation in /openapi.json, so that generated clients
 * get real method names (`getPersona`, not `getV1PersonasId`) and offer both ways to send a key.
 *
 * A route's own `operationId` (set in its createRoute contract) wins; else the table below names it;
 * else a name is derived from method and path, so a new route is never left without one. Names are part
 * of the API: changing one breaks generated clients, so the test pins them.
 */

/** Every surface accepts the key as `Authorization: Bearer` and as `x-api-key` (src/http/auth.ts). */
export const bothAuth: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKeyAuth: [] }];

const named: Record<string, string> = {
  'POST /v2/personas': 'createTavusPersona',
  'GET /v2/personas': 'listTavusPersonas',
  'GET /v2/personas/{persona_id}': 'getTavusPersona',
  'PATCH /v2/personas/{persona_id}': 'patchTavusPersona',
  'DELETE /v2/personas/{persona_id}': 'deleteTavusPersona',
  // Tavus' own operationIds for its documents.
  'POST /v2/documents': 'createDocument',
  'GET /v2/documents': 'listDocuments',
  'GET /v2/documents/{document_id}': 'getDocument',
  'PATCH /v2/documents/{document_id}': 'patchDocument',
  'DELETE /v2/documents/{document_id}': 'deleteDocument',
  'POST /v2/documents/{document_id}/recrawl': 'recrawlDocument',
  'GET /v2/documents/{document_id}/content': 'getDocumentContent',
  'POST /v2/knowledge/search': 'searchKnowledge',
  // Tavus' own operationIds for its conversations; the live routes are personakit's.
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
  // The Suno proxies document the trailing-slash forms; the others are aliases some clients call.
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

const pascal = (word: string) =>
  word
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/** `GET /v1/things/{id}` -> `getV1ThingsById`; a trailing slash adds `Slash`. */
export function derivedOperationId(method: string, path: string): string {
  const parts = path.split('/').filter((p) => p !== '');
  const words = parts.map((p) =>
    p.startsWith('{') && p.endsWith('}') ? `By${pascal(p.slice(1, -1))}` : pascal(p),
  );
  return method.toLowerCase() + words.join('') + (path.length > 1 && path.endsWith('/') ? 'Slash' : '');
}

/** The operationId of an operation: its contract's own, else the table's, else one derived from the route. */
export function operationIdOf(method: string, path: string, own?: string): string {
  return own ?? named[`${method.toUpperCase()} ${path}`] ?? derivedOperationId(method, path);
}

interface Operation {
  operationId?: string;
  security?: unknown[];
}

const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * Names every operation and lists both auth schemes on every secured one. Throws when two operations
 * would share a name: a duplicate would make generated clients drop one of them.
 */
export function finishOperations(paths: Record<string, Record<string, unknown>>): void {
  const seen = new Map<string, string>();
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, value] of Object.entries(item)) {
      if (!methods.has(method) || typeof value !== 'object' || value === null) continue;
      const op = value as Operation;
      const route = `${method.toUpperCase()} ${path}`;
      op.operationId = operationIdOf(method, path, op.operationId);
      const other = seen.get(op.operationId);
      if (other) throw new Error(`operationId ${op.operationId} is used by ${other} and ${route}`);
      seen.set(op.operationId, route);
      if (op.security && op.security.length > 0) op.security = bothAuth;
    }
  }
}
