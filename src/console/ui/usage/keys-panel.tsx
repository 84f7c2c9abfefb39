import { useState } from 'preact/hooks';
import { useCaller } from '../caller.ts';
import { Badge, EmptyState, ErrorBanner, Notice, Pager, Section, TextField } from '../components/ui.tsx';
import { useAction, useAsync } from '../hooks.ts';
import { useCursorPages } from '../pager.ts';
import { type ApiKey, createKey, listKeys, revokeKey } from './usage-api.ts';

/**
 * The account's API keys: list (never a secret), create one (its secret shown once, with a copy
 * button), revoke one after a confirmation. A new key may hold only scopes the signed-in key holds.
 */
export function KeysPanel() {
  const pages = useCursorPages();
  const [created, setCreated] = useState(0);
  const list = useAsync((signal) => listKeys(pages.cursor, signal), [pages.cursor, created]);
  const keys = list.data?.data ?? [];
  return (
    <>
      <CreateKey onCreated={() => setCreated((n) => n + 1)} />
      <Section title="Keys">
        <ErrorBanner message={list.error} />
        {list.data && keys.length === 0 ? (
          <EmptyState title="No keys." />
        ) : (
          <div class="table-wrap">
            <table class="keys">
              <caption>API keys, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Starts with</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">State</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <KeyRow key={k.id} k={k} onChanged={list.reload} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager
          page={pages.page}
          hasNext={!!list.data?.next_cursor}
          onPrev={pages.prev}
          onNext={() => pages.next(list.data?.next_cursor ?? null)}
        />
      </Section>
    </>
  );
}

function KeyRow({ k, onChanged }: { k: ApiKey; onChanged: () => void }) {
  const caller = useCaller();
  const [confirming, setConfirming] = useState(false);
  const [run, busy, error] = useAction();
  const self = k.id === caller.key_id;
  const label = k.name ?? k.prefix;
  return (
    <tr data-key={k.id}>
      <th scope="row">
        {k.name ?? <span class="muted">(no name)</span>}
        {self && (
          <>
            {' '}
            <Badge kind="self">this key</Badge>
          </>
        )}
      </th>
      <td>
        <code>{k.prefix}…</code>
      </td>
      <td>{k.scopes === null ? 'all' : k.scopes.join(', ')}</td>
      <td>
        <time dateTime={k.created_at}>{new Date(k.created_at).toLocaleDateString()}</time>
      </td>
      <td>
        {k.revoked_at ? (
          <Badge kind="revoked">revoked</Badge>
        ) : k.expires_at && Date.parse(k.expires_at) <= Date.now() ? (
          <Badge kind="expired">expired</Badge>
        ) : (
          <Badge kind="active">active</Badge>
        )}
      </td>
      <td>
        {!k.revoked_at &&
          (confirming ? (
            <span class="confirm">
              {self ? 'This signs the console out. ' : ''}
              <button
                type="button"
                class="danger"
                disabled={busy}
                onClick={() =>
                  run(async () => {
                    await revokeKey(k.id);
                    setConfirming(false);
                    onChanged();
                  })
                }
              >
                Yes, revoke {label}
              </button>{' '}
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" aria-label={`Revoke ${label}`} onClick={() => setConfirming(true)}>
              Revoke
            </button>
          ))}
        <ErrorBanner message={error} />
      </td>
    </tr>
  );
}

function CreateKey({ onCreated }: { onCreated: () => void }) {
  const caller = useCaller();
  const grantable = caller.scopes.filter((s) => s !== 'accounts');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(grantable);
  const [expires, setExpires] = useState('');
  const [secret, setSecret] = useState<{ key: string; name: string } | undefined>();
  const [copied, setCopied] = useState<string>();
  const [run, busy, error] = useAction();
  return (
    <Section title="Create a key">
      <form
        class="create-key"
        onSubmit={(e) => {
          e.preventDefault();
          setCopied(undefined);
          void run(async () => {
            const k = await createKey({
              ...(name.trim() && { name: name.trim() }),
              scopes,
              ...(expires && { expires_at: new Date(`${expires}T00:00:00Z`).toISOString() }),
            });
            setSecret({ key: k.key, name: k.name ?? k.prefix });
            setName('');
            onCreated();
          });
        }}
      >
        <TextField
          label="Name"
          value={name}
          onValue={setName}
          maxLength={200}
          placeholder="production backend"
        />
        <fieldset>
          <legend>Scopes (what the key may do)</legend>
          {grantable.map((s) => (
            <label key={s} class="check">
              <input
                type="checkbox"
                checked={scopes.includes(s)}
                onChange={(e) =>
                  setScopes((all) => (e.currentTarget.checked ? [...all, s] : all.filter((x) => x !== s)))
                }
              />{' '}
              {s}
            </label>
          ))}
        </fieldset>
        <TextField
          label="Expires on (optional)"
          type="date"
          value={expires}
          onValue={setExpires}
          hint="Midnight UTC of that day; empty: never."
        />
        <button type="submit" class="primary" disabled={busy || scopes.length === 0}>
          Create key
        </button>
      </form>
      <ErrorBanner message={error} />
      {secret && (
        <div class="new-key" role="status">
          <p>
            The new key <strong>{secret.name}</strong>. Copy it now: it is not shown again.
          </p>
          <code class="secret" data-secret="">
            {secret.key}
          </code>{' '}
          <button
            type="button"
            onClick={() =>
              navigator.clipboard.writeText(secret.key).then(
                () => setCopied('Copied.'),
                () => setCopied('Copying was refused: select the key and copy it by hand.'),
              )
            }
          >
            Copy
          </button>{' '}
          <button type="button" onClick={() => setSecret(undefined)}>
            Done
          </button>
          <Notice message={copied} />
        </div>
      )}
    </Section>
  );
}
