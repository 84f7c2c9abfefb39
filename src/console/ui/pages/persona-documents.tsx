import '../knowledge/knowledge.css';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useCan } from '../caller.ts';
import { EmptyState, ErrorBanner, Progress, SelectField } from '../components/ui.tsx';
import { useAction, useAsync } from '../hooks.ts';
import { DocStatus, usePolling } from '../knowledge/document-status.tsx';
import { type Doc, getDocument, isBusy, listDocuments } from '../knowledge/documents-api.ts';
import { SearchPanel } from '../knowledge/search-panel.tsx';
import { FileUpload } from '../knowledge/upload-panel.tsx';
import { href } from '../router.ts';

/**
 * The Documents section of a persona's page: the documents it retrieves from (its `document_ids` on
 * /v2/personas, whichever surface made the persona), with their status; attach one of the account's
 * documents, detach one, or upload a file straight to the persona; and a search over what it knows.
 */

interface TavusPersona {
  document_ids: string[] | null;
  document_tags: string[] | null;
}

/** Tavus's Get Persona answers `{ data: [persona] }`. */
async function readPersona(id: string, signal?: AbortSignal): Promise<TavusPersona> {
  const body = await api<{ data: TavusPersona[] }>(`/v2/personas/${encodeURIComponent(id)}`, { signal });
  const p = body.data[0];
  if (!p) throw new Error('Persona not found');
  return p;
}

/** At most this many attached documents are fetched one by one for their status. */
const SHOWN = 50;

export function PersonaDocuments({ personaId }: { personaId: string }) {
  const can = useCan();
  const persona = useAsync<TavusPersona>((signal) => readPersona(personaId, signal), [personaId]);
  const ids = persona.data?.document_ids ?? [];
  const tags = persona.data?.document_tags ?? [];
  const docs = useAsync<(Doc | { document_id: string; missing: true })[]>(
    (signal) =>
      Promise.all(
        ids
          .slice(0, SHOWN)
          .map((id) => getDocument(id, signal).catch(() => ({ document_id: id, missing: true as const }))),
      ),
    [ids.join(',')],
  );
  usePolling(
    (docs.data ?? []).some((d) => !('missing' in d) && isBusy(d)),
    docs.reload,
  );
  const [run, busy, error] = useAction();
  const writable = can('personas:write');

  /**
   * Changes the persona's document_ids from what the store holds now (read fresh, so uploads finishing
   * one after another each add theirs), guarded by a JSON Patch test of that read.
   */
  const changeIds = (change: (current: string[]) => string[]) =>
    run(async () => {
      const current = (await readPersona(personaId)).document_ids ?? [];
      const next = change(current);
      if (next.join(',') !== current.join(',')) {
        await api(`/v2/personas/${encodeURIComponent(personaId)}`, {
          method: 'PATCH',
          json: [
            { op: 'test', path: '/document_ids', value: current },
            { op: 'replace', path: '/document_ids', value: next },
          ],
        });
      }
      persona.reload();
    });

  if (!can('documents')) return <p>This API key may not read documents.</p>;
  if (persona.error) return <ErrorBanner message={persona.error} />;
  if (!persona.data) return <Progress label="Loading the persona's documents…" />;
  return (
    <div class="persona-docs">
      <ErrorBanner message={error} />
      {ids.length === 0 ? (
        <EmptyState title="No documents attached.">
          <p>Attach documents so the persona answers from them, with citations.</p>
        </EmptyState>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>Attached documents ({ids.length})</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                {writable && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {(docs.data ?? []).map((d) => (
                <tr key={d.document_id}>
                  <th scope="row">
                    {'missing' in d ? (
                      <code>{d.document_id}</code>
                    ) : (
                      <a href={href('knowledge', d.document_id)}>{d.document_name}</a>
                    )}
                  </th>
                  <td>{'missing' in d ? 'not found' : <DocStatus doc={d} />}</td>
                  {writable && (
                    <td>
                      <button
                        type="button"
                        disabled={busy}
                        aria-label={`Detach ${'missing' in d ? d.document_id : d.document_name}`}
                        onClick={() => changeIds((c) => c.filter((x) => x !== d.document_id))}
                      >
                        Detach
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {ids.length > SHOWN && <p>The first {SHOWN} are shown.</p>}
        </div>
      )}
      {tags.length > 0 && <p>Also every document tagged {tags.join(', ')}.</p>}
      {writable && (
        <>
          <Attach
            attached={ids}
            disabled={busy}
            onAttach={(id) => changeIds((c) => (c.includes(id) ? c : [...c, id]))}
          />
          <FileUpload
            idPrefix={`pd-${personaId}`}
            onCreated={(doc) => changeIds((c) => [...c, doc.document_id])}
          />
        </>
      )}
      <h3>Search what it knows</h3>
      <SearchPanel personaId={personaId} />
    </div>
  );
}

function Attach(props: { attached: string[]; disabled: boolean; onAttach: (id: string) => void }) {
  const list = useAsync((signal) => listDocuments({ page: 0, limit: 100, sort: 'descending' }, signal), []);
  const [choice, setChoice] = useState('');
  const free = (list.data?.data ?? []).filter((d) => !props.attached.includes(d.document_id));
  if (list.data && free.length === 0) return null;
  return (
    <form
      class="attach"
      onSubmit={(e) => {
        e.preventDefault();
        if (choice) props.onAttach(choice);
        setChoice('');
      }}
    >
      <SelectField
        label="Attach a document"
        value={choice}
        emptyLabel="Choose a document…"
        options={free.map((d) => ({ value: d.document_id, label: `${d.document_name} (${d.status})` }))}
        onValue={setChoice}
        error={list.error}
      />
      <button type="submit" disabled={props.disabled || !choice}>
        Attach
      </button>
    </form>
  );
}
