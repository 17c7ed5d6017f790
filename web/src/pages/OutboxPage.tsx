import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Column, DataTable, Pager, type Sort } from '../components/DataTable.tsx';
import { Empty, Failure, Loading } from '../components/States.tsx';
import { Card, PageHeader } from '../components/ui.tsx';
import { withQuery } from '../lib/api.ts';
import { formatTime, formatYuan } from '../lib/format.ts';
import { codeLabel, useLang } from '../lib/i18n.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import type { OutboxMessage, Page } from '../lib/types.ts';
import { useApi } from '../lib/useApi.ts';

const STATUSES = ['planned', 'sending', 'sent', 'failed', 'skipped'] as const;
const PAGE_SIZE = 20;

/** The policy robot's outbox: every planned, sent, failed or skipped message, by taxpayer and status. */
export function OutboxPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { home } = useSession();
  const [code, setCode] = useState('');
  const [creditCode, setCreditCode] = useState('');
  const [status, setStatus] = useState('');
  const [page, setPage] = useState(1);
  // The outbox is ordered by when a message is due; the API sorts by that alone, either way.
  const [sort, setSort] = useState<Sort>({ key: 'scheduledAt', order: 'desc' });
  const list = useApi<Page<OutboxMessage>>(withQuery('/api/push/messages', { creditCode, status, page, pageSize: PAGE_SIZE, order: sort.order }));

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setCreditCode(code.trim().toUpperCase());
    setPage(1);
  };

  const columns: Column<OutboxMessage>[] = [
    {
      key: 'scheduledAt',
      header: t('outbox.scheduledAt'),
      sortable: true,
      firstOrder: 'desc',
      width: '9.5rem',
      render: (m) => formatTime(m.scheduledAt, lang),
    },
    {
      key: 'creditCode',
      header: t('outbox.taxpayer'),
      width: '12.5rem',
      render: (m) => (
        <Link to={`/company/${encodeURIComponent(m.creditCode)}`} className="mono">
          {m.creditCode}
        </Link>
      ),
    },
    { key: 'role', header: t('outbox.role'), width: '6.5rem', render: (m) => codeLabel('role', m.role) },
    {
      key: 'subject',
      header: t('outbox.subject'),
      render: (m) => (
        <span>
          <span className="row-title">{m.subject}</span>
          <span className="row-sub">
            {codeLabel('messageKind', m.kind)} · {m.period}
            {m.lastError ? ` · ${m.lastError}` : ''}
          </span>
        </span>
      ),
    },
    { key: 'benefit', header: t('matches.benefit'), align: 'right', width: '8rem', render: (m) => <span className="money">{formatYuan(m.benefit)}</span> },
    { key: 'channel', header: t('outbox.channel'), width: '5.5rem', render: (m) => codeLabel('channel', m.channel) },
    {
      key: 'status',
      header: t('outbox.status'),
      width: '6rem',
      render: (m) => <span className={`badge badge-push-${m.status}`}>{codeLabel('pushStatus', m.status)}</span>,
    },
  ];

  return (
    <div className="stack">
      <PageHeader title={t('outbox.title')} subtitle={t('outbox.subtitle')} />
      <Card>
        <form className="toolbar" onSubmit={apply}>
          <label className="inline-field grow">
            <span className="field-label">{t('company.creditCode')}</span>
            <input type="search" value={code} onChange={(e) => setCode(e.target.value)} placeholder={t('outbox.codePlaceholder')} />
          </label>
          <label className="inline-field">
            <span className="field-label">{t('outbox.status')}</span>
            <select
              value={status}
              onChange={(e) => {
                setStatus(e.target.value);
                setPage(1);
              }}
            >
              <option value="">{t('common.all')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {codeLabel('pushStatus', s)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="btn btn-primary">
            {t('common.search')}
          </button>
        </form>
        {list.error ? (
          <Failure error={list.error} home={home} onRetry={list.reload} />
        ) : !list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty title={t('outbox.empty')}>{t('outbox.emptyHint')}</Empty>
        ) : (
          <>
            <DataTable
              columns={columns}
              rows={list.data.items}
              rowKey={(m) => m.messageId}
              sort={sort}
              onSort={(x) => {
                setSort(x);
                setPage(1);
              }}
              busy={list.loading}
              label={t('outbox.title')}
              testId="outbox-table"
            />
            <Pager page={page} pageSize={list.data.pageSize || PAGE_SIZE} total={list.data.total} onPage={setPage} />
          </>
        )}
      </Card>
    </div>
  );
}
