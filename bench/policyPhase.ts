/**
 * One stage of the policy-robot benchmark, in its own process so that its peak RSS (DuckDB's native
 * memory included) is its own. Prints one JSON line: { ms, maxRssMiB, ... }.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { buildLedger } from '../src/ledger/ledger.ts';
import { catalogueOf, DEFAULT_LAW_DIR, policiesFor, runMatch } from '../src/match/match.ts';
import { parseQuarter } from '../src/match/period.ts';
import { evaluateFormula } from '../src/rules/formula.ts';
import { evaluate, type FactRow } from '../src/rules/interpret.ts';
import { Store } from '../src/store/store.ts';

const [stage, db, period, arg] = process.argv.slice(2) as [string, string, string, string | undefined];
const store = await Store.open(db);
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
} else if (stage === 'plan') {
  const push = (await import('../src/push/plan.ts')) as Record<string, unknown>;
  const plan = push.planPushes as (s: Store, e: unknown, o: { period: string; now: Date }) => Promise<unknown>;
  const policies = catalogue.entries;
  extra = { plan: await store.transaction(() => plan(store, policies, { period, now: new Date(`${parseQuarter(period).end}T00:00:00Z`) })) };
} else if (stage === 'rematch') {
  // Single-taxpayer re-match latency as a serving process sees it: one long-lived store on the
  // database, the serving indexes made as `zhishu serve` makes them at start (src/api/sql/
  // serving_indexes.sql), a few re-matches to warm up (statements prepared, index pages read),
  // then the sample one after another. Before the indexes, a smaller sample on the batch store
  // (warmed up the same way).
  const n = Number(arg ?? 200);
  const before = Math.min(n, 50);
  const warm = 5;
  const codes = (await store.all<{ c: string }>(`SELECT credit_code AS c FROM taxpayer USING SAMPLE ${n + before + 2 * warm} ROWS (reservoir, 7)`)).map(
    (r) => r.c,
  );
  const time = async (sample: string[]) => {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (const code of sample) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await runMatch(store, { period, only: code });
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    return { wall, cpu };
  };
  await time(codes.slice(n + warm, n + 2 * warm));
  const batch = await time(codes.slice(n + 2 * warm));
  const t0 = performance.now();
  await store.exec(readFileSync('src/api/sql/serving_indexes.sql', 'utf8'));
  const indexMs = performance.now() - t0;
  await time(codes.slice(n, n + warm));
  const load0 = loadavg()[0] as number;
  const served = await time(codes.slice(0, n));
  const load1 = loadavg()[0] as number;
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
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;
  extra = {
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
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), ...extra })}\n`);
store.close();
