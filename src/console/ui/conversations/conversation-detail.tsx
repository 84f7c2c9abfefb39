import { useState } from 'preact/hooks';
import { session } from '../api.ts';
import { ChatView } from '../components/chat-view.tsx';
import {
  Badge,
  ErrorBanner,
  Notice,
  PageHeader,
  Progress,
  Section,
  SelectField,
  TextArea,
} from '../components/ui.tsx';
import { useAction, useAsync } from '../hooks.ts';
import { safeHref } from '../knowledge/documents-api.ts';
import { href } from '../router.ts';
import {
  type Conversation,
  chatPageUrl,
  endConversation,
  getConversation,
  interact,
} from './conversations-api.ts';
import { chatMessages, useLiveTranscript } from './use-live-transcript.ts';

/**
 * One conversation: its transcript live over the event stream (GET /v2/conversations/{id}/events, read
 * with fetch so the key goes in a header), the persona answering as it streams with its citations and
 * checks; send respond, echo and context updates; end it.
 */

const STATE_WORDS = {
  connecting: 'Connecting…',
  open: 'Live.',
  reconnecting: 'Connection lost; reconnecting…',
  closed: 'Not live.',
} as const;

export function ConversationDetail({ id }: { id: string }) {
  const conv = useAsync<Conversation>((signal) => getConversation(id, signal), [id]);
  const c = conv.data;
  const { transcript, state, detail } = useLiveTranscript(
    c ? `/v2/conversations/${encodeURIComponent(id)}/events` : undefined,
    () => {
      const key = session.key();
      return key ? { authorization: `Bearer ${key}` } : ({} as Record<string, string>);
    },
    c?.status === 'ended',
  );
  const ended = c?.status === 'ended' || transcript.ended;
  const [run, busy, error] = useAction();
  const [confirmEnd, setConfirmEnd] = useState(false);
  const share = c ? safeHref(chatPageUrl(c)) : undefined;

  return (
    <>
      <p>
        <a href={href('conversations')}>← All conversations</a>
      </p>
      <PageHeader title={c?.conversation_name || 'Conversation'}>
        {c && !ended && share && (
          <a class="button" href={share} target="_blank" rel="noopener noreferrer">
            Open its chat page
          </a>
        )}
        {c &&
          !ended &&
          (confirmEnd ? (
            <>
              <button
                type="button"
                class="danger"
                disabled={busy}
                onClick={() =>
                  run(async () => {
                    await endConversation(id);
                    setConfirmEnd(false);
                    conv.reload();
                  })
                }
              >
                Yes, end it
              </button>
              <button type="button" onClick={() => setConfirmEnd(false)}>
                Keep it going
              </button>
            </>
          ) : (
            <button type="button" class="danger" onClick={() => setConfirmEnd(true)}>
              End conversation
            </button>
          ))}
      </PageHeader>
      <ErrorBanner message={conv.error ?? error} />
      {!c && conv.loading && <Progress label="Loading the conversation…" />}
      {c && (
        <>
          <p class="conv-state" role="status">
            <Badge kind={ended ? 'ended' : 'active'}>{ended ? 'ended' : 'active'}</Badge>{' '}
            {ended
              ? `This conversation has ended${transcript.shutdownReason ? ` (${transcript.shutdownReason})` : ''}.`
              : transcript.speaking
                ? 'The persona is answering…'
                : STATE_WORDS[state]}
            {detail && state !== 'open' && ` ${detail}`}
          </p>
          {transcript.messages.length === 0 && state === 'open' && !ended && (
            <p class="muted">Nothing said yet. Write a message: the persona answers here as it speaks.</p>
          )}
          <ChatView
            label="Transcript"
            messages={chatMessages(transcript.messages)}
            names={{ assistant: 'Persona' }}
            busy={busy}
            onSend={
              ended ? undefined : (text) => void run(() => interact(id, 'conversation.respond', { text }))
            }
            onStop={
              transcript.speaking && !ended
                ? () => void run(() => interact(id, 'conversation.interrupt'))
                : undefined
            }
          />
          {!ended && <OtherInteractions id={id} />}
        </>
      )}
    </>
  );
}

const KINDS = [
  { value: 'conversation.echo', label: 'Echo: the persona says this text as it is' },
  { value: 'conversation.append_llm_context', label: 'Append to the conversation’s context' },
  { value: 'conversation.overwrite_llm_context', label: 'Replace the conversation’s context' },
] as const;

type Kind = (typeof KINDS)[number]['value'];

function OtherInteractions({ id }: { id: string }) {
  const [kind, setKind] = useState<Kind>('conversation.echo');
  const [text, setText] = useState('');
  const [done, setDone] = useState<string>();
  const [run, busy, error] = useAction();
  return (
    <Section title="Other interactions">
      <form
        class="interactions"
        onSubmit={(e) => {
          e.preventDefault();
          const t = text.trim();
          if (!t) return;
          setDone(undefined);
          void run(async () => {
            await interact(id, kind, kind === 'conversation.echo' ? { text: t } : { context: t });
            setText('');
            setDone(
              kind === 'conversation.echo'
                ? 'Echoed.'
                : kind === 'conversation.append_llm_context'
                  ? 'Context appended: the next answers use it.'
                  : 'Context replaced: the next answers use it.',
            );
          });
        }}
      >
        <SelectField label="Interaction" value={kind} options={KINDS} onValue={(v) => setKind(v as Kind)} />
        <TextArea
          label={kind === 'conversation.echo' ? 'Text the persona says' : 'Context'}
          value={text}
          onValue={setText}
          rows={3}
          maxLength={16000}
        />
        <button type="submit" disabled={busy || text.trim() === ''}>
          Send interaction
        </button>
      </form>
      <ErrorBanner message={error} />
      <Notice message={done} />
    </Section>
  );
}
