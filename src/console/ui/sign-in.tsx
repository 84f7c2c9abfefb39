import { useState } from 'preact/hooks';
import { api } from './api.ts';
import type { Caller } from './caller.ts';
import { ErrorBanner, TextField } from './components/ui.tsx';
import { useAction } from './hooks.ts';

/** The key is checked (GET /v1/me) before it is kept, so a wrong key is said at once, in words. */
export function SignIn(props: { error?: string | undefined; onSignedIn: (c: Caller, key: string) => void }) {
  const [key, setKey] = useState('');
  const [run, busy, error] = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    const k = key.trim();
    if (!k) return;
    void run(async () => props.onSignedIn(await api<Caller>('/v1/me', { key: k }), k));
  };
  return (
    <main class="sign-in" id="main">
      <h1>personakit console</h1>
      <p>Sign in with an API key. It is kept in this tab only and forgotten when you sign out or close it.</p>
      <ErrorBanner message={error ?? props.error} />
      <form onSubmit={submit}>
        <TextField
          label="API key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={key}
          onValue={setKey}
          hint="The key npm start printed on first start, or one from: npx personakit keys create --account NAME"
          required
        />
        <button type="submit" class="primary" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
