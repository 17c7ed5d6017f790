import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Catalogue } from '../law/catalogue.ts';
import { parseQuarter } from '../match/period.ts';
import type { Store } from '../store/store.ts';

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');

/** The reduction codes of the catalogue, as a temp table the ledger SQL joins returns with. */
async function loadPolicyCodes(store: Store, catalogue: Catalogue): Promise<number> {
  await store.exec('CREATE OR REPLACE TEMP TABLE policy_code (policy_id VARCHAR, reduction_code VARCHAR, valid_from DATE, valid_to DATE)');
  const rows = catalogue.entries.flatMap((e) => (e.reductionCodes ?? []).map((code) => [e.id, code, e.effective.from, e.effective.to]));
  for (const r of rows) await store.exec('INSERT INTO policy_code VALUES ($1, $2, $3::DATE, $4::DATE)', r);
  return rows.length;
}

export interface LedgerBuild {
  period: string;
  rows: number;
  enjoyed: string;
  missed: string;
}

/** Rebuilds the benefit ledger of a quarter from the returns' reduction codes and the current matches. */
export async function buildLedger(store: Store, catalogue: Catalogue, period: string, now = new Date()): Promise<LedgerBuild> {
  const q = parseQuarter(period);
  return store.transaction(async () => {
    await loadPolicyCodes(store, catalogue);
    const [del, ins] = readFileSync(join(SQL_DIR, 'build.sql'), 'utf8').split(/;\s*\n(?=INSERT)/);
    await store.exec(del as string, { period: q.period });
    await store.exec(ins as string, { period: q.period, start: q.start, end: q.end, built_at: now.toISOString().replace('T', ' ').replace('Z', '') });
    const t = await store.one<{ rows: bigint; enjoyed: string; missed: string }>(
      'SELECT count(*) AS rows, coalesce(sum(enjoyed), 0)::VARCHAR AS enjoyed, coalesce(sum(missed), 0)::VARCHAR AS missed FROM ledger_entry WHERE period = $1',
      [q.period],
    );
    return { period: q.period, rows: Number(t.rows), enjoyed: t.enjoyed, missed: t.missed };
  });
}

export interface TaxpayerLedger {
  creditCode: string;
  year: number;
  rows: { period: string; month: string; policyId: string; status: string; enjoyed: string; missed: string | null }[];
  enjoyed: string;
  missed: string;
}

/** One taxpayer's ledger for a year: every policy enjoyed or missed, month by month. */
export async function taxpayerLedger(store: Store, creditCode: string, year: number): Promise<TaxpayerLedger> {
  const rows = await store.all<{ period: string; month: string; policy_id: string; status: string; enjoyed: string; missed: string | null }>(
    `SELECT period, strftime(month, '%Y-%m') AS month, policy_id, status, enjoyed::VARCHAR AS enjoyed, missed::VARCHAR AS missed FROM ledger_entry
     WHERE credit_code = $1 AND year(period_end) = $2 ORDER BY month, policy_id`,
    [creditCode, year],
  );
  const total = await store.one<{ enjoyed: string; missed: string }>(
    `SELECT coalesce(sum(enjoyed), 0)::VARCHAR AS enjoyed, coalesce(sum(missed), 0)::VARCHAR AS missed FROM ledger_entry WHERE credit_code = $1 AND year(period_end) = $2`,
    [creditCode, year],
  );
  return {
    creditCode,
    year,
    rows: rows.map((r) => ({ period: r.period, month: r.month, policyId: r.policy_id, status: r.status, enjoyed: r.enjoyed, missed: r.missed })),
    enjoyed: total.enjoyed,
    missed: total.missed,
  };
}

export interface PolicyReport {
  year: number;
  /** The pilot's headline figures. */
  taxpayersMatched: number;
  taxpayersMatchedWithReductionData: number;
  enjoyed: string;
  missed: string;
  taxpayersMissing: number;
  byDistrict: { key: string; taxpayers: number; enjoyed: string; missed: string }[];
  byIndustry: { key: string; taxpayers: number; enjoyed: string; missed: string }[];
  byPolicy: { key: string; taxpayers: number; enjoyed: string; missed: string }[];
  byMonth: { key: string; taxpayers: number; enjoyed: string; missed: string }[];
}

/** City roll-ups of the ledger for a year, with the figures the pilot reported. */
export async function policyReport(store: Store, year: number): Promise<PolicyReport> {
  const head = await store.one<{ matched: bigint; with_data: bigint; enjoyed: string; missed: string; missing: bigint }>(
    `WITH m AS (SELECT DISTINCT credit_code FROM current_match WHERE status = 'matched' AND period LIKE $1 || '-Q%'),
          d AS (SELECT DISTINCT credit_code FROM filing_reduction WHERE year(period_end) = $1::INTEGER)
     SELECT (SELECT count(*) FROM m) AS matched,
            (SELECT count(*) FROM m SEMI JOIN d USING (credit_code)) AS with_data,
            (SELECT coalesce(sum(enjoyed), 0)::VARCHAR FROM ledger_entry WHERE year(period_end) = $1::INTEGER) AS enjoyed,
            (SELECT coalesce(sum(missed), 0)::VARCHAR FROM ledger_entry WHERE year(period_end) = $1::INTEGER) AS missed,
            (SELECT count(DISTINCT credit_code) FROM ledger_entry WHERE year(period_end) = $1::INTEGER AND missed > 0) AS missing`,
    [String(year)],
  );
  const by = async (expr: string) =>
    (
      await store.all<{ key: string; taxpayers: bigint; enjoyed: string; missed: string }>(
        `SELECT ${expr} AS key, count(DISTINCT l.credit_code) AS taxpayers, sum(l.enjoyed)::VARCHAR AS enjoyed, coalesce(sum(l.missed), 0)::VARCHAR AS missed
         FROM ledger_entry l JOIN taxpayer t USING (credit_code) WHERE year(l.period_end) = $1 GROUP BY 1 ORDER BY 1`,
        [year],
      )
    ).map((r) => ({ key: r.key, taxpayers: Number(r.taxpayers), enjoyed: r.enjoyed, missed: r.missed }));
  return {
    year,
    taxpayersMatched: Number(head.matched),
    taxpayersMatchedWithReductionData: Number(head.with_data),
    enjoyed: head.enjoyed,
    missed: head.missed,
    taxpayersMissing: Number(head.missing),
    byDistrict: await by('t.district'),
    byIndustry: await by('left(t.industry, 1)'),
    byPolicy: await by('l.policy_id'),
    byMonth: await by("strftime(l.month, '%Y-%m')"),
  };
}
