import { ErrorBanner, PageHeader, Progress, Section } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { getPersona } from '../personas-api.ts';
import { PersonaDocuments } from './persona-documents.tsx';
import type { PageProps } from './types.ts';

/** One persona: fields, style rules, Tavus layers, documents, versions, card export. */
export function PersonaPage(props: PageProps) {
  const id = props.route.parts[1] ?? '';
  const persona = useAsync((signal) => getPersona(id, signal), [id]);
  if (persona.error) return <ErrorBanner message={persona.error} />;
  if (!persona.data) return <Progress label="Loading the persona…" />;
  const p = persona.data;
  return (
    <>
      <PageHeader title={p.name} />
      <Section title="Documents">
        <PersonaDocuments personaId={p.id} />
      </Section>
    </>
  );
}
