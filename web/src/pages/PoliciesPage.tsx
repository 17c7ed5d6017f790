import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Column, clientPage, DataTable, Pager, type Sort } from '../components/DataTable.tsx';
import { Empty, Failure, Loading } from '../components/States.tsx';
import { Card, PageHeader } from '../components/ui.tsx';
import { useLang } from '../lib/i18n.ts';
import { categoryName } from '../lib/labels.ts';
import { usePolicies } from '../lib/policies.ts';
import { useSession } from '../lib/session.tsx';
import type { Policy } from '../lib/types.ts';

const PAGE_SIZE = 15;

/** The policy catalogue: every policy with its category, dates and legal sources. */
export function PoliciesPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { meta, home } = useSession();
  const { policies, error } = usePolicies();
  const [category, setCategory] = useState('');
  const [text, setText] = useState('');
  const [sort, setSort] = useState<Sort>({ key: 'category', order: 'asc' });
  const [page, setPage] = useState(1);

  const rows = useMemo(() => {
    const f = text.trim().toLowerCase();
    return (policies ?? []).filter(
      (p) =>
        (!category || p.category === category) &&
        (!f || p.id.toLowerCase().includes(f) || p.title.zh.includes(text.trim()) || p.title.en.toLowerCase().includes(f)),
    );
  }, [policies, category, text]);

  const value = (p: Policy, key: string) =>
    key === 'title'
      ? p.title[lang]
      : key === 'category'
        ? `${categoryName(meta, p.category, lang)} ${p.id}`
        : key === 'effectiveFrom'
          ? p.effectiveFrom
          : (p.effectiveTo ?? '9999');
  const columns: Column<Policy>[] = [
    {
      key: 'title',
      header: t('ledger.policy'),
      sortable: true,
      render: (p) => (
        <span>
          <span className="row-title">{p.title[lang]}</span>
          <span className="row-sub mono">{p.id}</span>
        </span>
      ),
    },
    {
      key: 'category',
      header: t('matches.category'),
      sortable: true,
      width: '8rem',
      render: (p) => (p.taxes ? `${categoryName(meta, p.category, lang)}: ${p.taxes[lang]}` : categoryName(meta, p.category, lang)),
    },
    { key: 'effectiveFrom', header: t('policies.from'), sortable: true, width: '7rem', render: (p) => p.effectiveFrom },
    { key: 'effectiveTo', header: t('policies.to'), sortable: true, width: '7rem', render: (p) => p.effectiveTo ?? t('policies.open') },
    {
      key: 'sources',
      header: t('matches.sources'),
      width: '38%',
      render: (p) => (
        <ul className="sources-inline">
          {p.sources.map((s) => (
            <li key={s.document}>
              {lang === 'zh' ? s.documentZh : s.document}{' '}
              <span
                className={`confidence confidence-${s.confidence}`}
                title={t(`confidence.${s.confidence === 'C' || s.confidence === 'R' ? s.confidence : 'U'}`)}
              >
                {s.confidence}
              </span>
            </li>
          ))}
        </ul>
      ),
    },
  ];

  return (
    <div className="stack">
      <PageHeader title={t('policies.title')} subtitle={t('policies.subtitle')} />
      <Card>
        <div className="toolbar">
          <label className="inline-field grow">
            <span className="field-label">{t('common.search')}</span>
            <input
              type="search"
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                setPage(1);
              }}
              placeholder={t('campaign.filterPlaceholder')}
            />
          </label>
          <label className="inline-field">
            <span className="field-label">{t('matches.category')}</span>
            <select
              value={category}
              onChange={(e) => {
                setCategory(e.target.value);
                setPage(1);
              }}
            >
              <option value="">{t('common.all')}</option>
              {meta.categories.map((c) => (
                <option key={c.code} value={c.code}>
                  {c[lang]}
                </option>
              ))}
            </select>
          </label>
        </div>
        {error ? (
          <Failure error={error} home={home} />
        ) : !policies ? (
          <Loading />
        ) : rows.length === 0 ? (
          <Empty title={t('policies.empty')} />
        ) : (
          <>
            <DataTable
              columns={columns}
              rows={clientPage(rows, sort, value, page, PAGE_SIZE)}
              rowKey={(p) => p.id}
              sort={sort}
              onSort={(s) => {
                setSort(s);
                setPage(1);
              }}
              label={t('policies.title')}
            />
            <Pager page={page} pageSize={PAGE_SIZE} total={rows.length} onPage={setPage} />
          </>
        )}
      </Card>
    </div>
  );
}
