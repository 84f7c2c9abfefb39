import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorBanner, Progress, TextArea } from '../components/ui.tsx';
import { useAction, useAsync } from '../hooks.ts';

/** A persona's Tavus side (GET /v2/personas/{id}): pipeline, replica, system prompt, context, layers. */
interface TavusPersona {
  system_prompt: string | null;
  context: string | null;
  pipeline_mode: string;
  default_replica_id: string | null;
  layers?: Record<string, unknown>;
}

export function TavusLayers(props: {
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
