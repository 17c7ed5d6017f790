import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Column, DataTable, Pager, type Sort } from '../components/DataTable.tsx';
import { Empty, Failure, Loading } from '../components/States.tsx';
import { Card, PageHeader } from '../components/ui.tsx';
import { withQuery } from '../lib/api.ts';
import { formatTime } from '../lib/format.ts';
import { codeLabel, useLang } from '../lib/i18n.ts';
import { useSession } from '../lib/session.tsx';
import type { AuditEntry, Page } from '../lib/types.ts';
import { useApi } from '../lib/useApi.ts';

const PAGE_SIZE = 25;

/** Who looked at or changed what (bureau administrators only; the API refuses others). */
export function AuditPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { home } = useSession();
  const [page, setPage] = useState(1);
  // Newest first; the API sorts by time alone, either way.
  const [sort, setSort] = useState<Sort>({ key: 'at', order: 'desc' });
  const list = useApi<Page<AuditEntry>>(withQuery('/api/audit', { page, pageSize: PAGE_SIZE, order: sort.order }));
  const columns: Column<AuditEntry>[] = [
    { key: 'at', header: t('audit.at'), sortable: true, firstOrder: 'desc', width: '10rem', render: (a) => formatTime(a.at, lang, 'utc') },
    { key: 'username', header: t('audit.username'), width: '9rem', render: (a) => a.username },
    { key: 'role', header: t('audit.role'), width: '9.5rem', render: (a) => codeLabel('role', a.role) },
    { key: 'action', header: t('audit.action'), width: '12rem', render: (a) => <span className="mono">{a.action}</span> },
    { key: 'creditCode', header: t('company.creditCode'), width: '12.5rem', render: (a) => <span className="mono">{a.creditCode ?? '—'}</span> },
    { key: 'path', header: t('audit.path'), render: (a) => <span className="mono small break">{a.path}</span> },
  ];
  return (
    <div className="stack">
      <PageHeader title={t('audit.title')} subtitle={t('audit.subtitle')} />
      <Card>
        {list.error ? (
          <Failure error={list.error} home={home} onRetry={list.reload} />
        ) : !list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty title={t('audit.empty')} />
        ) : (
          <>
            <DataTable
              columns={columns}
              rows={list.data.items}
              rowKey={(a) => `${a.at}|${a.username}|${a.path}|${a.action}`}
              sort={sort}
              onSort={(x) => {
                setSort(x);
                setPage(1);
              }}
              busy={list.loading}
              label={t('audit.title')}
              testId="audit-table"
            />
            <Pager page={page} pageSize={list.data.pageSize || PAGE_SIZE} total={list.data.total} onPage={setPage} />
          </>
        )}
      </Card>
    </div>
  );
}
