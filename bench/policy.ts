/**
 * npm run bench:policy [-- --taxpayers 1000000]
 *
 * The policy robot's pipeline on a generated city: facts → match → ledger → push plan, each stage in
 * its own process (wall time and peak RSS per stage), then the single-taxpayer re-match latency
 * (median and p99), side by side with the alternatives a user would write: evaluating the rules row
 * by row in TypeScript, and re-matching from a stored facts row in TypeScript. Writes its section
 * of docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => (argv.includes(name) ? (argv[argv.indexOf(name) + 1] ?? dflt) : dflt);
const N = Number(opt('--taxpayers', '1000000'));
const SAMPLE = Number(opt('--rematch', '200'));
const PLAN_LIMIT = Number(opt('--plan-limit', '200000'));
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : n < 100 ? 1 : 0 });
const log = (s: string) => process.stderr.write(`policy bench: ${s}\n`);

type Result = { ms: number; maxRssMiB: number; [k: string]: unknown };
const run = (script: string, args: string[]): Result => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as Result;
};

const work = mkdtempSync(join(tmpdir(), 'zhishu-policy-bench-'));
try {
  const city = join(work, 'city');
  const db = join(work, 'zhishu.duckdb');
  log(`generating ${fmt(N)} taxpayers × 12 months`);
  const gen = run('bench/phase.ts', ['generate', city, '', String(N)]);
  log(`ingesting (${fmt(gen.ms)} ms to generate)`);
  const ing = run('bench/phase.ts', ['ingest', city, db]);
  rmSync(city, { recursive: true, force: true });
  // The latest full quarter of the generated window (the generator starts in 2025-10 by default).
  const period = '2026-Q3';
  log(`matching ${period} (${fmt(ing.ms)} ms to ingest)`);
  const match = run('bench/policyPhase.ts', ['match', db, period]);
  log('ledger');
  const ledger = run('bench/policyPhase.ts', ['ledger', db, period]);
  // The push planner allocates messages per person in JavaScript: measured up to PLAN_LIMIT taxpayers.
  let plan: Result | null = null;
  if (N <= PLAN_LIMIT) {
    log('push plan');
    plan = run('bench/policyPhase.ts', ['plan', db, period]);
  }
  log(`re-matching ${SAMPLE} single taxpayers`);
  const re = run('bench/policyPhase.ts', ['rematch', db, period, String(SAMPLE)]);
  log('row-by-row interpreter on 100,000 taxpayers');
  const interp = run('bench/policyPhase.ts', ['interpreter', db, period, '100000']);

  const m = match.run as { entries: number; taxpayers: number; byStatus: Record<string, number> };
  const factsMs = match.factsMs as number;
  const matchMs = match.matchMs as number;
  const pipelineMs = match.ms + ledger.ms + (plan?.ms ?? 0);
  const interpPerTaxpayerMs = (interp.evalMs as number) / (interp.rows as number);
  const stageRow = (name: string, ms: number, rss: number | string, note = '') => `| ${name} | ${fmt(ms / 1000)} s | ${rss} | ${note} |`;
  const section = `<!-- policy-${N} -->
## Policy robot: facts → match → ledger → push plan, ${fmt(N)} taxpayers

\`npm run bench:policy -- --taxpayers ${N}\`, ${new Date().toISOString().slice(0, 10)}. A generated city (${fmt(gen.ms / 1000)} s to generate,
${fmt(ing.ms / 1000)} s to ingest, not part of the pipeline), quarter ${period}: ${m.entries} policies in force × ${fmt(m.taxpayers)} taxpayers;
${fmt(m.byStatus.matched ?? 0)} matched, ${fmt(m.byStatus.nearMiss ?? 0)} near misses, ${fmt(m.byStatus.unknown ?? 0)} unknown pairs stored. Each stage runs in its own
process; peak RSS includes DuckDB's memory. One run on a noisy 2-core machine.

| stage | wall time | peak RSS (MiB) | |
|---|---:|---:|---|
${stageRow('facts (SQL over the returns)', factsMs, '', 'same process as the match')}
${stageRow('match (every rule, its loosened form and its benefit, one query)', matchMs, match.maxRssMiB, `${fmt((m.entries * m.taxpayers) / (matchMs / 1000) / 1e6)} M taxpayer-policy pairs/s`)}
${stageRow('ledger', ledger.ms, ledger.maxRssMiB)}
${plan ? stageRow('push plan', plan.ms, plan.maxRssMiB, `${fmt((plan.plan as { planned: number }).planned)} messages`) : `| push plan | not run above ${fmt(PLAN_LIMIT)} taxpayers (see below) | | |`}
| **whole pipeline** | **${fmt(pipelineMs / 1000)} s**${plan ? '' : ' without the push plan'} | | goal 60 s: ${pipelineMs <= 60000 && plan ? 'met' : '**missed**'} |

Side by side, the alternative a user would write: the same rules evaluated row by row in TypeScript
(Zhishu's own interpreter, no traces) took ${fmt(interpPerTaxpayerMs * 1000)} µs per taxpayer for ${interp.policies} policies on ${fmt(interp.rows as number)}
taxpayers, i.e. ${fmt((interpPerTaxpayerMs * m.taxpayers) / 1000)} s for the city — ${fmt((interpPerTaxpayerMs * m.taxpayers) / matchMs)}× the set-wise match — before
loading the facts into JavaScript or writing any result.

Single-taxpayer re-match (${re.n} taxpayers sampled): the full path (facts recomputed in SQL from the
taxpayer's returns, every policy, results written, one transaction) median ${fmt(re.sqlMedian as number)} ms, p99 ${fmt(re.sqlP99 as number)} ms
(goal p99 under 5 ms: ${(re.sqlP99 as number) < 5 ? 'met' : '**missed**'}). Evaluating every policy in TypeScript from the stored facts row (read by SQL)
takes median ${fmt(re.memMedian as number)} ms, p99 ${fmt(re.memP99 as number)} ms: what the full path adds is recomputing the facts in SQL from
returns that have no index on the taxpayer (see docs/policy.md); the in-memory path still scans the stored facts for the row.
<!-- /policy-${N} -->`;
  const doc = existsSync('docs/benchmarks.md') ? readFileSync('docs/benchmarks.md', 'utf8') : '# Benchmarks\n';
  writeFileSync(
    'docs/benchmarks.md',
    doc.includes(`<!-- policy-${N} -->`)
      ? doc.replace(new RegExp(`<!-- policy-${N} -->[\\s\\S]*<!-- /policy-${N} -->`), section)
      : `${doc.trimEnd()}\n\n${section}\n`,
  );
  process.stderr.write(`${section}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
