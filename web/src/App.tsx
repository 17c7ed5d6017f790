import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LangSwitch } from './components/LangSwitch.tsx';
import { ErrorMessage, Forbidden, Loading, NotFound } from './components/States.tsx';
import { ApiError, api, UNAUTHORIZED_EVENT } from './lib/api.ts';
import { forgetPolicies } from './lib/policies.ts';
import { Link, matchPath, navigate, useLocation } from './lib/router.tsx';
import { homeOf, type Session, SessionContext, useSession } from './lib/session.tsx';
import { isBureau, type Meta, type User } from './lib/types.ts';
import { AuditPage } from './pages/AuditPage.tsx';
import { CalculatorPage } from './pages/CalculatorPage.tsx';
import { CampaignPage } from './pages/CampaignPage.tsx';
import { CityPage } from './pages/CityPage.tsx';
import { CompanyPage } from './pages/CompanyPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { OutboxPage } from './pages/OutboxPage.tsx';
import { PoliciesPage } from './pages/PoliciesPage.tsx';
import { TaxpayersPage } from './pages/TaxpayersPage.tsx';
import { WorklistsPage } from './pages/WorklistsPage.tsx';

/** Logged out, checking, or logged in with the reference data loaded. */
type State = { phase: 'checking' } | { phase: 'loggedOut' } | { phase: 'failed'; error: ApiError } | { phase: 'in'; user: User; meta: Meta };

export function App() {
  const [state, setState] = useState<State>({ phase: 'checking' });
  const { path, search } = useLocation();

  const enter = useCallback(async (user?: User) => {
    try {
      const u = user ?? (await api.get<{ user: User }>('/api/me')).user;
      const meta = await api.get<Meta>('/api/meta');
      setState({ phase: 'in', user: u, meta });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setState({ phase: 'loggedOut' });
      else setState({ phase: 'failed', error: e instanceof ApiError ? e : new ApiError(0, 'client', String(e)) });
    }
  }, []);

  useEffect(() => {
    void enter();
    const onUnauthorized = () => setState({ phase: 'loggedOut' });
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, [enter]);

  const logout = useCallback(async () => {
    try {
      await api.delete('/api/session');
    } catch {
      // the session may have ended already; the login page is shown either way
    }
    forgetPolicies();
    setState({ phase: 'loggedOut' });
    navigate('/login', { replace: true });
  }, []);

  const session = useMemo<Session | null>(
    () => (state.phase === 'in' ? { user: state.user, meta: state.meta, home: homeOf(state.user), logout: () => void logout() } : null),
    [state, logout],
  );

  // After logging in (or on /login while logged in) go where the user was headed, or home.
  useEffect(() => {
    if (session && (path === '/login' || path === '/')) {
      const next = search.get('next');
      navigate(next?.startsWith('/') && !next.startsWith('//') ? next : session.home, { replace: true });
    }
    if (state.phase === 'loggedOut' && path !== '/login') {
      const next = path === '/' ? '' : `?next=${encodeURIComponent(path + window.location.search)}`;
      navigate(`/login${next}`, { replace: true });
    }
  }, [session, state.phase, path, search]);

  if (state.phase === 'checking') return <Loading />;
  if (state.phase === 'failed') {
    return (
      <main className="page-center">
        <ErrorMessage error={state.error} onRetry={() => void enter()} />
      </main>
    );
  }
  if (state.phase === 'loggedOut' || !session) return <LoginPage onLoggedIn={(u) => enter(u)} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

interface NavItem {
  to: string;
  label: string;
  /** Also active on the paths under it. */
  prefix?: boolean;
}

function Shell() {
  const { t } = useTranslation();
  const { path } = useLocation();
  const session = useSession();
  const { user } = session;
  const bureau = isBureau(user.role);
  const company = user.creditCode ? `/company/${encodeURIComponent(user.creditCode)}` : null;

  const nav: NavItem[] = bureau
    ? [
        { to: '/bureau', label: t('nav.city') },
        { to: '/bureau/taxpayers', label: t('nav.taxpayers'), prefix: true },
        { to: '/bureau/campaigns', label: t('nav.campaigns') },
        { to: '/bureau/outbox', label: t('nav.outbox') },
        { to: '/bureau/worklists', label: t('nav.worklists') },
        { to: '/policies', label: t('nav.policies') },
        { to: '/calculator', label: t('nav.calculator') },
        ...(user.role === 'bureauAdmin' ? [{ to: '/bureau/audit', label: t('nav.audit') }] : []),
      ]
    : [
        ...(company
          ? [
              { to: company, label: t('nav.myPolicies') },
              { to: `${company}/ledger`, label: t('nav.ledger') },
              { to: `${company}/inbox`, label: t('nav.inbox') },
            ]
          : []),
        { to: '/calculator', label: t('nav.calculator') },
        { to: '/policies', label: t('nav.policies') },
      ];
  const active = (item: NavItem) => path === item.to || (item.prefix === true && path.startsWith(`${item.to}/`));

  return (
    <div className="shell">
      <header className="topbar">
        <Link to={session.home} className="brand">
          <span className="brand-mark" aria-hidden="true">
            数
          </span>
          <span className="brand-name">{t('app.name')}</span>
          <span className="brand-sub">{bureau ? t('app.bureauEdition') : t('app.companyEdition')}</span>
        </Link>
        <nav className="mainnav" aria-label={t('nav.label')}>
          {nav.map((item) => (
            <Link key={item.to} to={item.to} className={active(item) ? 'is-active' : undefined} aria-current={active(item) ? 'page' : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="userbox">
          <span className="user-name" data-testid="user-name" title={user.username}>
            {user.displayName}
            <small>
              {t(`role.${user.role}`)}
              {user.taxpayerName ? ` · ${user.taxpayerName}` : ''}
            </small>
          </span>
          <LangSwitch />
          <button type="button" className="btn btn-ghost" data-testid="logout" onClick={session.logout}>
            {t('app.logout')}
          </button>
        </div>
      </header>
      <main className="content">
        <Routes />
      </main>
    </div>
  );
}

function Routes() {
  const { path } = useLocation();
  const session = useSession();
  if (path === '/' || path === '/login') return <Loading />;
  // Bureau pages are the bureau's; the API refuses them too, this only spares the round trip.
  if ((path === '/bureau' || path.startsWith('/bureau/')) && !isBureau(session.user.role)) return <Forbidden home={session.home} />;
  if (path === '/bureau') return <CityPage />;
  if (path === '/bureau/taxpayers') return <TaxpayersPage />;
  if (path === '/bureau/campaigns') return <CampaignPage />;
  if (path === '/bureau/outbox') return <OutboxPage />;
  if (path === '/bureau/worklists') return <WorklistsPage />;
  if (path === '/bureau/audit') return <AuditPage />;
  if (path === '/calculator') return <CalculatorPage />;
  if (path === '/policies') return <PoliciesPage />;
  const company = matchPath('/company/:code', path) ?? matchPath('/company/:code/:tab', path);
  if (company?.code && (company.tab === undefined || company.tab === 'ledger' || company.tab === 'inbox')) {
    return <CompanyPage code={company.code} tab={company.tab === 'ledger' ? 'ledger' : company.tab === 'inbox' ? 'inbox' : 'matches'} />;
  }
  return <NotFound home={session.home} />;
}
