import { useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { EmptyState, ErrorBanner, Notice, Pager, Progress, SelectField } from '../components/ui.tsx';
import { useAction, useAsync } from '../hooks.ts';
import { useCursorPages } from '../pager.ts';

/** A persona's versions (GET /v1/personas/{id}/versions): list, the diff of two, restore one. */

interface VersionSummary {
  version: number;
  created_at: string;
  key_id: string | null;
  restored_from: number | null;
}

interface Diff {
  from: number;
  to: number;
  patch: { op: string; path: string; value?: unknown }[];
}

const base = (id: string) => `/v1/personas/${encodeURIComponent(id)}/versions`;

export function PersonaVersions(props: {
  personaId: string;
  current: number;
  canWrite: boolean;
  onRestored: () => void;
}) {
  const pages = useCursorPages();
  const list = useAsync(
    (signal) =>
      api<{ data: VersionSummary[]; next_cursor: string | null }>(
        `${base(props.personaId)}${query({ limit: 20, cursor: pages.cursor })}`,
        { signal },
      ),
    [props.personaId, props.current, pages.cursor],
  );
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [diff, setDiff] = useState<Diff | undefined>();
  const [confirming, setConfirming] = useState<number | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [run, busy, error] = useAction();
  const versions = list.data?.data ?? [];
  const options = versions.map((v) => ({ value: String(v.version), label: `Version ${v.version}` }));

  const showDiff = (e: Event) => {
    e.preventDefault();
    if (!to) return;
    void run(async () =>
      setDiff(await api<Diff>(`${base(props.personaId)}/${to}/diff${query({ from: from || undefined })}`)),
    );
  };
  const restore = (version: number) =>
    void run(async () => {
      await api(`${base(props.personaId)}/${version}/restore`, { method: 'POST' });
      setConfirming(undefined);
      setNotice(`Version ${version} restored as a new version.`);
      props.onRestored();
    });

  if (list.error) return <ErrorBanner message={list.error} />;
  if (!list.data) return <Progress label="Loading versions…" />;
  if (versions.length === 0) return <EmptyState title="No versions recorded." />;
  return (
    <>
      <Notice message={notice} />
      <ErrorBanner message={error} />
      <div class="table-wrap">
        <table>
          <caption class="sr-only">Versions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Made</th>
              <th scope="col">Note</th>
              {props.canWrite && <th scope="col">Restore</th>}
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version}>
                <td>{v.version === props.current ? `${v.version} (current)` : v.version}</td>
                <td>{new Date(v.created_at).toLocaleString()}</td>
                <td>{v.restored_from !== null ? `restored from ${v.restored_from}` : ''}</td>
                {props.canWrite && (
                  <td>
                    {v.version === props.current ? null : confirming === v.version ? (
                      <span class="actions">
                        <button
                          type="button"
                          class="danger"
                          disabled={busy}
                          onClick={() => restore(v.version)}
                        >
                          Confirm restore of {v.version}
                        </button>
                        <button type="button" onClick={() => setConfirming(undefined)}>
                          Cancel
                        </button>
                      </span>
                    ) : (
                      <button type="button" onClick={() => setConfirming(v.version)}>
                        Restore version {v.version}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager
        page={pages.page}
        hasNext={Boolean(list.data.next_cursor)}
        onPrev={pages.prev}
        onNext={() => pages.next(list.data?.next_cursor ?? null)}
      />
      <form class="row" onSubmit={showDiff} aria-label="Compare versions">
        <SelectField
          label="From"
          value={from}
          onValue={setFrom}
          emptyLabel="(the one before)"
          options={options}
        />
        <SelectField label="To" value={to} onValue={setTo} emptyLabel="(choose)" options={options} />
        <button type="submit" disabled={!to || busy}>
          Compare
        </button>
      </form>
      {diff && <DiffTable diff={diff} />}
    </>
  );
}

const show = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v, null, 2));

function DiffTable(props: { diff: Diff }) {
  const { diff } = props;
  if (diff.patch.length === 0)
    return (
      <p>
        Versions {diff.from} and {diff.to} are the same.
      </p>
    );
  return (
    <div class="table-wrap">
      <table>
        <caption>
          From version {diff.from} to version {diff.to}
        </caption>
        <thead>
          <tr>
            <th scope="col">Change</th>
            <th scope="col">Field</th>
            <th scope="col">New value</th>
          </tr>
        </thead>
        <tbody>
          {diff.patch.map((op, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a patch is shown whole and never reordered
            <tr key={i}>
              <td>{op.op === 'add' ? 'added' : op.op === 'remove' ? 'removed' : 'changed'}</td>
              <td>
                <code>{op.path.slice(1).replaceAll('/', '.')}</code>
              </td>
              <td>
                <pre>{show(op.value)}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
