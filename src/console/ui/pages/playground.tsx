import { PageHeader } from '../components/ui.tsx';
import type { PageProps } from './types.ts';

/** Refine an answer in a persona's voice, or chat with it. */
export function PlaygroundPage(_props: PageProps) {
  return <PageHeader title="Playground" />;
}
