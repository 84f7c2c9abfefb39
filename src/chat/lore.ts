import { activateLorebook } from '../cards/lorebook.ts';
import type { Lorebook } from '../core/persona-card.ts';
import type { ChatMessage } from '../providers/chat-types.ts';

/** Lorebook entries activated for this turn, by where the card puts them around the character. */
export interface ActiveLore {
  beforeChar: string[];
  afterChar: string[];
}

/**
 * The one seam between the chat engine and lorebook activation (src/cards/lorebook.ts): which entries
 * of the persona's lorebook the recent turns switch on, oldest turn first as the spec scans them. System
 * text (the engine's own sections, the caller's instructions) is not a turn and never activates lore.
 */
export function activeLore(book: Lorebook | undefined, recentTurns: readonly ChatMessage[]): ActiveLore {
  if (!book || book.entries.length === 0) return { beforeChar: [], afterChar: [] };
  const turns = recentTurns.filter((m) => m.role !== 'system' && m.content !== '').map((m) => m.content);
  return activateLorebook(book, turns);
}
