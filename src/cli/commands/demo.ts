import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildLedger, policyReport } from '../../ledger/ledger.ts';
import { catalogueOf, DEFAULT_LAW_DIR, type MatchRun, runMatch } from '../../match/match.ts';
import { type PlanReport, planPushes } from '../../push/plan.ts';
import { DEFAULT_DB_PATH, Store } from '../../store/store.ts';
import { nonNegativeInt, positiveInt } from '../args.ts';
import { fmtMs } from '../format.ts';
import { citySummary } from '../summary.ts';
import { runGenerate } from './generate.ts';
import { ingestText, runIngest } from './ingest.ts';
import { matchText, quartersInStore, reportText } from './policy.ts';
import { nearMissLacking } from './push.ts';
import { summaryText } from './summaryText.ts';

interface DemoArgs {
  db: string;
  city: string;
  taxpayers: number;
  months: number;
  seed: number;
  json?: boolean;
}

/**
 * The main job: make sure a demo city exists (generated once; the manifest
 * records the settings it was made with), load it (files already loaded are
 * skipped by content hash), and show what the store holds.
 */
export async function runDemo(args: DemoArgs) {
  const started = Date.now();
  const wanted = { taxpayers: args.taxpayers, months: args.months, seed: args.seed, start: '2025-10', format: 'parquet' as const };
  const manifestPath = join(args.city, '.manifest.json');
  const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as unknown) : null;
  if (JSON.stringify(manifest) !== JSON.stringify(wanted)) {
    process.stderr.write(`Generating a city of ${wanted.taxpayers} taxpayers x ${wanted.months} months into ${args.city}\n`);
    rmSync(args.city, { recursive: true, force: true });
    mkdirSync(args.city, { recursive: true });
    await runGenerate({ ...wanted, out: args.city });
    writeFileSync(manifestPath, JSON.stringify(wanted));
  } else {
    process.stderr.write(`Using the city in ${args.city}\n`);
  }
  if (existsSync(args.db) && manifest === null) process.stderr.write(`Adding to the existing store ${args.db}\n`);
  const store = await Store.open(args.db);
  process.stderr.write(`Loading it into ${args.db}\n`);
  const ingest = await runIngest(store, args.city);
  const summary = await citySummary(store);
  // Policy finds the taxpayer: match every quarter in the store, then rebuild its ledger.
  const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
  const runs: MatchRun[] = [];
  const quarters = await quartersInStore(store);
  let plan: PlanReport | null = null;
  for (const period of quarters) {
    process.stderr.write(`Matching ${catalogue.entries.filter((e) => e.kind === 'policy').length} policies for ${period}\n`);
    // Pushes are planned for the latest quarter only: the deadlines of earlier ones have passed.
    const latest = period === quarters[quarters.length - 1];
    runs.push(
      await runMatch(store, {
        period,
        inTransaction: latest
          ? async () => {
              process.stderr.write(`Planning pushes for ${period}\n`);
              plan = await planPushes(store, catalogue.entries, { period, now: new Date(), lacking: nearMissLacking(store, DEFAULT_LAW_DIR, period) });
            }
          : undefined,
      }),
    );
    await buildLedger(store, catalogue, period);
  }
  const year = runs.length > 0 ? Number(runs[runs.length - 1]?.period.period.slice(0, 4)) : null;
  const report = year === null ? null : await policyReport(store, year);
  return { ingest, summary, runs, report, plan: plan as PlanReport | null, ms: Date.now() - started };
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the main job: generate the demo city if needed, load it into the embedded store, print a summary')
    .option('--db <path>', 'DuckDB database file', DEFAULT_DB_PATH)
    .option('--city <dir>', 'where the demo city files live', 'data/demo-city')
    .option('--taxpayers <n>', 'number of taxpayers', positiveInt, 20000)
    .option('--months <n>', 'number of months', positiveInt, 12)
    .option('--seed <n>', 'random seed', nonNegativeInt, 1)
    .option('--json', 'print the result as JSON')
    .action(async (opts: DemoArgs) => {
      const { ingest, summary, runs, report, plan, ms } = await runDemo(opts);
      if (opts.json) {
        console.log(JSON.stringify({ ingest, summary, runs, report, plan }, null, 2));
        return;
      }
      const matches = runs.map((r) => matchText(r)).join('\n');
      const pushes = plan ? `push plan ${plan.period}: ${plan.planned} messages planned to the companies' people (zhishu push send delivers them)` : '';
      console.log(`${ingestText(ingest)}\n\n${summaryText(summary)}\n\n${matches}\n\n${report ? reportText(report) : ''}\n\n${pushes}\n\ndone in ${fmtMs(ms)}`);
    });
}
