import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useCan } from '../caller.ts';
import {
  Badge,
  EmptyState,
  ErrorBanner,
  PageHeader,
  Pager,
  Progress,
  SelectField,
  TextArea,
  TextField,
} from '../components/ui.tsx';
import { useAction, useAsync } from '../hooks.ts';
import { useCursorPages } from '../pager.ts';
import { type CatalogItem, listCatalog, type Persona, sourceLabel } from '../personas-api.ts';
import { href, navigate } from '../router.ts';
import { CardImport } from './card-import.tsx';
import type { PageProps } from './types.ts';

/** Every persona of the account, whichever surface made it, with search and pages. */
export function PersonasPage(_props: PageProps) {
  const can = useCan();
  const [search, setSearch] = useState('');
  const [source, setSource] = useState('');
  const [creating, setCreating] = useState(false);
  const pages = useCursorPages();
  const list = useAsync(
    (signal) => listCatalog({ q: search.trim(), source, cursor: pages.cursor }, signal),
    [search, source, pages.cursor],
  );
  const filter = (set: (v: string) => void) => (v: string) => {
    set(v);
    pages.reset();
  };
  return (
    <>
      <PageHeader title="Personas">
        {can('personas:write') && (
          <button
            type="button"
            class="primary"
            onClick={() => setCreating((c) => !c)}
            aria-expanded={creating}
          >
            {creating ? 'Close' : 'New persona'}
          </button>
        )}
      </PageHeader>
      {creating && <CreatePersona onCreated={(p) => navigate('personas', p.id)} />}
      {can('personas:write') && <CardImport onImported={(id) => navigate('personas', id)} />}
      <search class="row">
        <TextField
          label="Search by name"
          type="search"
          value={search}
          onValue={filter(setSearch)}
          maxLength={200}
        />
        <SelectField
          label="Made by"
          value={source}
          onValue={filter(setSource)}
          emptyLabel="Any surface"
          options={Object.entries(sourceLabel).map(([value, label]) => ({ value, label }))}
        />
      </search>
      <ErrorBanner message={list.error} />
      {list.loading && !list.data && <Progress label="Loading personas…" />}
      {list.data && list.data.data.length === 0 && (
        <EmptyState title={search || source ? 'No persona matches.' : 'No personas yet.'}>
          {!search && !source && can('personas:write') && (
            <p>Create one, or import a character card (PNG).</p>
          )}
        </EmptyState>
      )}
      {list.data && list.data.data.length > 0 && (
        <ul class="list" aria-label="Personas" aria-busy={list.loading}>
          {list.data.data.map((p) => (
            <PersonaRow key={p.id} p={p} />
          ))}
        </ul>
      )}
      <Pager
        page={pages.page}
        hasNext={Boolean(list.data?.next_cursor)}
        onPrev={pages.prev}
        onNext={() => pages.next(list.data?.next_cursor ?? null)}
      />
    </>
  );
}

function PersonaRow(props: { p: CatalogItem }) {
  const { p } = props;
  return (
    <li>
      <a class="title" href={href('personas', p.id)}>
        {p.name}
      </a>{' '}
      <Badge kind={p.source}>{sourceLabel[p.source]}</Badge>
      {p.description && <p class="muted">{p.description}</p>}
      <div class="meta">
        <span>version {p.version}</span>
        <span>updated {new Date(p.updated_at).toLocaleString()}</span>
      </div>
    </li>
  );
}

function CreatePersona(props: { onCreated: (p: Persona) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [run, busy, error] = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const p = await api<Persona>('/v1/personas', {
        method: 'POST',
        json: { name, ...(description ? { description } : {}) },
      });
      props.onCreated(p);
    });
  };
  return (
    <form class="section" onSubmit={submit} aria-label="New persona">
      <h2>New persona</h2>
      <ErrorBanner message={error} />
      <TextField label="Name" value={name} onValue={setName} required maxLength={200} />
      <TextArea label="Description" value={description} onValue={setDescription} maxLength={10000} rows={3} />
      <p class="hint">Style rules are set on the persona's page once it exists.</p>
      <button type="submit" class="primary" disabled={busy || name.trim() === ''}>
        {busy ? 'Creating…' : 'Create'}
      </button>
    </form>
  );
}
