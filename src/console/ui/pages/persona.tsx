import { useEffect, useState } from 'preact/hooks';
import { api, apiFetch } from '../api.ts';
import { useCan } from '../caller.ts';
import {
  ErrorBanner,
  Notice,
  PageHeader,
  Progress,
  Section,
  TextArea,
  TextField,
} from '../components/ui.tsx';
import { useAction, useAsync } from '../hooks.ts';
import { getPersona, type Persona } from '../personas-api.ts';
import { href, navigate } from '../router.ts';
import { PersonaDocuments } from './persona-documents.tsx';
import { PersonaVersions } from './persona-versions.tsx';
import { StyleRulesForm } from './style-rules.tsx';
import type { PageProps } from './types.ts';

/** One persona: fields, style rules, Tavus layers, documents, versions, card export. */
export function PersonaPage(props: PageProps) {
  const id = props.route.parts[1] ?? '';
  const can = useCan();
  const persona = useAsync((signal) => getPersona(id, signal), [id]);
  // Said after a save, which remounts the forms with the saved persona (they are keyed by version).
  const [notice, setNotice] = useState<{ section: string; message: string } | undefined>();
  const saved = (section: string) => (message: string) => {
    setNotice({ section, message });
    persona.reload();
  };
  const noticeFor = (section: string) => (notice?.section === section ? notice.message : undefined);
  if (persona.error)
    return (
      <>
        <PageHeader title="Persona" />
        <ErrorBanner message={persona.error} />
        <a href={href('personas')}>Back to the personas</a>
      </>
    );
  if (!persona.data) return <Progress label="Loading the persona…" />;
  const p = persona.data;
  const canWrite = can('personas:write');
  return (
    <>
      <PageHeader title={p.name}>
        {(can('refine') || can('chat')) && (
          <a href={`#/playground?persona=${encodeURIComponent(p.id)}`}>Try it in the playground</a>
        )}
      </PageHeader>
      <p class="muted">
        <code>{p.id}</code> · version {p.version} · updated {new Date(p.updated_at).toLocaleString()}
      </p>
      <Section title="Fields">
        <Notice message={noticeFor('fields')} />
        <FieldsForm key={p.version} persona={p} canWrite={canWrite} onSaved={saved('fields')} />
      </Section>
      <Section title="Style rules">
        <Notice message={noticeFor('rules')} />
        <StyleRulesForm key={p.version} persona={p} canWrite={canWrite} onSaved={saved('rules')} />
      </Section>
      <Section title="Tavus layers">
        <Notice message={noticeFor('tavus')} />
        <TavusLayers personaId={p.id} version={p.version} canWrite={canWrite} onSaved={saved('tavus')} />
      </Section>
      <Section title="Documents">
        <PersonaDocuments personaId={p.id} />
      </Section>
      <Section title="Versions">
        <PersonaVersions
          personaId={p.id}
          current={p.version}
          canWrite={canWrite}
          onRestored={persona.reload}
        />
      </Section>
      <Section title="Character card">
        <CardExport persona={p} />
      </Section>
      {canWrite && (
        <Section title="Delete">
          <DeletePersona persona={p} />
        </Section>
      )}
    </>
  );
}

function FieldsForm(props: { persona: Persona; canWrite: boolean; onSaved: (message: string) => void }) {
  const [name, setName] = useState(props.persona.name);
  const [description, setDescription] = useState(props.persona.description);
  const [run, busy, error] = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api(`/v1/personas/${encodeURIComponent(props.persona.id)}`, {
        method: 'PATCH',
        json: { name, description },
      });
      props.onSaved('Fields saved.');
    });
  };
  return (
    <form onSubmit={submit} aria-label="Persona fields">
      <fieldset disabled={!props.canWrite}>
        <legend class="sr-only">Name and description</legend>
        <TextField label="Name" value={name} onValue={setName} maxLength={200} required />
        <TextArea
          label="Description"
          value={description}
          onValue={setDescription}
          maxLength={10000}
          rows={4}
        />
      </fieldset>
      <ErrorBanner message={error} />
      {props.canWrite && (
        <button type="submit" class="primary" disabled={busy || name.trim() === ''}>
          {busy ? 'Saving…' : 'Save fields'}
        </button>
      )}
    </form>
  );
}

interface TavusPersona {
  system_prompt: string | null;
  context: string | null;
  pipeline_mode: string;
  default_replica_id: string | null;
  layers?: Record<string, unknown>;
}

function TavusLayers(props: {
  personaId: string;
  version: number;
  canWrite: boolean;
  onSaved: (message: string) => void;
}) {
  const t = useAsync(
    (signal) =>
      api<{ data: TavusPersona[] }>(`/v2/personas/${encodeURIComponent(props.personaId)}`, { signal }).then(
        (r) => r.data[0],
      ),
    [props.personaId, props.version],
  );
  if (t.error) return <ErrorBanner message={t.error} />;
  if (!t.data) return <Progress label="Loading…" />;
  const p = t.data;
  const layers = p.layers ?? {};
  return (
    <>
      <dl class="grid2">
        <div>
          <dt>Pipeline mode</dt>
          <dd>{p.pipeline_mode}</dd>
        </div>
        <div>
          <dt>Default replica</dt>
          <dd>{p.default_replica_id ?? '(none)'}</dd>
        </div>
      </dl>
      <PromptForm
        key={props.version}
        personaId={props.personaId}
        tavus={p}
        canWrite={props.canWrite}
        onSaved={props.onSaved}
      />
      <h3>Layers</h3>
      {Object.keys(layers).length === 0 ? (
        <p class="muted">
          No layers set. They are set through the Tavus API (PATCH /v2/personas/{'{id}'}); secrets are never
          shown.
        </p>
      ) : (
        Object.entries(layers).map(([name, value]) => (
          <details key={name}>
            <summary>{name}</summary>
            <pre>{JSON.stringify(value, null, 2)}</pre>
          </details>
        ))
      )}
    </>
  );
}

/** The system prompt and context, written through Tavus' own PATCH (a JSON Patch). */
function PromptForm(props: {
  personaId: string;
  tavus: TavusPersona;
  canWrite: boolean;
  onSaved: (message: string) => void;
}) {
  const [prompt, setPrompt] = useState(props.tavus.system_prompt ?? '');
  const [context, setContext] = useState(props.tavus.context ?? '');
  const [run, busy, error] = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api(`/v2/personas/${encodeURIComponent(props.personaId)}`, {
        method: 'PATCH',
        json: [
          { op: 'add', path: '/system_prompt', value: prompt },
          { op: 'add', path: '/context', value: context },
        ],
      });
      props.onSaved('System prompt and context saved.');
    });
  };
  return (
    <form onSubmit={submit} aria-label="System prompt and context">
      <fieldset disabled={!props.canWrite}>
        <legend class="sr-only">System prompt and context</legend>
        <TextArea label="System prompt" value={prompt} onValue={setPrompt} rows={4} />
        <TextArea label="Context" value={context} onValue={setContext} rows={3} />
      </fieldset>
      <ErrorBanner message={error} />
      {props.canWrite && (
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save prompt and context'}
        </button>
      )}
    </form>
  );
}

function CardExport(props: { persona: Persona }) {
  const [run, busy, error] = useAction();
  const [url, setUrl] = useState<{ href: string; name: string } | undefined>();
  useEffect(() => () => url && URL.revokeObjectURL(url.href), [url]);
  const download = (format: 'png' | 'json' | 'charx') =>
    void run(async () => {
      const res = await apiFetch(
        `/v1/personas/${encodeURIComponent(props.persona.id)}/export?format=${format}`,
      );
      const name =
        /filename="([^"]{1,200})"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ??
        `persona.${format}`;
      const blob = await res.blob();
      const next = { href: URL.createObjectURL(blob), name };
      setUrl(next);
      const a = document.createElement('a');
      a.href = next.href;
      a.download = name;
      a.click();
    });
  return (
    <>
      <p>Export this persona as a character card (SillyTavern and other card apps import it).</p>
      <div class="actions">
        <button type="button" disabled={busy} onClick={() => download('png')}>
          Download PNG card
        </button>
        <button type="button" disabled={busy} onClick={() => download('json')}>
          Download JSON
        </button>
        <button type="button" disabled={busy} onClick={() => download('charx')}>
          Download CHARX
        </button>
      </div>
      {url && (
        <p>
          Not downloaded?{' '}
          <a href={url.href} download={url.name}>
            Save {url.name}
          </a>
        </p>
      )}
      <ErrorBanner message={error} />
    </>
  );
}

function DeletePersona(props: { persona: Persona }) {
  const [confirming, setConfirming] = useState(false);
  const [run, busy, error] = useAction();
  return (
    <>
      <ErrorBanner message={error} />
      {confirming ? (
        <div class="actions">
          <span>Delete “{props.persona.name}”?</span>
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                await api(`/v1/personas/${encodeURIComponent(props.persona.id)}`, { method: 'DELETE' });
                navigate('personas');
              })
            }
          >
            Delete for good
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete this persona
        </button>
      )}
    </>
  );
}
