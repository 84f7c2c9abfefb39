import { EmptyState } from '../components/ui.tsx';

/** The Documents section of a persona's page (built by console-b). */
export function PersonaDocuments(_props: { personaId: string }) {
  return <EmptyState title="Documents: coming soon" />;
}
