import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ensureDemoUsers } from '../../api/demoUsers.ts';
import { generatorVersion } from '../../generate/city.ts';
import { filingCalendar } from '../../law/filingDeadline.ts';
import { buildLedger, policyReport } from '../../ledger/ledger.ts';
import { itemWords } from '../../match/lacking.ts';
import { catalogueOf, DEFAULT_LAW_DIR, type MatchRun, policiesOf, runMatch } from '../../match/match.ts';
import { parseQuarter } from '../../match/period.ts';
import { inAppAdapter } from '../../push/channels/inApp.ts';
import { smsNotConfigured } from '../../push/channels/sms.ts';
import type { PushEntry } from '../../push/message.ts';
import { type PlanReport, planPushes } from '../../push/plan.ts';
import { type SendReport, sendPushes } from '../../push/send.ts';
import { clockFrom, fromSql, toInstant } from '../../push/time.ts';
import { DEFAULT_DB_PATH, Store } from '../../store/store.ts';
import { nonNegativeInt, positiveInt } from '../args.ts';
import { quartersInStore } from '../checks.ts';
import { fmtInt, fmtMs, progressLines } from '../format.ts';
import { citySummary } from '../summary.ts';
import { lawFilingDeadlines, runGenerate } from './generate.ts';
import { ingestText, runIngest } from './ingest.ts';
import { matchText, reportText } from './policy.ts';
import { loginsText, startServer } from './serve.ts';
import { summaryText } from './summaryText.ts';

interface DemoArgs {
  db: string;
  city: string;
  taxpayers: number;
  months: number;
  seed: number;
  json?: boolean;
  serve: boolean;
  port: number;
  host: string;
}

/**
 * The main job: make sure a demo city exists (generated once; the manifest
 * records the settings it was made with), load it (files already loaded are
 * skipped by content hash), and show what the store holds.
 */
export async function runDemo(args: DemoArgs) {
  const started = Date.now();
  // The published filing deadlines are part of what the city was made with: a new year's notice makes it again.
  const settings = {
    taxpayers: args.taxpayers,
    months: args.months,
    seed: args.seed,
    start: '2025-10',
    format: 'parquet' as const,
    filingDeadlines: lawFilingDeadlines(),
  };
  // The generator's version too: a city made by an earlier Zhishu lacks what the generator makes now.
  const wanted = { ...settings, generator: generatorVersion() };
  const manifestPath = join(args.city, '.manifest.json');
  const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as unknown) : null;
  if (JSON.stringify(manifest) !== JSON.stringify(wanted)) {
    process.stderr.write(`Generating a city of ${wanted.taxpayers} taxpayers x ${wanted.months} months into ${args.city}\n`);
    rmSync(args.city, { recursive: true, force: true });
    mkdirSync(args.city, { recursive: true });
    await runGenerate({ ...settings, out: args.city });
    writeFileSync(manifestPath, JSON.stringify(wanted));
    // A store that holds the previous demo city and nothing else would mix the two cities (records
    // loaded by natural key keep their old values): it is started again. Any other store is kept.
    if (manifest !== null && existsSync(args.db) && (await onlyFrom(args.db, args.city))) {
      process.stderr.write(`Starting the store ${args.db} again: it held the previous demo city only\n`);
      for (const f of [args.db, `${args.db}.wal`]) rmSync(f, { force: true });
    }
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
    // The policies in force in the quarter, as the run counts them (the catalogue holds other years' too).
    process.stderr.write(`Matching the ${policiesOf(catalogue, parseQuarter(period)).length} policies in force for ${period}\n`);
    // Pushes are planned for the latest quarter only: the deadlines of earlier ones have passed.
    const latest = period === quarters[quarters.length - 1];
    runs.push(
      await runMatch(store, {
        period,
        inTransaction: latest
          ? async () => {
              process.stderr.write(`Planning pushes for ${period}\n`);
              plan = await planPushes(store, catalogue.entries, {
                period,
                now: new Date(),
                words: itemWords(store, DEFAULT_LAW_DIR, period),
                deadlines: filingCalendar(catalogue.parameters),
              });
            }
          : undefined,
      }),
    );
    await buildLedger(store, catalogue, period);
  }
  const year = runs.length > 0 ? Number(runs[runs.length - 1]?.period.period.slice(0, 4)) : null;
  const report = year === null ? null : await policyReport(store, year);
  const delivered = await deliverInApp(store, catalogue.entries);
  const logins = await ensureDemoUsers(store);
  return { ingest, summary, runs, report, plan: plan as PlanReport | null, delivered, logins, ms: Date.now() - started };
}

/** Whether every file the store at `db` has loaded came from the directory `dir`. */
async function onlyFrom(db: string, dir: string): Promise<boolean> {
  const store = await Store.open(db);
  try {
    const prefix = `${dir.replace(/\/+$/, '')}/`;
    const { n } = await store.one<{ n: string }>('SELECT count(*) AS n FROM ingest_file WHERE NOT starts_with(source_file, $1)', [prefix]);
    return Number(n) === 0;
  } finally {
    store.close();
  }
}

/**
 * The demo city's inbox: the in-app messages planned are delivered as of the time the last of them is
 * scheduled (the plan spreads them over the days before the deadline, in sending hours), so a company
 * login has messages to read. E-mails wait for `zhishu push send --smtp`.
 */
async function deliverInApp(store: Store, entries: readonly PushEntry[]): Promise<SendReport | null> {
  const [last] = await store.all<{ t: string | null }>(
    "SELECT CAST(max(scheduled_at) AS VARCHAR) AS t FROM push_message WHERE status = 'planned' AND channel = 'inApp'",
  );
  if (!last?.t) return null;
  process.stderr.write('Delivering the in-app messages\n');
  const now = toInstant(fromSql(last.t));
  return sendPushes(
    store,
    // The inbox is stamped on the send's clock: a message is not in the inbox before it was sent.
    { inApp: inAppAdapter(store, clockFrom(now)), sms: smsNotConfigured() },
    {
      now,
      entries,
      // All of them go to the inbox, one statement per batch: batches of 2,000 rather than 200 delivered the demo
      // city's 109,000 messages in 54 s instead of 81 s (fewer claims and commits; the default is 1,000).
      batchSize: 2000,
      onProgress: progressLines((done, total) => `  ${fmtInt(done)}/${fmtInt(total)} message(s) delivered`),
    },
  );
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job: generate the demo city if needed, load it into the embedded store, match, build the ledger, plan pushes, print the figures, then serve the web app',
    )
    .option('--db <path>', 'DuckDB database file', DEFAULT_DB_PATH)
    .option('--city <dir>', 'where the demo city files live', 'data/demo-city')
    .option('--taxpayers <n>', 'number of taxpayers', positiveInt, 20000)
    .option('--months <n>', 'number of months', positiveInt, 12)
    .option('--seed <n>', 'random seed', nonNegativeInt, 1)
    .option('--json', 'print the result as JSON')
    .option('--no-serve', 'stop after the batch work instead of serving the web app')
    .option('--port <n>', 'TCP port of the web app (0 picks a free one)', nonNegativeInt, 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .action(async (opts: DemoArgs) => {
      const { ingest, summary, runs, report, plan, delivered, logins, ms } = await runDemo(opts);
      const serve = async () => {
        if (!opts.serve) return;
        const store = await Store.open(opts.db);
        const { url } = await startServer(await store.pool(4), opts, store);
        console.log(`\n${loginsText(url, logins)}`);
      };
      if (opts.json) {
        console.log(JSON.stringify({ ingest, summary, runs, report, plan, delivered, logins }, null, 2));
        await serve();
        return;
      }
      const matches = runs.map((r) => matchText(r)).join('\n');
      const pushes = plan
        ? `push plan ${plan.period}: ${plan.planned} messages planned to the companies' people; ${delivered?.sent ?? 0} delivered to in-app inboxes (zhishu push send --smtp delivers the e-mails)`
        : '';
      console.log(`${ingestText(ingest)}\n\n${summaryText(summary)}\n\n${matches}\n\n${report ? reportText(report) : ''}\n\n${pushes}\n\ndone in ${fmtMs(ms)}`);
      await serve();
    });
}
