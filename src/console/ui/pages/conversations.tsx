import { EmptyState, PageHeader } from '../components/ui.tsx';
import type { PageProps } from './types.ts';

/** Conversations: list, live transcript, interactions (built by console-b). */
export function ConversationsPage(_props: PageProps) {
  return (
    <>
      <PageHeader title="Conversations" />
      <EmptyState title="Coming soon" />
    </>
  );
}
