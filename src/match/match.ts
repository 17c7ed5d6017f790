import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Catalogue, type CatalogueEntry, entriesAt, loadCatalogue } from '../law/catalogue.ts';
import { evaluateFormula, formulaSql } from '../rules/formula.ts';
import { evaluate, type FactRow } from '../rules/interpret.ts';
import { loosenRule } from '../rules/nearMiss.ts';
import { compilePopulation } from '../rules/sql.ts';
import { bindNamed, type Db, type Dialect, type SqlParam } from '../store/db.ts';
import { parseQuarter, type Quarter } from './period.ts';

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');
// SQL that must differ between the engines has a PostgreSQL file beside the DuckDB one.
const sql = (dialect: Dialect, name: string) => readFileSync(join(SQL_DIR, dialect === 'postgres' ? 'postgres' : '', `${name}.sql`), 'utf8');

export const DEFAULT_LAW_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'law');

/** A share by which each numeric limit is loosened to find near misses (see src/rules/nearMiss.ts). */
export const NEAR_MISS_PERCENT = 10;

export interface MatchOptions {
  period: string;
  /** Re-match this taxpayer only (its facts are recomputed from its data). */
  only?: string;
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

/**
 * Matches every policy in force against every taxpayer (or one) for a quarter, set-wise in the
 * database (DuckDB or PostgreSQL): facts from the data, then one query that evaluates every rule and
 * its loosened form (conditions shared between rules computed once) and every benefit formula, then
 * the results. One transaction: a crash leaves no half run, and the push plan can be written in the
 * same one.
 */
export async function runMatch(db: Db, opts: MatchOptions): Promise<MatchRun> {
  const quarter = parseQuarter(opts.period);
  const { catalogue, sha } = catalogueOf(opts.lawDir ?? DEFAULT_LAW_DIR);
  const policies = policiesFor(catalogue, quarter);
  const computedAt = (opts.now ?? new Date()).toISOString().replace('T', ' ').replace('Z', '');
  const progress = opts.onProgress ?? (() => {});
  return db.transaction(async (tx) => {
    const named = async (text: string, values: Record<string, SqlParam>) => {
      const b = bindNamed(text, values);
      await tx.exec(b.sql, b.params);
    };
    // A server has other sessions: the next run id is taken under a lock, so a second match waits
    // for the first instead of failing on the same id. DuckDB's single writer needs none.
    if (tx.dialect === 'postgres') await tx.exec('LOCK TABLE match_run IN SHARE ROW EXCLUSIVE MODE');
    const { next } = await tx.one<{ next: bigint | number | string }>('SELECT coalesce(max(run_id), 0) + 1 AS next FROM match_run');
    const runId = Number(next);
    const scope = opts.only ?? 'city';
    await named(`INSERT INTO match_run VALUES ($run, $period, $scope, $sha, $entries, $at::TIMESTAMP, NULL)`, {
      run: runId,
      period: quarter.period,
      scope,
      sha,
      entries: policies.length,
      at: computedAt,
    });
    progress(`facts for ${quarter.period}${opts.only ? ` (${opts.only})` : ''}`);
    await named(sql(tx.dialect, 'facts'), { period: quarter.period, start: quarter.start, end: quarter.end, computed_at: computedAt, only: opts.only ?? null });
    await tx.exec('DROP TABLE IF EXISTS match_facts');
    await named(`CREATE TEMP TABLE match_facts AS SELECT credit_code AS id, * FROM taxpayer_fact WHERE period = $period AND computed_at = $at::TIMESTAMP`, {
      period: quarter.period,
      at: computedAt,
    });
    // Autovacuum never analyzes temporary tables: without statistics PostgreSQL plans the join
    // below for a table of unknown size.
    if (tx.dialect === 'postgres') await tx.exec('ANALYZE match_facts');
    if (opts.only) {
      // One taxpayer: the interpreter and the formulas in TypeScript (the same answers as the SQL,
      // proven by the property tests) spare planning a query over every policy.
      progress(`${policies.length} policies for one taxpayer`);
      await matchOne(tx, policies, { runId, period: quarter.period, computedAt });
    } else if (policies.length > 0) {
      progress(`${policies.length} policies × taxpayers, set-wise`);
      const pop = compilePopulation([...policies.map((p) => p.rule), ...policies.map((p) => p.loose)], tx.dialect, 'match_facts');
      const params = [...pop.params];
      const n = policies.length;
      const benefits = policies.map((p, i) => {
        if (!p.benefit) return `NULL::DECIMAL(18,2) AS b${i}`;
        const f = formulaSql(p.benefit, tx.dialect, params.length);
        params.push(...f.params);
        return `${f.sql} AS b${i}`;
      });
      // One row per taxpayer with every rule's answer, its loosened answer and its benefit; then one
      // narrow insert per policy keeps only the rows worth storing (cheaper than unnesting a list of
      // every policy for every taxpayer).
      await tx.exec('DROP TABLE IF EXISTS match_r');
      await tx.exec(`CREATE TEMP TABLE match_r AS SELECT * FROM (${pop.sql}) r JOIN (SELECT id, ${benefits.join(', ')} FROM match_facts) b USING (id)`, params);
      for (const [i, p] of policies.entries()) {
        await named(
          `INSERT INTO policy_match
           SELECT CAST($run AS BIGINT), id, CAST($policy AS VARCHAR), CAST($period AS VARCHAR), status, CASE WHEN status <> 'unknown' THEN b${i} END, CAST($category AS VARCHAR), $at::TIMESTAMP
           FROM (SELECT id, b${i}, CASE WHEN r${i} THEN 'matched' WHEN r${i} IS NULL THEN 'unknown' WHEN r${i + n} THEN 'nearMiss' END AS status FROM match_r) s
           WHERE status IS NOT NULL`,
          { run: runId, policy: p.entry.id, period: quarter.period, category: p.entry.category, at: computedAt },
        );
      }
      await tx.exec('DROP TABLE match_r');
      // The ledger and the reports read these tables next, through the current_* views; with the
      // statistics of before the run PostgreSQL takes thousands of new rows for one and nests loops.
      if (tx.dialect === 'postgres') await tx.exec('ANALYZE taxpayer_fact, policy_match');
    }
    const counts = await tx.all<{ status: string; n: bigint | string }>('SELECT status, count(*) AS n FROM policy_match WHERE run_id = $1 GROUP BY status', [
      runId,
    ]);
    const { taxpayers } = await tx.one<{ taxpayers: bigint | string }>('SELECT count(*) AS taxpayers FROM match_facts');
    await tx.exec('DROP TABLE match_facts');
    const result: MatchRun = {
      runId,
      period: quarter,
      computedAt,
      scope,
      entries: policies.length,
      taxpayers: Number(taxpayers),
      byStatus: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])),
    };
    if (opts.inTransaction) await opts.inTransaction(result, tx);
    await tx.exec('UPDATE match_run SET finished_at = now()::TIMESTAMP WHERE run_id = $1', [runId]);
    return result;
  });
}

type Policies = ReturnType<typeof policiesFor>;

async function matchOne(tx: Db, policies: Policies, run: { runId: number; period: string; computedAt: string }): Promise<void> {
  const row = (await tx.all<FactRow>('SELECT * FROM match_facts'))[0];
  if (!row) return;
  const facts = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
  const values: (string | null)[] = [String(run.runId), run.period, run.computedAt];
  const tuples: string[] = [];
  for (const p of policies) {
    const r = evaluate(p.rule, facts);
    const status = r === 'true' ? 'matched' : r === 'unknown' ? 'unknown' : evaluate(p.loose, facts) === 'true' ? 'nearMiss' : null;
    if (!status) continue;
    const benefit = status !== 'unknown' && p.benefit ? evaluateFormula(p.benefit, facts) : null;
    const k = values.length;
    values.push(String(row.id), p.entry.id, status, benefit, p.entry.category);
    tuples.push(`(CAST($1 AS BIGINT), $${k + 1}, $${k + 2}, $2, $${k + 3}, CAST($${k + 4} AS DECIMAL(18,2)), $${k + 5}, CAST($3 AS TIMESTAMP))`);
  }
  if (tuples.length > 0) await tx.exec(`INSERT INTO policy_match VALUES ${tuples.join(', ')}`, values);
}

export type { CatalogueEntry };
