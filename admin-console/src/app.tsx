import { field } from './format.js';
import { useEffect, useState } from 'preact/hooks';
import { EventPage, EventsPage } from './pages/events.js';
import { OverviewPage } from './pages/overview.js';
import { SessionPage } from './pages/session.js';
import { SessionsPage } from './pages/sessions.js';
import { UserPage, UsersPage } from './pages/users.js';
import { useRoute } from './router.js';
import { currentUser, onSessionChange, refusedUser, signIn, signOut } from './session.js';

const NAV = [
  ['overview', 'Overview'],
  ['sessions', 'Sessions'],
  ['events', 'Events'],
  ['users', 'Users'],
] as const;

export function App() {
  const [, setVersion] = useState(0);
  useEffect(() => onSessionChange(() => setVersion((v) => v + 1)), []);
  const user = currentUser();
  const refused = refusedUser();
  if (refused) return <NotAdmin email={refused.email} />;
  if (!user) return <SignIn />;
  return <Console email={user.email} />;
}

function Console({ email }: { email: string }) {
  const route = useRoute();
  const [page = 'overview', id] = route.path;
  useEffect(() => {
    // a new page: the main region takes the focus, so keyboard and screen reader users start there
    document.getElementById('main')?.focus();
  }, [page, id]);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <p class="brand">Checkout admin</p>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([path, label]) => (
              <li key={path}>
                <a href={`#/${path}`} aria-current={page === path ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p class="who">
          {email}{' '}
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </p>
      </header>
      <main id="main" tabIndex={-1}>
        <Page page={page} id={id} route={route} />
      </main>
    </>
  );
}

function Page({ page, id, route }: { page: string; id?: string; route: ReturnType<typeof useRoute> }) {
  switch (page) {
    case 'sessions':
      return id ? <SessionPage id={id} /> : <SessionsPage route={route} />;
    case 'events':
      return id ? <EventPage id={id} /> : <EventsPage route={route} />;
    case 'users':
      return id ? <UserPage id={id} /> : <UsersPage route={route} />;
    case 'overview':
      return <OverviewPage />;
    default:
      return <h1>No such page</h1>;
  }
}

function SignIn() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main id="main" class="sign-in">
      <h1>Admin console</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          setBusy(true);
          void signIn(field(data, 'email'), field(data, 'password', false)).then((problem) => {
            setError(problem);
            setBusy(false);
          });
        }}
      >
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

function NotAdmin({ email }: { email: string }) {
  return (
    <main id="main" class="sign-in">
      <h1>Admins only</h1>
      <p role="alert" id="not-admin">
        {email} is signed in, but this console is for admins. Nothing is shown to other accounts.
      </p>
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </main>
  );
}
