import { EmptyState, PageHeader } from '../components/ui.tsx';
import type { PageProps } from './types.ts';

/** Keys and usage (built by console-b). */
export function KeysUsagePage(_props: PageProps) {
  return (
    <>
      <PageHeader title="Keys & usage" />
      <EmptyState title="Coming soon" />
    </>
  );
}
