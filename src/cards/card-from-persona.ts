import type { JsonObject, Persona } from '../core/persona.ts';
import { PERSONAKIT_EXTENSION } from './card-to-persona.ts';
import { compact } from './coerce.ts';
import { lorebookToSpec } from './lorebook-spec.ts';

export type ExportSpec = 'v2' | 'v3';

/**
 * Any persona as a card object (the mapping table in docs/character-cards.md). Kept fields come back
 * first (unknown `data` fields, unknown top-level keys), then the mapped ones: what the persona says now
 * wins over what the file once said. Persona fields no card field holds (the style `attributes`, the
 * Tavus `context`) travel in `extensions.personakit`; `context` also fills an empty `scenario`, the
 * nearest card field, so other apps use it.
 */
export function personaToCard(p: Persona, spec: ExportSpec, extraData: JsonObject = {}): JsonObject {
  const c = p.card ?? {};
  const own = compact({
    attributes: Object.keys(p.attributes).length > 0 ? p.attributes : undefined,
    context: p.context ?? undefined,
  });
  const extensions: JsonObject = { ...c.extensions };
  if (Object.keys(own).length > 0) extensions[PERSONAKIT_EXTENSION] = own;
  const data = compact({
    ...c.extra,
    ...extraData,
    name: p.name === '' ? 'Unnamed' : p.name,
    description: p.description,
    personality: c.personality ?? '',
    scenario: c.scenario ?? p.context ?? '',
    first_mes: c.firstMessage ?? '',
    mes_example: c.exampleDialogue ?? '',
    creator_notes: c.creatorNotes ?? '',
    system_prompt: p.systemPrompt ?? '',
    post_history_instructions: c.postHistoryInstructions ?? '',
    alternate_greetings: c.alternateGreetings ?? [],
    character_book: c.lorebook ? lorebookToSpec(c.lorebook, spec) : undefined,
    tags: c.tags ?? [],
    creator: c.creator ?? '',
    character_version: c.characterVersion ?? '',
    extensions,
    group_only_greetings: c.groupOnlyGreetings ?? [],
    nickname: c.nickname,
    // V3: seconds since the epoch, updated on export. A V2 reader keeps it as an unknown field.
    modification_date: Math.floor(Date.parse(p.updatedAt) / 1000),
  });
  return {
    ...c.topLevel,
    spec: spec === 'v3' ? 'chara_card_v3' : 'chara_card_v2',
    spec_version: spec === 'v3' ? '3.0' : '2.0',
    data,
  };
}
