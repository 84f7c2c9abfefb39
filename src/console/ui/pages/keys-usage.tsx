import '../knowledge/knowledge.css';
import '../usage/usage.css';
import { useCan } from '../caller.ts';
import { PageHeader, Section } from '../components/ui.tsx';
import { KeysPanel } from '../usage/keys-panel.tsx';
import { UsagePanel } from '../usage/usage-panel.tsx';
import type { PageProps } from './types.ts';

/** Keys and usage: each part only when the signed-in key holds its scope (`keys`, `usage`). */
export function KeysUsagePage(_props: PageProps) {
  const can = useCan();
  return (
    <>
      <PageHeader title="Keys & usage" />
      {can('usage') && (
        <Section title="Usage">
          <UsagePanel />
        </Section>
      )}
      {can('keys') && <KeysPanel />}
    </>
  );
}
