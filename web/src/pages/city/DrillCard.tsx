import { forwardRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Column, DataTable, Pager, type Sort } from '../../components/DataTable.tsx';
import { Empty, Failure, Loading } from '../../components/States.tsx';
import { Card, SelectField } from '../../components/ui.tsx';
import { withQuery } from '../../lib/api.ts';
import { formatCount, formatYuan } from '../../lib/format.ts';
import { useLang } from '../../lib/i18n.ts';
import { districtName, sectionName } from '../../lib/labels.ts';
import { Link } from '../../lib/router.tsx';
import { useSession } from '../../lib/session.tsx';
import type { DrillFilter, DrillPage, DrillStatus, DrillTaxpayer } from '../../lib/types.ts';
import { useApi } from '../../lib/useApi.ts';
import { monthLabel } from '../company/LedgerTab.tsx';

const PAGE_SIZE = 20;
const STATUSES: DrillStatus[] = ['missed', 'missedAmountUnknown', 'enjoyed', 'claimedNotEligible', 'lapsedInYear', 'claimedLapsedInYear'];

interface Props {
  year: number;
  filter: DrillFilter;
  onFilter: (f: DrillFilter) => void;
  /** The policies of the year's report, with their titles in the current language. */
  policies: { id: string; title: string }[];
}

/**
 * The taxpayers behind a figure of the city report: one district, industry section, policy or month
 * (picked here, or by clicking a bar or a policy above), with their amounts, whose sums are that
 * figure; a company opens its pages, and the whole selection downloads as CSV.
 */
export const DrillCard = forwardRef<HTMLDivElement, Props>(function DrillCard({ year, filter, onFilter, policies }, ref) {
  const { t } = useTranslation();
  const lang = useLang();
  const { meta, home } = useSession();
  const [sort, setSort] = useState<Sort>({ key: 'missed', order: 'desc' });
  // The page belongs to one selection: a bar or a policy clicked above (or another year) starts again
  // at its first page, without first asking for the old page number of the new selection.
  const selection = JSON.stringify([year, filter]);
  const [paged, setPaged] = useState({ selection, page: 1 });
  // Forgotten at once, so coming back to a selection starts at its first page too (React's way of
  // state derived from props: set during render, before anything is fetched).
  if (paged.selection !== selection) setPaged({ selection, page: 1 });
  const page = paged.selection === selection ? paged.page : 1;
  const setPage = (p: number) => setPaged({ selection, page: p });
  const query = { year, ...filter, sort: sort.key };
  const list = useApi<DrillPage>(withQuery('/api/report/policy/taxpayers', { ...query, page, pageSize: PAGE_SIZE }));
  const set = (change: DrillFilter) => {
    const next = { ...filter, ...change };
    for (const k of Object.keys(next) as (keyof DrillFilter)[]) if (!next[k]) delete next[k];
    onFilter(next);
    setPage(1);
  };
  const months = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
  const money = (v: string) => <span className="money">{formatYuan(v)}</span>;
  const columns: Column<DrillTaxpayer>[] = [
    {
      key: 'name',
      header: t('taxpayers.name'),
      sortable: true,
      render: (r) => (
        <span>
          <Link to={`/company/${encodeURIComponent(r.creditCode)}`} className="row-link row-title" data-testid="drill-link">
            {r.name}
          </Link>
          <span className="row-sub mono">{r.creditCode}</span>
        </span>
      ),
    },
    {
      key: 'district',
      header: t('company.district'),
      width: '8rem',
      render: (r) => (
        <span>
          <span className="row-title">{districtName(meta, r.district, lang)}</span>
          <span className="row-sub" title={sectionName(meta, r.industry, lang)}>
            {r.industry}
          </span>
        </span>
      ),
    },
    { key: 'enjoyed', header: t('ledger.enjoyed'), sortable: true, firstOrder: 'desc', align: 'right', width: '9rem', render: (r) => money(r.enjoyed) },
    { key: 'missed', header: t('ledger.missed'), sortable: true, firstOrder: 'desc', align: 'right', width: '9rem', render: (r) => money(r.missed) },
    {
      key: 'claimedNotEligible',
      header: t('drill.claimedNotEligible'),
      sortable: true,
      firstOrder: 'desc',
      align: 'right',
      width: '9rem',
      render: (r) => money(r.claimedNotEligible),
    },
    {
      key: 'policiesMissed',
      header: t('drill.policiesMissed'),
      align: 'right',
      width: '6rem',
      render: (r) =>
        r.policiesMissedAmountUnknown > 0 ? t('drill.policiesWithUnknown', { n: r.policiesMissed, unknown: r.policiesMissedAmountUnknown }) : r.policiesMissed,
    },
  ];
  // Each field can also ask for no key at all.
  const all = { value: '', label: t('common.all') };
  const data = list.data;
  return (
    <div ref={ref}>
      <Card title={t('drill.title')}>
        <p className="muted">{t('drill.hint')}</p>
        <div className="toolbar">
          <SelectField
            label={t('company.district')}
            value={filter.district ?? ''}
            options={[all, ...meta.districts.map((d) => ({ value: d.code, label: d[lang] }))]}
            onChange={(v) => set({ district: v })}
            testId="drill-district"
          />
          <SelectField
            label={t('campaign.industrySections')}
            value={filter.industrySection ?? ''}
            options={[all, ...meta.industrySections.map((x) => ({ value: x.code, label: `${x.code} ${x[lang]}` }))]}
            onChange={(v) => set({ industrySection: v })}
            testId="drill-section"
          />
          <SelectField
            label={t('ledger.policy')}
            value={filter.policyId ?? ''}
            options={[all, ...policies.map((p) => ({ value: p.id, label: p.title }))]}
            onChange={(v) => set({ policyId: v })}
            testId="drill-policy"
          />
          <SelectField
            label={t('drill.month')}
            value={filter.month ?? ''}
            options={[all, ...months.map((m) => ({ value: m, label: monthLabel(m, lang) }))]}
            onChange={(v) => set({ month: v })}
            testId="drill-month"
          />
          <SelectField
            label={t('drill.has')}
            value={filter.has ?? ''}
            options={[all, ...STATUSES.map((s) => ({ value: s, label: t(`ledgerStatus.${s}`) }))]}
            onChange={(v) => set({ has: v as DrillStatus })}
            testId="drill-has"
          />
          {Object.keys(filter).length > 0 ? (
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => set({ district: '', industrySection: '', policyId: '', month: '', has: '' as DrillStatus })}
            >
              {t('common.reset')}
            </button>
          ) : null}
          <a className="btn" href={withQuery('/api/report/policy/taxpayers.csv', { ...query, lang })} download data-testid="drill-csv">
            {t('drill.export')}
          </a>
        </div>
        {list.error ? (
          <Failure error={list.error} home={home} onRetry={list.reload} />
        ) : !data ? (
          <Loading />
        ) : (
          <>
            <p data-testid="drill-totals">
              {t('drill.totals', {
                taxpayers: formatCount(data.totals.taxpayers, lang),
                enjoyed: formatYuan(data.totals.enjoyed),
                missed: formatYuan(data.totals.missed),
              })}
            </p>
            {data.items.length === 0 ? (
              <Empty title={t('drill.empty')} />
            ) : (
              <>
                <DataTable
                  columns={columns}
                  rows={data.items}
                  rowKey={(r) => r.creditCode}
                  sort={sort}
                  // Amounts read largest first, names from A; the API has no other order.
                  onSort={(s) => {
                    setSort({ key: s.key, order: s.key === 'name' ? 'asc' : 'desc' });
                    setPage(1);
                  }}
                  busy={list.loading}
                  rowTestId="drill-row"
                  label={t('drill.title')}
                />
                <Pager page={page} pageSize={data.pageSize || PAGE_SIZE} total={data.total} onPage={setPage} />
              </>
            )}
          </>
        )}
      </Card>
    </div>
  );
});
