import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Pager } from '../../components/DataTable.tsx';
import { Empty, ErrorMessage, Failure, Loading } from '../../components/States.tsx';
import { Card } from '../../components/ui.tsx';
import { ApiError, api, withQuery } from '../../lib/api.ts';
import { formatTime } from '../../lib/format.ts';
import { codeLabel, useLang } from '../../lib/i18n.ts';
import { useSession } from '../../lib/session.tsx';
import { type InboxMessage, isBureau, type Page } from '../../lib/types.ts';
import { useApi } from '../../lib/useApi.ts';

const PAGE_SIZE = 10;

/** The company's in-app inbox: messages of the policy robot, marked read when the company opens them. */
export function InboxTab({ code }: { code: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { user, home } = useSession();
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string | null>(null);
  // read marks made on this page, before the list is fetched again
  const [readNow, setReadNow] = useState<Record<string, string>>({});
  const [markError, setMarkError] = useState<ApiError>();
  const base = `/api/taxpayers/${encodeURIComponent(code)}/messages`;
  const list = useApi<Page<InboxMessage>>(withQuery(base, { page, pageSize: PAGE_SIZE, order: 'desc' }));
  // Bureau staff may look at a company's inbox; only the company's own people mark messages read.
  const canMark = !isBureau(user.role) && user.creditCode === code;

  const readAt = (m: InboxMessage) => m.readAt ?? readNow[m.messageId] ?? null;

  const markRead = async (m: InboxMessage) => {
    if (!canMark || readAt(m)) return;
    try {
      await api.post<void>(`${base}/${encodeURIComponent(m.messageId)}/read`);
      setReadNow((r) => ({ ...r, [m.messageId]: new Date().toISOString() }));
      setMarkError(undefined);
    } catch (e) {
      setMarkError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e)));
    }
  };

  const toggle = (m: InboxMessage) => {
    if (open === m.messageId) {
      setOpen(null);
      return;
    }
    setOpen(m.messageId);
    void markRead(m);
  };

  const unread = list.data?.items.filter((m) => !readAt(m)).length ?? 0;

  return (
    <Card title={t('inbox.title')} actions={list.data?.items.length ? <span className="muted">{t('inbox.unreadOnPage', { n: unread })}</span> : null}>
      {!canMark ? <p className="muted tab-hint">{t('inbox.bureauNote')}</p> : null}
      {markError ? <ErrorMessage error={markError} /> : null}
      {list.error ? (
        <Failure error={list.error} home={home} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.items.length === 0 ? (
        <Empty title={t('inbox.empty')}>{t('inbox.emptyHint')}</Empty>
      ) : (
        <>
          <ul className={`inbox${list.loading ? ' is-busy' : ''}`} data-testid="inbox">
            {list.data.items.map((m) => {
              const read = readAt(m);
              return (
                <li key={m.messageId} className={`inbox-item${read ? '' : ' is-unread'}${open === m.messageId ? ' is-open' : ''}`} data-testid="inbox-item">
                  <button type="button" className="inbox-head" aria-expanded={open === m.messageId} onClick={() => toggle(m)}>
                    <span className={`dot${read ? '' : ' dot-unread'}`} aria-hidden="true" />
                    <span className="inbox-subject">{m.subject}</span>
                    <span className="inbox-meta">
                      {codeLabel('role', m.role)} · {formatTime(m.deliveredAt, lang)}
                    </span>
                    <span className={`badge ${read ? 'badge-read' : 'badge-unread'}`} data-testid="read-mark">
                      {read ? t('inbox.read') : t('inbox.unread')}
                    </span>
                  </button>
                  {open === m.messageId ? (
                    <div className="inbox-body">
                      <pre>{m.body}</pre>
                      {read ? <p className="muted">{t('inbox.readAt', { time: formatTime(read, lang) })}</p> : null}
                    </div>
                  ) : null}
                </li>
              );
            })}
          </ul>
          <Pager page={page} pageSize={list.data.pageSize || PAGE_SIZE} total={list.data.total} onPage={setPage} />
        </>
      )}
    </Card>
  );
}
