/**
 * A conversation's event log folded into what a person reads: user and replica messages (a replica's
 * answer grows while it streams, then carries its citations and checks), errors, and the end. Pure, so
 * the console page and the conversation_url page fold the same way.
 */

export interface Citation {
  index: number;
  document_id: string;
  document_name: string;
}

export interface Check {
  rule: string;
  passed: boolean | null;
  detail: string;
}

export interface Message {
  /** Stable across updates: 'u<seq>' for a user's line, the inference id for the replica's. */
  key: string;
  role: 'user' | 'replica' | 'error';
  text: string;
  /** The replica is still saying it. */
  streaming: boolean;
  interrupted: boolean;
  citations: Citation[];
  checks: Check[];
}

export interface Transcript {
  messages: Message[];
  ended: boolean;
  shutdownReason: string | undefined;
  /** The replica is answering (between started and stopped speaking). */
  speaking: boolean;
  lastSeq: number;
}

export const emptyTranscript: Transcript = {
  messages: [],
  ended: false,
  shutdownReason: undefined,
  speaking: false,
  lastSeq: 0,
};

export interface Envelope {
  event_type?: unknown;
  seq?: unknown;
  inference_id?: unknown;
  properties?: Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function citationsOf(v: unknown): Citation[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
    .map((c) => ({
      index: typeof c.index === 'number' ? c.index : 0,
      document_id: str(c.document_id),
      document_name: str(c.document_name),
    }));
}

function checksOf(v: unknown): Check[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
    .map((c) => ({
      rule: str(c.rule),
      passed: typeof c.passed === 'boolean' ? c.passed : null,
      detail: str(c.detail),
    }));
}

function upsert(messages: Message[], next: Message): Message[] {
  const i = messages.findIndex((m) => m.key === next.key);
  if (i === -1) return [...messages, next];
  const copy = messages.slice();
  copy[i] = next;
  return copy;
}

/** The transcript after one more event (events already folded, by seq, are ignored). */
export function fold(t: Transcript, e: Envelope): Transcript {
  const seq = typeof e.seq === 'number' ? e.seq : undefined;
  if (seq !== undefined && seq <= t.lastSeq) return t;
  const next = seq === undefined ? t : { ...t, lastSeq: seq };
  const p = e.properties ?? {};
  const inference = str(e.inference_id);
  switch (e.event_type) {
    case 'conversation.utterance': {
      if (p.role === 'user') {
        return {
          ...next,
          messages: upsert(next.messages, {
            key: `u${seq ?? next.messages.length}`,
            role: 'user',
            text: str(p.speech),
            streaming: false,
            interrupted: false,
            citations: [],
            checks: [],
          }),
        };
      }
      return {
        ...next,
        messages: upsert(next.messages, {
          key: inference || `r${seq ?? next.messages.length}`,
          role: 'replica',
          text: str(p.speech),
          streaming: false,
          interrupted: p.interrupted === true,
          citations: citationsOf(p.citations),
          checks: checksOf(p.checks),
        }),
      };
    }
    case 'conversation.utterance.streaming': {
      const key = inference || `r${seq ?? next.messages.length}`;
      const before = next.messages.find((m) => m.key === key);
      // A final utterance already folded wins over a late streaming frame.
      if (before && !before.streaming) return next;
      return {
        ...next,
        messages: upsert(next.messages, {
          key,
          role: 'replica',
          text: str(p.speech),
          streaming: p.final !== true,
          interrupted: p.is_interrupted === true,
          citations: [],
          checks: [],
        }),
      };
    }
    case 'conversation.replica.started_speaking':
      return { ...next, speaking: true };
    case 'conversation.replica.stopped_speaking':
      return { ...next, speaking: false };
    case 'system.error':
      return {
        ...next,
        speaking: false,
        messages: [
          ...next.messages,
          {
            key: `e${seq ?? next.messages.length}`,
            role: 'error',
            text: str(p.message) || 'The answer failed',
            streaming: false,
            interrupted: false,
            citations: [],
            checks: [],
          },
        ],
      };
    case 'system.shutdown':
      return { ...next, ended: true, speaking: false, shutdownReason: str(p.shutdown_reason) || undefined };
    default:
      return next;
  }
}
