import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Chart } from '../../components/Chart.tsx';
import { type Column, clientPage, DataTable, Pager, type Sort } from '../../components/DataTable.tsx';
import { Empty, Failure, Loading } from '../../components/States.tsx';
import { Card, SelectField, Stat } from '../../components/ui.tsx';
import { withQuery } from '../../lib/api.ts';
import { ENJOYED_COLOR, MISSED_COLOR, yuanAxisLabel, yuanTooltip } from '../../lib/chartStyle.ts';
import { addYuan, compactYuan, exactUnder, formatYuan, type Lang, toNumber } from '../../lib/format.ts';
import { codeLabel, useLang } from '../../lib/i18n.ts';
import { usePolicies } from '../../lib/policies.ts';
import { useSession } from '../../lib/session.tsx';
import type { TaxpayerLedger } from '../../lib/types.ts';
import { useApi } from '../../lib/useApi.ts';
import type { ChartOption } from '../../lib/useEChart.ts';

type Row = TaxpayerLedger['rows'][number];
const PAGE_SIZE = 12;

export function defaultYear(years: number[], latestPeriod: string | null): number {
  const fromPeriod = latestPeriod ? Number(latestPeriod.slice(0, 4)) : new Date().getFullYear();
  if (years.includes(fromPeriod)) return fromPeriod;
  return years.length ? Math.max(...years) : fromPeriod;
}

export function monthLabel(month: string, lang: Lang): string {
  const m = Number(month.slice(5, 7));
  if (!m) return month;
  return lang === 'zh' ? `${m}月` : new Date(Date.UTC(2000, m - 1, 1)).toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' });
}

/** The benefit ledger (政策红利账本) of a company for a year: reliefs enjoyed and missed, month by month. */
export function LedgerTab({ code }: { code: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { meta, home } = useSession();
  const [year, setYear] = useState(() => defaultYear(meta.years, meta.latestPeriod));
  const [sort, setSort] = useState<Sort>({ key: 'month', order: 'asc' });
  const [page, setPage] = useState(1);
  const ledger = useApi<TaxpayerLedger>(meta.years.length > 0 ? withQuery(`/api/taxpayers/${encodeURIComponent(code)}/ledger`, { year }) : null);
  const { byId } = usePolicies();
  const data = ledger.data?.year === year ? ledger.data : undefined;

  const months = useMemo(() => {
    const all = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
    const by = new Map((data?.byMonth ?? []).map((m) => [m.month, m]));
    return all.map((m) => ({ month: m, enjoyed: toNumber(by.get(m)?.enjoyed), missed: toNumber(by.get(m)?.missed) }));
  }, [data, year]);

  const option = useMemo<ChartOption>(
    () => ({
      color: [ENJOYED_COLOR, MISSED_COLOR],
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: yuanTooltip },
      legend: { top: 0, right: 0 },
      grid: { left: 8, right: 8, top: 36, bottom: 4, containLabel: true },
      xAxis: { type: 'category', data: months.map((m) => monthLabel(m.month, lang)) },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => yuanAxisLabel(v, lang) } },
      series: [
        { name: t('ledger.enjoyed'), type: 'bar', data: months.map((m) => m.enjoyed), barMaxWidth: 22 },
        { name: t('ledger.missed'), type: 'bar', data: months.map((m) => m.missed), barMaxWidth: 22 },
      ],
    }),
    [months, lang, t],
  );

  const value = (r: Row, key: string): string | number | null =>
    key === 'enjoyed'
      ? toNumber(r.enjoyed)
      : key === 'missed'
        ? r.missed === null
          ? null
          : toNumber(r.missed)
        : key === 'policy'
          ? r.policyId
          : key === 'status'
            ? r.status
            : r.month;
  // A claim the match contradicts shows what was claimed and what the match said; a claim it could not judge, that it is unverified.
  const matchLabel = (m: string | null) => (m ? codeLabel('status', m) : t('ledger.notJudged'));
  // An estimate net of another relief of its group enjoyed says so, and what the relief alone is worth
  // (what the explanation says of it), so the two figures do not seem to disagree.
  const net = (r: Row): string | null => {
    const amount = r.missed ?? r.lapsed;
    // `== null`: a response of a server from before the field is read as having none.
    return r.groupClaimed == null || amount === null
      ? null
      : t('ledger.netNote', { claimed: formatYuan(r.groupClaimed), alone: formatYuan(addYuan(amount, r.groupClaimed)) });
  };
  const note = (r: Row): string | null => {
    const said = status(r);
    const n = net(r);
    return said !== null && n !== null ? `${said}${lang === 'zh' ? '；' : '; '}${n}` : (said ?? n);
  };
  const status = (r: Row): string | null => {
    switch (r.status) {
      case 'claimedNotEligible':
        return t('ledger.claimedNote', { amount: formatYuan(r.claimed), match: matchLabel(r.matchStatus) });
      case 'claimedLapsedInYear':
        return t('ledger.claimedLapsedNote', { amount: formatYuan(r.claimed) });
      case 'enjoyed':
        return r.matchStatus === 'matched' ? null : t('ledger.unverified', { match: matchLabel(r.matchStatus) });
      case 'lapsedInYear':
        return r.lapsed === null ? t('ledger.lapsedNoteUnknown') : t('ledger.lapsedNote', { amount: formatYuan(r.lapsed) });
      case 'claimedOnAnnualReturn':
        return r.lapsed === null ? t('ledger.annualNoteUnknown') : t('ledger.annualNote', { amount: formatYuan(r.lapsed) });
      case 'returnNotFiled':
        return r.lapsed === null ? t('ledger.notFiledNoteUnknown') : t('ledger.notFiledNote', { amount: formatYuan(r.lapsed) });
      default:
        return null;
    }
  };
  const columns: Column<Row>[] = [
    { key: 'month', header: t('ledger.month'), sortable: true, width: '7rem', render: (r) => r.month },
    { key: 'period', header: t('common.period'), width: '7rem', render: (r) => r.period },
    {
      key: 'policy',
      header: t('ledger.policy'),
      sortable: true,
      render: (r) => (
        <span>
          <span className="row-title">{r.title?.[lang] ?? byId.get(r.policyId)?.title[lang] ?? r.policyId}</span>
          <span className="row-sub mono">{r.policyId}</span>
        </span>
      ),
    },
    {
      key: 'status',
      header: t('ledger.status'),
      sortable: true,
      width: '8rem',
      render: (r) => (
        <span>
          <span className={`badge badge-ledger-${r.status}`}>{codeLabel('ledgerStatus', r.status)}</span>
          {note(r) ? <span className="row-sub">{note(r)}</span> : null}
        </span>
      ),
    },
    {
      key: 'enjoyed',
      header: t('ledger.enjoyed'),
      sortable: true,
      firstOrder: 'desc',
      align: 'right',
      width: '9rem',
      render: (r) => <span className="money">{formatYuan(r.enjoyed)}</span>,
    },
    {
      key: 'missed',
      header: t('ledger.missed'),
      sortable: true,
      firstOrder: 'desc',
      align: 'right',
      width: '9rem',
      render: (r) =>
        r.status === 'missedAmountUnknown' ? <span className="muted">{t('ledger.amountUnknown')}</span> : <span className="money">{formatYuan(r.missed)}</span>,
    },
  ];

  return (
    <div className="stack">
      <Card
        title={t('ledger.title')}
        actions={
          <SelectField
            label={t('common.year')}
            value={year}
            options={meta.years.map((y) => ({ value: y, label: String(y) }))}
            onChange={(y) => {
              setYear(y);
              setPage(1);
            }}
            testId="year-select"
          />
        }
      >
        {meta.years.length === 0 ? (
          <Empty title={t('common.noPeriods')}>{t('common.noPeriodsHint')}</Empty>
        ) : ledger.error ? (
          <Failure error={ledger.error} home={home} onRetry={ledger.reload} />
        ) : !data ? (
          <Loading />
        ) : (
          <>
            <div className={`stats ledger-stats stats-${3 + [data.claimedNotEligible, data.claimedLapsed, data.lapsed].filter((x) => x !== '0.00').length}`}>
              <Stat
                label={t('ledger.totalEnjoyed')}
                value={compactYuan(data.enjoyed, lang)}
                hint={exactUnder(data.enjoyed, lang)}
                tone="good"
                testId="ledger-enjoyed"
              />
              <Stat
                label={t('ledger.totalMissed')}
                value={compactYuan(data.missed, lang)}
                hint={
                  data.missedAmountUnknown > 0
                    ? `${exactUnder(data.missed, lang) ?? ''} ${t('ledger.unknownAmountHint', { count: data.missedAmountUnknown })}`.trim()
                    : exactUnder(data.missed, lang)
                }
                tone="warn"
                testId="ledger-missed"
              />
              {data.claimedNotEligible !== '0.00' ? (
                <Stat
                  label={t('ledger.totalClaimedNotEligible')}
                  value={compactYuan(data.claimedNotEligible, lang)}
                  hint={t('ledger.claimedNotEligibleHint')}
                  tone="warn"
                  testId="ledger-claimed-not-eligible"
                />
              ) : null}
              {data.claimedLapsed !== '0.00' ? (
                <Stat
                  label={t('ledger.totalClaimedLapsed')}
                  value={compactYuan(data.claimedLapsed, lang)}
                  hint={`${exactUnder(data.claimedLapsed, lang) ?? ''} ${t('ledger.claimedLapsedHint')}`.trim()}
                  tone="warn"
                  testId="ledger-claimed-lapsed"
                />
              ) : null}
              {data.lapsed !== '0.00' ? (
                <Stat label={t('ledger.totalLapsed')} value={compactYuan(data.lapsed, lang)} hint={t('ledger.lapsedHint')} testId="ledger-lapsed" />
              ) : null}
              <Stat label={t('ledger.entries')} value={data.rows.length} hint={t('ledger.entriesHint')} />
            </div>
            {data.rows.length === 0 ? <Empty title={t('ledger.empty', { year })}>{t('ledger.emptyHint')}</Empty> : null}
          </>
        )}
        {data && data.rows.length > 0 ? <Chart option={option} label={t('ledger.chartLabel', { year })} testId="ledger-chart" /> : null}
      </Card>
      {data && data.rows.length > 0 ? (
        <Card title={t('ledger.detail')}>
          <DataTable
            columns={columns}
            rows={clientPage(data.rows, sort, value, page, PAGE_SIZE)}
            rowKey={(r) => `${r.month}|${r.policyId}|${r.status}`}
            sort={sort}
            onSort={(s) => {
              setSort(s);
              setPage(1);
            }}
            label={t('ledger.detail')}
            testId="ledger-table"
          />
          <Pager page={page} pageSize={PAGE_SIZE} total={data.rows.length} onPage={setPage} />
        </Card>
      ) : null}
    </div>
  );
}
