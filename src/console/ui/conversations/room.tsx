import { render } from 'preact';
import { useState } from 'preact/hooks';
import '../styles.css';
import './room.css';
import { ChatView } from '../components/chat-view.tsx';
import { ErrorBanner } from '../components/ui.tsx';
import { chatMessages, useLiveTranscript } from './use-live-transcript.ts';

/**
 * The conversation_url page (/c/{id}), a bundle of its own (scripts/room-build.mjs): the console's chat
 * view over the page's capability endpoints (/c/{id}/events as SSE and POST, /c/{id}/end; the URL, plus
 * ?t= with require_auth, is the authority: docs/adr/0046). No API key, no other request.
 */

const id = location.pathname.split('/')[2] ?? '';
const token = new URLSearchParams(location.search).get('t');
const q = token ? `?t=${encodeURIComponent(token)}` : '';

async function post(path: string, body?: unknown): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`/c/${id}${path}${q}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  } catch {
    throw new Error('Not sent: cannot reach the server.');
  }
  if (!res.ok) {
    let said = '';
    try {
      const b = (await res.json()) as { error?: unknown; message?: unknown };
      said = typeof b.error === 'string' ? b.error : typeof b.message === 'string' ? b.message : '';
    } catch {
      // no JSON body
    }
    throw new Error(said ? `Not sent: ${said}` : `Not sent (HTTP ${res.status}).`);
  }
}

const interaction = (event_type: string, properties: Record<string, string> = {}) => ({
  message_type: 'conversation',
  event_type,
  conversation_id: id,
  properties,
});

const STATE_WORDS = {
  connecting: 'Connecting…',
  open: 'Connected.',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected.',
} as const;

function Room() {
  const { transcript, state, detail } = useLiveTranscript(`/c/${id}/events${q}`, () => ({}), false);
  const [endedHere, setEndedHere] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const ended = transcript.ended || endedHere;
  const act = async (fn: () => Promise<void>) => {
    setError(undefined);
    setBusy(true);
    try {
      await fn();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="room">
      <header class="room-head">
        <h1>Conversation</h1>
        <button
          type="button"
          disabled={ended || busy}
          onClick={() =>
            act(async () => {
              await post('/end');
              setEndedHere(true);
            })
          }
        >
          End
        </button>
      </header>
      <p class="room-status" role="status">
        {ended
          ? 'This conversation has ended.'
          : transcript.speaking
            ? 'The persona is answering…'
            : state === 'closed' && detail
              ? detail
              : STATE_WORDS[state]}
      </p>
      <ErrorBanner message={error} />
      <ChatView
        label="Conversation"
        messages={chatMessages(transcript.messages)}
        busy={busy}
        onSend={
          ended
            ? undefined
            : (text) => void act(() => post('/events', interaction('conversation.respond', { text })))
        }
        onStop={
          transcript.speaking && !ended
            ? () => void act(() => post('/events', interaction('conversation.interrupt')))
            : undefined
        }
      />
    </main>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<Room />, root);
}
