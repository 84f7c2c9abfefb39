import { useState } from 'preact/hooks';
import { ErrorBanner, PageHeader, Progress, Section } from '../components/ui.tsx';
import { useAction, useAsync } from '../hooks.ts';
import { href, navigate } from '../router.ts';
import { DocStatus, usePolling } from './document-status.tsx';
import {
  type Doc,
  deleteDocument,
  documentContent,
  getDocument,
  isBusy,
  recrawlDocument,
  safeHref,
} from './documents-api.ts';

/** One document: its fields, live status, crawled pages and the text extracted from it. */
export function DocumentDetail({ id }: { id: string }) {
  const doc = useAsync<Doc>((signal) => getDocument(id, signal), [id]);
  const d = doc.data;
  usePolling(d !== undefined && isBusy(d), doc.reload);
  const [run, busy, actionError] = useAction();
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <p>
        <a href={href('knowledge')}>← All documents</a>
      </p>
      <PageHeader title={d?.document_name ?? 'Document'}>
        {d?.crawl_config && (
          <button
            type="button"
            disabled={busy || isBusy(d)}
            onClick={() =>
              run(async () => {
                await recrawlDocument(id);
                doc.reload();
              })
            }
          >
            Recrawl
          </button>
        )}
        {d &&
          (confirming ? (
            <>
              <button
                type="button"
                class="danger"
                disabled={busy}
                onClick={() =>
                  run(async () => {
                    await deleteDocument(id);
                    navigate('knowledge');
                  })
                }
              >
                Yes, delete it
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Keep it
              </button>
            </>
          ) : (
            <button type="button" class="danger" onClick={() => setConfirming(true)}>
              Delete
            </button>
          ))}
      </PageHeader>
      <ErrorBanner message={doc.error ?? actionError} />
      {!d && doc.loading && <Progress label="Loading the document…" />}
      {d && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <DocStatus doc={d} />
            </dd>
            <dt>Id</dt>
            <dd>
              <code>{d.document_id}</code>
            </dd>
            <dt>Source</dt>
            <dd>{d.file_name ?? <UrlText url={d.document_url} />}</dd>
            {d.tags.length > 0 && (
              <>
                <dt>Tags</dt>
                <dd>{d.tags.join(', ')}</dd>
              </>
            )}
            {d.crawl_config && (
              <>
                <dt>Crawl</dt>
                <dd>
                  depth {d.crawl_config.depth}, at most {d.crawl_config.max_pages} pages
                  {d.crawl_count !== null &&
                    `, crawled ${d.crawl_count} time${d.crawl_count === 1 ? '' : 's'}`}
                </dd>
              </>
            )}
            <dt>Updated</dt>
            <dd>
              <time dateTime={d.updated_at}>{new Date(d.updated_at).toLocaleString()}</time>
            </dd>
          </dl>
          {d.crawled_urls && d.crawled_urls.length > 0 && (
            <Section title={`Pages crawled (${d.crawled_urls.length})`}>
              <ul class="crawled">
                {d.crawled_urls.map((u) => (
                  <li key={u}>
                    <UrlText url={u} />
                  </li>
                ))}
              </ul>
            </Section>
          )}
          <Section title="Extracted content">
            <Content id={id} doc={d} />
          </Section>
        </>
      )}
    </>
  );
}

/** A URL from user input: a link only for http(s), else plain text. */
function UrlText({ url }: { url: string | null }) {
  if (!url) return <>—</>;
  const safe = safeHref(url);
  return safe ? (
    <a href={safe} rel="noopener noreferrer" target="_blank">
      {url}
    </a>
  ) : (
    url
  );
}

function Content({ id, doc }: { id: string; doc: Doc }) {
  const ready = doc.status === 'ready';
  const content = useAsync<string | undefined>(
    (signal) => (ready ? documentContent(id, signal) : Promise.resolve(undefined)),
    [id, ready, doc.updated_at],
  );
  if (!ready) {
    return doc.status === 'error' ? (
      <p>Nothing was extracted: {doc.error_message ?? 'processing failed'}.</p>
    ) : (
      <Progress label="The text appears here when processing is done." value={undefined} />
    );
  }
  if (content.error) return <ErrorBanner message={content.error} />;
  if (content.data === undefined) return <Progress label="Loading the text…" />;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so a keyboard can scroll it
    <section class="extracted" aria-label="Extracted text" tabIndex={0}>
      <pre>{content.data}</pre>
    </section>
  );
}
