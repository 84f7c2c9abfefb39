import { useState } from 'preact/hooks';
import { ErrorBanner, Progress, SelectField, TextField } from '../components/ui.tsx';
import { useAction } from '../hooks.ts';
import { href } from '../router.ts';
import { type Passage, searchKnowledge } from './documents-api.ts';
import { usePersonaOptions } from './persona-options.ts';

/**
 * Search over knowledge (POST /v2/knowledge/search): a persona's documents, or every ready document of
 * the account; each passage with its document, where it is, and its score.
 */
export function SearchPanel({ personaId }: { personaId?: string }) {
  const personas = usePersonaOptions(personaId === undefined);
  const [persona, setPersona] = useState(personaId ?? '');
  const [text, setText] = useState('');
  const [results, setResults] = useState<Passage[] | undefined>();
  const [run, busy, error] = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    const q = text.trim();
    if (!q) return;
    void run(async () => {
      const r = await searchKnowledge({ query: q, limit: 10, ...(persona && { persona_id: persona }) });
      setResults(r.data);
    });
  };

  return (
    <div class="search">
      <form class="search-form" onSubmit={submit}>
        {personaId === undefined && (
          <SelectField
            label="Whose knowledge"
            value={persona}
            emptyLabel="Every ready document"
            options={personas.options}
            onValue={setPersona}
            hint={personas.error}
          />
        )}
        <TextField label="Search for" value={text} onValue={setText} maxLength={2000} required />
        <button type="submit" disabled={busy}>
          Search
        </button>
      </form>
      <ErrorBanner message={error} />
      {busy && <Progress label="Searching…" />}
      {results && !busy && (
        <div aria-live="polite">
          {results.length === 0 ? (
            <p>No passage matches. Only documents whose status is ready are searched.</p>
          ) : (
            <ol class="passages">
              {results.map((p) => (
                <li key={p.chunk_id} class="passage">
                  <div class="passage-head">
                    <a href={href('knowledge', p.document_id)}>{p.document_name}</a>
                    {where(p) && <span class="where"> · {where(p)}</span>}
                    <span class="score" title="Relevance; higher is better">
                      score {formatScore(p.score)}
                    </span>
                  </div>
                  <blockquote>{p.text}</blockquote>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </div>
  );
}

/** Scores are only comparable within one answer; tiny ones (one short document) keep their digits. */
export function formatScore(score: number): string {
  if (score === 0 || Math.abs(score) >= 0.01) return score.toFixed(3);
  return score.toPrecision(3);
}

function where(p: Passage): string {
  const parts = [...p.position.heading_path];
  if (p.position.page !== undefined) parts.push(`page ${p.position.page}`);
  if (p.position.sheet !== undefined) parts.push(`sheet ${p.position.sheet}`);
  if (p.position.url !== undefined) parts.push(p.position.url);
  return parts.join(' › ');
}
