import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DISTRICT_IDS, DISTRICTS, type District, INDUSTRY_SECTIONS, type IndustrySection } from '../model/index.ts';
import { literal, Store } from '../store/store.ts';
import { type GeneratorSettings, type GeneratorSettingsInput, monthLabel, parseSettings } from './settings.ts';

export interface CalibrationRow {
  metric: string;
  target: string;
  generated: string;
}

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)} %`;
const num = (x: number, digits = 1) => x.toFixed(digits);

/** The SQL table function reading one generated table from dir (parquet or CSV, whichever is there). */
export function generatedSource(dir: string, table: string): string {
  const abs = resolve(dir);
  const names = readdirSync(abs);
  const ext = names.some((n) => n.startsWith('taxpayer.') && n.endsWith('.csv')) && !names.includes('taxpayer.parquet') ? 'csv' : 'parquet';
  const pattern = table === 'invoice' ? `invoice-*.${ext}` : `${table}.${ext}`;
  if (table !== 'invoice' && !existsSync(join(abs, pattern))) throw new Error(`no ${pattern} in ${abs}`);
  const path = literal(join(abs, pattern));
  return ext === 'parquet' ? `read_parquet(${path})` : `read_csv(${path}, header = true, auto_detect = true)`;
}

function share(weights: Record<string, number | undefined>, key: string): number {
  const total = Object.values(weights).reduce<number>((a, b) => a + (b ?? 0), 0);
  return total > 0 ? (weights[key] ?? 0) / total : 0;
}

/**
 * Reads a generated city back from dir and sets its marginals beside the targets
 * (calibration.md, as carried by the settings). Printed by the CLI after generation.
 * Pass the settings the city was generated with; without them the defaults are the
 * targets, with taxpayers, months and start read from the files.
 * `calibrationReport(dir, settings?)` opens (and closes) its own in-memory store.
 */
export async function calibrationReport(store: Store, dir: string, settings?: GeneratorSettingsInput | GeneratorSettings): Promise<CalibrationRow[]>;
export async function calibrationReport(dir: string, settings?: GeneratorSettingsInput | GeneratorSettings): Promise<CalibrationRow[]>;
export async function calibrationReport(
  storeOrDir: Store | string,
  dirOrSettings?: string | GeneratorSettingsInput | GeneratorSettings,
  maybeSettings?: GeneratorSettingsInput | GeneratorSettings,
): Promise<CalibrationRow[]> {
  if (typeof storeOrDir === 'string') {
    const own = await Store.open(':memory:', { migrate: false, settings: { threads: '2', memory_limit: '3GB' } });
    try {
      return await report(own, storeOrDir, dirOrSettings as GeneratorSettingsInput | undefined);
    } finally {
      own.close();
    }
  }
  return report(storeOrDir, dirOrSettings as string, maybeSettings);
}

/** Settings for the targets: as given, else defaults with taxpayers, months and start taken from the files. */
async function inferSettings(store: Store, dir: string, given?: GeneratorSettingsInput | GeneratorSettings): Promise<GeneratorSettings> {
  if (given) return parseSettings(given as GeneratorSettingsInput);
  const months = readdirSync(resolve(dir))
    .map((f) => /^invoice-(\d{4}-\d{2})\.(parquet|csv)$/.exec(f)?.[1])
    .filter((m): m is string => m !== undefined)
    .sort();
  const n = await store.one<{ n: string }>(`SELECT count(*) AS n FROM ${generatedSource(dir, 'taxpayer')}`);
  return parseSettings({ taxpayers: Math.max(10, Number(n.n)), months: Math.max(1, months.length), ...(months[0] ? { start: months[0] } : {}) });
}

async function report(store: Store, dir: string, settingsInput?: GeneratorSettingsInput | GeneratorSettings): Promise<CalibrationRow[]> {
  const s = await inferSettings(store, dir, settingsInput);
  const src = (t: string) => generatedSource(dir, t);
  const rows: CalibrationRow[] = [];
  const add = (metric: string, target: string, generated: string) => rows.push({ metric, target, generated });
  const one = async (sql: string): Promise<Record<string, number>> => {
    const r = (await store.all(sql))[0] ?? {};
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? Number.NaN : Number(v)]));
  };

  const tp = await one(`
    SELECT count(*) AS n,
      avg((kind <> 'individualBusiness')::INT) AS ent,
      avg((vat_status = 'general')::INT) FILTER (WHERE kind <> 'individualBusiness') AS gen_ent,
      avg((vat_status = 'general')::INT) FILTER (WHERE kind = 'individualBusiness') AS gen_ind,
      avg(high_tech::INT) FILTER (WHERE kind <> 'individualBusiness') AS high_tech,
      avg((district = 'baoan')::INT) FILTER (WHERE high_tech) AS high_tech_baoan,
      avg((substr(industry, 1, 1) NOT IN ('A', 'B', 'C', 'D', 'E'))::INT) FILTER (WHERE kind <> 'individualBusiness') AS tertiary_ent,
      avg((substr(industry, 1, 1) NOT IN ('A', 'B', 'C', 'D', 'E'))::INT) FILTER (WHERE kind = 'individualBusiness') AS tertiary_ind,
      avg(employees) FILTER (WHERE kind <> 'individualBusiness') AS emp_mean_ent,
      median(employees) FILTER (WHERE kind <> 'individualBusiness') AS emp_median_ent,
      avg(employees) FILTER (WHERE kind = 'individualBusiness') AS emp_mean_ind
    FROM ${src('taxpayer')}`);
  add('taxpayers', `${s.taxpayers}`, `${tp.n}`);
  add('enterprise share of taxpayers (91… codes)', pct(s.enterpriseShare), pct(tp.ent ?? 0));

  const dist = await store.all<{ district: string; ent: number; ind: number }>(`
    SELECT district,
      (count(*) FILTER (WHERE kind <> 'individualBusiness'))::DOUBLE / greatest(1, sum(count(*) FILTER (WHERE kind <> 'individualBusiness')) OVER ()) AS ent,
      (count(*) FILTER (WHERE kind = 'individualBusiness'))::DOUBLE / greatest(1, sum(count(*) FILTER (WHERE kind = 'individualBusiness')) OVER ()) AS ind
    FROM ${src('taxpayer')} GROUP BY district`);
  const byDistrict = new Map(dist.map((d) => [d.district, d]));
  for (const d of DISTRICT_IDS) {
    const g = byDistrict.get(d);
    add(`district ${DISTRICTS[d as District]} share, enterprises`, pct(share(s.districtWeights.enterprise, d)), pct(Number(g?.ent ?? 0)));
  }
  for (const d of DISTRICT_IDS) {
    const g = byDistrict.get(d);
    add(`district ${DISTRICTS[d as District]} share, individual businesses`, pct(share(s.districtWeights.individualBusiness, d)), pct(Number(g?.ind ?? 0)));
  }
  const tertiary = (w: Record<string, number | undefined>) =>
    (Object.keys(INDUSTRY_SECTIONS) as IndustrySection[]).filter((k) => !'ABCDE'.includes(k)).reduce((a, k) => a + share(w, k), 0);
  add('tertiary share (sections F–T), enterprises', pct(tertiary(s.industryWeights.enterprise)), pct(tp.tertiary_ent ?? 0));
  add('tertiary share (sections F–T), individual businesses', pct(tertiary(s.industryWeights.individualBusiness)), pct(tp.tertiary_ind ?? 0));
  add('general VAT share, enterprises', pct(s.generalVatShare.enterprise), pct(tp.gen_ent ?? 0));
  add('general VAT share, individual businesses', pct(s.generalVatShare.individualBusiness), pct(tp.gen_ind ?? 0));
  add('employees, enterprises: mean / median', '≈ 13 / 3–5', `${num(tp.emp_mean_ent ?? 0)} / ${num(tp.emp_median_ent ?? 0, 0)}`);
  add('employees, individual businesses: mean', '≈ 2', num(tp.emp_mean_ind ?? 0));
  add('high-tech share of enterprises', pct(s.highTechShare, 2), pct(tp.high_tech ?? 0, 2));
  add('宝安 share of high-tech enterprises', '≈ 29 %', pct(tp.high_tech_baoan ?? 0));

  const credit = await store.all<{ level: string; share: number }>(`
    SELECT credit_level AS level, count(*)::DOUBLE / sum(count(*)) OVER () AS share
    FROM ${src('taxpayer')} WHERE kind <> 'individualBusiness' GROUP BY credit_level`);
  const creditTotal = Object.values(s.creditMix).reduce((a, b) => a + b, 0);
  for (const level of ['A', 'B', 'M', 'C', 'D'] as const) {
    const g = credit.find((c) => c.level === level);
    add(`credit level ${level}, enterprises`, pct(s.creditMix[level] / creditTotal), pct(Number(g?.share ?? 0)));
  }

  const f = await one(`
    SELECT
      avg((filed_on <= due_date)::INT) FILTER (WHERE filed_on IS NOT NULL AND substr(credit_code, 2, 1) = '1') AS on_time_ent,
      avg((filed_on <= due_date)::INT) FILTER (WHERE filed_on IS NOT NULL AND substr(credit_code, 2, 1) = '2') AS on_time_ind,
      avg((filed_on IS NULL)::INT) AS unfiled,
      count(DISTINCT credit_code) FILTER (WHERE filed_on IS NULL) AS abnormal_taxpayers,
      avg((tax_base <= 300000)::INT) FILTER (WHERE tax_type = 'vat' AND period_end - period_start > 40 AND tax_base > 0) AS ss_below,
      avg((tax_base = 0)::INT) FILTER (WHERE tax_type = 'vat' AND period_end - period_start > 40 AND filed_on IS NOT NULL AND substr(credit_code, 2, 1) = '1') AS ss_zero_ent,
      avg(filed_on - due_date) FILTER (WHERE filed_on > due_date) AS late_days
    FROM ${src('filing')}`);
  add('on-time filing, enterprises (filed returns)', pct(s.onTimeRate.enterprise), pct(f.on_time_ent ?? 0));
  add('on-time filing, individual businesses (filed returns)', pct(s.onTimeRate.individualBusiness), pct(f.on_time_ind ?? 0));
  add('late returns: mean days late', '≤ 30 mostly', num(f.late_days ?? 0));
  add('abnormal households (taxpayers with unfiled returns)', pct(s.abnormalShare), pct((f.abnormal_taxpayers ?? 0) / Math.max(1, tp.n ?? 1)));
  add('small-scale quarterly VAT returns ≤ 300,000 (non-zero returns)', `≈ ${pct(0.8, 0)} (≤ 100,000 a month)`, pct(f.ss_below ?? 0));
  add('zero small-scale VAT returns, enterprises', pct(s.zeroReturnShare.smallScaleEnterprise), pct(f.ss_zero_ent ?? 0));

  const inv = await one(`
    SELECT (SELECT count(*) FROM ${src('invoice')}) AS invoices,
      (SELECT count(*) FROM ${src('invoice_quota')}) AS taxpayer_months,
      (SELECT avg((status = 'red')::INT) FROM ${src('invoice')}) AS red,
      (SELECT avg((status = 'void')::INT) FROM ${src('invoice')}) AS void,
      (SELECT avg(digital::INT) FROM ${src('invoice')}) AS digital`);
  add('invoices per taxpayer-month (since registration)', '≈ 8 (scaled down from [U])', num((inv.invoices ?? 0) / Math.max(1, inv.taxpayer_months ?? 1), 2));
  add('red-letter share of invoices', pct(s.redShare, 2), pct(inv.red ?? 0, 2));
  add('void share of invoices', pct(s.voidShare, 2), pct(inv.void ?? 0, 2));
  add('digital share of invoices', `≈ ${pct(1 - s.paperUserShare * s.paperShareOfPaperUsers)} (from 2025; paper users only)`, pct(inv.digital ?? 0));

  const over = await one(`
    WITH use AS (SELECT issuer_code AS credit_code, date_trunc('month', issued_on)::DATE AS month, count(*) AS n FROM ${src('invoice')} GROUP BY ALL)
    SELECT count(DISTINCT q.credit_code) AS over_quota
    FROM ${src('invoice_quota')} q JOIN use u ON u.credit_code = q.credit_code AND u.month = q.month
    WHERE u.n > q.quota_quantity`);
  const enterprises = (tp.n ?? 0) * (tp.ent ?? 0);
  add(
    'fast-growing share, proxy: enterprises whose invoice use passed their quota',
    `${pct(s.fastGrowingShare)} fast growers; fewer pass the quota in a short window`,
    pct((over.over_quota ?? 0) / Math.max(1, enterprises)),
  );

  const h = await one(`
    SELECT count(*) AS visits, avg((day(arrived_at) <= 15)::INT) AS early,
      avg((called_at IS NULL)::INT) AS left_early,
      avg(date_diff('second', arrived_at, called_at) / 60.0) AS wait
    FROM ${src('hall_visit')}`);
  const factors = Array.from({ length: s.months }, (_, m) => s.hallMonthFactor[Number(monthLabel(s.start, m).slice(5)) - 1] ?? 1);
  const meanMonthFactor = factors.reduce((a, b) => a + b, 0) / Math.max(1, factors.length);
  add(
    'hall visits per 1,000 taxpayers per month',
    `≈ ${num(s.hallVisitRate * 1000 * meanMonthFactor)} (${num(s.hallVisitRate * 1000, 0)} × month factors)`,
    num(((h.visits ?? 0) / Math.max(1, tp.n ?? 1) / Math.max(1, s.months)) * 1000),
  );
  add('hall visits in days 1–15', pct(s.hallFilingPeriodShare), pct(h.early ?? 0));
  add('hall visitors leaving before being called', `≈ ${pct(s.leaveShare)}`, pct(h.left_early ?? 0));
  add('hall mean wait (minutes)', '≈ 10', num(h.wait ?? 0));
  return rows;
}
