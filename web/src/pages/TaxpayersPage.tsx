import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Column, DataTable, Pager, type Sort } from '../components/DataTable.tsx';
import { Empty, Failure, Loading } from '../components/States.tsx';
import { Card, PageHeader } from '../components/ui.tsx';
import { withQuery } from '../lib/api.ts';
import { formatCount } from '../lib/format.ts';
import { codeLabel, useLang } from '../lib/i18n.ts';
import { districtName, sectionName } from '../lib/labels.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import type { Page, TaxpayerRow } from '../lib/types.ts';
import { useApi } from '../lib/useApi.ts';

const PAGE_SIZE = 20;

/** Bureau staff find a taxpayer by name or credit code, in a district, and open its pages. */
export function TaxpayersPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { meta, home } = useSession();
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [district, setDistrict] = useState('');
  const [section, setSection] = useState('');
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState<Sort>({ key: 'name', order: 'asc' });
  const list = useApi<Page<TaxpayerRow>>(
    withQuery('/api/taxpayers', { q, district, industrySection: section, page, pageSize: PAGE_SIZE, sort: sort.key, order: sort.order }),
  );

  const search = (e: FormEvent) => {
    e.preventDefault();
    setQ(text.trim());
    setPage(1);
  };

  const columns: Column<TaxpayerRow>[] = [
    {
      key: 'name',
      header: t('taxpayers.name'),
      sortable: true,
      render: (r) => (
        <Link to={`/company/${encodeURIComponent(r.creditCode)}`} className="row-link" data-testid="taxpayer-link">
          {r.name}
        </Link>
      ),
    },
    { key: 'creditCode', header: t('company.creditCode'), sortable: true, width: '13rem', render: (r) => <span className="mono">{r.creditCode}</span> },
    { key: 'kind', header: t('company.kind'), width: '7rem', render: (r) => codeLabel('kind', r.kind) },
    { key: 'vatStatus', header: t('company.vatStatus'), width: '7.5rem', render: (r) => codeLabel('vatStatus', r.vatStatus) },
    {
      key: 'industry',
      header: t('company.industry'),
      sortable: true,
      render: (r) => <span title={sectionName(meta, r.industry, lang)}>{`${r.industry} ${sectionName(meta, r.industry, lang)}`}</span>,
    },
    { key: 'district', header: t('company.district'), sortable: true, width: '7rem', render: (r) => districtName(meta, r.district, lang) },
    {
      key: 'employees',
      header: t('company.employees'),
      sortable: true,
      firstOrder: 'desc',
      align: 'right',
      width: '6rem',
      render: (r) => formatCount(r.employees, lang),
    },
    { key: 'creditLevel', header: t('company.creditLevel'), sortable: true, align: 'center', width: '5.5rem', render: (r) => r.creditLevel ?? '—' },
  ];

  return (
    <div className="stack">
      <PageHeader title={t('taxpayers.title')} subtitle={t('taxpayers.subtitle')} />
      <Card>
        <form className="toolbar" onSubmit={search}>
          <label className="inline-field grow">
            <span className="field-label">{t('taxpayers.search')}</span>
            <input
              type="search"
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder={t('taxpayers.searchPlaceholder')}
              data-testid="taxpayer-search"
            />
          </label>
          <label className="inline-field">
            <span className="field-label">{t('company.district')}</span>
            <select
              value={district}
              onChange={(e) => {
                setDistrict(e.target.value);
                setPage(1);
              }}
              data-testid="taxpayer-district"
            >
              <option value="">{t('common.all')}</option>
              {meta.districts.map((d) => (
                <option key={d.code} value={d.code}>
                  {d[lang]}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field">
            <span className="field-label">{t('campaign.industrySections')}</span>
            <select
              value={section}
              onChange={(e) => {
                setSection(e.target.value);
                setPage(1);
              }}
              data-testid="taxpayer-section"
            >
              <option value="">{t('common.all')}</option>
              {meta.industrySections.map((x) => (
                <option key={x.code} value={x.code}>
                  {x.code} {x[lang]}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="btn btn-primary">
            {t('common.search')}
          </button>
          {q || district || section ? (
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => {
                setText('');
                setQ('');
                setDistrict('');
                setSection('');
                setPage(1);
              }}
            >
              {t('common.reset')}
            </button>
          ) : null}
        </form>
        {list.error ? (
          <Failure error={list.error} home={home} onRetry={list.reload} />
        ) : !list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty title={t('taxpayers.empty')}>{q ? t('taxpayers.emptyHint', { q }) : null}</Empty>
        ) : (
          <>
            <DataTable
              columns={columns}
              rows={list.data.items}
              rowKey={(r) => r.creditCode}
              sort={sort}
              onSort={(s) => {
                setSort(s);
                setPage(1);
              }}
              busy={list.loading}
              rowTestId="taxpayer-row"
              label={t('taxpayers.title')}
            />
            <Pager page={page} pageSize={list.data.pageSize || PAGE_SIZE} total={list.data.total} onPage={setPage} />
          </>
        )}
      </Card>
    </div>
  );
}
