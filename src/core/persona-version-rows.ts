import type { Kysely } from 'kysely';
import type { Tx } from '../storage/db.ts';
import type {
  Database,
  NewPersonaRow,
  NewPersonaVersionRow,
  PersonaRow,
  PersonaVersionRow,
} from '../storage/schema.ts';
import { emptyFields, fieldsOf, fieldsToRow, type Persona, rowToPersona } from './persona.ts';

/**
 * The rows of persona_versions and the writes every persona change makes in its own transaction. Kept
 * apart from the reads (persona-versions.ts) because the persona store (personas.ts) and the music
 * personas write them, and the reads depend on the store.
 */

export interface VersionMeta {
  /** The API key that made the change; null when none did (system personas, states recorded later). */
  keyId: string | null;
  /** For a restore: the version copied. */
  restoredFrom?: number | null;
}

/**
 * The version row of a persona's state, at the persona's own number and time. `stored` is the persona's
 * fields as fieldsToRow() serialised them, when the caller has them already (a create just did).
 */
export function versionRow(
  p: Persona,
  meta: VersionMeta,
  stored: ReturnType<typeof fieldsToRow> = fieldsToRow(fieldsOf(p)),
): NewPersonaVersionRow {
  return {
    persona_id: p.id,
    version: p.version,
    account_id: p.accountId,
    created_at: p.updatedAt,
    key_id: meta.keyId,
    restored_from: meta.restoredFrom ?? null,
    fields: JSON.stringify(stored),
  };
}

/** Version 1 of a persona row about to be inserted (creates). */
export function firstVersionRow(
  row: NewPersonaRow & ReturnType<typeof fieldsToRow>,
  keyId: string | null,
): NewPersonaVersionRow {
  return {
    persona_id: row.id,
    version: 1,
    account_id: row.account_id,
    created_at: row.created_at,
    key_id: keyId,
    restored_from: null,
    fields: JSON.stringify(storedFields(row)),
  };
}

/** The fieldsToRow() part of a personas row, in its order. */
function storedFields(row: ReturnType<typeof fieldsToRow>): ReturnType<typeof fieldsToRow> {
  return {
    name: row.name,
    description: row.description,
    attributes: row.attributes,
    system_prompt: row.system_prompt,
    context: row.context,
    pipeline_mode: row.pipeline_mode,
    default_replica_id: row.default_replica_id,
    document_ids: row.document_ids,
    document_tags: row.document_tags,
    layers: row.layers,
    secrets: row.secrets,
    card: row.card,
  };
}

/**
 * Records the persona's current state if no row holds it yet: a persona created before versions existed,
 * a system persona, or a change made by a path that does not record versions. The state is exact (it is
 * the persona's own fields at its own number); only the key is unknown.
 */
export async function recordIfMissing(tx: Kysely<Database>, p: Persona): Promise<void> {
  // Looked up first: the common case (recorded) costs a primary-key read, not an insert of the fields.
  const found = await tx
    .selectFrom('persona_versions')
    .select('version')
    .where('persona_id', '=', p.id)
    .where('version', '=', p.version)
    .executeTakeFirst();
  if (found) return;
  await tx
    .insertInto('persona_versions')
    .values(versionRow(p, { keyId: null }))
    .onConflict((oc) => oc.columns(['persona_id', 'version']).doNothing())
    .execute();
}

/**
 * Retention: keeps the `keep` newest versions of a persona (0 keeps all). The newest is always kept, and
 * so is the state the persona is in. Returns the numbers removed, so their cached copies can go too.
 */
export async function pruneVersions(tx: Tx, personaId: string, keep: number): Promise<number[]> {
  if (keep <= 0) return [];
  const kept = await tx
    .selectFrom('persona_versions')
    .select('version')
    .where('persona_id', '=', personaId)
    .orderBy('version', 'desc')
    .limit(1)
    .offset(keep - 1)
    .executeTakeFirst();
  if (!kept) return [];
  const removed = await tx
    .deleteFrom('persona_versions')
    .where('persona_id', '=', personaId)
    .where('version', '<', kept.version)
    .returning('version')
    .execute();
  return removed.map((r) => Number(r.version));
}

/** A version row as a persona: the persona's identity with the version's fields, number and time. */
export function versionToPersona(owner: Persona, row: PersonaVersionRow): Persona {
  const stored = JSON.parse(row.fields) as Partial<PersonaRow>;
  // A field added to personas after this version was written reads as its default.
  return rowToPersona({
    ...fieldsToRow(emptyFields('')),
    ...stored,
    id: owner.id,
    account_id: owner.accountId,
    persona_type: owner.personaType,
    created_at: owner.createdAt,
    updated_at: row.created_at,
    version: Number(row.version),
  } as PersonaRow);
}
