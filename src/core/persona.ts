import type { PersonaRow } from '../storage/schema.ts';
import type { PersonaCard } from './persona-card.ts';

export type JsonObject = Record<string, unknown>;

/** A JSON object: not null, not an array. */
export const isJsonObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The one persona record behind every surface; each surface maps its own field names onto it. */
export interface Persona {
  id: string;
  accountId: string;
  personaType: 'user' | 'system';
  name: string;
  description: string;
  attributes: JsonObject;
  systemPrompt: string | null;
  context: string | null;
  pipelineMode: string;
  defaultReplicaId: string | null;
  documentIds: string[];
  documentTags: string[];
  /** Tavus layers with secrets removed; the secrets live encrypted in `secrets`. */
  layers: JsonObject;
  /** Encrypted envelope of persona-held secrets (opaque to the core), or null. */
  secrets: string | null;
  /** Character-card fields (persona-card.ts), or null for a persona that has none. */
  card: PersonaCard | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** The writable part of a persona. */
export type PersonaFields = Pick<
  Persona,
  | 'name'
  | 'description'
  | 'attributes'
  | 'systemPrompt'
  | 'context'
  | 'pipelineMode'
  | 'defaultReplicaId'
  | 'documentIds'
  | 'documentTags'
  | 'layers'
  | 'secrets'
  | 'card'
>;

export const emptyFields = (name: string): PersonaFields => ({
  name,
  description: '',
  attributes: {},
  systemPrompt: null,
  context: null,
  pipelineMode: 'full',
  defaultReplicaId: null,
  documentIds: [],
  documentTags: [],
  layers: {},
  secrets: null,
  card: null,
});

export function rowToPersona(row: PersonaRow): Persona {
  return {
    id: row.id,
    accountId: row.account_id,
    personaType: row.persona_type === 'system' ? 'system' : 'user',
    name: row.name,
    description: row.description,
    attributes: JSON.parse(row.attributes) as JsonObject,
    systemPrompt: row.system_prompt,
    context: row.context,
    pipelineMode: row.pipeline_mode,
    defaultReplicaId: row.default_replica_id,
    documentIds: JSON.parse(row.document_ids) as string[],
    documentTags: JSON.parse(row.document_tags) as string[],
    layers: JSON.parse(row.layers) as JsonObject,
    secrets: row.secrets,
    card: row.card ? (JSON.parse(row.card) as PersonaCard) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: Number(row.version),
  };
}

export function fieldsToRow(f: PersonaFields) {
  return {
    name: f.name,
    description: f.description,
    attributes: JSON.stringify(f.attributes),
    system_prompt: f.systemPrompt,
    context: f.context,
    pipeline_mode: f.pipelineMode,
    default_replica_id: f.defaultReplicaId,
    document_ids: JSON.stringify(f.documentIds),
    document_tags: JSON.stringify(f.documentTags),
    layers: JSON.stringify(f.layers),
    secrets: f.secrets,
    card: f.card ? JSON.stringify(f.card) : null,
  };
}

export function fieldsOf(p: Persona): PersonaFields {
  return {
    name: p.name,
    description: p.description,
    attributes: p.attributes,
    systemPrompt: p.systemPrompt,
    context: p.context,
    pipelineMode: p.pipelineMode,
    defaultReplicaId: p.defaultReplicaId,
    documentIds: p.documentIds,
    documentTags: p.documentTags,
    layers: p.layers,
    secrets: p.secrets,
    card: p.card,
  };
}
