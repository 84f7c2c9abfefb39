import '../knowledge/knowledge.css';
import { useState } from 'preact/hooks';
import { Notice, PageHeader, Section } from '../components/ui.tsx';
import { DocumentDetail } from '../knowledge/document-detail.tsx';
import { DocumentList } from '../knowledge/document-list.tsx';
import { SearchPanel } from '../knowledge/search-panel.tsx';
import { UploadPanel } from '../knowledge/upload-panel.tsx';
import type { PageProps } from './types.ts';

/**
 * Knowledge: add documents (files or web addresses, with crawl settings), follow their processing, read
 * what was extracted (#/knowledge/<id>), and search the passages a persona would cite.
 */
export function KnowledgePage({ route }: PageProps) {
  const id = route.parts[1];
  if (id !== undefined) return <DocumentDetail id={id} />;
  return <KnowledgeHome />;
}

function KnowledgeHome() {
  const [added, setAdded] = useState(0);
  const [notice, setNotice] = useState<string>();
  return (
    <>
      <PageHeader title="Knowledge" />
      <p class="lede">
        Documents feed a persona's answers: attach them on a persona's page, or name them when a conversation
        starts. Processing runs in the background; the list follows it.
      </p>
      <UploadPanel
        onCreated={(doc) => {
          setAdded((n) => n + 1);
          setNotice(`Added “${doc.document_name}”: processing.`);
        }}
      />
      <Notice message={notice} />
      <Section title="Documents">
        <DocumentList refreshKey={added} />
      </Section>
      <Section title="Search">
        <SearchPanel />
      </Section>
    </>
  );
}
