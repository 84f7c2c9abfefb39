import { useEffect, useRef, useState } from 'preact/hooks';
import { CheckList, type StyleCheck } from './checks.tsx';
import { Field } from './ui.tsx';

/**
 * A chat: the message list, a composer and, per answer, its citations and style checks. Generic: the
 * caller owns the messages and the transport (the playground's chat completions, a conversation's event
 * stream), so any of them shows the same view.
 */

export interface ChatCitation {
  /** The marker's number in the answer: `[1]` is 1. */
  index: number;
  document_name?: string | undefined;
  document_id?: string | undefined;
  text?: string | undefined;
  score?: number | undefined;
  url?: string | undefined;
}

export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  /** Still arriving. */
  streaming?: boolean;
  citations?: ChatCitation[] | undefined;
  checks?: StyleCheck[] | undefined;
  /** This turn failed: said in words under it. */
  error?: string | undefined;
  /** A small line under the message (time, model). */
  meta?: string | undefined;
}

export interface ChatViewProps {
  messages: ChatMessage[];
  /** Called with the composer's text; absent: no composer (a read-only transcript). */
  onSend?: ((text: string) => void) | undefined;
  /** An answer is on its way: the composer waits. */
  busy?: boolean;
  /** Stops the answer on its way, when the transport can. */
  onStop?: (() => void) | undefined;
  /** The list's accessible name. */
  label?: string;
  placeholder?: string;
  /** Names shown for each role. */
  names?: Partial<Record<ChatMessage['role'], string>>;
  maxLength?: number;
}

export function ChatView(props: ChatViewProps) {
  const [text, setText] = useState('');
  const list = useRef<HTMLOListElement>(null);
  const last = props.messages.at(-1);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when the last message grows
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [props.messages.length, last?.content]);
  const send = (e: Event) => {
    e.preventDefault();
    const t = text.trim();
    if (!t || props.busy || !props.onSend) return;
    props.onSend(t);
    setText('');
  };
  const names = { user: 'You', assistant: 'Persona', system: 'System', ...props.names };
  return (
    <div class="chat">
      <ol class="messages" ref={list} aria-label={props.label ?? 'Messages'} aria-live="polite">
        {props.messages.map((m) => (
          <li key={m.id} class={`msg msg-${m.role}`} aria-busy={m.streaming ? true : undefined}>
            <span class="sr-only">{names[m.role]}: </span>
            <span class="msg-text">{m.content}</span>
            {m.streaming && <span class="muted"> …</span>}
            {m.error && (
              <p class="field-error" role="alert">
                {m.error}
              </p>
            )}
            {m.citations && m.citations.length > 0 && <Citations citations={m.citations} />}
            {m.checks && m.checks.length > 0 && (
              <details class="msg-meta">
                <summary>
                  Checks:{' '}
                  {m.checks.filter((c) => c.passed === false).length === 0
                    ? 'all passed'
                    : `${m.checks.filter((c) => c.passed === false).length} failed`}
                </summary>
                <CheckList checks={m.checks} />
              </details>
            )}
            {m.meta && <p class="msg-meta">{m.meta}</p>}
          </li>
        ))}
      </ol>
      {props.onSend && (
        <form class="composer" onSubmit={send}>
          <Field label="Message">
            {(id, describedBy) => (
              <textarea
                id={id}
                rows={2}
                maxLength={props.maxLength ?? 16000}
                placeholder={props.placeholder ?? 'Write a message (Enter sends, Shift+Enter for a new line)'}
                aria-describedby={describedBy}
                value={text}
                onInput={(e) => setText(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) send(e);
                }}
              />
            )}
          </Field>
          {props.busy && props.onStop ? (
            <button type="button" onClick={props.onStop}>
              Stop
            </button>
          ) : (
            <button type="submit" class="primary" disabled={props.busy || text.trim() === ''}>
              Send
            </button>
          )}
        </form>
      )}
    </div>
  );
}

function Citations(props: { citations: ChatCitation[] }) {
  return (
    <div class="msg-meta citations">
      <p>Sources:</p>
      <ol>
        {props.citations.map((c) => (
          <li key={c.index} value={c.index}>
            <strong>{c.document_name ?? c.document_id ?? 'document'}</strong>
            {c.score !== undefined && <span class="muted"> (score {c.score.toFixed(3)})</span>}
            {c.text && <blockquote>{c.text}</blockquote>}
          </li>
        ))}
      </ol>
    </div>
  );
}
