import type { Scope } from '../core/scopes.ts';

/**
 * The scope each operation requires, by operationId: the one table that guards every route of every
 * surface (auth.ts enforces it for the Hono app and the native fast path alike). A route whose
 * operationId is missing here is refused to every scoped key (fail closed), and
 * test/scopes-every-route.test.ts fails, so a new route cannot ship unguarded.
 */
export const operationScopes: Record<string, Scope> = {
  // /v1 (OpenGiant)
  createPersona: 'personas:write',
  listPersonas: 'personas:read',
  getPersona: 'personas:read',
  updatePersona: 'personas:write',
  deletePersona: 'personas:write',
  listPersonaVersions: 'personas:read',
  getPersonaVersion: 'personas:read',
  diffPersonaVersions: 'personas:read',
  restorePersonaVersion: 'personas:write',
  importPersona: 'personas:write',
  exportPersona: 'personas:read',
  listPersonaCatalog: 'personas:read',
  createConversation: 'conversations',
  listConversations: 'conversations',
  getConversation: 'conversations',
  endConversation: 'conversations',
  deleteConversation: 'conversations',
  sendConversationInteraction: 'conversations',
  streamConversationEvents: 'conversations',
  deleteMemoryStore: 'conversations',
  /** The conversation WebSocket (/v2/conversations/{id}/ws): an upgrade, not an OpenAPI operation. */
  conversationWebSocket: 'conversations',
  // The OpenAI-compatible surface: listing models is what chat clients do first.
  createChatCompletion: 'chat',
  listModels: 'chat',
  retrieveModel: 'chat',
  refineContent: 'refine',
  checkContent: 'refine',
  // /v1 keys, accounts, usage
  createApiKey: 'keys',
  listApiKeys: 'keys',
  getApiKey: 'keys',
  revokeApiKey: 'keys',
  rotateApiKey: 'keys',
  createAccount: 'accounts',
  listAccounts: 'accounts',
  getAccount: 'accounts',
  updateAccount: 'accounts',
  getUsage: 'usage',
  // /v2 (Tavus)
  createTavusPersona: 'personas:write',
  listTavusPersonas: 'personas:read',
  getTavusPersona: 'personas:read',
  patchTavusPersona: 'personas:write',
  deleteTavusPersona: 'personas:write',
  createDocument: 'documents',
  listDocuments: 'documents',
  getDocument: 'documents',
  patchDocument: 'documents',
  deleteDocument: 'documents',
  recrawlDocument: 'documents',
  getDocumentContent: 'documents',
  searchKnowledge: 'documents',
  // /suno
  registerSunoClip: 'music',
  registerUploadedSunoClip: 'music',
  trashSunoClip: 'music',
  getSunoFeed: 'music',
  createSunoPersona: 'music',
  createSunoPersonaNoSlash: 'music',
  getSunoPersona: 'music',
  getSunoPersonaNoSlash: 'music',
  deleteSunoPersona: 'music',
  deleteSunoPersonaNoSlash: 'music',
  listSunoPersonas: 'music',
  generateSunoMusic: 'music',
  submitSunoMusic: 'music',
  getSunoFetchByTaskId: 'music',
};

/**
 * Operations every valid key may call whatever its scopes: they only describe the calling key itself
 * (GET /v1/me, which the web console asks to offer only what the key may do).
 */
export const anyKeyOperations: ReadonlySet<string> = new Set(['getCaller']);

/**
 * Operations that spend a key's daily budget (core/budgets.ts): checked before they run, charged by the
 * usage they record. Chat completions and conversation turns add their operationIds here.
 */
export const meteredOperations: ReadonlySet<string> = new Set([
  'refineContent',
  'createChatCompletion',
  'sendConversationInteraction',
]);
