import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { EmptyState, ErrorBanner, SelectField, TextField } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { href } from '../router.ts';
import { DocStatus, usePolling } from './document-status.tsx';
import { type Doc, type DocList, isBusy, listDocuments } from './documents-api.ts';

/**
 * The account's documents, a page at a time, filtered by status and name; polled while any shown is
 * still processing, so statuses and progress move on their own. `actions` renders per-row buttons.
 */

const LIMIT = 20;
const STATUSES = ['started', 'processing', 'recrawling', 'ready', 'error'];

export function DocumentList({
  actions,
  refreshKey,
  caption = 'Documents',
}: {
  actions?: (doc: Doc, reload: () => void) => ComponentChildren;
  /** Changing it reloads (e.g. after an upload). */
  refreshKey?: unknown;
  caption?: string;
}) {
  const [page, setPage] = useState(0);
  const [status, setStatus] = useState('');
  const [typed, setTyped] = useState('');
  const [name, setName] = useState('');
  // The name filter asks the API once typing pauses, not at every key.
  useEffect(() => {
    const timer = setTimeout(() => {
      setName(typed.trim());
      setPage(0);
    }, 250);
    return () => clearTimeout(timer);
  }, [typed]);
  const list = useAsync<DocList>(
    (signal) =>
      listDocuments(
        {
          page,
          limit: LIMIT,
          sort: 'descending',
          status: status || undefined,
          name_or_uuid: name || undefined,
        },
        signal,
      ),
    [page, status, name, refreshKey],
  );
  const docs = list.data?.data ?? [];
  usePolling(docs.some(isBusy), list.reload);
  const total = list.data?.total_count ?? 0;
  const pages = Math.max(1, Math.ceil(total / LIMIT));
  return (
    <div class="doc-list">
      <div class="filters">
        <TextField label="Find by name or id" value={typed} maxLength={256} onValue={setTyped} />
        <SelectField
          label="Status"
          value={status}
          emptyLabel="Any status"
          options={STATUSES}
          onValue={(v) => {
            setStatus(v);
            setPage(0);
          }}
        />
      </div>
      <ErrorBanner message={list.error} />
      {list.data && docs.length === 0 ? (
        <EmptyState title={status || name ? 'No document matches.' : 'No documents yet.'}>
          {!status && !name && <p>Upload a file or add a web address above.</p>}
        </EmptyState>
      ) : (
        <div class="table-wrap">
          <table class="docs">
            <caption>
              {caption}
              {list.data ? ` (${total})` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Source</th>
                <th scope="col">Status</th>
                <th scope="col">Updated</th>
                {actions && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {docs.map((d) => (
                <tr key={d.document_id} data-doc={d.document_id}>
                  <th scope="row">
                    <a href={href('knowledge', d.document_id)}>{d.document_name}</a>
                  </th>
                  <td class="source">{d.file_name ?? d.document_url ?? ''}</td>
                  <td>
                    <DocStatus doc={d} />
                  </td>
                  <td>
                    <time dateTime={d.updated_at}>{new Date(d.updated_at).toLocaleString()}</time>
                  </td>
                  {actions && <td class="row-actions">{actions(d, list.reload)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 && (
        <nav class="pager" aria-label="Document pages">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            Page {page + 1} of {pages}
          </span>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
    </div>
  );
}
