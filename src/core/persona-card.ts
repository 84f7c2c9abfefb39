import type { JsonObject } from './persona.ts';

/**
 * The character-card side of a persona (issue 16), stored as one JSON column (`personas.card`). The chat
 * engine (issue 14) gives each field its slot in the prompt; card import/export (src/cards/) fills and
 * reads it. Persona fields that cards share with the rest of personakit are not repeated here: the card's
 * `name` is the persona's name, `description` its description, `system_prompt` its systemPrompt, `tags`
 * its documentTags' neighbour `card.tags` (cards' tags are labels, not document tags).
 */
export interface PersonaCard {
  nickname?: string;
  personality?: string;
  scenario?: string;
  /** The first message and the alternates: a conversation's greeting. */
  firstMessage?: string;
  alternateGreetings?: string[];
  groupOnlyGreetings?: string[];
  /** `mes_example`: example dialogue, `<START>`-separated as cards write it. */
  exampleDialogue?: string;
  /** Sent after the history; `{{original}}` stands for the operator's own post-history text. */
  postHistoryInstructions?: string;
  /** Never put in prompts. */
  creatorNotes?: string;
  creator?: string;
  characterVersion?: string;
  tags?: string[];
  lorebook?: Lorebook;
  /** The card's `extensions`, every key kept verbatim for export (personakit's own namespace aside). */
  extensions?: JsonObject;
  /**
   * Fields of the card's `data` that no persona field holds (V3's `assets`, `source`, `creation_date`,
   * `creator_notes_multilingual`, and any unknown field), kept verbatim and written back on export.
   */
  extra?: JsonObject;
  /** Unknown top-level keys of the imported file (SillyTavern's `avatar`, `chat`, `fav`…), kept for export. */
  topLevel?: JsonObject;
}

/** A lorebook (character book) as the V2/V3 specs define it, in camelCase. */
export interface Lorebook {
  name?: string;
  description?: string;
  scanDepth?: number;
  tokenBudget?: number;
  recursiveScanning?: boolean;
  extensions?: JsonObject;
  entries: LorebookEntry[];
  /** Book fields the spec does not name, kept verbatim for export. */
  extra?: JsonObject;
}

export interface LorebookEntry {
  id?: number | string;
  name?: string;
  comment?: string;
  keys: string[];
  secondaryKeys?: string[];
  content: string;
  enabled: boolean;
  insertionOrder: number;
  caseSensitive?: boolean;
  /** Keys are regular expressions (V3 `use_regex`); matched safely (no backtracking engine on user text). */
  useRegex?: boolean;
  constant?: boolean;
  /** With secondary keys: one primary and one secondary must match. */
  selective?: boolean;
  priority?: number;
  position?: 'before_char' | 'after_char' | string;
  extensions?: JsonObject;
  /** Entry fields the spec does not name (and a non-string `position`), kept verbatim for export. */
  extra?: JsonObject;
}
