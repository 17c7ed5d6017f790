import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type DraftObject, draftOf, emptyDraft, SchemaFields, toJson } from '../components/SchemaForm.tsx';
import { Empty, ErrorMessage, Failure, Loading } from '../components/States.tsx';
import { Card, PageHeader } from '../components/ui.tsx';
import { ApiError, api } from '../lib/api.ts';
import { formatYuan, type Lang } from '../lib/format.ts';
import { codeLabel, useLang } from '../lib/i18n.ts';
import { currentQuarter } from '../lib/labels.ts';
import { navigate, useLocation } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import type { CalcLine, CalcResponse, CalculationInfo, PeriodKind, ResultValue } from '../lib/types.ts';
import { useApi } from '../lib/useApi.ts';

/** The settings for open questions of the law (docs/calculator.md), all off by default. */
const SETTINGS = ['vat2026ExactThresholdExempt', 'vat2026RealEstateCarveOut', 'vat2026AdditionalDeduction'] as const;
type SettingName = (typeof SETTINGS)[number];

const PERIOD_EXAMPLE: Record<PeriodKind, (latest: string) => string> = {
  quarter: (q) => q,
  year: (q) => q.slice(0, 4),
  month: (q) => {
    const m = /^(\d{4})-Q([1-4])$/.exec(q);
    return m ? `${m[1]}-${String(Number(m[2]) * 3).padStart(2, '0')}` : `${q.slice(0, 4)}-01`;
  },
  day: (q) => {
    const m = /^(\d{4})-Q([1-4])$/.exec(q);
    return m ? `${m[1]}-${String(Number(m[2]) * 3).padStart(2, '0')}-15` : `${q.slice(0, 4)}-01-15`;
  },
};

/** The tax and fee calculator: pick a calculation, fill in the form built from its inputs, see every line explained. */
export function CalculatorPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { meta, home } = useSession();
  const { search } = useLocation();
  const list = useApi<{ items: CalculationInfo[] }>('/api/calc/calculations');
  const items = list.data?.items ?? [];
  const name = search.get('c') ?? items[0]?.name ?? '';
  const calc = items.find((c) => c.name === name);

  if (list.error) return <Failure error={list.error} home={home} onRetry={list.reload} />;
  if (!list.data) return <Loading />;
  if (items.length === 0) return <Empty title={t('calc.none')} />;

  return (
    <div className="stack">
      <PageHeader title={t('calc.title')} subtitle={t('calc.subtitle')} />
      <div className="calc-layout">
        <nav className="calc-list card" aria-label={t('calc.choose')} data-testid="calc-list">
          {items.map((c) => (
            <button
              key={c.name}
              type="button"
              className={c.name === name ? 'is-active' : undefined}
              aria-current={c.name === name ? 'true' : undefined}
              data-testid={`calc-pick-${c.name}`}
              onClick={() => navigate(`/calculator?c=${encodeURIComponent(c.name)}`, { replace: true })}
            >
              <span className="row-title">{c.title[lang]}</span>
              <span className="row-sub">{c.periodKinds.map((k) => t(`calc.periodKind.${k}`)).join(' / ')}</span>
            </button>
          ))}
        </nav>
        <div className="calc-main">
          {calc ? (
            <CalculatorForm key={calc.name} calc={calc} latestPeriod={meta.latestPeriod ?? currentQuarter()} lang={lang} />
          ) : (
            <Empty title={t('calc.unknown', { name })} />
          )}
        </div>
      </div>
    </div>
  );
}

function CalculatorForm({ calc, latestPeriod, lang }: { calc: CalculationInfo; latestPeriod: string; lang: Lang }) {
  const { t } = useTranslation();
  const firstKind = calc.periodKinds[0] ?? 'quarter';
  const [period, setPeriod] = useState(() => PERIOD_EXAMPLE[firstKind](latestPeriod));
  const [draft, setDraft] = useState<DraftObject>(() => emptyDraft(calc.inputs) as DraftObject);
  const [settings, setSettings] = useState<Record<SettingName, boolean>>({
    vat2026ExactThresholdExempt: false,
    vat2026RealEstateCarveOut: false,
    vat2026AdditionalDeduction: false,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [result, setResult] = useState<CalcResponse>();

  useEffect(() => {
    document.getElementById('calc-result')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }, [result]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const changed = SETTINGS.some((s) => settings[s]);
    try {
      const r = await api.post<CalcResponse>('/api/calc', {
        calculation: calc.name,
        period: period.trim(),
        inputs: toJson(calc.inputs, draft),
        ...(changed ? { settings } : {}),
      });
      setResult(r);
    } catch (err) {
      setResult(undefined);
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', String(err)));
    } finally {
      setBusy(false);
    }
  };

  // `inputs.months.0.wage` → the form field `months.0.wage`; `period` is the period field
  const fieldError = error?.field ? { path: error.field.replace(/^inputs\.?/, ''), message: error.message } : undefined;
  const periodError = error?.field === 'period' ? error.message : undefined;
  const kinds = calc.periodKinds
    .map((k) => t('calc.periodExample', { kind: t(`calc.periodKind.${k}`), example: PERIOD_EXAMPLE[k](latestPeriod) }))
    .join(lang === 'zh' ? '、' : ', ');

  return (
    <>
      <Card title={calc.title[lang]}>
        {calc.description && lang === 'en' ? <p className="muted calc-description">{calc.description}</p> : null}
        {calc.description && lang === 'zh' ? (
          <details className="calc-description">
            <summary>{t('calc.description')}</summary>
            <p className="muted">{calc.description}</p>
          </details>
        ) : null}
        <form className="calc-form" onSubmit={submit} data-testid="calc-form" noValidate>
          <div className="form-grid">
            <div className={`field${periodError ? ' has-error' : ''}`}>
              <label htmlFor="calc-period" className="field-label">
                {t('calc.period')}
                <span className="req">*</span>
              </label>
              <input
                id="calc-period"
                value={period}
                onChange={(e) => setPeriod(e.target.value)}
                data-testid="calc-period"
                aria-invalid={periodError ? true : undefined}
              />
              <span className="field-help">{t('calc.periodHelp', { kinds })}</span>
              {periodError ? <span className="field-error">{periodError}</span> : null}
            </div>
          </div>
          <SchemaFields schema={calc.inputs} value={draft} onChange={setDraft} path="" error={fieldError} />
          <details className="settings">
            <summary>{t('calc.settings')}</summary>
            <p className="field-help">{t('calc.settingsHelp')}</p>
            {SETTINGS.map((s) => (
              <label key={s} className="check">
                <input type="checkbox" checked={settings[s]} onChange={(e) => setSettings({ ...settings, [s]: e.target.checked })} />
                {t(`calc.setting.${s}`)}
              </label>
            ))}
          </details>
          {error ? <ErrorMessage error={error} /> : null}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="calc-submit">
              {busy ? t('calc.calculating') : t('calc.submit')}
            </button>
            {calc.example ? (
              <button
                type="button"
                className="btn"
                data-testid="calc-example"
                onClick={() => {
                  const example = calc.example;
                  if (!example) return;
                  setPeriod(example.period);
                  setDraft(draftOf(calc.inputs, example.inputs) as DraftObject);
                  setError(undefined);
                }}
              >
                {t('calc.example')}
              </button>
            ) : null}
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => {
                setDraft(emptyDraft(calc.inputs) as DraftObject);
                setResult(undefined);
                setError(undefined);
              }}
            >
              {t('calc.reset')}
            </button>
          </div>
        </form>
      </Card>
      {result ? <CalcResult result={result} lang={lang} /> : null}
    </>
  );
}

const MONEY = /^-?\d+\.\d{2}$/;

function show(v: ResultValue, lang: Lang, t: (k: 'common.yes' | 'common.no') => string): string {
  if (v === null) return '—';
  if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
  if (typeof v === 'number') return v.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US');
  if (typeof v === 'string') return MONEY.test(v) ? formatYuan(v) : codeLabel('calcEnum', v);
  return JSON.stringify(v);
}

function outputLabel(key: string): string {
  const l = codeLabel('calcOutput', key);
  return l === key ? key : l;
}

function CalcResult({ result, lang }: { result: CalcResponse; lang: Lang }) {
  const { t } = useTranslation();
  const entries = Object.entries(result.result);
  const scalars = entries.filter(([, v]) => !Array.isArray(v));
  const lists = entries.filter(([, v]) => Array.isArray(v)) as [string, ResultValue[]][];
  const settingsOn = SETTINGS.filter((s) => result.settings[s]);
  const tt = (k: 'common.yes' | 'common.no') => t(k);
  const title = useMemo(() => `${result.title[lang]} · ${result.period.text}`, [result, lang]);
  return (
    <section id="calc-result" className="card calc-result" data-testid="calc-result">
      <div className="card-head">
        <h2>{title}</h2>
        <span className="muted">
          {result.period.from} – {result.period.to}
        </span>
      </div>
      <dl className="result-figures" data-testid="calc-figures">
        {scalars.map(([k, v]) => (
          <div key={k}>
            <dt>{outputLabel(k)}</dt>
            <dd className={typeof v === 'string' && MONEY.test(v) ? 'money' : undefined}>{show(v, lang, tt)}</dd>
          </div>
        ))}
      </dl>
      {lists.map(([k, rows]) => (
        <ResultList key={k} name={k} rows={rows} lang={lang} />
      ))}
      <h3>{t('calc.lines')}</h3>
      <div className="table-wrap">
        <table className="table lines" data-testid="calc-lines">
          <thead>
            <tr>
              <th scope="col" style={{ width: '22%' }}>
                {t('calc.line')}
              </th>
              <th scope="col" style={{ width: '12%', textAlign: 'right' }}>
                {t('calc.amount')}
              </th>
              <th scope="col">{t('calc.formula')}</th>
              <th scope="col" style={{ width: '34%' }}>
                {t('calc.law')}
              </th>
            </tr>
          </thead>
          <tbody>
            {result.lines.map((l, i) => (
              // a calculation may explain the same line id once per item (months, documents)
              <LineRow key={`${l.id}-${i}`} line={l} lang={lang} />
            ))}
          </tbody>
        </table>
      </div>
      {result.notes.length ? (
        <>
          <h3>{t('calc.notes')}</h3>
          <ul className="notes">
            {result.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </>
      ) : null}
      <p className="muted small">
        {settingsOn.length ? t('calc.settingsOn', { list: settingsOn.map((s) => t(`calc.setting.${s}`)).join('；') }) : t('calc.settingsDefault')}
      </p>
    </section>
  );
}

/** "half up to 0.01 yuan" (the calculator's words) in the current language. */
function roundingText(
  rounding: string,
  t: (key: 'calc.roundHalfUp' | 'calc.unitFen' | 'calc.unitJiao' | 'calc.unitYuan', o?: { unit: string }) => string,
): string {
  const m = /^half up to (0\.01|0\.1|1) yuan$/.exec(rounding);
  if (!m) return rounding;
  const unit = m[1] === '0.01' ? t('calc.unitFen') : m[1] === '0.1' ? t('calc.unitJiao') : t('calc.unitYuan');
  return t('calc.roundHalfUp', { unit });
}

function LineRow({ line, lang }: { line: CalcLine; lang: Lang }) {
  const { t } = useTranslation();
  return (
    <tr data-testid="calc-line">
      <td>
        <span className="row-title">{line.label[lang]}</span>
        <span className="row-sub mono">{line.id}</span>
      </td>
      <td style={{ textAlign: 'right' }} className={line.amount !== undefined ? 'money' : undefined}>
        {line.amount !== undefined ? formatYuan(line.amount) : line.value !== undefined ? codeLabel('calcEnum', line.value) : '—'}
      </td>
      <td>
        <code className="formula">{line.formula}</code>
        {line.rounding ? <span className="row-sub">{t('calc.rounding', { rounding: roundingText(line.rounding, t) })}</span> : null}
      </td>
      <td>
        {line.parameters.length === 0 ? (
          <span className="muted">—</span>
        ) : (
          <ul className="params">
            {line.parameters.map((p) => (
              <li key={p.name}>
                <span className="mono">{p.name}</span> = <strong>{p.value}</strong> <span className="muted">{p.unit}</span>
                <span className="row-sub">
                  {p.source} · {p.from} – {p.to}{' '}
                  <span
                    className={`confidence confidence-${p.confidence}`}
                    title={t(`confidence.${p.confidence === 'C' || p.confidence === 'R' ? p.confidence : 'U'}`)}
                  >
                    {p.confidence}
                  </span>
                </span>
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}

/** A list in the result (a payroll's months, stamp duty's documents) as a small table. */
function ResultList({ name, rows, lang }: { name: string; rows: ResultValue[]; lang: Lang }) {
  const { t } = useTranslation();
  const objects = rows.filter((r): r is { [k: string]: ResultValue } => r !== null && typeof r === 'object' && !Array.isArray(r));
  const keys = [...new Set(objects.flatMap((r) => Object.keys(r)))];
  const moneyColumn = (k: string) => objects.every((r) => r[k] === undefined || r[k] === null || (typeof r[k] === 'string' && MONEY.test(r[k])));
  const tt = (k: 'common.yes' | 'common.no') => t(k);
  return (
    <>
      <h3>{outputLabel(name)}</h3>
      <div className="table-wrap">
        <table className="table compact">
          <thead>
            <tr>
              {keys.map((k) => (
                <th key={k} scope="col" style={moneyColumn(k) ? { textAlign: 'right' } : undefined}>
                  {outputLabel(k)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {objects.map((r, i) => (
              <tr key={i}>
                {keys.map((k) => {
                  const v = r[k] ?? null;
                  return (
                    <td key={k} className={typeof v === 'string' && MONEY.test(v) ? 'money' : undefined}>
                      {show(v, lang, tt)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
