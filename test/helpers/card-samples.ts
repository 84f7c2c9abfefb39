/**
 * Card objects shaped like real published files (see ../shared/reference/character-cards.md, "What a
 * reader must tolerate"), each carrying the quirks the importer must survive.
 */

/** V1: flat, no spec, CRLF line ends and V1 macros. */
export const v1Card = () => ({
  name: 'Aria',
  description: 'A ship AI.\r\nShe speaks to <USER> calmly.',
  personality: 'calm',
  scenario: '',
  first_mes: 'Hello, {{user}}. I am {{char}}.',
  mes_example: '<START>\r\n{{user}}: Status?\r\n{{char}}: Nominal.',
});

/** TavernAI's own: spec "tavern_ai", flat, no scenario at all, numeric dates, extra keys. */
export const tavernAiCard = () => ({
  spec: 'tavern_ai',
  spec_version: '1.0',
  name: 'Old Tom',
  description: 'A tavern keeper.',
  personality: 'gruff',
  first_mes: 'What will it be?',
  mes_example: '',
  categories: ['fantasy'],
  nsfw: false,
  public_id: 'abc123',
  create_date: 1680000000000,
});

/**
 * SillyTavern's hybrid V2: V1 fields duplicated at the top level with extra keys (`talkativeness` as a
 * string), nulls, numbers as strings, a lorebook without `extensions`, no `group_only_greetings`,
 * numeric entry positions and entry extensions SillyTavern writes.
 */
export const sillyTavernV2 = () => ({
  name: 'Seraphina',
  description: 'top-level copy',
  personality: 'top-level copy',
  scenario: 'top-level copy',
  first_mes: 'top-level copy',
  mes_example: 'top-level copy',
  avatar: 'none',
  chat: 'Seraphina - 2023-5-12 @15h 10m 33s 511ms',
  create_date: '2023-5-12 @15h 10m 33s 511ms',
  talkativeness: '0.5',
  fav: false,
  creatorcomment: 'made with love',
  spec: 'chara_card_v2',
  spec_version: '2.0',
  data: {
    name: 'Seraphina',
    description: "Seraphina is a guardian of {{char}}'s forest.\r\nShe heals {{user}}.",
    personality: 'caring, protective',
    scenario: '{{user}} wakes in the glade.',
    first_mes: '*She smiles.* You are safe, {{user}}.',
    mes_example: '<START>\r\n{{user}}: Who are you?\r\n{{char}}: Seraphina.',
    creator_notes: 'Use with any model.',
    system_prompt: 'You are {{char}}. {{original}}',
    post_history_instructions: 'Stay in character. {{original}}',
    alternate_greetings: ['Another greeting, {{user}}.', null],
    tags: ['fantasy', 'healer'],
    creator: null,
    character_version: 1.2,
    extensions: {
      talkativeness: '0.5',
      fav: false,
      world: 'Eldoria',
      depth_prompt: { prompt: 'Remember the forest.', depth: 4, role: 'system' },
    },
    character_book: {
      name: 'Eldoria lore',
      scan_depth: '3',
      token_budget: 500,
      recursive_scanning: false,
      entries: [
        {
          id: 0,
          keys: ['glade', 'forest'],
          secondary_keys: [],
          comment: 'the glade',
          content: 'The glade is protected by ancient magic.',
          constant: false,
          selective: true,
          insertion_order: '100',
          enabled: true,
          position: 'before_char',
          use_regex: true,
          extensions: { depth: 4, probability: 100, selectiveLogic: 0, group: '', vectorized: false },
        },
        {
          id: 1,
          keys: ['shadow'],
          content: 'Shadowfiends roam at night.',
          insertion_order: 50,
          enabled: true,
          position: 1,
          extensions: {},
          case_sensitive: null,
        },
      ],
    },
  },
});

/** V3 with the fields only V3 has, an unknown data field, a string entry id and a regex key. */
export const v3Card = () => ({
  spec: 'chara_card_v3',
  spec_version: '3.0',
  data: {
    name: 'Kai',
    nickname: 'K',
    description: 'A courier in a neon city.',
    personality: 'quick',
    scenario: 'Night shift.',
    first_mes: 'Package for {{user}}?',
    mes_example: '',
    creator_notes: 'English notes',
    creator_notes_multilingual: { fr: 'Notes en français' },
    system_prompt: '',
    post_history_instructions: '',
    alternate_greetings: ['Yo.'],
    group_only_greetings: ['Hey all.'],
    tags: ['scifi'],
    creator: 'someone',
    character_version: '2',
    extensions: { risuai: { utilityBot: false }, 'agnai/voice': { id: 'x' } },
    source: ['https://example.org/kai'],
    creation_date: 1700000000,
    modification_date: 1700000500,
    x_app_field: { kept: true },
    assets: [{ type: 'icon', uri: 'ccdefault:', name: 'main', ext: 'png' }],
    character_book: {
      extensions: {},
      entries: [
        {
          id: 7,
          keys: ['/neon\\s+city/i'],
          content: '@@depth 2\nThe neon city never sleeps.',
          enabled: true,
          insertion_order: 1,
          use_regex: true,
          extensions: {},
          x_entry_field: 7,
        },
      ],
    },
  },
});
