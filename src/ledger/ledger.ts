import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatYuan, parseYuan } from '../calc/money.ts';
import { type Catalogue, RETURNS_OF_CATEGORY } from '../law/catalogue.ts';
import { parseQuarter } from '../match/period.ts';
import { bindNamed, type Db, type Dialect, type SqlParam, sqlForm } from '../store/db.ts';
import { disableOptimizer, keepFreedBlocksForCity } from '../store/store.ts';

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
 * The catalogue's reduction codes (policy_code: which policy a claimed code belongs to, and when,
 * whether the quarter's match judged that policy: a policy in force on the quarter's last day, as the
 * match takes them, and whether the policy is settled on the year) and its groups of reliefs that do not stack (policy_group), as temp tables the
 * ledger SQL joins.
 */
export async function loadCatalogueTables(tx: Db, catalogue: Catalogue, quarterEnd: string): Promise<void> {
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
    'policy_id VARCHAR, reduction_code VARCHAR, valid_from DATE, valid_to DATE, judged BOOLEAN, settled_on_year BOOLEAN',
    catalogue.entries.flatMap((e) => {
      const judged = e.kind === 'policy' && e.effective.from <= quarterEnd && quarterEnd <= e.effective.to;
      return (e.reductionCodes ?? []).map((code) => [e.id, code, e.effective.from, e.effective.to, judged, e.settledOnYear]);
    }),
  );
  // The returns a policy's claim is made on, by its category: a relief that would be missed while
  // such a return of the quarter is outstanding is returnNotFiled instead. Other taxes and fees (land-use,
  // property tax, the disability fund) are not among the bureau's returns here.
  await table(
    'policy_return',
    'policy_id VARCHAR, tax_type VARCHAR',
    catalogue.entries.flatMap((e) => ((e.reductionCodes ?? []).length > 0 ? RETURNS_OF_CATEGORY[e.category].map((t) => [e.id, t]) : [])),
  );
  await table(
    'policy_group',
    'policy_id VARCHAR, grp VARCHAR, grp_rank INTEGER',
    catalogue.entries.flatMap((e) => (e.exclusiveGroup ? [[e.id, e.exclusiveGroup, e.groupRank ?? null]] : [])),
  );
  if (tx.dialect === 'postgres') await tx.exec('ANALYZE policy_code, policy_return, policy_group');
}

export interface LedgerBuild {
  period: string;
  /** The one taxpayer whose rows were rebuilt, or null for the whole city. */
  creditCode: string | null;
  rows: number;
  enjoyed: string;
  missed: string;
  /** Claims the match contradicts (`claimedNotEligible`): not in `enjoyed`. */
  claimedNotEligible: string;
  /**
   * The year's reliefs settled on the year that a later quarter takes back, after this build (which
   * judges the whole year again): unclaimed (`lapsedInYear`, in `lapsed`), and claimed, to be repaid
   * (`claimedLapsedInYear`, in `claimed`); of the city, or of the one taxpayer.
   */
  year: { year: number; lapsed: string; taxpayersLapsed: number; claimedLapsed: string; taxpayersClaimedLapsed: number };
}

/**
 * Rebuilds the benefit ledger of a quarter from the returns' reduction codes and the current matches:
 * the whole city's, or with `only` one taxpayer's rows (after a re-match of that taxpayer; the
 * others' rows, and when they were built, stay as they are). The totals returned are of what was built.
 */
export async function buildLedger(db: Db, catalogue: Catalogue, period: string, now = new Date(), only?: string): Promise<LedgerBuild> {
  const q = parseQuarter(period);
  return db.transaction(async (tx) => {
    await loadCatalogueTables(tx, catalogue, q.end);
    const file = tx.dialect === 'postgres' ? join(SQL_DIR, 'postgres', 'build.sql') : join(SQL_DIR, 'build.sql');
    const values = {
      period: q.period,
      start: q.start,
      end: q.end,
      year_start: `${q.period.slice(0, 4)}-01-01`,
      year_end: `${q.period.slice(0, 4)}-12-31`,
      first_quarter: `${q.period.slice(0, 4)}-Q1`,
      last_quarter: `${q.period.slice(0, 4)}-Q4`,
      built_at: now.toISOString().replace('T', ' ').replace('Z', ''),
      only: only ?? null,
    };
    // The file's statements in order: the delete, (a city's build on DuckDB) the macro it reads the
    // quarter's current results through, the claims with what the match says of them (the
    // annual return's beyond the prepayments), the groups' decisions, the outstanding returns, the insert, (on PostgreSQL) the
    // statistics, the year's claimedOnAnnualReturn rows set back, the year's reliefs settled on the
    // year judged again (the changes, then the update), their groups decided again (on DuckDB the same
    // two; on PostgreSQL one update), the
    // rows the year's annual returns claim marked again, the drops (the macro's too). A statement ends at a line ending in ';', a comment after it allowed.
    const statements = sqlForm(readFileSync(file, 'utf8'), only === undefined ? 'city' : 'one').split(
      /;[ \t]*(?:--[^\n]*)?\n(?=(?:--.*\n)*(?:DELETE|CREATE|INSERT|UPDATE|DROP|ANALYZE))/,
    );
    // The city's build on DuckDB joins with the build sides as written (sql/build.sql says why); a
    // single taxpayer's rows are few whichever side is hashed.
    const restoreOptimizers = tx.dialect === 'duckdb' && only === undefined ? await disableOptimizer(tx, 'build_side_probe_side') : null;
    // The city's ten million rows churn through DuckDB's memory in a city large for it, as the match's do:
    // the blocks it frees kept for reuse, on huge pages (store.ts; docs/benchmarks.md, "DuckDB's block allocator").
    if (only === undefined) await keepFreedBlocksForCity(tx);
    try {
      for (const statement of statements) {
        const b = bindNamed(statement, values);
        await tx.exec(b.sql, b.params);
      }
    } finally {
      await restoreOptimizers?.();
    }
    // 0.00, not 0: PostgreSQL prints an empty sum's 0 without the scale DuckDB gives it. The quarter's
    // totals and the year's reliefs taken back, in one read of the year's rows; one taxpayer's rows are
    // read by the index on credit_code alone, first (beside the other conditions, DuckDB scans the table).
    type Count = bigint | string;
    const t = await tx.one<{
      rows: Count;
      enjoyed: string;
      missed: string;
      not_eligible: string;
      lapsed: string;
      lapsed_n: Count;
      claimed_lapsed: string;
      claimed_lapsed_n: Count;
    }>(
      `WITH ${only === undefined ? 'mine AS (SELECT * FROM ledger_entry)' : 'mine AS MATERIALIZED (SELECT * FROM ledger_entry WHERE credit_code = $4)'},
            y AS (SELECT * FROM mine WHERE period BETWEEN $2 AND $3)
       SELECT count(*) FILTER (WHERE period = $1) AS rows,
         coalesce(sum(enjoyed) FILTER (WHERE period = $1), 0.00)::VARCHAR AS enjoyed,
         coalesce(sum(missed) FILTER (WHERE period = $1), 0.00)::VARCHAR AS missed,
         coalesce(sum(claimed) FILTER (WHERE period = $1 AND status = 'claimedNotEligible'), 0.00)::VARCHAR AS not_eligible,
         coalesce(sum(lapsed) FILTER (WHERE status = 'lapsedInYear'), 0.00)::VARCHAR AS lapsed,
         count(DISTINCT credit_code) FILTER (WHERE status = 'lapsedInYear') AS lapsed_n,
         coalesce(sum(claimed) FILTER (WHERE status = 'claimedLapsedInYear'), 0.00)::VARCHAR AS claimed_lapsed,
         count(DISTINCT credit_code) FILTER (WHERE status = 'claimedLapsedInYear') AS claimed_lapsed_n
       FROM y`,
      [q.period, values.first_quarter, values.last_quarter, ...(only === undefined ? [] : [only])],
    );
    return {
      period: q.period,
      creditCode: only ?? null,
      rows: Number(t.rows),
      enjoyed: t.enjoyed,
      missed: t.missed,
      claimedNotEligible: t.not_eligible,
      year: {
        year: Number(q.period.slice(0, 4)),
        lapsed: t.lapsed,
        taxpayersLapsed: Number(t.lapsed_n),
        claimedLapsed: t.claimed_lapsed,
        taxpayersClaimedLapsed: Number(t.claimed_lapsed_n),
      },
    };
  });
}

/**
 * The ledger's statuses (sql/build.sql; docs/policy.md, "Ledger and report"): on DuckDB the ENUM
 * ledger_status (migration 025) holds exactly these.
 * - `enjoyed`: a reduction code of the policy claimed on a return ending in the month, and the match
 *   does not contradict it (matched; or unverified: unknown, or not judged);
 * - `claimedNotEligible`: claimed, but the match says the taxpayer is not eligible (nearMiss, or
 *   notEligible); the amount is in `claimed`, not in `enjoyed`;
 * - `missed`: matched, with reduction codes, none claimed in the quarter, estimated worth more than 0.00;
 * - `missedAmountUnknown`: the same, but the estimate is missing (a fact it reads is): no amount;
 * - `nothingToClaim`: the same, but estimated worth 0.00 or less this quarter: not missed money;
 * - `lapsedInYear`: would be `missed` or `missedAmountUnknown`, but the policy is settled on the year
 *   (`settledOnYear`) and the latest quarter of the year that judged it fails it, which takes the
 *   relief back: its estimate in `lapsed`, none in `missed`;
 * - `claimedLapsedInYear`: a claim (`enjoyed` before) of such a policy that the same later quarter
 *   takes back, to be repaid: the amount in `claimed`, none in `enjoyed`;
 * - `claimedOnAnnualReturn`: would be `missed` or `missedAmountUnknown`, but the year's annual CIT
 *   return (汇算清缴) claims the policy: not missed, its estimate in `lapsed`; what the annual return
 *   claims beyond the year's prepayments is an `enjoyed` claim of its last month (Q4);
 * - `notStacked`: matched, unclaimed, but a relief it does not stack with counts instead;
 * - `matchedNoCode`: matched; the policy has no reduction code, so a claim cannot be seen;
 * - `returnNotFiled`: would be `missed` or `missedAmountUnknown`, but a return of the quarter that would
 *   claim it (of the relief's tax) is outstanding: the company can still claim it when it files, so it
 *   is not missed; its estimate, if any, in `lapsed`. A late return, which the bureau follows up as such.
 */
export const LEDGER_STATUSES = [
  'enjoyed',
  'claimedNotEligible',
  'claimedLapsedInYear',
  'missed',
  'missedAmountUnknown',
  'nothingToClaim',
  'lapsedInYear',
  'claimedOnAnnualReturn',
  'notStacked',
  'matchedNoCode',
  'returnNotFiled',
] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

/**
 * What the match said of a ledger row's policy for the taxpayer and quarter when the ledger was built
 * (on DuckDB the ENUM ledger_match, migration 013): a result's status, or `notEligible` when the
 * policy was matched that quarter and the taxpayer has no result for it (its rule was false). NULL:
 * not judged (the taxpayer was not matched for the quarter, or the policy was not in force on its
 * last day).
 */
export const LEDGER_MATCH_STATUSES = ['matched', 'nearMiss', 'notEligible', 'unknown'] as const;
export type LedgerMatchStatus = (typeof LEDGER_MATCH_STATUSES)[number];

export interface LedgerRow {
  period: string;
  month: string;
  policyId: string;
  status: LedgerStatus;
  enjoyed: string;
  /** `missed` only; null for a relief of unknown amount, and for every other status. */
  missed: string | null;
  /** What a claim row claimed (enjoyed or not); null for the rows of no claim. */
  claimed: string | null;
  matchStatus: LedgerMatchStatus | null;
  /**
   * `lapsedInYear`: what the quarter's relief was estimated worth before a later quarter took it back;
   * `claimedOnAnnualReturn`: what it was estimated worth when the annual return claimed it;
   * `returnNotFiled`: what it is estimated worth, to claim when the return is filed. Null otherwise.
   */
  lapsed: string | null;
  /**
   * A relief of a group that does not stack, whose estimate (in `missed`, or in `lapsed`) is net of another
   * relief of its group enjoyed in the quarter: that claim, in yuan. Alone the relief is worth the two summed.
   * Null otherwise.
   */
  groupClaimed: string | null;
}

export interface TaxpayerLedger {
  creditCode: string;
  year: number;
  rows: LedgerRow[];
  /** Reliefs enjoyed: claims the match does not contradict. */
  enjoyed: string;
  /** Of `enjoyed`, the claims the match could not verify (unknown: data missing; or not judged). */
  enjoyedUnverified: string;
  /** Reliefs missed, in yuan: `missed` rows only. */
  missed: string;
  /** Reliefs missed whose amount is unknown (`missedAmountUnknown`): counted, never summed. */
  missedAmountUnknown: number;
  /** Reliefs not missed because the quarter's return that would claim them is not filed yet (`returnNotFiled`): counted. */
  returnNotFiled: number;
  /** Claims the match contradicts (`claimedNotEligible`): a risk to review, not in `enjoyed`. */
  claimedNotEligible: string;
  /** Unclaimed reliefs a later quarter of the year took back (`lapsedInYear`): not in `missed`. */
  lapsed: string;
  /** Claims a later quarter of the year took back (`claimedLapsedInYear`), to be repaid: not in `enjoyed`. */
  claimedLapsed: string;
}

/**
 * The taxpayers (of the city, or the one) whose ledger of `year` still counts as missed a relief the
 * year's annual CIT return claims: returns filed, or loaded, after the last build of a quarter of that
 * year, which the next build reads (docs/policy.md, claimedOnAnnualReturn). An annual return is filed
 * by 31 May, long after the year's quarters were matched, so `zhishu ledger` and `zhishu report
 * policy` say so rather than show those reliefs as missed without a word.
 */
export async function annualClaimsNotRead(db: Db, catalogue: Catalogue, year: number, creditCode: string | null = null): Promise<number> {
  // A code belongs to the policy in force at the return's period end, as the build maps it (policy_code).
  const codes = catalogue.entries.flatMap((e) => (e.reductionCodes ?? []).map((code) => [e.id, code, e.effective.from, e.effective.to] as const));
  if (codes.length === 0) return 0;
  const values = codes.map((_, i) => `($${4 * i + 4}, $${4 * i + 5}, $${4 * i + 6}::DATE, $${4 * i + 7}::DATE)`).join(', ');
  const { n } = await db.one<{ n: bigint | string }>(
    `WITH code (policy_id, reduction_code, valid_from, valid_to) AS (VALUES ${values}),
     annual AS (
       SELECT DISTINCT r.credit_code, c.policy_id FROM filing_reduction r
       JOIN code c ON c.reduction_code = r.reduction_code AND r.period_end BETWEEN c.valid_from AND c.valid_to
       WHERE r.tax_type = 'citAnnual' AND ${inYear('r.period_end', 1)} AND ($2::VARCHAR IS NULL OR r.credit_code = $3::VARCHAR)
     )
     SELECT count(DISTINCT e.credit_code) AS n FROM ledger_entry e JOIN annual a ON a.credit_code = e.credit_code AND a.policy_id = e.policy_id
     WHERE ${inYear('e.period_end', 1)} AND e.status IN ('missed', 'missedAmountUnknown')`,
    [year, creditCode, creditCode, ...codes.flat()],
  );
  return Number(n);
}

/** One taxpayer's ledger for a year: every policy enjoyed or missed, month by month. */
export async function taxpayerLedger(db: Db, creditCode: string, year: number): Promise<TaxpayerLedger> {
  // The taxpayer's rows first, alone, so the lookup can use an index on credit_code where one exists
  // (the serving indexes): with the year's range beside it in one filter DuckDB scans the whole table.
  const mine = 'WITH mine AS MATERIALIZED (SELECT * FROM ledger_entry WHERE credit_code = $1)';
  const rows = await db.all<{
    period: string;
    month: string;
    policy_id: string;
    status: LedgerStatus;
    enjoyed: string;
    missed: string | null;
    claimed: string | null;
    match_status: LedgerMatchStatus | null;
    lapsed: string | null;
    group_claimed: string | null;
  }>(
    `${mine} SELECT period, ${monthText(db.dialect, 'month')} AS month, policy_id, status, enjoyed::VARCHAR AS enjoyed, missed::VARCHAR AS missed,
       claimed::VARCHAR AS claimed, match_status, lapsed::VARCHAR AS lapsed, group_claimed::VARCHAR AS group_claimed FROM mine
     WHERE ${inYear('period_end', 2)} ORDER BY month, policy_id`,
    [creditCode, year],
  );
  // Summed in whole fen from the rows already read: exact, and no second pass over the table.
  let enjoyed = 0;
  let unverified = 0;
  let missed = 0;
  let unknownAmount = 0;
  let notFiled = 0;
  let notEligible = 0;
  let lapsed = 0;
  let claimedLapsed = 0;
  for (const r of rows) {
    if (r.status === 'enjoyed') {
      enjoyed += parseYuan(r.enjoyed);
      if (r.match_status !== 'matched') unverified += parseYuan(r.enjoyed);
    } else if (r.status === 'missed') missed += parseYuan(r.missed ?? '0');
    else if (r.status === 'missedAmountUnknown') unknownAmount++;
    else if (r.status === 'returnNotFiled') notFiled++;
    else if (r.status === 'claimedNotEligible') notEligible += parseYuan(r.claimed ?? '0');
    else if (r.status === 'lapsedInYear') lapsed += parseYuan(r.lapsed ?? '0');
    else if (r.status === 'claimedLapsedInYear') claimedLapsed += parseYuan(r.claimed ?? '0');
  }
  return {
    creditCode,
    year,
    rows: rows.map((r) => ({
      period: r.period,
      month: r.month,
      policyId: r.policy_id,
      status: r.status,
      enjoyed: r.enjoyed,
      missed: r.missed,
      claimed: r.claimed,
      matchStatus: r.match_status,
      lapsed: r.lapsed,
      groupClaimed: r.group_claimed,
    })),
    enjoyed: formatYuan(enjoyed),
    enjoyedUnverified: formatYuan(unverified),
    missed: formatYuan(missed),
    missedAmountUnknown: unknownAmount,
    returnNotFiled: notFiled,
    claimedNotEligible: formatYuan(notEligible),
    lapsed: formatYuan(lapsed),
    claimedLapsed: formatYuan(claimedLapsed),
  };
}

export interface PolicyReport {
  year: number;
  /** The pilot's headline figures. */
  taxpayersMatched: number;
  taxpayersMatchedWithReductionData: number;
  /** Reliefs enjoyed: claims the match does not contradict, the unverified ones included. */
  enjoyed: string;
  /** Of `enjoyed`, claims the match could not verify (unknown: data missing; or not judged), and their taxpayers. */
  enjoyedUnverified: string;
  taxpayersEnjoyedUnverified: number;
  /** Reliefs missed, yuan (`missed` rows), and the taxpayers with such a row. */
  missed: string;
  taxpayersMissing: number;
  /** Taxpayers besides those, whose only missed reliefs are of unknown amount (`missedAmountUnknown`). */
  taxpayersMissingAmountUnknown: number;
  /**
   * Taxpayers with reliefs that would be missed but for a return of the quarter not filed yet
   * (`returnNotFiled`: not missed, they can claim them when they file), and those reliefs.
   */
  taxpayersReturnNotFiled: number;
  reliefsReturnNotFiled: number;
  /** Claims the match contradicts (`claimedNotEligible`), not in `enjoyed`, and their taxpayers. */
  claimedNotEligible: string;
  taxpayersClaimedNotEligible: number;
  /** Unclaimed reliefs a later quarter of the year took back (`lapsedInYear`), not in `missed`, and their taxpayers. */
  lapsed: string;
  taxpayersLapsed: number;
  /** Claims a later quarter of the year took back (`claimedLapsedInYear`), to be repaid, not in `enjoyed`, and their taxpayers. */
  claimedLapsed: string;
  taxpayersClaimedLapsed: number;
  /** What a later quarter of the year took back, by policy: unclaimed (`lapsed`) and claimed, to be repaid. */
  lapsedByPolicy: { policyId: string; lapsed: string; taxpayersLapsed: number; claimedLapsed: string; taxpayersClaimedLapsed: number }[];
  /** Those claims by policy and by what the match said instead (nearMiss, notEligible). */
  claimsNotEligible: { policyId: string; matchStatus: LedgerMatchStatus; taxpayers: number; claims: number; claimed: string }[];
  byDistrict: { key: string; taxpayers: number; enjoyed: string; missed: string }[];
  byIndustry: { key: string; taxpayers: number; enjoyed: string; missed: string }[];
  byPolicy: { key: string; taxpayers: number; enjoyed: string; missed: string }[];
  byMonth: { key: string; taxpayers: number; enjoyed: string; missed: string }[];
}

/** City roll-ups of the ledger for a year, with the figures the pilot reported. */
export async function policyReport(db: Db, year: number): Promise<PolicyReport> {
  const head = await db.one<{ matched: bigint | string; with_data: bigint | string }>(
    `WITH m AS (SELECT DISTINCT credit_code FROM current_match WHERE status = 'matched' AND period LIKE $1::VARCHAR || '-Q%'),
          d AS (SELECT DISTINCT credit_code FROM filing_reduction WHERE ${inYear('period_end', 1)})
     SELECT (SELECT count(*) FROM m) AS matched,
            (SELECT count(*) FROM m WHERE credit_code IN (SELECT credit_code FROM d)) AS with_data`,
    [String(year)],
  );
  // The ledger's figures in one pass over the year's rows; a taxpayer missing only reliefs of unknown
  // amount is counted apart from those missing money, so the two counts add up.
  type Count = bigint | string;
  const l = await db.one<{
    enjoyed: string;
    unverified: string;
    unverified_taxpayers: Count;
    missed: string;
    missing: Count;
    missing_unknown: Count;
    not_filed_taxpayers: Count;
    not_filed: Count;
    not_eligible: string;
    not_eligible_taxpayers: Count;
    lapsed: string;
    lapsed_taxpayers: Count;
    claimed_lapsed: string;
    claimed_lapsed_taxpayers: Count;
  }>(
    `WITH y AS (SELECT credit_code, status, enjoyed, missed, claimed, match_status, lapsed FROM ledger_entry WHERE ${inYear('period_end', 1)}),
          t AS (SELECT credit_code FROM y GROUP BY credit_code HAVING bool_or(status = 'missedAmountUnknown') AND NOT bool_or(status = 'missed'))
     SELECT coalesce(sum(enjoyed) FILTER (WHERE status = 'enjoyed'), 0.00)::VARCHAR AS enjoyed,
            coalesce(sum(enjoyed) FILTER (WHERE status = 'enjoyed' AND match_status IS DISTINCT FROM 'matched'), 0.00)::VARCHAR AS unverified,
            count(DISTINCT credit_code) FILTER (WHERE status = 'enjoyed' AND match_status IS DISTINCT FROM 'matched') AS unverified_taxpayers,
            coalesce(sum(missed) FILTER (WHERE status = 'missed'), 0.00)::VARCHAR AS missed,
            count(DISTINCT credit_code) FILTER (WHERE status = 'missed') AS missing,
            (SELECT count(*) FROM t) AS missing_unknown,
            count(DISTINCT credit_code) FILTER (WHERE status = 'returnNotFiled') AS not_filed_taxpayers,
            count(*) FILTER (WHERE status = 'returnNotFiled') AS not_filed,
            coalesce(sum(claimed) FILTER (WHERE status = 'claimedNotEligible'), 0.00)::VARCHAR AS not_eligible,
            count(DISTINCT credit_code) FILTER (WHERE status = 'claimedNotEligible') AS not_eligible_taxpayers,
            coalesce(sum(lapsed) FILTER (WHERE status = 'lapsedInYear'), 0.00)::VARCHAR AS lapsed,
            count(DISTINCT credit_code) FILTER (WHERE status = 'lapsedInYear') AS lapsed_taxpayers,
            coalesce(sum(claimed) FILTER (WHERE status = 'claimedLapsedInYear'), 0.00)::VARCHAR AS claimed_lapsed,
            count(DISTINCT credit_code) FILTER (WHERE status = 'claimedLapsedInYear') AS claimed_lapsed_taxpayers
     FROM y`,
    [year],
  );
  const claims = await db.all<{ policy_id: string; match_status: LedgerMatchStatus; taxpayers: Count; claims: Count; claimed: string }>(
    `SELECT policy_id, match_status::VARCHAR AS match_status, count(DISTINCT credit_code) AS taxpayers, count(*) AS claims, sum(claimed)::VARCHAR AS claimed
     FROM ledger_entry WHERE ${inYear('period_end', 1)} AND status = 'claimedNotEligible' GROUP BY 1, 2 ORDER BY 1, 2`,
    [year],
  );
  const lapsedByPolicy = await db.all<{ policy_id: string; lapsed: string; lapsed_n: Count; claimed: string; claimed_n: Count }>(
    `SELECT policy_id, coalesce(sum(lapsed), 0.00)::VARCHAR AS lapsed, count(DISTINCT credit_code) FILTER (WHERE status = 'lapsedInYear') AS lapsed_n,
            coalesce(sum(claimed) FILTER (WHERE status = 'claimedLapsedInYear'), 0.00)::VARCHAR AS claimed,
            count(DISTINCT credit_code) FILTER (WHERE status = 'claimedLapsedInYear') AS claimed_n
     FROM ledger_entry WHERE ${inYear('period_end', 1)} AND status IN ('lapsedInYear', 'claimedLapsedInYear') GROUP BY 1 ORDER BY 1`,
    [year],
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
    enjoyed: l.enjoyed,
    enjoyedUnverified: l.unverified,
    taxpayersEnjoyedUnverified: Number(l.unverified_taxpayers),
    missed: l.missed,
    taxpayersMissing: Number(l.missing),
    taxpayersMissingAmountUnknown: Number(l.missing_unknown),
    taxpayersReturnNotFiled: Number(l.not_filed_taxpayers),
    reliefsReturnNotFiled: Number(l.not_filed),
    claimedNotEligible: l.not_eligible,
    taxpayersClaimedNotEligible: Number(l.not_eligible_taxpayers),
    lapsed: l.lapsed,
    taxpayersLapsed: Number(l.lapsed_taxpayers),
    claimedLapsed: l.claimed_lapsed,
    taxpayersClaimedLapsed: Number(l.claimed_lapsed_taxpayers),
    lapsedByPolicy: lapsedByPolicy.map((r) => ({
      policyId: r.policy_id,
      lapsed: r.lapsed,
      taxpayersLapsed: Number(r.lapsed_n),
      claimedLapsed: r.claimed,
      taxpayersClaimedLapsed: Number(r.claimed_n),
    })),
    claimsNotEligible: claims.map((r) => ({
      policyId: r.policy_id,
      matchStatus: r.match_status,
      taxpayers: Number(r.taxpayers),
      claims: Number(r.claims),
      claimed: r.claimed,
    })),
    byDistrict: await by('t.district'),
    byIndustry: await by('left(t.industry, 1)'),
    byPolicy: await by('l.policy_id'),
    byMonth: await by(monthText(db.dialect, 'l.month')),
  };
}
