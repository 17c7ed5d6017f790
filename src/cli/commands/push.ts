import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { filingCalendar } from '../../law/filingDeadline.ts';
import { itemWords } from '../../match/lacking.ts';
import { DEFAULT_LAW_DIR } from '../../match/match.ts';
import { emailAdapter, smtpUnreachable } from '../../push/channels/email.ts';
import { inAppAdapter } from '../../push/channels/inApp.ts';
import { smsNotConfigured } from '../../push/channels/sms.ts';
import { MESSAGE_STATUSES } from '../../push/message.ts';
import { type PlanReport, planPushes } from '../../push/plan.ts';
import { type SendReport, sendPushes } from '../../push/send.ts';
import { DEFAULT_PLAN_SETTINGS, DEFAULT_SEND_SETTINGS } from '../../push/settings.ts';
import { clockFrom, parseInstant } from '../../push/time.ts';
import type { Db } from '../../store/db.ts';
import { DEFAULT_DB_PATH } from '../../store/store.ts';
import { positiveInt, quarter } from '../args.ts';
import { checkLaw, checkMatchRun, checkSmtpUrl } from '../checks.ts';
import { fmtInt, fmtMs, progressLines, table } from '../format.ts';
import { UsageError } from './ingest.ts';
import { type DatabaseArgs, databaseOption, schemaOption, withDatabase } from './pg.ts';

function instant(value: string): Date {
  try {
    return parseInstant(value);
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}; without an offset it is China time (UTC+8)`);
  }
}

function yuan(value: string): number {
  if (!/^\d+(\.\d{1,2})?$/.test(value)) throw new InvalidArgumentError(`'${value}' is not an amount of yuan`);
  return Number(value);
}

async function outboxText(db: Db): Promise<string> {
  const rows = await db.all<{ channel: string; status: string; n: string }>(
    'SELECT channel, status, count(*)::VARCHAR AS n FROM push_message GROUP BY channel, status ORDER BY channel, status',
  );
  const statuses = MESSAGE_STATUSES;
  const channels = [...new Set(rows.map((r) => r.channel))];
  const cell = (c: string, s: string) => Number(rows.find((r) => r.channel === c && r.status === s)?.n ?? 0);
  return `outbox by channel and status:\n${table(
    ['channel', ...statuses],
    channels.map((c) => [c, ...statuses.map((s) => cell(c, s))]),
  )}`;
}

export function planText(r: PlanReport): string {
  const lines = [
    `period ${r.period}: ${r.results} current result(s), ${r.candidates} message(s) called for, ${r.alreadyPlanned} already planned`,
    `planned ${r.planned} new message(s): ${r.digests} digest(s) standing for ${r.merged} message(s) over the frequency cap`,
  ];
  if (r.superseded) lines.push(`skipped ${r.superseded} planned message(s) the latest match run no longer supports`);
  if (r.renoticed)
    lines.push(`worded again ${r.renoticed} planned message(s) whose words changed since they were planned (a relief's notices, what a near miss lacks)`);
  if (r.notStacked) lines.push(`${r.notStacked} result(s) not pushed: a matched relief they do not stack with is worth as much or more to the taxpayer`);
  if (r.claimed) lines.push(`${r.claimed} matched relief(s) claimed already in a return of the period, not pushed`);
  if (r.toldRecently)
    lines.push(`${r.toldRecently} relief(s) without an estimate not pushed: the taxpayer was told of them in one of the three quarters before`);
  if (r.outOfSeason) lines.push(`${r.outOfSeason} relief(s) told in other quarters of the year only (the catalogue's pushQuarters), not pushed`);
  if (r.lapsed) lines.push(`${r.lapsed} relief(s) a later quarter of the year took back (the ledger's lapsedInYear), not pushed`);
  if (r.nothingToClaim) lines.push(`${r.nothingToClaim} result(s) worth 0.00 yuan or less this period not pushed (nothing to claim)`);
  if (r.withoutPerson) lines.push(`${r.withoutPerson} message(s) not planned: the taxpayer has no person in that role`);
  if (r.notInCatalogue) lines.push(`${r.notInCatalogue} result(s) of entries not in the catalogue left out`);
  // In a fixed order: the report's rows come from a GROUP BY, in whatever order the engine returns them.
  const kinds = (['relief', 'nearMiss', 'digest'] as const).filter((k) => r.byKind[k]).map((k) => `${k} ${r.byKind[k]}`);
  const channels = Object.keys(r.byChannel)
    .sort()
    .map((k) => `${k} ${r.byChannel[k]}`);
  if (kinds.length) lines.push(`new by kind: ${kinds.join(', ')}; by channel: ${channels.join(', ')}`);
  return lines.join('\n');
}

/** `noEmail`: why the run had no e-mail adapter, if it had none. */
export function sendText(r: SendReport, noEmail?: string): string {
  const outcomes = Object.entries(r.outcomes).flatMap(([channel, o]) =>
    Object.entries(o).map(([outcome, n]) => [channel, outcome, n] as [string, string, number]),
  );
  const due = r.dueInAll > r.due ? `${r.due} of ${r.dueInAll} message(s) due taken up (--limit; the rest wait for the next run)` : `${r.due} message(s) due`;
  const lines = [
    `${due}: ${r.sent} sent, ${r.retrying} to retry, ${r.failed} failed, ${r.held} held (sending or quiet hours), ${r.noAdapter} without a channel adapter`,
  ];
  // Only e-mail can lack its adapter here: the inbox is always there, and SMS falls back to it.
  if (r.noAdapter && noEmail) lines.push(`${r.noAdapter} e-mail(s) not sent in this run: ${noEmail}`);
  if (r.recovered) lines.push(`${r.recovered} message(s) left in flight by an interrupted run resolved`);
  if (r.fellBack) lines.push(`${r.fellBack} message(s) moved to the in-app inbox (SMS not configured, or e-mail of uncertain fate)`);
  if (r.lapsed) lines.push(`${r.lapsed} message(s) of reliefs a later quarter of the year took back (the ledger's lapsedInYear) skipped, not sent`);
  if (outcomes.length) lines.push(`attempts by channel and outcome:\n${table(['channel', 'outcome', 'attempts'], outcomes)}`);
  return lines.join('\n');
}

export function registerPush(program: Command): void {
  const push = program.command('push').description('the policy robot: plan messages from the match results and deliver them (outbox, retries)');

  push
    .command('plan')
    .description('plan the messages the current match results of a period call for (idempotent: planning again adds nothing)')
    .option('--period <quarter>', 'the quarter, e.g. 2026-Q1 (default: the latest quarter matched for the city)', quarter)
    .option('--now <iso>', 'plan as of this moment (default: now)', instant)
    .option('--db <path>', 'DuckDB database file', DEFAULT_DB_PATH)
    .option(...databaseOption)
    .option(...schemaOption)
    .option('--law <dir>', 'law directory', DEFAULT_LAW_DIR)
    .option('--lead-days <n>', 'days before the filing deadline a message should arrive', positiveInt, DEFAULT_PLAN_SETTINGS.leadDays)
    .option('--max-per-week <n>', 'messages per person in any 7 days before the rest are merged into a digest', positiveInt, DEFAULT_PLAN_SETTINGS.maxPerWeek)
    .option('--major-relief <yuan>', 'benefit from which the legal representative hears of a relief too', yuan, DEFAULT_PLAN_SETTINGS.majorReliefYuan)
    .option('--json', 'print the report as JSON')
    .action(
      async (opts: DatabaseArgs & { period?: string; now?: Date; law: string; leadDays: number; maxPerWeek: number; majorRelief: number; json?: boolean }) => {
        const started = Date.now();
        const catalogue = checkLaw(opts.law);
        await withDatabase(opts, async (db) => {
          // A period given must have been matched. The default is the latest quarter a city run
          // matched, not the quarter of the latest run: re-matching one company for a past quarter
          // must not make the next plain plan tell the whole city of that quarter.
          if (opts.period) await checkMatchRun(db, opts.period);
          const periodId =
            opts.period ?? (await db.all<{ period: string }>("SELECT period FROM match_run ORDER BY scope = 'city' DESC, period DESC LIMIT 1"))[0]?.period;
          if (!periodId) throw new UsageError('no match run in the store yet, so nothing to push: run zhishu match first');
          process.stderr.write(`Planning the messages of ${periodId}\n`);
          let halved = 0;
          const progress = progressLines(
            (done, total) =>
              `  ${fmtInt(done)}/${fmtInt(total)} taxpayer(s) planned${halved > 0 ? ` (${halved} batch(es) planned again as halves: out of DuckDB's memory limit)` : ''}`,
          );
          const report = await planPushes(db, catalogue.entries, {
            period: periodId,
            now: opts.now ?? new Date(),
            settings: { leadDays: opts.leadDays, maxPerWeek: opts.maxPerWeek, majorReliefYuan: opts.majorRelief },
            words: itemWords(db, opts.law, periodId),
            deadlines: filingCalendar(catalogue.parameters),
            onProgress: (p) => {
              halved = p.halved;
              progress(p);
            },
          });
          if (opts.json) console.log(JSON.stringify(report, null, 2));
          else console.log(`${planText(report)}\n\n${await outboxText(db)}\n\ndone in ${fmtMs(Date.now() - started)}`);
        });
      },
    );

  push
    .command('send')
    .description('deliver the due messages: in-app inbox, e-mail over SMTP (with --smtp); SMS is not configured and goes to the inbox')
    .option('--now <iso>', 'send as of this moment (default: now)', instant)
    .option('--smtp <url>', 'SMTP server, e.g. smtp://127.0.0.1:25 (without it e-mails wait in the outbox)')
    .option('--from <address>', 'sender address of e-mails')
    .option('--max-attempts <n>', 'attempts before a message is failed', positiveInt, DEFAULT_SEND_SETTINGS.maxAttempts)
    .option('--limit <n>', 'at most this many messages in this run', positiveInt)
    .option('--db <path>', 'DuckDB database file', DEFAULT_DB_PATH)
    .option(...databaseOption)
    .option(...schemaOption)
    .option('--law <dir>', 'law directory (the messages are worded with its titles)', DEFAULT_LAW_DIR)
    .option('--json', 'print the report as JSON')
    .action(async (opts: DatabaseArgs & { now?: Date; smtp?: string; from?: string; maxAttempts: number; limit?: number; law: string; json?: boolean }) => {
      const started = Date.now();
      if (opts.smtp !== undefined) checkSmtpUrl(opts.smtp);
      const catalogue = checkLaw(opts.law);
      // A server that cannot be reached is found out once, before anything is claimed: its e-mails
      // stay planned for the next run (no attempt spent), the other channels deliver, and the exit
      // code says the run did not do all it was asked.
      const unreachable = opts.smtp === undefined ? null : await smtpUnreachable(opts.smtp);
      if (unreachable !== null) {
        process.stderr.write(`zhishu: the SMTP server of --smtp cannot be reached (${unreachable}): e-mails stay in the outbox for the next run\n`);
        process.exitCode = 1;
      }
      await withDatabase(opts, async (db) => {
        // As of --now, what the channels record (the inbox's delivery, the e-mail's sending) is of that
        // moment, as the attempts' times are.
        const clock = opts.now ? clockFrom(opts.now) : undefined;
        const adapters = {
          inApp: inAppAdapter(db, clock),
          sms: smsNotConfigured(),
          ...(opts.smtp && unreachable === null
            ? { email: emailAdapter(db, { smtp: opts.smtp, ...(opts.from ? { from: opts.from } : {}), ...(clock ? { clock } : {}) }) }
            : {}),
        };
        const report = await sendPushes(db, adapters, {
          now: opts.now ?? new Date(),
          entries: catalogue.entries,
          maxAttempts: opts.maxAttempts,
          ...(opts.limit ? { limit: opts.limit } : {}),
          onWait: () => process.stderr.write('  another zhishu push send is delivering from this schema: waiting for it to finish\n'),
          // Done: delivered, retried, failed, held or left without an adapter.
          onProgress: progressLines((done, total) => `  ${done}/${total} due message(s) gone through`),
        });
        const noEmail =
          opts.smtp === undefined ? 'no SMTP server was given (--smtp URL)' : unreachable !== null ? 'the SMTP server could not be reached' : undefined;
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else console.log(`${sendText(report, noEmail)}\n\n${await outboxText(db)}\n\ndone in ${fmtMs(Date.now() - started)}`);
      });
    });
}
