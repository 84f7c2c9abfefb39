import type { Lorebook } from '../core/persona-card.ts';
import type { ChatMessage } from '../providers/chat-types.ts';

/** Lorebook entries activated for this turn, by where the card puts them around the character. */
export interface ActiveLore {
  beforeChar: string[];
  afterChar: string[];
}

/**
 * The one seam between the chat engine and lorebook activation (issue 16, src/cards/lorebook.ts, built
 * on another branch): which entries of the persona's lorebook the recent turns switch on. Until it is
 * wired at merge, no entry is active and the lore slots of the prompt stay empty. Keep this the only
 * caller of lorebook code in src/chat/.
 */
export function activeLore(book: Lorebook | undefined, recentTurns: readonly ChatMessage[]): ActiveLore {
  void book;
  void recentTurns;
  return { beforeChar: [], afterChar: [] };
}
