import { useRef, useState } from 'preact/hooks';
import { describeError, postStream } from '../api.ts';
import { type ChatCitation, type ChatMessage, ChatView } from '../components/chat-view.tsx';
import type { StyleCheck } from '../components/checks.tsx';
import { type LlmChoice, LlmPicker } from './llm-picker.tsx';

/**
 * Chat with the persona through the chat engine (POST /v1/chat/completions, streamed; `model` is the
 * persona id). The LLM is the one picked here (sent as X-Personakit-Provider headers, for this request
 * only), else the persona's own, else the server's default, else the local engine. Each answer shows its
 * citations and the persona's checks from the closing chunk.
 */
interface Chunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  citations?: ChatCitation[];
  checks?: StyleCheck[];
  model?: string;
  error?: { message?: string };
}

let n = 0;
const nextId = () => `m${++n}`;

export function ChatTab(props: { personaId: string }) {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [llm, setLlm] = useState<LlmChoice>({ provider: '', model: '', key: '', baseUrl: '' });
  const [busy, setBusy] = useState(false);
  const ctl = useRef<AbortController | null>(null);

  const update = (id: string, change: (m: ChatMessage) => ChatMessage) =>
    setMessages((list) => list.map((m) => (m.id === id ? change(m) : m)));

  const send = async (text: string) => {
    if (!props.personaId) return;
    const user: ChatMessage = { id: nextId(), role: 'user', content: text };
    const answer: ChatMessage = { id: nextId(), role: 'assistant', content: '', streaming: true };
    const history = [...messages.filter((m) => !m.error), user].map((m) => ({
      role: m.role,
      content: m.content,
    }));
    setMessages((list) => [...list, user, answer]);
    setBusy(true);
    const abort = new AbortController();
    ctl.current = abort;
    const headers: Record<string, string> = {};
    if (llm.provider) headers['x-personakit-provider'] = llm.provider;
    if (llm.key) headers['x-personakit-provider-key'] = llm.key;
    if (llm.baseUrl) headers['x-personakit-provider-base-url'] = llm.baseUrl;
    if (llm.model) headers['x-personakit-provider-model'] = llm.model;
    try {
      await postStream(
        '/v1/chat/completions',
        { model: props.personaId, messages: history, stream: true },
        (data) => {
          const c = data as Chunk;
          if (c.error) {
            update(answer.id, (m) => ({ ...m, error: c.error?.message ?? 'The answer failed.' }));
            return;
          }
          const delta = c.choices?.[0]?.delta?.content;
          if (delta) update(answer.id, (m) => ({ ...m, content: m.content + delta }));
          if (c.citations || c.checks)
            update(answer.id, (m) => ({
              ...m,
              citations: c.citations ?? m.citations,
              checks: c.checks ?? m.checks,
            }));
        },
        abort.signal,
        headers,
      );
    } catch (err) {
      if (!abort.signal.aborted) update(answer.id, (m) => ({ ...m, error: describeError(err) }));
    } finally {
      update(answer.id, (m) => ({ ...m, streaming: false }));
      setBusy(false);
    }
  };

  return (
    <div>
      <LlmPicker value={llm} onChange={setLlm} allowDefault />
      {!props.personaId && <p class="hint">Choose a persona first.</p>}
      <ChatView
        messages={messages}
        onSend={props.personaId ? (t) => void send(t) : undefined}
        busy={busy}
        onStop={() => ctl.current?.abort()}
        label="Chat with the persona"
      />
      {messages.length > 0 && !busy && (
        <button type="button" class="link" onClick={() => setMessages([])}>
          Start over
        </button>
      )}
    </div>
  );
}
