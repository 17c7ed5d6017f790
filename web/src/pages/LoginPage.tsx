import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LangSwitch } from '../components/LangSwitch.tsx';
import { ApiError, api } from '../lib/api.ts';
import type { User } from '../lib/types.ts';

export function LoginPage({ onLoggedIn }: { onLoggedIn: (user: User) => Promise<void> }) {
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError(t('login.missing'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const res = await api.post<{ token: string; expiresAt: string; user: User }>('/api/session', { username: username.trim(), password });
      await onLoggedIn(res.user);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <section className="login-brand">
        <div className="login-brand-inner">
          <span className="brand-mark brand-mark-large" aria-hidden="true">
            数
          </span>
          <h1>{t('app.name')}</h1>
          <p className="login-tagline">{t('app.tagline')}</p>
          <ul className="login-points">
            <li>{t('login.point1')}</li>
            <li>{t('login.point2')}</li>
            <li>{t('login.point3')}</li>
          </ul>
        </div>
      </section>
      <section className="login-panel">
        <div className="login-lang">
          <LangSwitch />
        </div>
        <form className="login-form" onSubmit={submit} data-testid="login-form" noValidate>
          <h2>{t('login.title')}</h2>
          <p className="muted">{t('login.subtitle')}</p>
          <label className="field">
            <span className="field-label">{t('login.username')}</span>
            <input
              name="username"
              autoComplete="username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              data-testid="login-username"
              // biome-ignore lint/a11y/noAutofocus: the login page has one task
              autoFocus
            />
          </label>
          <label className="field">
            <span className="field-label">{t('login.password')}</span>
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              data-testid="login-password"
            />
          </label>
          {error ? (
            <p className="form-error" role="alert" data-testid="login-error">
              {error}
            </p>
          ) : null}
          <button type="submit" className="btn btn-primary btn-block" disabled={busy} data-testid="login-submit">
            {busy ? t('login.submitting') : t('login.submit')}
          </button>
        </form>
      </section>
    </div>
  );
}
