import { useState } from 'preact/hooks';
import { apiFetch } from '../api.ts';
import { ErrorBanner, Progress } from '../components/ui.tsx';
import { useAction } from '../hooks.ts';

/** Import a character card: drop a PNG (or CHARX, JSON) on the zone, or pick it with the file picker. */
export function CardImport(props: { onImported: (id: string) => void }) {
  const [over, setOver] = useState(false);
  const [run, busy, error] = useAction();
  const upload = (file: File | undefined) => {
    if (!file) return;
    void run(async () => {
      const type =
        file.type || (file.name.endsWith('.json') ? 'application/json' : 'application/octet-stream');
      const res = await apiFetch('/v1/personas/import', {
        method: 'POST',
        body: file,
        headers: { 'content-type': type },
      });
      const body = (await res.json()) as { id?: string; persona?: { id?: string } };
      const id = body.id ?? body.persona?.id;
      if (id) props.onImported(id);
    });
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the mouse; keyboard users have the file input inside it
    <div
      class={`drop${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        upload(e.dataTransfer?.files[0]);
      }}
      data-testid="card-drop"
    >
      <p>Drop a character card here (PNG, CHARX or JSON) to import it as a persona, or</p>
      <label class="file-pick">
        choose a card file
        <input
          type="file"
          accept=".png,.charx,.json,image/png,application/json"
          onChange={(e) => upload(e.currentTarget.files?.[0])}
        />
      </label>
      {busy && <Progress label="Importing the card…" />}
      <ErrorBanner message={error} />
    </div>
  );
}
