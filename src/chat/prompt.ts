import { expandMacros } from '../cards/macros.ts';
import type { Persona } from '../core/persona.ts';
import type { ChatMessage } from '../providers/chat-types.ts';
import { styleGuide } from '../style/prompt.ts';
import type { ActiveLore } from './lore.ts';
import type { Citation } from './types.ts';

/**
 * Prompt assembly (issue 14, docs/chat.md "How a prompt is built"): one pure function from the persona,
 * what was retrieved for this turn and the caller's messages to the provider messages, so every surface
 * sends the same prompt and a test can read it without a network. The order is fixed:
 *
 *   one system message:
 *     1. who speaks: the persona's `system_prompt`, or for a persona without one (the /v1 kind)
 *        "You are <name>." with its description
 *     2. lorebook entries placed before the character, the card's personality and scenario, lorebook
 *        entries placed after it
 *     3. `context`
 *     4. the style guide from `attributes` (the same lines refine sends)
 *     5. the card's example dialogue
 *     6. retrieved knowledge, each passage with its citation marker [n]
 *     7. the caller's own system (and developer) messages, in their order, each once
 *   then the history (user, assistant and tool turns) in order,
 *   then the card's post-history instructions, as a last system message.
 *
 * `{{char}}` and `{{user}}` in persona text become the persona's (card nickname or) name and the user's
 * name. The card's creator notes are never sent.
 */

export interface PromptInput {
  persona: Persona;
  messages: readonly ChatMessage[];
  /** The passages within the knowledge budget, numbered. */
  citations: readonly Citation[];
  lore: ActiveLore;
}

export function assemblePrompt(input: PromptInput): ChatMessage[] {
  const { persona, messages, citations, lore } = input;
  const lastUser = messages.findLast((m) => m.role === 'user');
  const userName = lastUser?.name?.trim() || 'User';
  const own = personaSections(persona, lore, userName);
  const out: ChatMessage[] = [{ role: 'system', content: systemText(own, citations, messages) }];
  for (const m of messages) if (m.role !== 'system') out.push(m);
  const after = persona.card?.postHistoryInstructions;
  if (after?.trim()) {
    const text = fill(after, persona, userName);
    if (text !== '') out.push({ role: 'system', content: text });
  }
  return out;
}

/** The one system message: the persona's sections, the knowledge, the caller's own system messages. */
function systemText(
  own: readonly string[],
  citations: readonly Citation[],
  messages: readonly ChatMessage[],
): string {
  // Most turns add nothing to the persona's sections: cached (frozen) sections are joined once.
  if (citations.length === 0 && !messages.some((m) => m.role === 'system')) {
    if (!Object.isFrozen(own)) return own.join('\n\n');
    let text = joinedSections.get(own);
    if (text === undefined) {
      text = own.join('\n\n');
      joinedSections.set(own, text);
    }
    return text;
  }
  const sections = [...own];
  if (citations.length > 0) sections.push(knowledgeSection(citations));

  // The caller's system messages are merged in, never dropped; one that repeats a section already there
  // (a client sending the persona's own prompt back) or an earlier one is not sent twice.
  const seen = new Set(sections);
  for (const m of messages) {
    if (m.role !== 'system') continue;
    const text = m.content.trim();
    if (text === '' || seen.has(text)) continue;
    seen.add(text);
    sections.push(text);
  }
  return sections.join('\n\n');
}

/** The joined text of the cached sections (frozen: systemText copies them before adding any). */
const joinedSections = new WeakMap<readonly string[], string>();

/**
 * Sections 1 to 5, which depend only on the persona (and the user's name, and active lore). Cached
 * personas are frozen and replaced on write, so the last result per persona object is kept: a
 * conversation's turns reuse it instead of compiling the style guide again.
 */
const lastSections = new WeakMap<Persona, { userName: string; sections: readonly string[] }>();

function personaSections(persona: Persona, lore: ActiveLore, userName: string): readonly string[] {
  const cacheable = lore.beforeChar.length === 0 && lore.afterChar.length === 0 && Object.isFrozen(persona);
  if (cacheable) {
    const hit = lastSections.get(persona);
    if (hit && hit.userName === userName) return hit.sections;
  }
  const card = persona.card;
  const sections: string[] = [];
  const add = (text: string) => {
    const t = fill(text, persona, userName);
    if (t !== '') sections.push(t);
  };
  const description = persona.description.trim();
  if (persona.systemPrompt?.trim()) {
    add(persona.systemPrompt);
    add(description);
  } else {
    add(`You are ${oneLine(persona.name)}.${description ? ` ${description}` : ''}`);
  }
  for (const entry of lore.beforeChar) add(entry);
  if (card?.personality?.trim()) add(`{{char}}'s personality: ${card.personality}`);
  if (card?.scenario?.trim()) add(`Scenario: ${card.scenario}`);
  for (const entry of lore.afterChar) add(entry);
  if (persona.context?.trim()) add(`Context:\n${persona.context}`);
  const guide = styleGuide(withoutEngineKeys(persona.attributes));
  if (guide.length > 0) sections.push(`Style guide:\n${guide.map((l) => `- ${l}`).join('\n')}`);
  if (card?.exampleDialogue?.trim()) {
    add(`Example dialogue (how {{char}} speaks; not part of this conversation):\n${card.exampleDialogue}`);
  }
  if (cacheable) lastSections.set(persona, { userName, sections: Object.freeze(sections) });
  return sections;
}

/**
 * Fills the card macros (cards/macros.ts, the one implementation); `{{original}}` (the operator's own
 * post-history text) is empty in personakit.
 */
function fill(text: string, persona: Persona, userName: string): string {
  const char = (persona.card?.nickname?.trim() || persona.name).trim();
  return expandMacros(text, { char, user: userName, original: '' }).trim();
}

export const KNOWLEDGE_HEADING =
  'Knowledge (passages from your documents; use them when they answer, and cite each passage you use by its marker, like [1]):';

export function knowledgeSection(citations: readonly Citation[]): string {
  const lines = citations.map(
    (c) => `[${c.index}] ${c.document_name ? `(${oneLine(c.document_name)}) ` : ''}${c.text.trim()}`,
  );
  return `${KNOWLEDGE_HEADING}\n${lines.join('\n')}`;
}

/** Attributes that steer the engine, not the voice: never a line of the style guide. */
const ENGINE_KEYS = new Set(['enforce']);

function withoutEngineKeys(attributes: Persona['attributes']): Persona['attributes'] {
  if (!Object.keys(attributes).some((k) => ENGINE_KEYS.has(k))) return attributes;
  return Object.fromEntries(Object.entries(attributes).filter(([k]) => !ENGINE_KEYS.has(k)));
}

const WHITESPACE = /\s+/g;
const oneLine = (s: string) => s.replace(WHITESPACE, ' ').trim();
