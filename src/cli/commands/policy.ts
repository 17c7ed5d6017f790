import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { filingCalendar } from '../../law/filingDeadline.ts';
import { LEDGER_STATUS_LABELS } from '../../ledger/labels.ts';
import {
  annualClaimsNotRead,
  buildLedger,
  type LedgerBuild,
  type LedgerMatchStatus,
  type PolicyReport,
  policyReport,
  type TaxpayerLedger,
  taxpayerLedger,
} from '../../ledger/ledger.ts';
import { DRILL_SORT, DRILL_STATUSES, type DrillResult, type DrillSort, type DrillStatus, drillCsv, reportTaxpayers } from '../../ledger/taxpayers.ts';
import { rematchFiledSince } from '../../ledger/waiting.ts';
import { ExplainNotFound, explainTaxpayer } from '../../match/explain.ts';
import { STATUS_LABELS } from '../../match/labels.ts';
import { itemWords } from '../../match/lacking.ts';
import { DEFAULT_LAW_DIR, type MatchRun, runMatch } from '../../match/match.ts';
import { parseQuarter, quarterOf } from '../../match/period.ts';
import { DISTRICT_IDS, INDUSTRY_SECTION_IDS } from '../../model/enums.ts';
import { formatYuan, toFen } from '../../push/message.ts';
import { type PlanReport, planPushes } from '../../push/plan.ts';
import type { Db } from '../../store/db.ts';
import { DEFAULT_DB_PATH } from '../../store/store.ts';
import { asOfTime, creditCode, oneOf, policyId, positiveInt, quarter, year, yearMonth } from '../args.ts';
import { checkLaw, checkReturnsIn, checkTaxpayer, openStore, quartersInStore } from '../checks.ts';
import { barChart, table } from '../format.ts';
import { UsageError } from './ingest.ts';
import { type DatabaseArgs, databaseOption, schemaOption, withDatabase } from './pg.ts';

/** The latest quarter whose returns are in the store (the quarter of the last quarter-end period). */
export async function latestQuarter(db: Db): Promise<string> {
  const r = await db.one<{ d: string | null }>(
    "SELECT max(period_end)::VARCHAR AS d FROM filing WHERE extract(month FROM period_end) % 3 = 0 AND tax_type <> 'citAnnual'",
  );
  if (!r.d) throw new UsageError('no returns in the store: load data first (zhishu ingest DIR, or zhishu demo)');
  return quarterOf(r.d).period;
}

/** The year of the latest quarter with returns: what ledger and report policy show by default. */
const latestYear = async (db: Db): Promise<number> => Number((await latestQuarter(db)).slice(0, 4));

/**
 * Says on stderr how many taxpayers' ledger of the year still counts as missed a relief the year's
 * annual CIT return claims (filed after the year's quarters were built), and what reads them.
 */
async function warnAnnualClaimsNotRead(db: Db, lawDir: string, year: number, creditCode: string | null): Promise<void> {
  const n = await annualClaimsNotRead(db, checkLaw(lawDir), year, creditCode);
  if (n === 0) return;
  process.stderr.write(
    `note: the annual CIT returns of ${year} claim reliefs that ${creditCode ? 'this ledger' : `the ledger of ${n} ${n === 1 ? 'taxpayer' : 'taxpayers'}`} still counts as missed: they came in after the year's quarters were built (zhishu match --period ${year}-Q4 reads them)\n`,
  );
}

/** Refuses a year no match ran for: its ledger and report would be empty, as if no relief were missed. */
async function checkMatchRunIn(db: Db, year: number): Promise<void> {
  if ((await db.all('SELECT 1 FROM match_run WHERE period LIKE $1 LIMIT 1', [`${year}-Q%`])).length > 0) return;
  const quarters = await quartersInStore(db, year);
  if (quarters.length === 0) throw new UsageError(`no match run for ${year}, and no returns of ${year} in the store to match`);
  throw new UsageError(
    quarters.length === 1
      ? `no match run for ${year}: run zhishu match --period ${quarters[0]} first`
      : `no match run for ${year}: run zhishu match --period Q first for each of its quarters with returns (${quarters.join(', ')})`,
  );
}

/**
 * Says on stderr which quarters of the year that have returns no match run has covered (no city run,
 * nor one of `creditCode`): the year's ledger and report count the quarters matched only, and would
 * otherwise look like a whole year's figures.
 */
async function warnUnmatchedQuarters(db: Db, year: number, creditCode: string | null): Promise<void> {
  const matched = new Set(
    (
      await db.all<{ period: string }>("SELECT DISTINCT period FROM match_run WHERE period LIKE $1 AND (scope = 'city' OR scope = $2::VARCHAR)", [
        `${year}-Q%`,
        creditCode,
      ])
    ).map((r) => r.period),
  );
  const unmatched = (await quartersInStore(db, year)).filter((q) => !matched.has(q));
  if (unmatched.length === 0) return;
  // With no run of its own in the year, a report counts the companies re-matched one by one (checkMatchRunIn found a run).
  const counted = matched.size > 0 ? `${[...matched].sort().join(', ')} only` : creditCode ? 'no quarter matched' : 'only the companies re-matched one by one';
  const run = creditCode ? `match run of the city or of ${creditCode}` : 'city match run';
  process.stderr.write(
    `note: the ${year} figures count ${counted}: ${unmatched.join(', ')} ${unmatched.length === 1 ? 'has' : 'have'} returns but no ${run} (zhishu match --period Q for each)\n`,
  );
}

/**
 * What the build's judgement of the year (reliefs settled on the year) stands at after it: every
 * build judges the whole year again, so a quarter's match can change the quarters before it.
 */
export function yearText(l: LedgerBuild): string {
  const y = l.year;
  const n = (k: number) => `${k.toLocaleString('en-US')} ${k === 1 ? 'taxpayer' : 'taxpayers'}`;
  // Reliefs of no estimate are counted, never summed: all of them so, the amount is unknown, not 0.00.
  const lapsed = y.lapsed === '0.00' ? 'amount unknown' : `${formatYuan(toFen(y.lapsed))} yuan`;
  const parts = [
    ...(y.taxpayersLapsed > 0 ? [`unclaimed, no longer due 未申报、不再享受 ${lapsed} (${n(y.taxpayersLapsed)})`] : []),
    ...(y.taxpayersClaimedLapsed > 0 ? [`claimed, to be repaid 应补缴 ${formatYuan(toFen(y.claimedLapsed))} yuan (${n(y.taxpayersClaimedLapsed)})`] : []),
  ];
  return parts.length === 0 ? '' : `year ${y.year}, reliefs a later quarter takes back 年内后续季度不再符合: ${parts.join('; ')}`;
}

export function matchText(r: MatchRun, ledger?: LedgerBuild): string {
  const rows = Object.entries(STATUS_LABELS)
    .filter(([k]) => k !== 'notEligible')
    .map(([k, l]) => [`${l.zh} ${l.en}`, r.byStatus[k] ?? 0]);
  return [
    `run ${r.runId}: ${r.entries} policies × ${r.taxpayers.toLocaleString('en-US')} ${r.taxpayers === 1 ? 'taxpayer' : 'taxpayers'} for ${r.period.period} (${r.scope})`,
    table(['status', 'taxpayer-policy pairs'], rows),
    ledger
      ? `ledger ${r.period.period} (${ledger.creditCode ?? 'city'}): enjoyed ${formatYuan(toFen(ledger.enjoyed))} yuan, missed ${formatYuan(toFen(ledger.missed))} yuan${
          ledger.claimedNotEligible && ledger.claimedNotEligible !== '0.00'
            ? `, claimed without eligibility ${formatYuan(toFen(ledger.claimedNotEligible))} yuan (not in enjoyed)`
            : ''
        }`
      : '',
    ledger ? yearText(ledger) : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * The earlier quarters (of the four before) a city run judged again because a return the ledger waited on was
 * filed since: how many taxpayers per quarter, what they now miss, and the messages planned for them
 * (null: pushes not planned). Empty when there were none.
 */
export function filedSinceText(rows: readonly { period: string; taxpayers: readonly string[]; missed: string }[], planned: number | null): string {
  if (rows.length === 0) return '';
  const parts = rows.map((r) => `${r.period}: ${r.taxpayers.length.toLocaleString('en-US')} taxpayers (missed now ${formatYuan(toFen(r.missed))} yuan)`);
  return `\nre-matched for returns filed since 补报申报后重新匹配: ${parts.join('; ')}${planned === null ? '' : `; ${planned} messages planned`}`;
}

/**
 * What the match said of a ledger row's policy, in both languages. Null: not judged (the taxpayer or
 * the policy was not matched for the quarter, or the row was built before the ledger asked).
 */
const matchLabel = (m: LedgerMatchStatus | null) => (m ? `${STATUS_LABELS[m].zh} ${STATUS_LABELS[m].en}` : '未判断 not judged');

/** The taxpayers behind a figure of the report: what was asked, the selection's count and sums, the first of them. */
export function drillText(r: DrillResult): string {
  const f = r.filter;
  const asked = [
    `year ${f.year}`,
    ...(f.district ? [`district ${f.district}`] : []),
    ...(f.industrySection ? [`industry section ${f.industrySection}`] : []),
    ...(f.policyId ? [`policy ${f.policyId}`] : []),
    ...(f.month ? [`month ${f.month}`] : []),
    ...(f.has ? [`with ${f.has} rows`] : []),
  ].join(', ');
  const t = r.totals;
  const more = t.taxpayers - r.items.length;
  return [
    `taxpayers behind the figures 明细 (${asked}): ${t.taxpayers.toLocaleString('en-US')} taxpayers`,
    `enjoyed 已享受 ${formatYuan(toFen(t.enjoyed))} · missed 应享未享 ${formatYuan(toFen(t.missed))} · claimed, not eligible 不符合条件的申报 ${formatYuan(toFen(t.claimedNotEligible))} yuan`,
    table(
      ['credit code', 'name', 'district', 'industry', 'enjoyed', 'missed', 'claimed, not eligible', 'policies missed'],
      r.items.map((x) => [
        x.creditCode,
        x.name,
        x.district,
        x.industry,
        formatYuan(toFen(x.enjoyed)),
        formatYuan(toFen(x.missed)),
        formatYuan(toFen(x.claimedNotEligible)),
        x.policiesMissedAmountUnknown > 0 ? `${x.policiesMissed} (+${x.policiesMissedAmountUnknown} unknown)` : x.policiesMissed,
      ]),
    ),
    ...(more > 0 ? [`… and ${more.toLocaleString('en-US')} more (--limit N, or --csv FILE for all of them)`] : []),
  ].join('\n');
}

export function reportText(r: PolicyReport): string {
  const yuan = (s: string) => Math.round(Number(s));
  const chart = (title: string, rows: PolicyReport['byDistrict'], pick: 'missed' | 'enjoyed') =>
    `${title}\n${barChart(rows.map((x) => ({ label: x.key, value: yuan(x[pick]) })))}`;
  return [
    `政策红利报告 Policy report ${r.year}`,
    table(
      ['figure', 'value'],
      [
        ['taxpayers matched to at least one policy 匹配政策的纳税人', r.taxpayersMatched],
        ['… of them with reduction data 其中有减免数据的', r.taxpayersMatchedWithReductionData],
        ['reliefs enjoyed, yuan 已享受减免（元）', formatYuan(toFen(r.enjoyed))],
        ['… of them unverified (the match could not judge them), yuan 其中未核实（无法判断）', formatYuan(toFen(r.enjoyedUnverified))],
        ['taxpayers with an unverified claim 有未核实申报的纳税人', r.taxpayersEnjoyedUnverified],
        ['reliefs missed, yuan 应享未享（元）', formatYuan(toFen(r.missed))],
        ['taxpayers missing a relief 有应享未享的纳税人', r.taxpayersMissing],
        ['… besides them, missing reliefs of unknown amount only 另有应享未享但金额未知的', r.taxpayersMissingAmountUnknown],
        ['taxpayers whose reliefs wait on a return not filed yet (not missed) 有待申报减免（申报表未报送，不计入应享未享）的纳税人', r.taxpayersReturnNotFiled],
        ['claims without eligibility, yuan (not enjoyed) 不符合条件的减免申报（元，不计入已享受）', formatYuan(toFen(r.claimedNotEligible))],
        ['taxpayers claiming without eligibility 有不符合条件申报的纳税人', r.taxpayersClaimedNotEligible],
        ['unclaimed reliefs no longer due after a later quarter, yuan (not missed) 年内后续季度不再符合、不计入应享未享（元）', formatYuan(toFen(r.lapsed))],
        ['taxpayers with reliefs no longer due 有此情形的纳税人', r.taxpayersLapsed],
        [
          'claims no longer due after a later quarter, to be repaid, yuan (not enjoyed) 年内后续季度不再符合、应补缴的已申报减免（元）',
          formatYuan(toFen(r.claimedLapsed)),
        ],
        ['taxpayers to repay such claims 应补缴的纳税人', r.taxpayersClaimedLapsed],
      ],
    ),
    ...(r.lapsedByPolicy.length > 0
      ? [
          `reliefs a later quarter of the year took back, by policy 年内后续季度不再符合的优惠（按政策）\n${table(
            ['policy', 'unclaimed, no longer due, yuan 未申报', 'taxpayers', 'claimed, to be repaid, yuan 应补缴', 'taxpayers to repay'],
            r.lapsedByPolicy.map((c) => [
              c.policyId,
              formatYuan(toFen(c.lapsed)),
              c.taxpayersLapsed,
              formatYuan(toFen(c.claimedLapsed)),
              c.taxpayersClaimedLapsed,
            ]),
          )}`,
        ]
      : []),
    ...(r.claimsNotEligible.length > 0
      ? [
          `claims without eligibility, a risk to review 不符合条件的减免申报（待核查）\n${table(
            ['policy', 'match says', 'taxpayers', 'claims', 'claimed, yuan'],
            r.claimsNotEligible.map((c) => [c.policyId, matchLabel(c.matchStatus), c.taxpayers, c.claims, formatYuan(toFen(c.claimed))]),
          )}`,
        ]
      : []),
    chart('enjoyed by district, yuan 按区', r.byDistrict, 'enjoyed'),
    chart('missed by district, yuan 按区', r.byDistrict, 'missed'),
    chart('enjoyed by industry section, yuan 按行业', r.byIndustry, 'enjoyed'),
    chart('missed by industry section, yuan 按行业', r.byIndustry, 'missed'),
    chart('missed by policy, yuan 按政策', r.byPolicy, 'missed'),
    chart('enjoyed by policy, yuan 按政策', r.byPolicy, 'enjoyed'),
    chart('enjoyed by month, yuan 按月', r.byMonth, 'enjoyed'),
    chart('missed by month, yuan 按月 (a missed relief falls in its quarter’s last month)', r.byMonth, 'missed'),
  ].join('\n\n');
}

/**
 * One taxpayer's ledger as `zhishu ledger` prints it: a relief missed of unknown amount says so
 * instead of an amount, a claim without eligibility shows what was claimed and what the match said,
 * and the totals are those of the rows (and of `zhishu report policy`).
 */
export function ledgerText(l: TaxpayerLedger): string {
  // Money as match and report print it: grouped in thousands, to the fen.
  const y = (amount: string) => formatYuan(toFen(amount));
  const missed = (r: TaxpayerLedger['rows'][number]) => (r.status === 'missedAmountUnknown' ? 'amount unknown 金额未知' : r.missed === null ? '' : y(r.missed));
  // An estimate net of another relief of its group enjoyed says so, and what the relief alone is worth
  // (what `zhishu explain` says of it), so the two figures do not seem to disagree.
  const net = (r: TaxpayerLedger['rows'][number]): string => {
    const amount = r.missed ?? r.lapsed;
    if (r.groupClaimed === null || amount === null) return '';
    return `net of ${y(r.groupClaimed)} yuan enjoyed of a relief it does not stack with 已扣除不得叠加享受的其他优惠; alone 单独估算 ${formatYuan(toFen(amount) + toFen(r.groupClaimed))} yuan`;
  };
  // What the status, in words, leaves unsaid: the amounts, what the match said, why.
  const said = (r: TaxpayerLedger['rows'][number]): string => {
    switch (r.status) {
      case 'claimedNotEligible':
        return `claimed 申报 ${y(r.claimed ?? '0.00')} yuan, not enjoyed; match: ${matchLabel(r.matchStatus)}`;
      case 'claimedLapsedInYear':
        return `claimed 申报 ${y(r.claimed ?? '0.00')} yuan, not enjoyed: a later quarter of the year fails the rule 年内后续季度不再符合`;
      case 'enjoyed':
        return r.matchStatus === 'matched' ? '' : `unverified 未核实; match: ${matchLabel(r.matchStatus)}`;
      case 'nothingToClaim':
        return 'estimated at 0.00 yuan or less 估算金额不超过0.00元';
      case 'lapsedInYear':
        return r.lapsed === null ? 'amount unknown 金额未知' : `estimated 估算 ${y(r.lapsed)} yuan, not in missed 不计入应享未享`;
      case 'claimedOnAnnualReturn':
        return `estimated 估算 ${r.lapsed === null ? 'amount unknown 金额未知' : `${y(r.lapsed)} yuan`}, not in missed: the year's annual CIT return claims it 年度汇算清缴已申报`;
      case 'matchedNoCode':
        return 'whether it was claimed cannot be seen 无法核对是否已享受';
      case 'returnNotFiled':
        return `the quarter's return is not filed yet: claim it when filing 本期申报表尚未报送，申报时可享受; estimated 估算 ${r.lapsed === null ? 'amount unknown 金额未知' : `${y(r.lapsed)} yuan`}`;
      default:
        return '';
    }
  };
  const note = (r: TaxpayerLedger['rows'][number]): string => [said(r), net(r)].filter((s) => s !== '').join('; ');
  const totals = [
    `enjoyed 已享受 ${y(l.enjoyed)} yuan${l.enjoyedUnverified !== '0.00' ? ` (of which unverified 其中未核实 ${y(l.enjoyedUnverified)} yuan)` : ''}`,
    `missed 应享未享 ${y(l.missed)} yuan${l.missedAmountUnknown > 0 ? `, and ${l.missedAmountUnknown} relief(s) of unknown amount 金额未知` : ''}`,
    ...(l.returnNotFiled > 0 ? [`${l.returnNotFiled} relief(s) waiting on a return not filed yet 待申报 (not missed)`] : []),
    ...(l.claimedNotEligible !== '0.00' ? [`claimed without eligibility 不符合条件的申报 ${y(l.claimedNotEligible)} yuan (not in enjoyed)`] : []),
    ...(l.lapsed !== '0.00' ? [`no longer due after a later quarter 年内后续季度不再符合 ${y(l.lapsed)} yuan (not in missed)`] : []),
    ...(l.claimedLapsed !== '0.00' ? [`claimed, to be repaid after a later quarter 应补缴 ${y(l.claimedLapsed)} yuan (not in enjoyed)`] : []),
  ];
  return [
    `政策红利账本 Benefit ledger ${l.creditCode} ${l.year}`,
    table(
      ['month', 'policy', 'status 状态', 'enjoyed', 'missed', 'note'],
      l.rows.map((r) => [r.month, r.policyId, `${LEDGER_STATUS_LABELS[r.status].zh} ${LEDGER_STATUS_LABELS[r.status].en}`, y(r.enjoyed), missed(r), note(r)]),
    ),
    totals.join('; '),
  ].join('\n');
}

export function registerPolicy(program: Command): void {
  program
    .command('match')
    .description(
      'match every policy in force against every taxpayer for a quarter (set-wise), then rebuild that quarter’s benefit ledger; a city run also re-matches the quarters of the four before whose reliefs waited on a return filed since',
    )
    .option('--period <quarter>', 'e.g. 2026-Q1 (default: the latest quarter with returns)', quarter)
    .option('--taxpayer <code>', 're-match this taxpayer only, from its current data', creditCode)
    .option('--db <path>', 'DuckDB database file', DEFAULT_DB_PATH)
    .option('--law <dir>', 'law directory', DEFAULT_LAW_DIR)
    .option('--no-push', 'do not plan the pushes of the results (they are planned in the same transaction by default)')
    .option(...databaseOption)
    .option(...schemaOption)
    .option('--json', 'print as JSON')
    .action(async (opts: DatabaseArgs & { period?: string; taxpayer?: string; law: string; push: boolean; json?: boolean }) => {
      const catalogue = checkLaw(opts.law);
      await withDatabase(opts, async (db) => {
        if (opts.taxpayer) await checkTaxpayer(db, opts.taxpayer);
        const period = opts.period ?? (await latestQuarter(db));
        await checkReturnsIn(db, period);
        const t0 = Date.now();
        let plan: PlanReport | null = null;
        // The outbox is written in the match's transaction, on either engine: a crash leaves neither without the other.
        const pushes = (only: string | undefined, quiet: boolean, report: (p: PlanReport) => void) =>
          opts.push
            ? async (r: MatchRun, tx: Db) => {
                if (!quiet) process.stderr.write('match: push plan\n');
                report(
                  await planPushes(tx, catalogue.entries, {
                    period: r.period.period,
                    now: new Date(),
                    words: itemWords(tx, opts.law, r.period.period),
                    only,
                    deadlines: filingCalendar(catalogue.parameters),
                  }),
                );
              }
            : undefined;
        const run = await runMatch(db, {
          period,
          only: opts.taxpayer,
          lawDir: opts.law,
          onProgress: (s) => process.stderr.write(`match: ${s}\n`),
          inTransaction: pushes(opts.taxpayer, false, (p) => {
            plan = p;
          }),
        });
        process.stderr.write(`match: ledger for ${period}${opts.taxpayer ? ` (${opts.taxpayer})` : ''}\n`);
        // A re-match of one taxpayer rebuilds that taxpayer's ledger rows only: the others' did not change.
        const ledger = await buildLedger(db, catalogue, period, new Date(), opts.taxpayer);
        // A city run also judges again the quarters of the four before whose reliefs waited on a
        // return filed since (src/ledger/waiting.ts): each such taxpayer re-matched for its quarter, its
        // pushes planned and its ledger built, as `--taxpayer` does (many of a quarter: the quarter again).
        let earlierPlanned = 0;
        const filedSince = opts.taxpayer
          ? []
          : await rematchFiledSince(db, catalogue, period, {
              lawDir: opts.law,
              inTransaction: (_, only) =>
                pushes(only, true, (p) => {
                  earlierPlanned += p.planned;
                }),
              onProgress: (step) => process.stderr.write(`match: ${step}\n`),
            });
        process.stderr.write(`match: done in ${Date.now() - t0} ms\n`);
        const planned = plan as PlanReport | null;
        const earlier = filedSince.map((f) => ({ period: f.period, taxpayers: f.creditCodes, how: f.how, missed: f.missed }));
        console.log(
          opts.json
            ? JSON.stringify({ run, ledger, plan: planned, filedSince: earlier }, null, 2)
            : `${matchText(run, ledger)}${planned ? `\npush plan: ${planned.planned} messages planned` : ''}${filedSinceText(earlier, opts.push ? earlierPlanned : null)}`,
        );
      });
    });

  program
    .command('explain')
    .description('why each policy did or did not match a taxpayer, in Chinese and English, with the observed values and legal sources')
    .requiredOption('--taxpayer <code>', 'unified social credit code', creditCode)
    .option('--policy <id>', 'only this policy', policyId)
    .option('--period <quarter>', 'e.g. 2026-Q1 (default: the latest quarter with returns)', quarter)
    .option(
      '--as-of <time>',
      'explain with the facts as they were at this moment, an ISO date or time (e.g. 2026-04-30, 2026-04-30T18:00, 2026-04-30T10:00Z); without an offset it is China time (UTC+8), as --now of push, and a date alone is the end of that day; match runs are stamped in UTC',
      asOfTime,
    )
    .option('--lang <lang>', 'zh, en or both', 'both')
    .option('--db <path>', 'DuckDB database file', DEFAULT_DB_PATH)
    .option('--law <dir>', 'law directory', DEFAULT_LAW_DIR)
    .option('--json', 'print as JSON (with the full traces)')
    .action(async (opts: { taxpayer: string; policy?: string; period?: string; asOf?: string; lang: string; db: string; law: string; json?: boolean }) => {
      if (!['zh', 'en', 'both'].includes(opts.lang)) throw new UsageError(`--lang must be zh, en or both (got '${opts.lang}')`);
      checkLaw(opts.law);
      const store = await openStore(opts.db);
      const { registeredOn } = await checkTaxpayer(store, opts.taxpayer);
      const period = opts.period ?? (await latestQuarter(store));
      // What explainTaxpayer cannot find is the user's mistake (exit 2); any other failure is a runtime one (exit 1).
      const e = await explainTaxpayer(store, { creditCode: opts.taxpayer, period, policy: opts.policy, lawDir: opts.law, asOf: opts.asOf }).catch(
        async (err: unknown) => {
          if (!(err instanceof ExplainNotFound)) throw err;
          if (err.what === 'policy') throw new UsageError(`--policy ${opts.policy}: ${err.message}`);
          // No facts at all: where a match would not make them either, say why instead of sending the user there.
          if (!opts.asOf) {
            await checkReturnsIn(store, period, 'explain');
            if (registeredOn > parseQuarter(period).end)
              throw new UsageError(`taxpayer ${opts.taxpayer} was registered on ${registeredOn}, after ${period}: it has no facts for that quarter`);
          }
          throw new UsageError(err.message);
        },
      );
      if (opts.json) {
        console.log(JSON.stringify(e, null, 2));
        return;
      }
      const out = [`${e.creditCode} ${e.period} (facts as of ${e.computedAt} UTC)`];
      if (e.lawChangedSince)
        out.push(
          `note: the law files changed since these facts were matched; the rules shown are those in force in the files today (zhishu match --period ${e.period} matches with them)`,
        );
      for (const p of e.policies) {
        // Reliefs that do not stack: which of them the company would take, after the conditions.
        const block = (l: 'zh' | 'en') =>
          [...p.text[l], ...(p.stacking ? [`  ⇄ ${p.stacking.text[l]}`] : []), ...p.notices.map((n) => `  ! ${n[l]}`)].join('\n');
        if (opts.lang !== 'en') out.push(block('zh'));
        if (opts.lang !== 'zh') out.push(block('en'));
      }
      // What of a relief taken back on the year was claimed, to be repaid, is the ledger's to say.
      const judged = e.policies.filter((p) => p.year !== null).map((p) => p.policy);
      if (judged.length > 0) {
        const ledger = `zhishu ledger --taxpayer ${e.creditCode} --year ${e.period.slice(0, 4)}`;
        if (opts.lang !== 'en') out.push(`注：${judged.join('、')} 在哪些季度已申报（应补缴）、哪些未申报，见账本：${ledger}`);
        if (opts.lang !== 'zh')
          out.push(`note: the ledger shows in which quarters ${judged.join(', ')} was claimed (to be repaid) and in which not: ${ledger}`);
      }
      console.log(out.join('\n\n'));
    });

  program
    .command('ledger')
    .description('a taxpayer’s benefit ledger (政策红利账本) for a year: reliefs enjoyed, missed, and no longer due after a later quarter, month by month')
    .requiredOption('--taxpayer <code>', 'unified social credit code', creditCode)
    .option('--year <y>', 'the year (default: the year of the latest quarter with returns)', year)
    .option('--db <path>', 'DuckDB database file', DEFAULT_DB_PATH)
    .option('--law <dir>', 'law directory (its reduction codes say which claims of annual returns the ledger has not read yet)', DEFAULT_LAW_DIR)
    .option(...databaseOption)
    .option(...schemaOption)
    .option('--json', 'print as JSON')
    .action(async (opts: DatabaseArgs & { taxpayer: string; year?: number; law: string; json?: boolean }) => {
      const l = await withDatabase(opts, async (db) => {
        const { registeredOn } = await checkTaxpayer(db, opts.taxpayer);
        const y = opts.year ?? (await latestYear(db));
        // A year before the registration has no ledger, and an empty one with totals of 0.00 would read
        // as a company that missed nothing.
        if (registeredOn > `${y}-12-31`)
          throw new UsageError(`taxpayer ${opts.taxpayer} was registered on ${registeredOn}, after ${y}: it has no ledger for that year`);
        await checkMatchRunIn(db, y);
        await warnUnmatchedQuarters(db, y, opts.taxpayer);
        await warnAnnualClaimsNotRead(db, opts.law, y, opts.taxpayer);
        return taxpayerLedger(db, opts.taxpayer, y);
      });
      if (opts.json) {
        console.log(JSON.stringify(l, null, 2));
        return;
      }
      console.log(ledgerText(l));
    });

  /** The options of `report taxpayers` that `report policy` refuses. */
  const TAXPAYERS_ONLY = ['district', 'industry', 'policy', 'month', 'has', 'sort', 'limit', 'csv', 'lang'] as const;

  program
    .command('report')
    .description('city reports: policy (the figures and roll-ups), taxpayers (the taxpayers behind a figure, or CSV of them)')
    .argument('<which>', 'policy | taxpayers')
    .option('--year <y>', 'the year (default: the year of the latest quarter with returns)', year)
    .option('--district <id>', `taxpayers: of one district (${DISTRICT_IDS.join(', ')})`, oneOf(DISTRICT_IDS, 'district'))
    .option('--industry <section>', 'taxpayers: of one GB/T 4754 section (A..T)', oneOf(INDUSTRY_SECTION_IDS, 'industry section'))
    .option('--policy <id>', 'taxpayers: of one policy', policyId)
    .option('--month <YYYY-MM>', 'taxpayers: of one month of the year (a claim: its return; any other row: its quarter’s last month)', yearMonth)
    .option('--has <status>', `taxpayers: only those with a ledger row of this status (${DRILL_STATUSES.join(', ')})`, oneOf(DRILL_STATUSES, 'status'))
    .option('--sort <key>', `taxpayers: order (${Object.keys(DRILL_SORT).join(', ')})`, oneOf(Object.keys(DRILL_SORT) as DrillSort[], 'sort key'), 'missed')
    .option('--limit <n>', 'taxpayers: how many to print', positiveInt, 20)
    .option('--csv <file>', 'taxpayers: write all of them as CSV (UTF-8 with a byte order mark, for a spreadsheet; - for stdout)')
    .option('--lang <zh|en>', 'taxpayers: the CSV headers’ and names’ language', oneOf(['zh', 'en'] as const, 'language'), 'zh')
    .option('--db <path>', 'DuckDB database file', DEFAULT_DB_PATH)
    .option('--law <dir>', 'law directory (its reduction codes say which claims of annual returns the ledger has not read yet)', DEFAULT_LAW_DIR)
    .option(...databaseOption)
    .option(...schemaOption)
    .option('--json', 'print as JSON')
    .action(
      async (
        which: string,
        opts: DatabaseArgs & {
          year?: number;
          law: string;
          json?: boolean;
          district?: string;
          industry?: string;
          policy?: string;
          month?: string;
          has?: DrillStatus;
          sort: DrillSort;
          limit: number;
          csv?: string;
          lang: 'zh' | 'en';
        },
        command: Command,
      ) => {
        if (which !== 'policy' && which !== 'taxpayers') throw new UsageError(`unknown report '${which}' (known: policy, taxpayers)`);
        // The city report has no filters: given one, it would print the whole city's figures as if they
        // were the district's (or the policy's) asked for.
        const given = TAXPAYERS_ONLY.filter((o) => command.getOptionValueSource(o) === 'cli');
        if (which === 'policy' && given.length > 0)
          throw new UsageError(
            `report policy is of the whole city and takes no ${given.map((o) => `--${o}`).join(', ')}: ${given.length > 1 ? 'those options are' : 'that option is'} of report taxpayers (the taxpayers behind a figure)`,
          );
        // The year of a city report: refused without a match run, with notes on what it counts.
        const cityYear = async (db: Db, check: (y: number) => void = () => {}) => {
          const y = opts.year ?? (await latestYear(db));
          check(y);
          await checkMatchRunIn(db, y);
          await warnUnmatchedQuarters(db, y, null);
          await warnAnnualClaimsNotRead(db, opts.law, y, null);
          return y;
        };
        if (which === 'policy') {
          const r = await withDatabase(opts, async (db) => policyReport(db, await cityYear(db)));
          console.log(opts.json ? JSON.stringify(r, null, 2) : reportText(r));
          return;
        }
        const catalogue = checkLaw(opts.law);
        if (opts.policy !== undefined && !catalogue.entries.some((e) => e.id === opts.policy && e.kind === 'policy'))
          throw new UsageError(`--policy: no policy '${opts.policy}' in the catalogue of ${opts.law}`);
        const r = await withDatabase(opts, async (db) => {
          const y = await cityYear(db, (y) => {
            if (opts.month !== undefined && !opts.month.startsWith(`${y}-`)) throw new UsageError(`--month ${opts.month} is not in ${y} (--year)`);
          });
          const filter = { year: y, district: opts.district, industrySection: opts.industry, policyId: opts.policy, month: opts.month, has: opts.has };
          return reportTaxpayers(db, filter, { sort: opts.sort, limit: opts.csv === undefined ? opts.limit : null });
        });
        if (opts.csv !== undefined) {
          const text = drillCsv(r.items, opts.lang);
          if (opts.csv === '-') process.stdout.write(text);
          else {
            writeFileSync(opts.csv, text);
            process.stderr.write(`${r.items.length.toLocaleString('en-US')} taxpayers written to ${opts.csv}\n`);
          }
          return;
        }
        console.log(opts.json ? JSON.stringify(r, null, 2) : drillText(r));
      },
    );
}
