import { useRef, useState } from 'preact/hooks';
import { describeError } from '../api.ts';
import { createFromUrl, type Doc, uploadDocument } from './documents-api.ts';

/**
 * Adds documents: files (dropped on the zone or picked) uploaded one after another with their upload
 * progress, or a URL with optional crawl settings. Each new document is handed to `onCreated` (the list
 * then follows its processing status).
 */

const MAX_FILE_BYTES = 50 * 1024 * 1024;

interface Pending {
  name: string;
  fraction: number;
  error?: string;
}

export function UploadPanel({ onCreated }: { onCreated: (doc: Doc) => void | Promise<void> }) {
  return (
    <section class="section" aria-labelledby="add-doc-h">
      <h2 id="add-doc-h">Add documents</h2>
      <div class="two-col">
        <FileUpload onCreated={onCreated} />
        <UrlForm onCreated={onCreated} />
      </div>
    </section>
  );
}

export function FileUpload({
  onCreated,
  idPrefix = 'kn',
}: {
  onCreated: (doc: Doc) => void | Promise<void>;
  idPrefix?: string;
}) {
  const [pending, setPending] = useState<Pending[]>([]);
  const [over, setOver] = useState(false);
  const [tags, setTags] = useState('');
  const input = useRef<HTMLInputElement>(null);

  const send = async (files: File[]) => {
    const queue = files.map((f) => ({ name: f.name, fraction: 0 }) as Pending);
    setPending(queue);
    for (const [i, file] of files.entries()) {
      const update = (p: Partial<Pending>) =>
        setPending((all) => all.map((x, j) => (j === i ? { ...x, ...p } : x)));
      if (file.size > MAX_FILE_BYTES) {
        update({ error: 'larger than the 50 MB an upload may be' });
        continue;
      }
      if (file.size === 0) {
        update({ error: 'the file is empty' });
        continue;
      }
      try {
        const doc = await uploadDocument(file, { tags: tags.trim() || undefined }, (fraction) =>
          update({ fraction }),
        );
        update({ fraction: 1 });
        await onCreated(doc);
      } catch (err) {
        update({ error: describeError(err) });
      }
    }
    // Finished uploads leave the list; failed ones stay with their reason.
    setPending((all) => all.filter((p) => p.error !== undefined));
    if (input.current) input.current.value = '';
  };

  return (
    <div class="upload">
      <h3>Upload files</h3>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the pointer; keyboard users have the file input inside it */}
      <div
        class={over ? 'drop over' : 'drop'}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const files = [...(e.dataTransfer?.files ?? [])];
          if (files.length > 0) void send(files);
        }}
      >
        <p>Drop files here (PDF, Word, text, Markdown, HTML, CSV, spreadsheets; 50 MB each) or</p>
        <label for={`${idPrefix}-files`}>Choose files</label>
        <input
          id={`${idPrefix}-files`}
          type="file"
          multiple
          ref={input}
          onChange={(e) => {
            const files = [...((e.currentTarget as HTMLInputElement).files ?? [])];
            if (files.length > 0) void send(files);
          }}
        />
      </div>
      <label for={`${idPrefix}-tags`}>Tags for uploads (comma-separated, optional)</label>
      <input
        id={`${idPrefix}-tags`}
        value={tags}
        maxLength={1000}
        onInput={(e) => setTags((e.currentTarget as HTMLInputElement).value)}
      />
      {pending.length > 0 && (
        <ul class="uploads" aria-live="polite">
          {pending.map((p) => (
            <li key={p.name}>
              <span>{p.name}</span>{' '}
              {p.error === undefined ? (
                <progress max={100} value={Math.round(p.fraction * 100)} aria-label={`Uploading ${p.name}`} />
              ) : (
                <span role="alert" class="error">
                  Not uploaded: {p.error}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function UrlForm({ onCreated }: { onCreated: (doc: Doc) => void | Promise<void> }) {
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [crawl, setCrawl] = useState(false);
  const [depth, setDepth] = useState(2);
  const [maxPages, setMaxPages] = useState(10);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const doc = await createFromUrl({
        document_url: url.trim(),
        ...(name.trim() !== '' && { document_name: name.trim() }),
        ...(crawl && { crawl: { depth, max_pages: maxPages } }),
      });
      setUrl('');
      setName('');
      await onCreated(doc);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="url-form" onSubmit={submit}>
      <h3>From a web address</h3>
      <label for="kn-url">URL</label>
      <input
        id="kn-url"
        type="url"
        required
        maxLength={2048}
        placeholder="https://docs.example.com/"
        value={url}
        onInput={(e) => setUrl((e.currentTarget as HTMLInputElement).value)}
      />
      <label for="kn-url-name">Name (optional)</label>
      <input
        id="kn-url-name"
        maxLength={200}
        value={name}
        onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
      />
      <div class="check">
        <input
          id="kn-crawl"
          type="checkbox"
          checked={crawl}
          onChange={(e) => setCrawl((e.currentTarget as HTMLInputElement).checked)}
        />
        <label for="kn-crawl">Crawl linked pages of the same site</label>
      </div>
      {crawl && (
        <div class="row">
          <div>
            <label for="kn-depth">Depth (1–10)</label>
            <input
              id="kn-depth"
              type="number"
              min={1}
              max={10}
              value={depth}
              onInput={(e) => setDepth(Number((e.currentTarget as HTMLInputElement).value))}
            />
          </div>
          <div>
            <label for="kn-pages">Most pages (1–100)</label>
            <input
              id="kn-pages"
              type="number"
              min={1}
              max={100}
              value={maxPages}
              onInput={(e) => setMaxPages(Number((e.currentTarget as HTMLInputElement).value))}
            />
          </div>
        </div>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Adding…' : 'Add URL'}
      </button>
      {error !== undefined && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </form>
  );
}
