import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, apiEvents, describeError, session } from './api.ts';
import { type Caller, CallerContext, type Scope } from './caller.ts';
import { ErrorBanner, Progress } from './components/ui.tsx';
import { ConversationsPage } from './pages/conversations.tsx';
import { KeysUsagePage } from './pages/keys-usage.tsx';
import { KnowledgePage } from './pages/knowledge.tsx';
import { PersonaPage } from './pages/persona.tsx';
import { PersonasPage } from './pages/personas.tsx';
import { PlaygroundPage } from './pages/playground.tsx';
import type { PageProps } from './pages/types.ts';
import { type Route, useRoute } from './router.ts';
import { SignIn } from './sign-in.tsx';

/**
 * The shell: sign-in, the navigation and the page for the route. A page is listed in `pages` with the
 * first path segment it answers, its nav label, and the scopes that make it useful: a key holding none
 * of them does not see it.
 */
interface PageEntry {
  /** First path segment (`personas` answers `#/personas` and `#/personas/<id>`). */
  segment: string;
  label: string;
  /** Any one of these makes the page available. */
  scopes: Scope[];
  /** The component for the route; `detail` when the route has more segments than the first. */
  component: ComponentType<PageProps>;
  detail?: ComponentType<PageProps>;
}

export const pages: PageEntry[] = [
  {
    segment: 'personas',
    label: 'Personas',
    scopes: ['personas:read'],
    component: PersonasPage,
    detail: PersonaPage,
  },
  { segment: 'playground', label: 'Playground', scopes: ['refine', 'chat'], component: PlaygroundPage },
  { segment: 'knowledge', label: 'Knowledge', scopes: ['documents'], component: KnowledgePage },
  {
    segment: 'conversations',
    label: 'Conversations',
    scopes: ['conversations'],
    component: ConversationsPage,
  },
  { segment: 'keys', label: 'Keys & usage', scopes: ['keys', 'usage'], component: KeysUsagePage },
];

const allowed = (caller: Caller) => pages.filter((p) => p.scopes.some((s) => caller.scopes.includes(s)));

export function App() {
  const [caller, setCaller] = useState<Caller | null>(null);
  const [checking, setChecking] = useState(() => session.key() !== null);
  const [error, setError] = useState<string | undefined>();

  const signOut = (why?: string) => {
    session.clear();
    setCaller(null);
    setError(why);
  };

  useEffect(() => {
    apiEvents.onUnauthorized = () => signOut('Signed out: the API key is no longer accepted.');
    const key = session.key();
    if (!key) return;
    api<Caller>('/v1/me', { key }).then(
      (c) => {
        setCaller(c);
        setChecking(false);
      },
      (err) => {
        if (err instanceof ApiError && err.status === 401) session.clear();
        setError(describeError(err));
        setChecking(false);
      },
    );
  }, []);

  if (checking) return <Progress label="Checking the saved key…" />;
  if (!caller)
    return (
      <SignIn
        error={error}
        onSignedIn={(c, key) => {
          session.set(key);
          setError(undefined);
          setCaller(c);
        }}
      />
    );
  return (
    <CallerContext.Provider value={caller}>
      <Shell caller={caller} onSignOut={() => signOut()} />
    </CallerContext.Provider>
  );
}

function Shell(props: { caller: Caller; onSignOut: () => void }) {
  const route = useRoute();
  const available = allowed(props.caller);
  const first = route.parts[0] ?? available[0]?.segment;
  const entry = available.find((p) => p.segment === first);
  useEffect(() => {
    document.title = entry ? `${entry.label} · personakit` : 'personakit console';
    // Focus moves to the page's heading on navigation, so keyboard and screen-reader users land there.
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [entry, route.path]);
  return (
    <div class="layout">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          personakit
        </a>
        <nav aria-label="Sections">
          <ul>
            {available.map((p) => (
              <li key={p.segment}>
                <a href={`#/${p.segment}`} aria-current={p === entry ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="sign-out" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main">
        <PageFor entry={entry} route={route} anyPage={available.length > 0} />
      </main>
    </div>
  );
}

function PageFor(props: { entry: PageEntry | undefined; route: Route; anyPage: boolean }) {
  if (!props.anyPage)
    return (
      <ErrorBanner message="This API key holds no scope the console can use. Sign in with another key." />
    );
  if (!props.entry)
    return (
      <>
        <h1 tabIndex={-1}>Not found</h1>
        <p>
          There is no such page, or this API key may not use it. <a href="#/">Go to the start</a>.
        </p>
      </>
    );
  const Page =
    props.route.parts.length > 1 && props.entry.detail ? props.entry.detail : props.entry.component;
  // Keyed by the path: each navigation mounts the page afresh, with fresh data.
  return <Page key={props.route.path} route={props.route} />;
}
