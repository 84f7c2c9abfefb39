import '../knowledge/knowledge.css';
import '../conversations/conversations.css';
import { useState } from 'preact/hooks';
import { useCan } from '../caller.ts';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  PageHeader,
  Section,
  SelectField,
  TextArea,
  TextField,
} from '../components/ui.tsx';
import { ConversationDetail } from '../conversations/conversation-detail.tsx';
import {
  createConversation,
  listConversations,
  rememberMeetingToken,
} from '../conversations/conversations-api.ts';
import { useAction, useAsync } from '../hooks.ts';
import { usePersonaOptions } from '../knowledge/persona-options.ts';
import { href, navigate } from '../router.ts';
import type { PageProps } from './types.ts';

/**
 * Conversations (Tavus's text conversations): the list by status a page at a time, a new one with a
 * persona, and one opened (#/conversations/<id>) with its live transcript.
 */
export function ConversationsPage({ route }: PageProps) {
  const id = route.parts[1];
  if (id !== undefined) return <ConversationDetail id={id} />;
  return <ConversationList />;
}

const LIMIT = 10;

function ConversationList() {
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState('');
  const list = useAsync(
    (signal) => listConversations({ page, limit: LIMIT, status: status || undefined }, signal),
    [page, status],
  );
  const personas = usePersonaOptions();
  const rows = list.data?.data ?? [];
  const pages = Math.max(1, Math.ceil((list.data?.total_count ?? 0) / LIMIT));
  return (
    <>
      <PageHeader title="Conversations" />
      <NewConversation personas={personas.options} />
      <Section title="All conversations">
        <SelectField
          label="Status"
          value={status}
          emptyLabel="Any status"
          options={['active', 'ended']}
          onValue={(v) => {
            setStatus(v);
            setPage(1);
          }}
        />
        <ErrorBanner message={list.error} />
        {list.data && rows.length === 0 ? (
          <EmptyState title={status ? `No ${status} conversation.` : 'No conversations yet.'} />
        ) : (
          <div class="table-wrap">
            <table>
              <caption>Conversations{list.data ? ` (${list.data.total_count})` : ''}, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Persona</th>
                  <th scope="col">Status</th>
                  <th scope="col">Started</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
                  <tr key={c.conversation_id}>
                    <th scope="row">
                      <a href={href('conversations', c.conversation_id)}>
                        {c.conversation_name || c.conversation_id}
                      </a>
                    </th>
                    <td>{c.persona_id ? (personas.names.get(c.persona_id) ?? c.persona_id) : 'default'}</td>
                    <td>
                      <Badge kind={c.status}>{c.status}</Badge>
                    </td>
                    <td>
                      <time dateTime={c.created_at}>{new Date(c.created_at).toLocaleString()}</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {pages > 1 && (
          <nav class="pager" aria-label="Conversation pages">
            <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
              Previous
            </button>
            <span>
              Page {page} of {pages}
            </span>
            <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
              Next
            </button>
          </nav>
        )}
      </Section>
    </>
  );
}

function NewConversation({ personas }: { personas: { value: string; label: string }[] }) {
  const can = useCan();
  const [persona, setPersona] = useState('');
  const [name, setName] = useState('');
  const [context, setContext] = useState('');
  const [requireAuth, setRequireAuth] = useState(false);
  const [run, busy, error] = useAction();
  return (
    <Section title="Start a conversation">
      <form
        class="new-conversation"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const c = await createConversation({
              ...(persona && { persona_id: persona }),
              ...(name.trim() && { conversation_name: name.trim() }),
              ...(context.trim() && { conversational_context: context.trim() }),
              ...(requireAuth && { require_auth: true }),
            });
            // The meeting token is returned at creation only: kept for this tab so its link can carry it.
            if (c.meeting_token) rememberMeetingToken(c.conversation_id, c.meeting_token);
            navigate('conversations', c.conversation_id);
          });
        }}
      >
        {can('personas:read') ? (
          <SelectField
            label="Persona"
            value={persona}
            emptyLabel="The default persona"
            options={personas}
            onValue={setPersona}
          />
        ) : (
          <TextField label="Persona id (optional)" value={persona} onValue={setPersona} maxLength={100} />
        )}
        <TextField label="Name (optional)" value={name} onValue={setName} maxLength={300} />
        <TextArea
          label="Context for this conversation (optional)"
          value={context}
          onValue={setContext}
          rows={2}
          maxLength={64000}
        />
        <div class="check">
          <input
            id="conv-require-auth"
            type="checkbox"
            checked={requireAuth}
            onChange={(e) => setRequireAuth(e.currentTarget.checked)}
          />
          <label for="conv-require-auth">Its chat page needs a meeting token (require_auth)</label>
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Starting…' : 'Start conversation'}
        </button>
      </form>
      <ErrorBanner message={error} />
    </Section>
  );
}
