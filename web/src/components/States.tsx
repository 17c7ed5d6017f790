import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../lib/api.ts';
import { Link } from '../lib/router.tsx';

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label ?? t('common.loading')}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty" data-testid="empty">
      <p className="state-title">{title}</p>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

/** The API's own error message, in words, with a way to try again. */
export function ErrorMessage({ error, onRetry }: { error: ApiError | Error; onRetry?: () => void }) {
  const { t } = useTranslation();
  const status = 'status' in error ? (error as ApiError).status : 0;
  const title = status === 0 ? t('error.network') : status === 404 ? t('error.notFound') : status === 401 ? t('error.unauthorized') : t('error.title');
  return (
    <div className="state state-error" role="alert" data-testid="error-message">
      <p className="state-title">{title}</p>
      <p className="state-body">{error.message}</p>
      {onRetry ? (
        <button type="button" className="btn" onClick={onRetry}>
          {t('common.retry')}
        </button>
      ) : null}
    </div>
  );
}

/** What a user sees on a page the API refused them (403). */
export function Forbidden({ message, home }: { message?: string; home: string }) {
  const { t } = useTranslation();
  return (
    <div className="state state-forbidden" role="alert" data-testid="forbidden">
      <span className="forbidden-icon" aria-hidden="true" />
      <p className="state-title">{t('forbidden.title')}</p>
      <p className="state-body">{t('forbidden.body')}</p>
      {message ? <p className="state-detail">{message}</p> : null}
      <Link className="btn btn-primary" to={home}>
        {t('forbidden.back')}
      </Link>
    </div>
  );
}

export function NotFound({ home }: { home: string }) {
  const { t } = useTranslation();
  return (
    <div className="state state-empty">
      <p className="state-title">{t('notFound.title')}</p>
      <p className="state-body">{t('notFound.body')}</p>
      <Link className="btn" to={home}>
        {t('notFound.home')}
      </Link>
    </div>
  );
}

/** An API failure as the page should show it: refused (403), not found (404), or the message. */
export function Failure({ error, home, onRetry }: { error: ApiError; home: string; onRetry?: () => void }) {
  if (error.status === 403) return <Forbidden message={error.message} home={home} />;
  if (error.status === 404) return <ErrorMessage error={error} />;
  return <ErrorMessage error={error} {...(onRetry ? { onRetry } : {})} />;
}
