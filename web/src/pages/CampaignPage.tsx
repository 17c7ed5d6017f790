import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Chart } from '../components/Chart.tsx';
import { Empty, ErrorMessage, Failure, Loading } from '../components/States.tsx';
import { Card, PageHeader, SelectField, Stat } from '../components/ui.tsx';
import { ApiError, api } from '../lib/api.ts';
import { NEUTRAL_COLOR } from '../lib/chartStyle.ts';
import { formatCount } from '../lib/format.ts';
import { codeLabel, useLang } from '../lib/i18n.ts';
import { categoryName, districtName } from '../lib/labels.ts';
import { usePolicies } from '../lib/policies.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { type CampaignPlan, type CampaignPreview, type CampaignRequest, type CampaignStatus, type CompanyRole, canPlan, type Policy } from '../lib/types.ts';
import type { ChartOption } from '../lib/useEChart.ts';

const ROLES: CompanyRole[] = ['legalRepresentative', 'financeOfficer', 'taxHandler'];

/** The first and last day of a quarter "2026-Q3". */
function quarterSpan(period: string): { from: string; to: string } | null {
  const m = /^(\d{4})-Q([1-4])$/.exec(period);
  if (!m) return null;
  const y = Number(m[1]);
  const q = Number(m[2]);
  const last = new Date(Date.UTC(y, q * 3, 0)).getUTCDate();
  return { from: `${y}-${String(q * 3 - 2).padStart(2, '0')}-01`, to: `${y}-${String(q * 3).padStart(2, '0')}-${last}` };
}

function inForce(p: Policy, period: string): boolean {
  const span = quarterSpan(period);
  if (!span) return true;
  return p.effectiveFrom <= span.to && (p.effectiveTo === null || p.effectiveTo >= span.from);
}

function toggle<T>(list: T[], v: T): T[] {
  return list.includes(v) ? list.filter((x) => x !== v) : [...list, v];
}

/** A policy campaign: choose policies, statuses and audience, preview the reach, then plan the push. */
export function CampaignPage() {
  const { t } = useTranslation();
  const { meta } = useSession();
  if (!meta.latestPeriod) {
    return (
      <div className="stack">
        <PageHeader title={t('campaign.title')} subtitle={t('campaign.subtitle')} />
        <Card>
          <Empty title={t('common.noPeriods')}>{t('common.noPeriodsHint')}</Empty>
        </Card>
      </div>
    );
  }
  return <Campaign latestPeriod={meta.latestPeriod} />;
}

function Campaign({ latestPeriod }: { latestPeriod: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { meta, user, home } = useSession();
  const { policies, error: policiesError } = usePolicies();
  const [period, setPeriod] = useState(latestPeriod);
  const [policyIds, setPolicyIds] = useState<string[]>([]);
  const [statuses, setStatuses] = useState<CampaignStatus[]>(['matched']);
  const [districts, setDistricts] = useState<string[]>([]);
  const [sections, setSections] = useState<string[]>([]);
  const [filter, setFilter] = useState('');
  const [preview, setPreview] = useState<{ request: CampaignRequest; result: CampaignPreview }>();
  const [plan, setPlan] = useState<CampaignPlan>();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<'preview' | 'plan' | null>(null);
  const [error, setError] = useState<ApiError>();

  const request: CampaignRequest = useMemo(
    () => ({
      period,
      policyIds,
      statuses,
      ...(districts.length ? { districts } : {}),
      ...(sections.length ? { industrySections: sections } : {}),
    }),
    [period, policyIds, statuses, districts, sections],
  );
  const stale = preview !== undefined && JSON.stringify(preview.request) !== JSON.stringify(request);

  const available = useMemo(() => (policies ?? []).filter((p) => inForce(p, period)), [policies, period]);
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f
      ? available.filter((p) => p.id.toLowerCase().includes(f) || p.title.zh.includes(filter.trim()) || p.title.en.toLowerCase().includes(f))
      : available;
  }, [available, filter]);
  const byCategory = useMemo(() => {
    const m = new Map<string, Policy[]>();
    for (const p of shown) m.set(p.category, [...(m.get(p.category) ?? []), p]);
    return [...m.entries()];
  }, [shown]);
  const titleOf = (id: string) => policies?.find((p) => p.id === id)?.title[lang] ?? id;

  const run = async (what: 'preview' | 'plan') => {
    setBusy(what);
    setError(undefined);
    try {
      if (what === 'preview') {
        const result = await api.post<CampaignPreview>('/api/campaigns/preview', request);
        setPreview({ request, result });
        setPlan(undefined);
      } else {
        setPlan(await api.post<CampaignPlan>('/api/campaigns/plan', request));
        setConfirming(false);
      }
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e)));
    } finally {
      setBusy(null);
    }
  };

  const invalid = policyIds.length === 0 ? t('campaign.needPolicy') : statuses.length === 0 ? t('campaign.needStatus') : null;

  const districtOption = useMemo<ChartOption | null>(() => {
    if (!preview) return null;
    const rows = [...preview.result.byDistrict].sort((a, b) => b.taxpayers - a.taxpayers);
    return {
      color: [NEUTRAL_COLOR],
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 8, right: 16, top: 12, bottom: 4, containLabel: true },
      xAxis: { type: 'category', data: rows.map((r) => districtName(meta, r.key, lang)), axisLabel: { interval: 0, rotate: rows.length > 6 ? 30 : 0 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ name: t('campaign.taxpayers'), type: 'bar', data: rows.map((r) => r.taxpayers), barMaxWidth: 28 }],
    };
  }, [preview, meta, lang, t]);

  if (policiesError) return <Failure error={policiesError} home={home} />;

  return (
    <div className="stack">
      <PageHeader title={t('campaign.title')} subtitle={t('campaign.subtitle')} />
      <div className="campaign-layout">
        <Card title={t('campaign.policies')} className="campaign-policies">
          <div className="toolbar">
            <SelectField
              label={t('common.period')}
              value={period}
              options={meta.periods.map((p) => ({ value: p, label: p }))}
              onChange={(p) => {
                setPeriod(p);
                setPolicyIds([]);
              }}
              testId="campaign-period"
            />
            <label className="inline-field grow">
              <span className="field-label">{t('campaign.filter')}</span>
              <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder={t('campaign.filterPlaceholder')} />
            </label>
          </div>
          <p className="muted small">
            {t('campaign.selected', { n: policyIds.length, total: available.length })}{' '}
            <button type="button" className="link-button" onClick={() => setPolicyIds(shown.map((p) => p.id))}>
              {t('campaign.selectShown')}
            </button>{' '}
            ·{' '}
            <button type="button" className="link-button" onClick={() => setPolicyIds([])}>
              {t('campaign.clear')}
            </button>
          </p>
          {!policies ? (
            <Loading />
          ) : (
            <div className="policy-picker" data-testid="campaign-policies">
              {byCategory.map(([category, list]) => (
                <fieldset key={category} className="picker-group">
                  <legend>
                    {categoryName(meta, category, lang)} <span className="muted">({list.length})</span>
                  </legend>
                  {list.map((p) => (
                    <label key={p.id} className="check picker-item">
                      <input
                        type="checkbox"
                        checked={policyIds.includes(p.id)}
                        onChange={() => setPolicyIds(toggle(policyIds, p.id))}
                        data-testid="campaign-policy"
                        value={p.id}
                      />
                      <span>
                        <span className="row-title">{p.title[lang]}</span>
                        <span className="row-sub mono">{p.id}</span>
                      </span>
                    </label>
                  ))}
                </fieldset>
              ))}
              {byCategory.length === 0 ? <p className="muted">{t('campaign.noPolicies')}</p> : null}
            </div>
          )}
        </Card>
        <div className="stack">
          <Card title={t('campaign.audience')}>
            <fieldset className="chips-group">
              <legend>{t('campaign.statuses')}</legend>
              {(['matched', 'nearMiss'] as const).map((s) => (
                <label key={s} className={`chip${statuses.includes(s) ? ' is-on' : ''}`}>
                  <input
                    type="checkbox"
                    checked={statuses.includes(s)}
                    onChange={() => setStatuses(toggle(statuses, s))}
                    data-testid={`campaign-status-${s}`}
                  />
                  {t(`status.${s}`)}
                </label>
              ))}
            </fieldset>
            <fieldset className="chips-group">
              <legend>
                {t('company.district')} <span className="muted small">{districts.length ? '' : t('campaign.allDistricts')}</span>
              </legend>
              {meta.districts.map((d) => (
                <label key={d.code} className={`chip${districts.includes(d.code) ? ' is-on' : ''}`}>
                  <input type="checkbox" checked={districts.includes(d.code)} onChange={() => setDistricts(toggle(districts, d.code))} />
                  {d[lang]}
                </label>
              ))}
            </fieldset>
            <fieldset className="chips-group">
              <legend>
                {t('campaign.industrySections')} <span className="muted small">{sections.length ? '' : t('campaign.allSections')}</span>
              </legend>
              {meta.industrySections.map((s) => (
                <label key={s.code} className={`chip${sections.includes(s.code) ? ' is-on' : ''}`} title={s[lang]}>
                  <input type="checkbox" checked={sections.includes(s.code)} onChange={() => setSections(toggle(sections, s.code))} />
                  {s.code} {s[lang]}
                </label>
              ))}
            </fieldset>
            {error ? <ErrorMessage error={error} /> : null}
            <div className="form-actions">
              <button
                type="button"
                className="btn btn-primary"
                disabled={invalid !== null || busy !== null}
                onClick={() => void run('preview')}
                data-testid="campaign-preview"
              >
                {busy === 'preview' ? t('campaign.previewing') : t('campaign.preview')}
              </button>
              {invalid ? <span className="muted small">{invalid}</span> : null}
            </div>
          </Card>
          {preview ? (
            <Card title={t('campaign.reach')} testId="campaign-reach" className={stale ? 'is-stale' : undefined}>
              {stale ? <p className="callout callout-warn">{t('campaign.stale')}</p> : null}
              <div className="stats stats-3">
                <Stat label={t('campaign.taxpayers')} value={formatCount(preview.result.taxpayers, lang)} testId="reach-taxpayers" />
                <Stat
                  label={t('campaign.people')}
                  value={formatCount(
                    ROLES.reduce((n, r) => n + (preview.result.people[r] ?? 0), 0),
                    lang,
                  )}
                  hint={ROLES.map((r) => `${codeLabel('role', r)} ${formatCount(preview.result.people[r] ?? 0, lang)}`).join(' · ')}
                />
                <Stat label={t('campaign.messages')} value={formatCount(preview.result.messages, lang)} testId="reach-messages" />
              </div>
              {preview.result.taxpayers === 0 ? <p className="muted">{t('campaign.nobody')}</p> : null}
              {preview.result.byPolicy.length ? (
                <div className="table-wrap">
                  <table className="table compact" data-testid="reach-by-policy">
                    <thead>
                      <tr>
                        <th scope="col">{t('ledger.policy')}</th>
                        <th scope="col" style={{ textAlign: 'right', width: '8rem' }}>
                          {t('campaign.taxpayers')}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {[...preview.result.byPolicy]
                        .sort((a, b) => b.taxpayers - a.taxpayers)
                        .map((p) => (
                          <tr key={p.policyId}>
                            <td>
                              <span className="row-title">{titleOf(p.policyId)}</span>
                              <span className="row-sub mono">{p.policyId}</span>
                            </td>
                            <td style={{ textAlign: 'right' }}>{formatCount(p.taxpayers, lang)}</td>
                          </tr>
                        ))}
                    </tbody>
                  </table>
                </div>
              ) : null}
              {districtOption && preview.result.byDistrict.length ? (
                <>
                  <h3>{t('campaign.byDistrict')}</h3>
                  <Chart option={districtOption} label={t('campaign.byDistrict')} height={220} testId="reach-by-district" />
                </>
              ) : null}
              <div className="plan-box">
                {canPlan(user.role) ? (
                  plan ? (
                    <p className="callout callout-good" data-testid="campaign-planned">
                      {t('campaign.planned', { planned: plan.planned, skipped: plan.skipped })}
                      {plan.notStacked > 0 ? ` ${t('campaign.notStacked', { count: plan.notStacked })}` : null}{' '}
                      <Link to="/bureau/outbox">{t('campaign.toOutbox')}</Link>
                    </p>
                  ) : confirming ? (
                    <div className="confirm">
                      <span>{t('campaign.confirm', { messages: preview.result.messages, taxpayers: preview.result.taxpayers })}</span>
                      <button
                        type="button"
                        className="btn btn-primary"
                        disabled={busy !== null || stale}
                        onClick={() => void run('plan')}
                        data-testid="campaign-plan-confirm"
                      >
                        {busy === 'plan' ? t('campaign.planning') : t('campaign.confirmYes')}
                      </button>
                      <button type="button" className="btn btn-ghost" onClick={() => setConfirming(false)}>
                        {t('common.cancel')}
                      </button>
                    </div>
                  ) : (
                    <button
                      type="button"
                      className="btn btn-primary"
                      disabled={stale || preview.result.messages === 0}
                      onClick={() => setConfirming(true)}
                      data-testid="campaign-plan"
                    >
                      {t('campaign.plan')}
                    </button>
                  )
                ) : (
                  <p className="muted small" data-testid="campaign-plan-not-allowed">
                    {t('campaign.planNotAllowed')}
                  </p>
                )}
              </div>
            </Card>
          ) : null}
        </div>
      </div>
    </div>
  );
}
