import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Chart } from '../components/Chart.tsx';
import { type Column, clientPage, DataTable, Pager, type Sort } from '../components/DataTable.tsx';
import { Empty, Failure, Loading } from '../components/States.tsx';
import { Card, PageHeader, SelectField, Stat } from '../components/ui.tsx';
import { withQuery } from '../lib/api.ts';
import { ENJOYED_COLOR, MISSED_COLOR, yuanAxisLabel, yuanTooltip } from '../lib/chartStyle.ts';
import { compactYuan, exactUnder, formatCount, formatYuan, type Lang, toNumber } from '../lib/format.ts';
import { useLang } from '../lib/i18n.ts';
import { districtName } from '../lib/labels.ts';
import { usePolicies } from '../lib/policies.ts';
import { useSession } from '../lib/session.tsx';
import type { DrillFilter, PolicyReport, ReportRow } from '../lib/types.ts';
import { useApi } from '../lib/useApi.ts';
import type { ChartOption } from '../lib/useEChart.ts';
import { DrillCard } from './city/DrillCard.tsx';
import { defaultYear, monthLabel } from './company/LedgerTab.tsx';

/** Grouped bars of reliefs enjoyed and missed over categories (districts, months) or, horizontal, long names (industries). */
function barsOption(
  rows: { label: string; enjoyed: number; missed: number }[],
  names: { enjoyed: string; missed: string },
  lang: Lang,
  horizontal = false,
): ChartOption {
  const categoryAxis = {
    type: 'category' as const,
    data: rows.map((r) => r.label),
    axisLabel: horizontal ? { width: lang === 'zh' ? 130 : 170, overflow: 'truncate' as const } : { interval: 0, rotate: rows.length > 8 ? 30 : 0 },
    inverse: horizontal,
  };
  const valueAxis = { type: 'value' as const, axisLabel: { formatter: (v: number) => yuanAxisLabel(v, lang) } };
  return {
    color: [ENJOYED_COLOR, MISSED_COLOR],
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: yuanTooltip,
    },
    legend: { top: 0, right: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 4, containLabel: true },
    xAxis: horizontal ? valueAxis : categoryAxis,
    yAxis: horizontal ? categoryAxis : valueAxis,
    series: [
      { name: names.enjoyed, type: 'bar', data: rows.map((r) => r.enjoyed), barMaxWidth: 18 },
      { name: names.missed, type: 'bar', data: rows.map((r) => r.missed), barMaxWidth: 18 },
    ],
  };
}

/** The city at a glance for bureau staff: headline figures and reliefs enjoyed and missed by district, industry, month and policy. */
export function CityPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { meta, home } = useSession();
  const [year, setYearOnly] = useState(() => defaultYear(meta.years, meta.latestPeriod));
  // The figure drilled into: a bar or a policy clicked, or picked in the drill-down's own fields.
  const [drill, setDrill] = useState<DrillFilter>({});
  const drillRef = useRef<HTMLDivElement>(null);
  const setYear = (y: number) => {
    setYearOnly(y);
    setDrill({});
  };
  const drillInto = (f: DrillFilter) => {
    setDrill(f);
    drillRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };
  // Before the first city-wide match there is no year to report (the API says 404 for one never matched).
  const report = useApi<PolicyReport>(meta.years.length > 0 ? withQuery('/api/report/policy', { year }) : null);
  const { byId } = usePolicies();
  const r = report.data?.year === year ? report.data : undefined;
  const names = useMemo(() => ({ enjoyed: t('ledger.enjoyed'), missed: t('ledger.missed') }), [t]);

  const charts = useMemo(() => {
    if (!r) return null;
    const num = (x: ReportRow) => ({ enjoyed: toNumber(x.enjoyed), missed: toNumber(x.missed) });
    const largestFirst = (rows: ReportRow[]) => [...rows].sort((a, b) => toNumber(b.enjoyed) + toNumber(b.missed) - (toNumber(a.enjoyed) + toNumber(a.missed)));
    const districts = largestFirst(r.byDistrict);
    const district = barsOption(
      districts.map((x) => ({ label: districtName(meta, x.key, lang), ...num(x) })),
      names,
      lang,
    );
    const sections = largestFirst(r.byIndustry);
    const industryRows = sections.map((x) => {
      const full = meta.industrySections.find((s) => s.code === x.key)?.[lang] ?? x.key;
      return { label: `${x.key} ${full}`, ...num(x) };
    });
    const industry = barsOption(industryRows, names, lang, true);
    const months = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
    const byMonth = new Map(r.byMonth.map((x) => [x.key, x]));
    const month = barsOption(
      months.map((m) => {
        const x = byMonth.get(m);
        return { label: monthLabel(m, lang), enjoyed: toNumber(x?.enjoyed), missed: toNumber(x?.missed) };
      }),
      names,
      lang,
    );
    return {
      district,
      districtKeys: districts.map((x) => x.key),
      industry,
      sectionKeys: sections.map((x) => x.key),
      industryHeight: Math.max(260, industryRows.length * 28 + 60),
      month,
      monthKeys: months,
    };
  }, [r, meta, lang, names, year]);

  return (
    <div className="stack">
      <PageHeader
        title={t('city.title')}
        subtitle={t('city.subtitle')}
        actions={
          <SelectField
            label={t('common.year')}
            value={year}
            options={meta.years.map((y) => ({ value: y, label: String(y) }))}
            onChange={setYear}
            testId="year-select"
          />
        }
      />
      {meta.years.length === 0 ? (
        <Empty title={t('common.noPeriods')}>{t('common.noPeriodsHint')}</Empty>
      ) : report.error ? (
        <Failure error={report.error} home={home} onRetry={report.reload} />
      ) : !r || !charts ? (
        <Loading />
      ) : (
        <>
          <div className="stats stats-5" data-testid="city-headline">
            <Stat label={t('city.taxpayersMatched')} value={formatCount(r.taxpayersMatched, lang)} hint={t('city.taxpayersMatchedHint')} />
            <Stat
              label={t('city.withReductionData')}
              value={formatCount(r.taxpayersMatchedWithReductionData, lang)}
              hint={t('city.withReductionDataHint', {
                share: r.taxpayersMatched ? Math.round((r.taxpayersMatchedWithReductionData / r.taxpayersMatched) * 100) : 0,
              })}
            />
            <Stat label={t('city.enjoyed')} value={compactYuan(r.enjoyed, lang)} hint={exactUnder(r.enjoyed, lang)} tone="good" />
            <Stat label={t('city.missed')} value={compactYuan(r.missed, lang)} hint={exactUnder(r.missed, lang)} tone="warn" />
            <Stat label={t('city.taxpayersMissing')} value={formatCount(r.taxpayersMissing, lang)} hint={t('city.taxpayersMissingHint')} tone="warn" />
          </div>
          {r.claimedNotEligible !== '0.00' || r.enjoyedUnverified !== '0.00' || r.taxpayersMissingAmountUnknown > 0 ? (
            <p className="muted" data-testid="city-claims-note">
              {t('city.claimsNote', {
                amount: formatYuan(r.claimedNotEligible),
                taxpayers: formatCount(r.taxpayersClaimedNotEligible, lang),
                unverified: formatYuan(r.enjoyedUnverified),
                unknown: formatCount(r.taxpayersMissingAmountUnknown, lang),
              })}
            </p>
          ) : null}
          {r.taxpayersReturnNotFiled > 0 ? (
            <p className="muted" data-testid="city-not-filed-note">
              {t('city.returnNotFiledNote', { taxpayers: formatCount(r.taxpayersReturnNotFiled, lang), reliefs: formatCount(r.reliefsReturnNotFiled, lang) })}
            </p>
          ) : null}
          {r.lapsed !== '0.00' || r.claimedLapsed !== '0.00' ? (
            <p className="muted" data-testid="city-lapsed-note">
              {t('city.lapsedNote', { amount: formatYuan(r.lapsed), taxpayers: formatCount(r.taxpayersLapsed, lang) })}
              {r.claimedLapsed !== '0.00'
                ? ` ${t('city.claimedLapsedNote', { amount: formatYuan(r.claimedLapsed), taxpayers: formatCount(r.taxpayersClaimedLapsed, lang) })}`
                : ''}
            </p>
          ) : null}
          {r.lapsedByPolicy.length > 0 ? (
            <ul className="muted lapsed-by-policy" data-testid="city-lapsed-by-policy">
              {r.lapsedByPolicy.map((x) => (
                <li key={x.policyId}>
                  {t('city.lapsedByPolicy', {
                    policy: byId.get(x.policyId)?.title[lang] ?? x.policyId,
                    amount: formatYuan(x.lapsed),
                    taxpayers: formatCount(x.taxpayersLapsed, lang),
                    claimed: formatYuan(x.claimedLapsed),
                    claimedTaxpayers: formatCount(x.taxpayersClaimedLapsed, lang),
                  })}
                </li>
              ))}
            </ul>
          ) : null}
          {r.byDistrict.length === 0 && r.byMonth.length === 0 ? (
            <Card>
              <Empty title={t('city.empty', { year })}>{t('city.emptyHint')}</Empty>
            </Card>
          ) : (
            <>
              <div className="grid-2">
                <Card title={t('city.byDistrict')}>
                  <Chart
                    option={charts.district}
                    label={t('city.byDistrict')}
                    testId="chart-district"
                    onPick={(i) => charts.districtKeys[i] && drillInto({ district: charts.districtKeys[i] })}
                  />
                </Card>
                <Card title={t('city.byMonth')}>
                  <Chart
                    option={charts.month}
                    label={t('city.byMonth')}
                    testId="chart-month"
                    onPick={(i) => charts.monthKeys[i] && drillInto({ month: charts.monthKeys[i] })}
                  />
                </Card>
              </div>
              <div className="grid-2">
                <Card title={t('city.byIndustry')}>
                  <Chart
                    option={charts.industry}
                    label={t('city.byIndustry')}
                    testId="chart-industry"
                    height={charts.industryHeight}
                    onPick={(i) => charts.sectionKeys[i] && drillInto({ industrySection: charts.sectionKeys[i] })}
                  />
                </Card>
                <PolicyTable rows={r.byPolicy} titleOf={(id) => byId.get(id)?.title[lang] ?? id} lang={lang} onPick={(policyId) => drillInto({ policyId })} />
              </div>
              <DrillCard
                ref={drillRef}
                year={year}
                filter={drill}
                onFilter={setDrill}
                policies={r.byPolicy.map((x) => ({ id: x.key, title: byId.get(x.key)?.title[lang] ?? x.key }))}
              />
            </>
          )}
        </>
      )}
    </div>
  );
}

function PolicyTable({
  rows,
  titleOf,
  lang,
  onPick,
}: {
  rows: ReportRow[];
  titleOf: (id: string) => string;
  lang: Lang;
  /** The taxpayers behind a policy's figures, asked for. */
  onPick: (policyId: string) => void;
}) {
  const { t } = useTranslation();
  const [sort, setSort] = useState<Sort>({ key: 'missed', order: 'desc' });
  const [page, setPage] = useState(1);
  const pageSize = 10;
  const value = (x: ReportRow, key: string) =>
    key === 'enjoyed' ? toNumber(x.enjoyed) : key === 'missed' ? toNumber(x.missed) : key === 'taxpayers' ? x.taxpayers : titleOf(x.key);
  const columns: Column<ReportRow>[] = [
    {
      key: 'policy',
      header: t('ledger.policy'),
      sortable: true,
      render: (x) => (
        <span>
          <button type="button" className="link-button row-title" onClick={() => onPick(x.key)} title={t('drill.open')} data-testid="city-policy-drill">
            {titleOf(x.key)}
          </button>
          <span className="row-sub mono">{x.key}</span>
        </span>
      ),
    },
    {
      key: 'taxpayers',
      header: t('city.taxpayers'),
      sortable: true,
      firstOrder: 'desc',
      align: 'right',
      width: '6rem',
      render: (x) => formatCount(x.taxpayers, lang),
    },
    {
      key: 'enjoyed',
      header: t('ledger.enjoyed'),
      sortable: true,
      firstOrder: 'desc',
      align: 'right',
      width: '8rem',
      render: (x) => <span className="money">{compactYuan(x.enjoyed, lang)}</span>,
    },
    {
      key: 'missed',
      header: t('ledger.missed'),
      sortable: true,
      firstOrder: 'desc',
      align: 'right',
      width: '8rem',
      render: (x) => <span className="money">{compactYuan(x.missed, lang)}</span>,
    },
  ];
  return (
    <Card title={t('city.byPolicy')}>
      {rows.length === 0 ? (
        <Empty title={t('city.noPolicies')} />
      ) : (
        <>
          <DataTable
            columns={columns}
            rows={clientPage(rows, sort, value, page, pageSize)}
            rowKey={(x) => x.key}
            sort={sort}
            onSort={(s) => {
              setSort(s);
              setPage(1);
            }}
            label={t('city.byPolicy')}
            testId="city-policies"
          />
          <Pager page={page} pageSize={pageSize} total={rows.length} onPage={setPage} />
        </>
      )}
    </Card>
  );
}
