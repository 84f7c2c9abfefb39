import { isJsonObject, type JsonObject, type Persona, type PersonaFields } from '../../core/persona.ts';
import { sealLayers } from '../../core/persona-secrets.ts';
import type { SecretBox } from '../../core/secrets.ts';
import { type PersonaDocument, readOnlyFields, writableFields } from './schemas.ts';
import { EXTRA_FIELDS_KEY } from './schemas-layers.ts';

/**
 * The Tavus view of the one persona record. `persona_name` is the record's `name` (null when a Tavus
 * client created the persona without one); top-level fields the schema does not know are kept inside the
 * stored layers under EXTRA_FIELDS_KEY and returned at the top level again.
 */
const knownFields = new Set<string>([...writableFields, ...readOnlyFields]);

export function toWire(p: Persona) {
  const { [EXTRA_FIELDS_KEY]: extra, ...layers } = p.layers;
  const extras = isJsonObject(extra) ? Object.entries(extra).filter(([k]) => !knownFields.has(k)) : [];
  return {
    persona_id: p.id,
    persona_name: p.name === '' ? null : p.name,
    system_prompt: p.systemPrompt,
    pipeline_mode: p.pipelineMode === 'echo' ? ('echo' as const) : ('full' as const),
    context: p.context,
    default_replica_id: p.defaultReplicaId,
    document_ids: p.documentIds,
    document_tags: p.documentTags,
    layers,
    persona_type: p.personaType,
    attributes: p.attributes,
    ...Object.fromEntries(extras),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

export type WirePersona = ReturnType<typeof toWire>;

export const createdWire = (p: Persona) => ({
  persona_id: p.id,
  persona_name: p.name === '' ? null : p.name,
  created_at: p.createdAt,
});

/**
 * The record's fields from a validated persona document. `raw` is the same document as sent: layers and
 * extra fields are stored from it, so their key order survives. Secrets in the layers are sealed; those
 * sent back as REDACTED keep the envelopes `base` had.
 */
export function fieldsFromDocument(
  box: SecretBox,
  raw: JsonObject,
  doc: PersonaDocument,
  base: PersonaFields,
): PersonaFields {
  const extras = Object.entries(raw).filter(([k]) => !knownFields.has(k));
  const layers: JsonObject = { ...(isJsonObject(raw.layers) ? raw.layers : {}) };
  if (extras.length > 0) layers[EXTRA_FIELDS_KEY] = Object.fromEntries(extras);
  const sealed = sealLayers(box, layers, base.secrets);
  return {
    ...base,
    name: doc.persona_name ?? '',
    systemPrompt: doc.system_prompt ?? null,
    context: doc.context ?? null,
    pipelineMode: doc.pipeline_mode,
    defaultReplicaId: doc.default_replica_id ?? null,
    documentIds: doc.document_ids ?? [],
    documentTags: doc.document_tags ?? [],
    layers: sealed.layers,
    secrets: sealed.secrets,
  };
}
