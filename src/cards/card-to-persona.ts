import { invalid } from '../core/errors.ts';
import { isJsonObject, type JsonObject, type PersonaFields } from '../core/persona.ts';
import type { PersonaCard } from '../core/persona-card.ts';
import { attributeProblems } from '../style/vocabulary.ts';
import { notACard } from './card-errors.ts';
import { compact, nonEmpty, obj, rest, texts } from './coerce.ts';
import { lorebookFromSpec } from './lorebook-spec.ts';

/** Which kind of card a file held, decided by its `spec` (never by the PNG chunk it came in). */
export type CardSpec = 'v1' | 'v2' | 'v3' | 'tavern_ai';

/** Where personakit keeps, inside a card's `extensions`, the persona fields no card field holds. */
export const PERSONAKIT_EXTENSION = 'personakit';

export const MAX_NAME_CHARS = 200;

const v1Fields = ['name', 'description', 'personality', 'scenario', 'first_mes', 'mes_example'];

/** The `data` fields the mapping names; every other one is kept in `card.extra`. */
const mappedData = new Set([
  ...v1Fields,
  'creator_notes',
  'system_prompt',
  'post_history_instructions',
  'alternate_greetings',
  'group_only_greetings',
  'character_book',
  'tags',
  'creator',
  'character_version',
  'extensions',
  'nickname',
  // Rewritten on every export (V3: "updated on export"), so storing it would only make round trips differ.
  'modification_date',
]);

const envelope = new Set(['spec', 'spec_version', 'data', ...v1Fields]);

export interface CardImport {
  spec: CardSpec;
  fields: PersonaFields;
}

/**
 * A parsed card object → the persona's fields. Tolerates what real files do: V1 fields duplicated at the
 * top level next to `data` (SillyTavern), extra top-level keys, `spec: "tavern_ai"` (flat), an unknown
 * spec with `data`, nulls and numbers as strings. A lorebook or world-info file is named as such.
 */
export function cardToPersona(card: unknown): CardImport {
  if (!isJsonObject(card)) {
    throw notACard(Array.isArray(card) ? 'the JSON is an array' : 'the JSON is not an object');
  }
  const spec = typeof card.spec === 'string' ? card.spec : undefined;
  if (spec === 'lorebook_v3' || spec === 'lorebook_v2') throw lorebookFile(spec);
  const nested = obj(card.data);
  let data: JsonObject;
  let topLevel: JsonObject | undefined;
  let kind: CardSpec;
  if (nested && spec !== 'tavern_ai') {
    data = nested;
    topLevel = rest(card, envelope);
    kind = spec === 'chara_card_v3' ? 'v3' : 'v2';
  } else {
    data = rest(card, new Set(['spec', 'spec_version'])) ?? {};
    kind = spec === 'tavern_ai' ? 'tavern_ai' : 'v1';
  }
  if (typeof data.name !== 'string' && typeof data.name !== 'number') {
    if ('entries' in data || 'entries' in card) throw lorebookFile('a world info file');
    throw notACard(`the JSON has no character name${spec ? ` (spec "${spec.slice(0, 40)}")` : ''}`);
  }
  const name = (nonEmpty(data.name) ?? '').trim();
  if (name === '') throw notACard('the character name is empty');
  if (name.length > MAX_NAME_CHARS) {
    throw invalid('data.name', `must be at most ${MAX_NAME_CHARS} characters`);
  }

  const extensions = { ...(obj(data.extensions) ?? {}) };
  const own = obj(extensions[PERSONAKIT_EXTENSION]);
  delete extensions[PERSONAKIT_EXTENSION];
  const context = own && typeof own.context === 'string' ? own.context : null;
  const attributes = own ? ownAttributes(own) : {};
  const scenario = nonEmpty(data.scenario);
  const book = obj(data.character_book);

  const personaCard: PersonaCard = compact({
    nickname: nonEmpty(data.nickname),
    personality: nonEmpty(data.personality),
    // An export put the persona's context in `scenario` when it had no scenario of its own (card-from-persona.ts).
    scenario: scenario === context ? undefined : scenario,
    firstMessage: nonEmpty(data.first_mes),
    alternateGreetings: texts(data.alternate_greetings),
    groupOnlyGreetings: texts(data.group_only_greetings),
    exampleDialogue: nonEmpty(data.mes_example),
    postHistoryInstructions: nonEmpty(data.post_history_instructions),
    creatorNotes: nonEmpty(data.creator_notes),
    creator: nonEmpty(data.creator),
    characterVersion: nonEmpty(data.character_version),
    tags: texts(data.tags),
    lorebook: book ? lorebookFromSpec(book) : undefined,
    extensions: Object.keys(extensions).length > 0 ? extensions : undefined,
    extra: rest(data, mappedData),
    topLevel,
  });

  return {
    spec: kind,
    fields: {
      name,
      description: nonEmpty(data.description) ?? '',
      attributes,
      systemPrompt: nonEmpty(data.system_prompt) ?? null,
      context,
      pipelineMode: 'full',
      defaultReplicaId: null,
      documentIds: [],
      documentTags: [],
      layers: {},
      secrets: null,
      card: personaCard,
    },
  };
}

const lorebookFile = (what: string) =>
  notACard(
    `this is a lorebook (${what}), not a character; import a card that holds it as its character_book`,
  );

/** A personakit export's style attributes, held to the same vocabulary as POST /v1/personas. */
function ownAttributes(own: JsonObject): JsonObject {
  const attributes = obj(own.attributes);
  if (!attributes) return {};
  const problem = attributeProblems(attributes)[0];
  if (problem) {
    throw invalid(`data.extensions.${PERSONAKIT_EXTENSION}.attributes.${problem.key}`, problem.message);
  }
  return attributes;
}
