import type { Lorebook, LorebookEntry } from '../core/persona-card.ts';
import { anyKeyMatches } from './key-match.ts';

/**
 * Which lorebook entries go into the prompt for a turn, per the V2/V3 specs. Pure: the chat engine
 * (src/chat/lore.ts) passes the book and the recent turns (oldest first) and places the two lists before
 * and after the character definitions.
 *
 * Rules: a disabled entry never activates; an empty one adds nothing; `constant` always activates; else
 * any key found in the last `scan_depth` turns (substring, case-insensitive unless `case_sensitive`;
 * regular expressions with `use_regex`, matched by a linear-time engine), and with `selective` also any
 * secondary key; `recursive_scanning` lets activated content trigger further entries; above
 * `token_budget` the lowest `priority` entries are dropped first; the rest come in `insertion_order`
 * (lower first) at their `position`. V3 decorator lines (`@@…`) are stripped; `@@activate` and
 * `@@dont_activate` are honoured.
 */
export interface LorebookOptions {
  /** Turns scanned when the book sets no `scan_depth`. */
  defaultScanDepth?: number;
  /** Overrides the book's `token_budget`. */
  tokenBudget?: number;
  /** Token count of an entry's text; a ~4 characters per token estimate by default. */
  countTokens?: (text: string) => number;
}

export interface ActivatedLore {
  beforeChar: string[];
  afterChar: string[];
}

export const DEFAULT_SCAN_DEPTH = 2;

interface Candidate {
  entry: LorebookEntry;
  index: number;
  content: string;
  forced: 'on' | 'off' | undefined;
}

export function activateLorebook(
  book: Lorebook,
  recentTurns: readonly string[],
  opts: LorebookOptions = {},
): ActivatedLore {
  const depth = Math.max(0, Math.floor(book.scanDepth ?? opts.defaultScanDepth ?? DEFAULT_SCAN_DEPTH));
  let scanText = depth === 0 ? '' : recentTurns.slice(-depth).join('\n');
  let lowered = scanText.toLowerCase();

  const candidates: Candidate[] = [];
  book.entries.forEach((entry, index) => {
    if (!entry.enabled) return;
    const { content, forced } = decorated(entry.content);
    if (content.trim() === '' || forced === 'off') return;
    candidates.push({ entry, index, content, forced });
  });

  const active = new Set<Candidate>();
  // Each pass can only add entries, so recursion ends within one pass per entry.
  for (let pass = 0; pass <= candidates.length; pass++) {
    const added: Candidate[] = [];
    for (const c of candidates) {
      if (!active.has(c) && matches(c, scanText, lowered)) added.push(c);
    }
    for (const c of added) active.add(c);
    if (added.length === 0 || book.recursiveScanning !== true) break;
    scanText += `\n${added.map((c) => c.content).join('\n')}`;
    lowered = scanText.toLowerCase();
  }

  const kept = withinBudget([...active], opts.tokenBudget ?? book.tokenBudget, opts.countTokens);
  kept.sort((a, b) => a.entry.insertionOrder - b.entry.insertionOrder || a.index - b.index);
  const out: ActivatedLore = { beforeChar: [], afterChar: [] };
  for (const c of kept) (c.entry.position === 'after_char' ? out.afterChar : out.beforeChar).push(c.content);
  return out;
}

function matches(c: Candidate, text: string, lowered: string): boolean {
  const e = c.entry;
  if (e.constant === true || c.forced === 'on') return true;
  const opts = { regex: e.useRegex === true, caseSensitive: e.caseSensitive === true };
  if (!anyKeyMatches(e.keys, text, lowered, opts)) return false;
  const secondary = e.secondaryKeys ?? [];
  if (e.selective !== true || secondary.length === 0) return true;
  return anyKeyMatches(secondary, text, lowered, opts);
}

/** Highest priority first until the budget is spent; an entry that does not fit is dropped. */
function withinBudget(
  active: Candidate[],
  budget: number | undefined,
  count: (text: string) => number = (t) => Math.ceil(t.length / 4),
): Candidate[] {
  if (budget === undefined || budget <= 0) return active;
  const byPriority = [...active].sort(
    (a, b) => (b.entry.priority ?? 0) - (a.entry.priority ?? 0) || a.index - b.index,
  );
  const kept: Candidate[] = [];
  let spent = 0;
  for (const c of byPriority) {
    const cost = count(c.content);
    if (spent + cost > budget) continue;
    spent += cost;
    kept.push(c);
  }
  return kept;
}

/** The content without its leading `@@decorator` lines, and what `@@activate`/`@@dont_activate` force. */
function decorated(content: string): { content: string; forced: 'on' | 'off' | undefined } {
  if (!content.startsWith('@@')) return { content, forced: undefined };
  const lines = content.split('\n');
  let forced: 'on' | 'off' | undefined;
  let i = 0;
  for (; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (!line.startsWith('@@')) break;
    const name = line.replace(/^@@@?/, '').split(/\s/, 1)[0];
    if (name === 'dont_activate') forced = 'off';
    else if (name === 'activate' && forced === undefined) forced = 'on';
  }
  return { content: lines.slice(i).join('\n'), forced };
}
