import { useState } from 'preact/hooks';
import { useCan } from '../caller.ts';
import { PageHeader, SelectField } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { listCatalog } from '../personas-api.ts';
import { ChatTab } from './playground-chat.tsx';
import { RefineTab } from './playground-refine.tsx';
import type { PageProps } from './types.ts';

/** Refine an answer in a persona's voice (with its checks), or chat with it. */
export function PlaygroundPage(props: PageProps) {
  const can = useCan();
  const tabs = [
    ...(can('refine') ? [{ id: 'refine', label: 'Refine' }] : []),
    ...(can('chat') ? [{ id: 'chat', label: 'Chat' }] : []),
  ];
  const [tab, setTab] = useState(tabs[0]?.id ?? 'refine');
  const [personaId, setPersonaId] = useState(props.route.query.get('persona') ?? '');
  const [manual, setManual] = useState('');
  const personas = useAsync(
    (signal) => (can('personas:read') ? listCatalog({ limit: 100 }, signal) : Promise.resolve(undefined)),
    [],
  );
  const list = personas.data?.data ?? [];
  const chosen = personaId || manual.trim();
  return (
    <>
      <PageHeader title="Playground" />
      {personas.data ? (
        <SelectField
          label="Persona"
          value={personaId}
          onValue={setPersonaId}
          emptyLabel="(choose a persona)"
          options={[
            ...list.map((p) => ({ value: p.id, label: p.name })),
            ...(personaId && !list.some((p) => p.id === personaId)
              ? [{ value: personaId, label: personaId }]
              : []),
          ]}
        />
      ) : (
        <label>
          Persona id
          <input value={manual} onInput={(e) => setManual(e.currentTarget.value)} />
        </label>
      )}
      <div class="tabs" role="tablist" aria-label="Playground">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => setTab(t.id)}
            onKeyDown={(e) => {
              // The tabs pattern: arrows move between tabs, Tab goes on to the panel.
              if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
              const i = tabs.findIndex((x) => x.id === t.id) + (e.key === 'ArrowRight' ? 1 : -1);
              const next = tabs[(i + tabs.length) % tabs.length];
              if (!next) return;
              setTab(next.id);
              document.getElementById(`tab-${next.id}`)?.focus();
            }}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'refine' ? <RefineTab personaId={chosen} /> : <ChatTab key={chosen} personaId={chosen} />}
      </div>
    </>
  );
}
