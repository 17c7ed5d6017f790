import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Catalogue, type CatalogueEntry, entriesAt, loadCatalogue } from '../law/catalogue.ts';
import { paramsAt } from '../law/parameters.ts';
import { evaluateFormula, formulaSql } from '../rules/formula.ts';
import { evaluate, type FactRow } from '../rules/interpret.ts';
import { loosenRule } from '../rules/nearMiss.ts';
import { compilePopulation, inlineParams } from '../rules/sql.ts';
import { bindNamed, type Db, type Dialect, literal, namedSql, type Row, type SqlParam, sqlForm } from '../store/db.ts';
import { disableOptimizer, keepFreedBlocksForCity } from '../store/store.ts';
import { parseQuarter, type Quarter } from './period.ts';

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');
const sqlTexts = new Map<string, string>();
/**
 * An SQL file of this folder, read once. SQL that must differ between the engines has a PostgreSQL
 * file beside the DuckDB one. A file with a city-wide and a single-taxpayer form (sql/facts.sql)
 * marks the lines of each with `-- [city]` or `-- [one]`; the other form's lines are left out.
 */
const sql = (dialect: Dialect, name: string, form: 'city' | 'one' = 'city') => {
  const key = `${dialect}/${name}/${form}`;
  let text = sqlTexts.get(key);
  if (text === undefined) {
    text = sqlForm(readFileSync(join(SQL_DIR, dialect === 'postgres' ? 'postgres' : '', `${name}.sql`), 'utf8'), form);
    sqlTexts.set(key, text);
  }
  return text;
};

/**
 * The year whose annual CIT return decides small low-profit status for the six taxes and two fees in
 * a quarter. A reconciliation filed in a year counts for what is filed from 1 July to 30 June of the
 * next (国家税务总局公告2022年第3号 第一条), and a quarter's returns are filed in the month after it
 * ends: from the second quarter's (filed in July) the return of the year before, for the first's
 * (filed in April) the year before that. A monthly filer's April and May, filed before July, read the
 * older return by the law; the quarter's facts read the second quarter's for them.
 */
export function annualReturnYear(quarter: Quarter): number {
  const year = Number(quarter.end.slice(0, 4));
  const month = Number(quarter.end.slice(5, 7));
  return month >= 6 ? year - 1 : year - 2;
}

/**
 * The relief whose claims `surcharges_payable` adds back: the returns give the surcharges payable after
 * it, and its estimate (half the levy) reads the levy before it (law/policies/surcharges.sixTaxesTwoFees.yaml).
 * A re-enactment under another id must be named here too (test/postgres.test.ts, the halving's estimate).
 */
const SURCHARGES_HALVING = 'surcharges.sixTaxesTwoFees';
const EDUCATION_EXEMPTION = 'surcharges.educationSmallSales';
/** The small-scale VAT exemption's entries (one in force at a time). */
const VAT_EXEMPTIONS = ['vat.smallScaleExemption2023', 'vat.smallScaleThreshold2026'];

/**
 * The law the facts read (sql/facts.sql): the reduction codes of the surcharges' halving, of the
 * education surcharges' exemption and of the small-scale VAT exemption, the education exemption's lines, and the small-scale VAT exemption's lines and
 * whether the amount itself is within them.
 */
interface FactsLaw {
  halving_codes: string;
  education_codes: string;
  vat_exemption_codes: string;
  education_monthly_limit: string | null;
  education_quarterly_limit: string | null;
  vat_monthly_line: string | null;
  vat_quarterly_line: string | null;
  vat_line_inclusive: boolean | null;
}

/**
 * What a catalogue gives for a quarter, made once and kept per catalogue and quarter: a server
 * re-matching or explaining taxpayers one by one, and a push plan explaining its batches' near
 * misses, would otherwise make it again for every taxpayer.
 */
function perQuarter<T>(make: (catalogue: Catalogue, quarter: Quarter) => T): (catalogue: Catalogue, quarter: Quarter) => T {
  const cache = new WeakMap<Catalogue, Map<string, T>>();
  return (catalogue, quarter) => {
    let byPeriod = cache.get(catalogue);
    if (!byPeriod) {
      byPeriod = new Map();
      cache.set(catalogue, byPeriod);
    }
    if (!byPeriod.has(quarter.period)) byPeriod.set(quarter.period, make(catalogue, quarter));
    return byPeriod.get(quarter.period) as T;
  };
}

/** factsLaw, kept per catalogue and quarter as policiesOf is. */
const factsLawOf = perQuarter((catalogue, quarter) => factsLaw(catalogue, quarter, policiesOf(catalogue, quarter)));

function factsLaw(catalogue: Catalogue, quarter: Quarter, policies: Policies): FactsLaw {
  const params = paramsAt(catalogue.parameters, quarter.end);
  const text = (name: string) => (params[name] === undefined ? null : String(params[name].value));
  const inclusive = params['vat.thresholdInclusive'];
  const codes = (...ids: string[]) => [...new Set(policies.filter((p) => ids.includes(p.entry.id)).flatMap((p) => p.entry.reductionCodes ?? []))].join(',');
  return {
    halving_codes: codes(SURCHARGES_HALVING),
    education_codes: codes(EDUCATION_EXEMPTION),
    vat_exemption_codes: codes(...VAT_EXEMPTIONS),
    education_monthly_limit: text('surcharges.educationExemptMonthlySales'),
    education_quarterly_limit: text('surcharges.educationExemptQuarterlySales'),
    vat_monthly_line: text('vat.smallScaleMonthlyThreshold'),
    vat_quarterly_line: text('vat.smallScaleQuarterlyThreshold'),
    vat_line_inclusive: inclusive === undefined ? null : inclusive.value === true,
  };
}

/** The parameters of sql/facts.sql for a quarter (and a taxpayer, or null for the city). */
const factsParams = (quarter: Quarter, law: FactsLaw, computedAt: string, only: string | null): Record<string, SqlParam> => ({
  period: quarter.period,
  start: quarter.start,
  end: quarter.end,
  month_start: `${quarter.end.slice(0, 8)}01`,
  year_start: `${quarter.end.slice(0, 4)}-01-01`,
  annual_start: `${annualReturnYear(quarter)}-01-01`,
  annual_end: `${annualReturnYear(quarter)}-12-31`,
  computed_at: computedAt,
  ...law,
  ...(only === null ? {} : { only }),
});

export const DEFAULT_LAW_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'law');

/** A share by which each numeric limit is loosened to find near misses (see src/rules/nearMiss.ts). */
export const NEAR_MISS_PERCENT = 10;

export interface MatchOptions {
  period: string;
  /** Re-match this taxpayer only (its facts are recomputed from its data). */
  only?: string;
  /**
   * How a re-match runs on PostgreSQL: one prepared statement (the default), or, to compare, the
   * statements DuckDB runs one by one with the rules evaluated in TypeScript. The rows are the same.
   */
  rematchForm?: 'oneStatement' | 'statements';
  lawDir?: string;
  /** The moment the facts and results are stamped with (default: now). */
  now?: Date;
  onProgress?: (step: string) => void;
  /**
   * Work to do inside the match transaction once the results are written (the push plan), on tx:
   * the same engine and connection, so it commits or rolls back with the match.
   */
  inTransaction?: (run: MatchRun, tx: Db) => Promise<void>;
}

export interface MatchRun {
  runId: number;
  period: Quarter;
  computedAt: string;
  scope: string;
  entries: number;
  taxpayers: number;
  byStatus: Record<string, number>;
}

let catalogueCache: { dir: string; catalogue: Catalogue; sha: string } | null = null;

/** The catalogue of a law directory, loaded once per process; refused when any file has a problem. */
export function catalogueOf(dir: string): { catalogue: Catalogue; sha: string } {
  if (catalogueCache?.dir === dir) return catalogueCache;
  const catalogue = loadCatalogue(dir);
  if (catalogue.errors.length > 0) {
    throw new Error(`the law directory has ${catalogue.errors.length} problem(s); run: zhishu rules check --law ${dir}`);
  }
  const h = createHash('sha256');
  for (const f of [
    'parameters.yaml',
    ...readdirSync(join(dir, 'policies'))
      .sort()
      .map((x) => join('policies', x)),
  ])
    h.update(f).update(readFileSync(join(dir, f)));
  catalogueCache = { dir, catalogue, sha: h.digest('hex') };
  return catalogueCache;
}

/** The policies in force on the last day of the quarter, with their rules, loosened rules and benefit formulas. */
export function policiesFor(catalogue: Catalogue, quarter: Quarter) {
  return (
    entriesAt(catalogue, quarter.end)
      .filter(({ entry }) => entry.kind === 'policy')
      // Without near misses the loosened rule is the rule itself: false stays false.
      .map((x) => ({ ...x, loose: x.entry.nearMiss ? loosenRule(x.rule, NEAR_MISS_PERCENT) : { ...x.rule, id: `${x.rule.id}~` } }))
  );
}

/** policiesFor, kept per catalogue and quarter: the rules are loosened once. */
export const policiesOf = perQuarter(policiesFor);

/**
 * Matches every policy in force against every taxpayer for a quarter, set-wise in the database
 * (DuckDB or PostgreSQL): facts from the data, then one query that evaluates every rule and its
 * loosened form (conditions shared between rules computed once) and every benefit formula, then the
 * results. One transaction: a crash leaves no half run, and the push plan can be written in the
 * same one. With `only`, one taxpayer is re-matched instead (rematchOne), with the same results.
 */
export async function runMatch(db: Db, opts: MatchOptions): Promise<MatchRun> {
  const quarter = parseQuarter(opts.period);
  const { catalogue, sha } = catalogueOf(opts.lawDir ?? DEFAULT_LAW_DIR);
  const policies = policiesOf(catalogue, quarter);
  const computedAt = (opts.now ?? new Date()).toISOString().replace('T', ' ').replace('Z', '');
  const progress = opts.onProgress ?? (() => {});
  const law = factsLawOf(catalogue, quarter);
  if (opts.only !== undefined) return rematchOne(db, opts, { quarter, policies, law, sha, computedAt, only: opts.only });
  return db.transaction(async (tx) => {
    /** Runs one INSERT with named parameters; the rows it wrote. */
    const named = (text: string, values: Record<string, SqlParam>) => {
      const b = bindNamed(text, values);
      return tx.change(b.sql, b.params);
    };
    // A server has other sessions: the next run id is taken under a lock, so a second match waits
    // for the first instead of failing on the same id. DuckDB's single writer needs none.
    if (tx.dialect === 'postgres') await tx.exec('LOCK TABLE match_run IN SHARE ROW EXCLUSIVE MODE');
    const { next } = await tx.one<{ next: bigint | number | string }>('SELECT coalesce(max(run_id), 0) + 1 AS next FROM match_run');
    const runId = Number(next);
    const scope = 'city';
    // The facts and results of every taxpayer churn through DuckDB's memory in a city large for it (store.ts).
    await keepFreedBlocksForCity(tx);
    await named(`INSERT INTO match_run VALUES ($run, $period, $scope, $sha, $entries, $at::TIMESTAMP, NULL)`, {
      run: runId,
      period: quarter.period,
      scope,
      sha,
      entries: policies.length,
      at: computedAt,
    });
    progress(`facts for ${quarter.period}`);
    // One facts row per taxpayer of the run: what the insert wrote is the run's taxpayers.
    const taxpayers = await named(sql(tx.dialect, 'facts'), factsParams(quarter, law, computedAt, null));
    // The run's facts, as the results read them: a temporary table on PostgreSQL; on DuckDB a CTE of
    // the one INSERT below.
    const runFacts = `SELECT credit_code AS id, * FROM taxpayer_fact WHERE period = ${literal(quarter.period)} AND computed_at = ${literal(computedAt)}::TIMESTAMP`;
    if (tx.dialect === 'postgres') {
      await tx.exec('DROP TABLE IF EXISTS match_facts');
      await tx.exec(`CREATE TEMP TABLE match_facts AS ${runFacts}`);
      // Autovacuum never analyzes temporary tables: without statistics PostgreSQL plans the join
      // below for a table of unknown size.
      await tx.exec('ANALYZE match_facts');
    }
    const facts = tx.dialect === 'postgres' ? 'match_facts' : 'f';
    if (policies.length > 0) {
      progress(`${policies.length} policies × taxpayers, set-wise`);
      const pop = compilePopulation([...policies.map((p) => p.rule), ...policies.map((p) => p.loose)], tx.dialect, facts);
      const params = [...pop.params];
      const n = policies.length;
      const benefits = policies.map((p, i) => {
        if (!p.benefit) return `NULL::DECIMAL(18,2) AS b${i}`;
        const f = formulaSql(p.benefit, tx.dialect, params.length);
        params.push(...f.params);
        return `${f.sql} AS b${i}`;
      });
      // One row per taxpayer with every rule's answer, its loosened answer and its benefit; then one
      // narrow SELECT per policy keeps only the rows worth storing (cheaper than unnesting a list of
      // every policy for every taxpayer).
      const answers = `SELECT * FROM (${pop.sql}) r JOIN (SELECT id, ${benefits.join(', ')} FROM ${facts}) b USING (id)`;
      const results = (from: string) =>
        policies.map(
          (p, i) =>
            `SELECT CAST(${runId} AS BIGINT), id, CAST(${literal(p.entry.id)} AS VARCHAR), CAST(${literal(quarter.period)} AS VARCHAR), status, CASE WHEN status <> 'unknown' THEN b${i} END, CAST(${literal(p.entry.category)} AS VARCHAR), ${literal(computedAt)}::TIMESTAMP
             FROM (SELECT id, b${i}, CASE WHEN r${i} THEN 'matched' WHEN r${i} IS NULL THEN 'unknown' WHEN r${i + n} THEN 'nearMiss' END AS status FROM ${from}) s
             WHERE status IS NOT NULL`,
        );
      if (tx.dialect === 'duckdb') {
        // One statement. DuckDB scans what the open transaction wrote (the facts just inserted, and a
        // temporary table made in it) on one thread, and everything the scan feeds with it; a
        // materialized CTE is scanned on all. So the facts are copied once (one thread), the answers
        // computed from the copy and the policies' results selected from theirs on both cores. As a
        // temporary table of answers and 28 INSERTs from it, the results of a million taxpayers took
        // 11 s on one core; this, 5.8 s (docs/policy.md).
        await tx.exec(
          `INSERT INTO policy_match WITH f AS MATERIALIZED (${runFacts}), a AS MATERIALIZED (${answers}) ${results('a').join(' UNION ALL ')}`,
          params,
        );
      } else {
        await tx.exec('DROP TABLE IF EXISTS match_r');
        await tx.exec(`CREATE TEMP TABLE match_r AS ${answers}`, params);
        for (const statement of results('match_r')) await tx.exec(`INSERT INTO policy_match ${statement}`);
        await tx.exec('DROP TABLE match_r');
      }
      // The ledger and the reports read these tables next, through the current_* views; with the
      // statistics of before the run PostgreSQL takes thousands of new rows for one and nests loops.
      if (tx.dialect === 'postgres') await tx.exec('ANALYZE taxpayer_fact, policy_match');
    }
    const counts = await tx.all<{ status: string; n: bigint | string }>('SELECT status, count(*) AS n FROM policy_match WHERE run_id = $1 GROUP BY status', [
      runId,
    ]);
    if (tx.dialect === 'postgres') await tx.exec('DROP TABLE match_facts');
    const result: MatchRun = {
      runId,
      period: quarter,
      computedAt,
      scope,
      entries: policies.length,
      taxpayers,
      byStatus: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])),
    };
    if (opts.inTransaction) await opts.inTransaction(result, tx);
    await tx.exec('UPDATE match_run SET finished_at = now()::TIMESTAMP WHERE run_id = $1', [runId]);
    return result;
  });
}

type Policies = ReturnType<typeof policiesFor>;

/**
 * Re-matches one taxpayer: its facts recomputed from its registration and returns, every policy in
 * force, the results written, in one transaction. The latency a server sees is mostly calls into
 * the database, planning and the commit. On PostgreSQL the whole re-match is one prepared statement
 * (sql/postgres/rematch.sql: a generic plan after its first five runs on a connection, one round
 * trip, and outside a transaction its own commit). DuckDB has no INSERT in a CTE and plans every run of a statement again, so there
 * are three statements between BEGIN and COMMIT: the run (its id taken as the next one) and the
 * facts (the single-taxpayer form of sql/facts.sql, which looks the taxpayer up by credit code and
 * returns the row it inserts), both kept prepared (Db.allPrepared), and the results of every policy,
 * evaluated in TypeScript, appended (Db.insertRows). No temporary table, no query to count what was
 * written. With the serving indexes of `zhishu serve` every lookup is an index scan. docs/policy.md
 * has the measurements behind each choice.
 */
async function rematchOne(
  db: Db,
  opts: MatchOptions,
  run: { quarter: Quarter; policies: Policies; law: FactsLaw; sha: string; computedAt: string; only: string },
): Promise<MatchRun> {
  const { quarter, policies, law, computedAt, only } = run;
  const progress = opts.onProgress ?? (() => {});
  if (db.dialect === 'postgres' && policies.length > 0 && opts.rematchForm !== 'statements') {
    const statement = rematchStatement(policies);
    const params = statement.bind({ ...factsParams(quarter, law, computedAt, only), scope: only, sha: run.sha, entries: policies.length });
    const once = async (on: Db): Promise<MatchRun> => {
      progress(`${policies.length} policies for ${only}, one statement`);
      const [r] = await on.allPrepared<{ run_id: string; taxpayers: string; statuses: string[] | null }>(statement.sql, params);
      const byStatus: Record<string, number> = {};
      for (const status of r?.statuses ?? []) byStatus[status] = (byStatus[status] ?? 0) + 1;
      return { runId: Number(r?.run_id), period: quarter, computedAt, scope: only, entries: policies.length, taxpayers: Number(r?.taxpayers ?? 0), byStatus };
    };
    // In a transaction (the caller's, or one for the hook to write in), the run id is taken under
    // the lock a city run takes. Alone, the statement is its own transaction: one round trip and one
    // commit, and a connection that loses the race for the next id to another runs it again
    // (nothing of the failed one is left); one that keeps losing under a burst takes the lock.
    const locked = (hook?: MatchOptions['inTransaction']) =>
      db.transaction(async (tx) => {
        await tx.exec('LOCK TABLE match_run IN SHARE ROW EXCLUSIVE MODE');
        const result = await once(tx);
        if (hook) await hook(result, tx);
        return result;
      });
    if (opts.inTransaction || db.inTransaction) return locked(opts.inTransaction);
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        return await once(db);
      } catch (err) {
        const e = err as { code?: string; constraint?: string };
        if (!(e.code === '23505' && e.constraint === 'match_run_pkey')) throw err;
      }
    }
    return locked();
  }
  return db.transaction(async (tx) => {
    const prepared = async <T extends Row>(text: string, values: Record<string, SqlParam>) => {
      const b = bindNamed(text, values);
      return tx.allPrepared<T>(b.sql, b.params);
    };
    if (tx.dialect === 'postgres') await tx.exec('LOCK TABLE match_run IN SHARE ROW EXCLUSIVE MODE');
    // finished_at is now() as the UPDATE at the end of a city run sets it: the transaction's start
    // on both engines.
    const [r] = await prepared<{ run_id: bigint | number | string }>(
      `INSERT INTO match_run SELECT coalesce(max(run_id), 0) + 1, $period, $scope, $sha, $entries, $at::TIMESTAMP, now()::TIMESTAMP FROM match_run RETURNING run_id`,
      { period: quarter.period, scope: only, sha: run.sha, entries: policies.length, at: computedAt },
    );
    const runId = Number(r?.run_id);
    progress(`facts for ${quarter.period} (${only})`);
    // DuckDB plans every run of a statement with parameters again, kept prepared or not, and the
    // single form joins ten relations of one row each (the taxpayer and its aggregates): ordering
    // them took 17 of the statement's 50 ms and cannot change its plan. Turned off for this statement
    // only (docs/policy.md, "Re-matching one taxpayer").
    const restoreOptimizers = tx.dialect === 'duckdb' ? await disableOptimizer(tx, 'join_order') : null;
    let row: FactRow | undefined;
    try {
      [row] = await prepared<FactRow>(sql(tx.dialect, 'facts', 'one'), factsParams(quarter, law, computedAt, only));
    } finally {
      await restoreOptimizers?.();
    }
    const byStatus: Record<string, number> = {};
    if (row) {
      // The interpreter and the formulas in TypeScript (the same answers as the SQL, proven by the
      // property tests) spare planning a query over every policy.
      progress(`${policies.length} policies for one taxpayer`);
      const written = await matchOne(tx, policies, row, { runId, period: quarter.period, computedAt });
      for (const status of written) byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
    const result: MatchRun = {
      runId,
      period: quarter,
      computedAt,
      scope: only,
      entries: policies.length,
      taxpayers: row ? 1 : 0,
      byStatus,
    };
    if (opts.inTransaction) await opts.inTransaction(result, tx);
    return result;
  });
}

type RematchStatement = ReturnType<typeof namedSql>;
const rematchStatements = new WeakMap<Policies, RematchStatement>();
/**
 * sql/postgres/rematch.sql for these policies: the facts' single-taxpayer form, the rules and loosened
 * rules compiled as the city match compiles them (over the one row), the benefit formulas and one
 * results row per policy filled in. The catalogue's values (limits, rates, policy ids, categories)
 * are written into the text as typed literals, where the city match binds them: they are the same
 * on every run of the statement, and binding some two hundred parameters on every call took about
 * 0.2 ms of a re-match's 1.3 ms at a million taxpayers. What changes from call to call (the
 * taxpayer, the quarter, the moment) is bound by name. Made, and its names numbered, once per
 * catalogue and quarter.
 */
function rematchStatement(policies: Policies): RematchStatement {
  const hit = rematchStatements.get(policies);
  if (hit) return hit;
  const n = policies.length;
  const pop = compilePopulation([...policies.map((p) => p.rule), ...policies.map((p) => p.loose)], 'postgres', 'f');
  const params = [...pop.params];
  const benefits = policies.map((p, i) => {
    if (!p.benefit) return `NULL::DECIMAL(18,2) AS b${i}`;
    const f = formulaSql(p.benefit, 'postgres', params.length);
    params.push(...f.params);
    return `${f.sql} AS b${i}`;
  });
  const results = policies.map((p, i) => {
    const status = `CASE WHEN r.r${i} THEN 'matched' WHEN r.r${i} IS NULL THEN 'unknown' WHEN r.r${i + n} THEN 'nearMiss' END`;
    return `(${literal(p.entry.id)}::TEXT, ${status}, b.b${i}, ${literal(p.entry.category)}::TEXT)`;
  });
  const parts: Record<string, string> = {
    facts: sql('postgres', 'facts', 'one').replace(/;\s*$/, ''),
    rules: inlineParams(pop.sql, params),
    benefits: inlineParams(benefits.join(', '), params),
    results: results.join(',\n    '),
  };
  const statement = namedSql(sql('postgres', 'rematch').replace(/\{(facts|rules|benefits|results)\}/g, (_, part: string) => parts[part] as string));
  rematchStatements.set(policies, statement);
  return statement;
}

/** Evaluates every policy on one taxpayer's facts row and inserts its results; returns their statuses. */
async function matchOne(tx: Db, policies: Policies, row: FactRow, run: { runId: number; period: string; computedAt: string }): Promise<string[]> {
  const facts = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
  const rows: SqlParam[][] = [];
  for (const p of policies) {
    const r = evaluate(p.rule, facts);
    const status = r === 'true' ? 'matched' : r === 'unknown' ? 'unknown' : evaluate(p.loose, facts) === 'true' ? 'nearMiss' : null;
    if (!status) continue;
    const benefit = status !== 'unknown' && p.benefit ? evaluateFormula(p.benefit, facts) : null;
    // policy_match's columns: run, taxpayer, policy, period, status, benefit, category, computed_at
    rows.push([run.runId, String(row.credit_code), p.entry.id, run.period, status, benefit, p.entry.category, run.computedAt]);
  }
  await tx.insertRows('policy_match', rows);
  return rows.map((r) => r[4] as string);
}

export type { CatalogueEntry };
