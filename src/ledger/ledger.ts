import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatYuan, parseYuan } from '../calc/money.ts';
import type { Catalogue } from '../law/catalogue.ts';
import { parseQuarter } from '../match/period.ts';
import { bindNamed, type Db, type Dialect, type SqlParam, sqlForm } from '../store/db.ts';

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');

/**
 * A date within the year bound at $n: a range, not extract(year ...) = y, so PostgreSQL can estimate
 * how many rows it keeps (it guesses 0.5 % for an expression) and DuckDB can skip row groups by
 * their min/max.
 */
const inYear = (column: string, n: number) => `${column} BETWEEN make_date($${n}::INTEGER, 1, 1) AND make_date($${n}::INTEGER, 12, 31)`;

/** A month as 'YYYY-MM' (the engines name the function differently). */
const monthText = (dialect: Dialect, expr: string) => (dialect === 'postgres' ? `to_char(${expr}, 'YYYY-MM')` : `strftime(${expr}, '%Y-%m')`);

/**
 * The catalogue's reduction codes (policy_code: which policy a claimed code belongs to, and when) and
 * its groups of reliefs that do not stack (policy_group), as temp tables the ledger SQL joins.
 */
async function loadCatalogueTables(tx: Db, catalogue: Catalogue): Promise<void> {
  const table = async (name: string, columns: string, rows: SqlParam[][]) => {
    // PostgreSQL: dropped at COMMIT, so a pooled connection carries nothing over to its next user; and
    // dropped first, for a caller's transaction that builds more than one ledger.
    await tx.exec(
      tx.dialect === 'postgres'
        ? `DROP TABLE IF EXISTS pg_temp.${name}; CREATE TEMP TABLE ${name} (${columns}) ON COMMIT DROP`
        : `CREATE OR REPLACE TEMP TABLE ${name} (${columns})`,
    );
    await tx.insertRows(name, rows);
  };
  await table(
    'policy_code',
    'policy_id VARCHAR, reduction_code VARCHAR, valid_from DATE, valid_to DATE',
    catalogue.entries.flatMap((e) => (e.reductionCodes ?? []).map((code) => [e.id, code, e.effective.from, e.effective.to])),
  );
  await table(
    'policy_group',
    'policy_id VARCHAR, grp VARCHAR, grp_rank INTEGER',
    catalogue.entries.flatMap((e) => (e.exclusiveGroup ? [[e.id, e.exclusiveGroup, e.groupRank ?? null]] : [])),
  );
  if (tx.dialect === 'postgres') await tx.exec('ANALYZE policy_code, policy_group');
}

export interface LedgerBuild {
  period: string;
  /** The one taxpayer whose rows were rebuilt, or null for the whole city. */
  creditCode: string | null;
  rows: number;
  enjoyed: string;
  missed: string;
}

/**
 * Rebuilds the benefit ledger of a quarter from the returns' reduction codes and the current matches:
 * the whole city's, or with `only` one taxpayer's rows (after a re-match of that taxpayer; the
 * others' rows, and when they were built, stay as they are). The totals returned are of what was built.
 */
export async function buildLedger(db: Db, catalogue: Catalogue, period: string, now = new Date(), only?: string): Promise<LedgerBuild> {
  const q = parseQuarter(period);
  return db.transaction(async (tx) => {
    await loadCatalogueTables(tx, catalogue);
    const file = tx.dialect === 'postgres' ? join(SQL_DIR, 'postgres', 'build.sql') : join(SQL_DIR, 'build.sql');
    const values = { period: q.period, start: q.start, end: q.end, built_at: now.toISOString().replace('T', ' ').replace('Z', ''), only: only ?? null };
    // The file's statements in order: the delete, the groups' decisions, the insert, the drop.
    for (const statement of sqlForm(readFileSync(file, 'utf8'), only === undefined ? 'city' : 'one').split(/;\s*\n(?=DELETE|CREATE|INSERT|DROP)/)) {
      const b = bindNamed(statement, values);
      await tx.exec(b.sql, b.params);
    }
    // The reports read the ledger next: PostgreSQL's planner needs its statistics now, not at autovacuum's
    // next visit. One taxpayer's few rows do not change them.
    if (tx.dialect === 'postgres' && only === undefined) await tx.exec('ANALYZE ledger_entry');
    // 0.00, not 0: PostgreSQL prints an empty sum's 0 without the scale DuckDB gives it.
    const t = await tx.one<{ rows: bigint | string; enjoyed: string; missed: string }>(
      `SELECT count(*) AS rows, coalesce(sum(enjoyed), 0.00)::VARCHAR AS enjoyed, coalesce(sum(missed), 0.00)::VARCHAR AS missed
       FROM ledger_entry WHERE period = $1${only === undefined ? '' : ' AND credit_code = $2'}`,
      only === undefined ? [q.period] : [q.period, only],
    );
    return { period: q.period, creditCode: only ?? null, rows: Number(t.rows), enjoyed: t.enjoyed, missed: t.missed };
  });
}

/** The ledger's statuses (sql/build.sql): on DuckDB the ENUM ledger_status (migration 012) holds exactly these. */
export const LEDGER_STATUSES = ['enjoyed', 'missed', 'notStacked', 'matchedNoCode'] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

export interface TaxpayerLedger {
  creditCode: string;
  year: number;
  rows: { period: string; month: string; policyId: string; status: LedgerStatus; enjoyed: string; missed: string | null }[];
  enjoyed: string;
  missed: string;
}

/** One taxpayer's ledger for a year: every policy enjoyed or missed, month by month. */
export async function taxpayerLedger(db: Db, creditCode: string, year: number): Promise<TaxpayerLedger> {
  // The taxpayer's rows first, alone, so the lookup can use an index on credit_code where one exists
  // (the serving indexes): with the year's range beside it in one filter DuckDB scans the whole table.
  const mine = 'WITH mine AS MATERIALIZED (SELECT * FROM ledger_entry WHERE credit_code = $1)';
  const rows = await db.all<{ period: string; month: string; policy_id: string; status: LedgerStatus; enjoyed: string; missed: string | null }>(
    `${mine} SELECT period, ${monthText(db.dialect, 'month')} AS month, policy_id, status, enjoyed::VARCHAR AS enjoyed, missed::VARCHAR AS missed FROM mine
     WHERE ${inYear('period_end', 2)} ORDER BY month, policy_id`,
    [creditCode, year],
  );
  // Summed in whole fen from the rows already read: exact, and no second pass over the table.
  let enjoyed = 0;
  let missed = 0;
  for (const r of rows) {
    enjoyed += parseYuan(r.enjoyed);
    missed += parseYuan(r.missed ?? '0');
  }
  return {
    creditCode,
    year,
    rows: rows.map((r) => ({ period: r.period, month: r.month, policyId: r.policy_id, status: r.status, enjoyed: r.enjoyed, missed: r.missed })),
    enjoyed: formatYuan(enjoyed),
    missed: formatYuan(missed),
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
export async function policyReport(db: Db, year: number): Promise<PolicyReport> {
  const head = await db.one<{ matched: bigint | string; with_data: bigint | string; enjoyed: string; missed: string; missing: bigint | string }>(
    `WITH m AS (SELECT DISTINCT credit_code FROM current_match WHERE status = 'matched' AND period LIKE $1::VARCHAR || '-Q%'),
          d AS (SELECT DISTINCT credit_code FROM filing_reduction WHERE ${inYear('period_end', 1)})
     SELECT (SELECT count(*) FROM m) AS matched,
            (SELECT count(*) FROM m WHERE credit_code IN (SELECT credit_code FROM d)) AS with_data,
            (SELECT coalesce(sum(enjoyed), 0.00)::VARCHAR FROM ledger_entry WHERE ${inYear('period_end', 1)}) AS enjoyed,
            (SELECT coalesce(sum(missed), 0.00)::VARCHAR FROM ledger_entry WHERE ${inYear('period_end', 1)}) AS missed,
            (SELECT count(DISTINCT credit_code) FROM ledger_entry WHERE ${inYear('period_end', 1)} AND missed > 0) AS missing`,
    [String(year)],
  );
  const by = async (expr: string) =>
    (
      await db.all<{ key: string; taxpayers: bigint | string; enjoyed: string; missed: string }>(
        `SELECT ${expr} AS key, count(DISTINCT l.credit_code) AS taxpayers, sum(l.enjoyed)::VARCHAR AS enjoyed, coalesce(sum(l.missed), 0.00)::VARCHAR AS missed
         FROM ledger_entry l JOIN taxpayer t USING (credit_code) WHERE ${inYear('l.period_end', 1)} GROUP BY 1 ORDER BY 1`,
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
    byMonth: await by(monthText(db.dialect, 'l.month')),
  };
}
