import { EmptyState, PageHeader } from '../components/ui.tsx';
import type { PageProps } from './types.ts';

/** Knowledge: documents, ingestion progress, search (built by console-b). */
export function KnowledgePage(_props: PageProps) {
  return (
    <>
      <PageHeader title="Knowledge" />
      <EmptyState title="Coming soon" />
    </>
  );
}
