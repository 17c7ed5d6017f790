/**
 * One stage of the policy-robot benchmark, in its own process so that its peak RSS (DuckDB's native
 * memory included) is its own. Prints one JSON line: { ms, cpuMs, sysMs, minorFaults, maxRssMiB, ... }.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { buildLedger } from '../src/ledger/ledger.ts';
import { catalogueOf, DEFAULT_LAW_DIR, type MatchOptions, policiesFor, runMatch } from '../src/match/match.ts';
import { parseQuarter } from '../src/match/period.ts';
import { evaluateFormula } from '../src/rules/formula.ts';
import { evaluate, type FactRow } from '../src/rules/interpret.ts';
import type { Db, SqlParam } from '../src/store/db.ts';
import { Store } from '../src/store/store.ts';

const [stage, db, period, arg] = process.argv.slice(2) as [string, string, string, string | undefined];
const store = await Store.open(db);

type Timings = { wall: number[]; cpu: number[] };
/** One re-match, its wall and process CPU time (ms) added to into. */
async function timeRematch(on: Db, code: string, into: Timings, rematchForm?: MatchOptions['rematchForm']): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await runMatch(on, { period, only: code, rematchForm });
  into.wall.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  into.cpu.push((c.user + c.system) / 1000);
}
/** Re-matches the taxpayers one after another: wall and process CPU time of each, in ms. */
async function timeRematches(on: Db, sample: string[]): Promise<Timings> {
  const into: Timings = { wall: [], cpu: [] };
  for (const code of sample) await timeRematch(on, code, into);
  return into;
}
/** The tables the facts read (src/match/sql/facts.sql), each looked up by credit code in a re-match. */
const FACT_TABLES = ['taxpayer', 'filing', 'filing_reduction', 'cit_quarter_info', 'cit_annual_info', 'employment_report', 'enterprise_list'];
const quantile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;
const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
const started = performance.now();
let extra: Record<string, unknown> = {};

if (stage === 'match') {
  // Facts and matching are one transaction; the progress callback splits the time between them.
  const marks: [string, number][] = [];
  const run = await runMatch(store, { period, onProgress: (s) => marks.push([s, performance.now()]) });
  const end = performance.now();
  const factsStart = marks[0]?.[1] ?? started;
  const matchStart = marks[1]?.[1] ?? end;
  extra = { factsMs: matchStart - factsStart, matchMs: end - matchStart, run };
} else if (stage === 'ledger') {
  extra = { ledger: await buildLedger(store, catalogue, period) };
} else if (stage === 'rematch') {
  // Single-taxpayer re-match latency as a serving process sees it: one long-lived store on the
  // database, the serving indexes made as `zhishu serve` makes them at start (src/api/sql/
  // serving_indexes.sql), a few re-matches to warm up (statements prepared, index pages read),
  // then the sample one after another. Before the indexes, a smaller sample on the batch store
  // (warmed up the same way).
  const n = Number(arg ?? 1000);
  const before = Math.min(n, 50);
  const warm = 5;
  const codes = (await store.all<{ c: string }>(`SELECT credit_code AS c FROM taxpayer USING SAMPLE ${2 * n + before + 2 * warm} ROWS (reservoir, 7)`)).map(
    (r) => r.c,
  );
  const time = (sample: string[]) => timeRematches(store, sample);
  await time(codes.slice(n + warm, n + 2 * warm));
  const batch = await time(codes.slice(n + 2 * warm, n + 2 * warm + before));
  const t0 = performance.now();
  await store.exec(readFileSync('src/api/sql/serving_indexes.sql', 'utf8'));
  const indexMs = performance.now() - t0;
  await time(codes.slice(n, n + warm));
  const load0 = loadavg()[0] as number;
  const served = await time(codes.slice(0, n));
  const load1 = loadavg()[0] as number;
  // As many other taxpayers with DuckDB on one thread: a statement over a few rows then never wakes a
  // worker thread (a commit's tail on this machine came from that), at the price of every city query.
  await store.exec('SET threads = 1');
  const oneThread = await time(codes.slice(n + 2 * warm + before));
  await store.exec('RESET threads');
  // The alternative: read the stored facts row, evaluate every policy in TypeScript.
  const mem: number[] = [];
  const policies = policiesFor(catalogue, parseQuarter(period));
  for (const code of codes.slice(0, n)) {
    const t1 = performance.now();
    const row =
      (await store.all<FactRow>('SELECT * FROM taxpayer_fact WHERE credit_code = $1 AND period = $2 ORDER BY computed_at DESC LIMIT 1', [code, period]))[0] ??
      {};
    const facts = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
    for (const p of policies) {
      const r = evaluate(p.rule, facts);
      if (r === 'true' && p.benefit) evaluateFormula(p.benefit, facts);
    }
    mem.push(performance.now() - t1);
  }
  // The other floor: the rows the facts read (sql/facts.sql: the registration, the returns, the
  // surcharges' halving claimed, the head counts and assets the CIT returns report by quarter and by year, the other departments' head counts and lists), each looked up by credit code with a statement kept
  // prepared, as the re-match's are, and nothing computed, evaluated or written.
  const reads: number[] = [];
  for (const code of codes.slice(0, n)) {
    const t1 = performance.now();
    for (const table of FACT_TABLES) await store.allPrepared(`SELECT * FROM ${table} WHERE credit_code = $1`, [code]);
    reads.push(performance.now() - t1);
  }
  // The floor under any durable re-match on DuckDB: the same three tables written for the same
  // taxpayers with nothing read, planned or evaluated (the rows of each one's re-match above,
  // fetched before the clock starts, appended again under a new run id), and the commit.
  const floor: number[] = [];
  let floorRun = Number((await store.one<{ m: string }>('SELECT max(run_id) AS m FROM match_run')).m);
  for (const code of codes.slice(0, n)) {
    const [runRow] = await store.all<Record<string, SqlParam>>('SELECT * FROM match_run WHERE scope = $1 ORDER BY run_id DESC LIMIT 1', [code]);
    if (!runRow) continue;
    const fact = await store.all<Record<string, SqlParam>>('SELECT * FROM taxpayer_fact WHERE credit_code = $1 AND computed_at = $2::TIMESTAMP', [
      code,
      runRow.started_at as string,
    ]);
    const results = await store.all<Record<string, SqlParam>>('SELECT * FROM policy_match WHERE run_id = $1', [runRow.run_id as string]);
    floorRun++;
    const t1 = performance.now();
    await store.transaction(async (tx) => {
      await tx.insertRows('match_run', [Object.values({ ...runRow, run_id: floorRun })]);
      await tx.insertRows(
        'taxpayer_fact',
        fact.map((r) => Object.values(r)),
      );
      await tx.insertRows(
        'policy_match',
        results.map((r) => Object.values({ ...r, run_id: floorRun })),
      );
    });
    floor.push(performance.now() - t1);
  }
  const q = quantile;
  extra = {
    floorMedian: q(floor, 0.5),
    floorP99: q(floor, 0.99),
    oneThreadMedian: q(oneThread.wall, 0.5),
    oneThreadP99: q(oneThread.wall, 0.99),
    oneThreadCpuMedian: q(oneThread.cpu, 0.5),
    readsMedian: q(reads, 0.5),
    readsP99: q(reads, 0.99),
    n,
    before,
    warm,
    indexMs,
    batchMedian: q(batch.wall, 0.5),
    batchP99: q(batch.wall, 0.99),
    sqlMedian: q(served.wall, 0.5),
    sqlP99: q(served.wall, 0.99),
    cpuMedian: q(served.cpu, 0.5),
    cpuP99: q(served.cpu, 0.99),
    load: Math.max(load0, load1),
    memMedian: q(mem, 0.5),
    memP99: q(mem, 0.99),
  };
} else if (stage === 'rematch-pg') {
  // The same re-match on PostgreSQL, where a bureau serves from: the city's registrations and returns
  // copied into a schema of their own (zhishu pg copy's code, the tables the facts read), a city-wide
  // match there (so policy_match holds a quarter of a million-taxpayer city, as a server's would), the
  // serving indexes, then the same warm-up and sample of taxpayers as on DuckDB.
  const [url, n] = [arg as string, Number(process.argv[6] ?? 1000)];
  const { PgDb } = await import('../src/store/pg.ts');
  const { copyToPostgres } = await import('../src/store/copy.ts');
  const pg = await PgDb.open(url, { schema: 'zhishu_bench_rematch' });
  try {
    const t0 = performance.now();
    await copyToPostgres(store, pg, { tables: FACT_TABLES, onTable: () => {} });
    await pg.exec(FACT_TABLES.map((t) => `ANALYZE ${t};`).join(' '));
    const copyMs = performance.now() - t0;
    const t1 = performance.now();
    const city = await runMatch(pg, { period });
    const cityMs = performance.now() - t1;
    const t2 = performance.now();
    await pg.exec(readFileSync('src/api/sql/serving_indexes.sql', 'utf8'));
    await pg.exec('ANALYZE');
    const indexMs = performance.now() - t2;
    const warm = 5;
    const codes = (await store.all<{ c: string }>(`SELECT credit_code AS c FROM taxpayer USING SAMPLE ${n + warm} ROWS (reservoir, 7)`)).map((r) => r.c);
    // Each taxpayer is re-matched in both forms, taking turns which goes first: PostgreSQL's one
    // statement, and the statements DuckDB runs one by one (what the re-match was before).
    const served: Timings = { wall: [], cpu: [] };
    const statements: Timings = { wall: [], cpu: [] };
    const both = async (sample: string[]) => {
      for (const [i, code] of sample.entries()) {
        if (i % 2 === 0) await timeRematch(pg, code, served);
        await timeRematch(pg, code, statements, 'statements');
        if (i % 2 === 1) await timeRematch(pg, code, served);
      }
    };
    await both(codes.slice(n));
    served.wall.length = served.cpu.length = statements.wall.length = statements.cpu.length = 0;
    const load0 = loadavg()[0] as number;
    await both(codes.slice(0, n));
    const load1 = loadavg()[0] as number;
    extra = {
      n,
      copyMs,
      cityMs,
      cityTaxpayers: city.taxpayers,
      indexMs,
      median: quantile(served.wall, 0.5),
      p99: quantile(served.wall, 0.99),
      cpuMedian: quantile(served.cpu, 0.5),
      cpuP99: quantile(served.cpu, 0.99),
      statementsMedian: quantile(statements.wall, 0.5),
      statementsP99: quantile(statements.wall, 0.99),
      statementsCpuMedian: quantile(statements.cpu, 0.5),
      load: Math.max(load0, load1),
    };
  } finally {
    await pg.exec('DROP SCHEMA zhishu_bench_rematch CASCADE').catch(() => undefined);
    await pg.close();
  }
} else if (stage === 'interpreter') {
  // The alternative a user would write: load the facts and evaluate policy by policy, row by row.
  const limit = Number(arg ?? 100000);
  const rows = await store.all<FactRow>(`SELECT * FROM current_fact WHERE period = $1 LIMIT ${limit}`, [period]);
  const policies = policiesFor(catalogue, parseQuarter(period));
  const t0 = performance.now();
  let matched = 0;
  for (const raw of rows) {
    const facts = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));
    for (const p of policies) {
      if (evaluate(p.rule, facts) === 'true') {
        matched++;
        if (p.benefit) evaluateFormula(p.benefit, facts);
      }
    }
  }
  extra = { rows: rows.length, policies: policies.length, evalMs: performance.now() - t0, matched };
}
// A stage that writes ends when its writes are in the database file, as the command's exit
// (DuckDB checkpoints on close) leaves them: the CHECKPOINT is timed as part of the stage.
if (stage === 'match' || stage === 'ledger') {
  const c0 = performance.now();
  await store.checkpoint();
  extra.checkpointMs = performance.now() - c0;
}
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({ ms: performance.now() - started, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, sysMs: usage.systemCPUTime / 1000, minorFaults: usage.minorPageFault, maxRssMiB: Math.round(usage.maxRSS / 1024), ...extra })}\n`,
);
store.close();
