import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RETURNS_OF_CATEGORY } from '../law/catalogue.ts';
import { type FilingCalendar, filingDeadline, NO_FILING_CALENDAR } from '../law/filingDeadline.ts';
import type { Db, SqlParam } from '../store/db.ts';
import { PgDb } from '../store/pg.ts';
import { disableOptimizer, keepFreedBlocksForCity } from '../store/store.ts';
import { digestLines, type OutboxMessage, type PushEntry, type Role, toFen } from './message.ts';
import { checkSendingHours, DEFAULT_PLAN_SETTINGS, type PlanSettings } from './settings.ts';
import { DAY_MS, HOUR_MS, parsePeriod, quarterBefore, quarterOfYear, sqlTimestamp, toLocal } from './time.ts';

/**
 * The words an item carries besides the catalogue's, in Chinese, by taxpayer and then policy: what a
 * near miss lacks, and what a matched relief's company must mind (the catalogue's notices that hold
 * of its facts; none for most reliefs: leave those out). A taxpayer whose facts were read has an
 * entry, empty if nothing holds; one left out was not judged (no facts), and its planned words stay. The match part can tell (it has the
 * explained rules: match/lacking.ts). Asked once per batch, for the items about to be written that
 * can have such words: every near miss, and the reliefs of policies with notices.
 */
export type ItemWordsProvider = (
  items: readonly { creditCode: string; policyId: string; kind: 'relief' | 'nearMiss' }[],
) => Promise<ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>>;

export interface PlanOptions {
  /** The period whose current match results are pushed, e.g. 2026-Q1. */
  period: string;
  /** Messages are never scheduled before this moment. */
  now: Date;
  settings?: Partial<PlanSettings>;
  /**
   * Asked once per batch, for the near misses (and reliefs with notices) among the messages it is about
   * to write; and once before the batches, for those of the messages planned earlier and not yet tried.
   */
  words?: ItemWordsProvider;
  /** Plan for this taxpayer only (after a single-taxpayer re-match). */
  only?: string;
  /**
   * A campaign: plan only the current results this query returns (columns credit_code, policy_id,
   * status), with its bound parameters. It adds messages and skips none: what is already planned
   * outside the campaign is left as it is.
   */
  scope?: { sql: string; params: (string | number | null)[] };
  /**
   * Taxpayers planned per batch (default 250,000): bounds the memory a city plan takes. On DuckDB,
   * standalone, a batch that runs out of the store's memory limit is planned again as two halves.
   */
  batchTaxpayers?: number;
  /**
   * Called after each batch: taxpayers planned so far of those to plan, and how many batches ran out
   * of DuckDB's memory limit and were planned again as halves.
   */
  onProgress?: (progress: { done: number; total: number; halved: number }) => void;
  /**
   * The published filing deadlines (the law's `filing.deadline`, `filingCalendar`), which time a
   * message where no return of the period gives its due date. Without them, or for a month they do not
   * cover, the 15th moved past a weekend.
   */
  deadlines?: FilingCalendar;
}

export interface PlanReport {
  period: string;
  /** Current matched and near-miss results of catalogue policies. */
  results: number;
  /** Results left out: policy not among the entries given, or an entry that is not a policy. */
  notInCatalogue: number;
  /** Results whose estimated benefit for the period is zero or below: nothing to claim, so no message. */
  nothingToClaim: number;
  /**
   * Matched reliefs the taxpayer has claimed already, in a return of the period (a reduction code of
   * the policy, as the ledger maps claims, the annual CIT return's included): nothing to tell. Counted
   * here whatever their group says.
   */
  claimed: number;
  /**
   * Results of an exclusive group (不得叠加享受) that a matched relief of the group beats for the
   * taxpayer: the company is told of the one worth most, not of every alternative, and of a near miss
   * only when meeting it would be worth more than what it can take already; and a matched relief that
   * adds nothing to what the taxpayer claimed of its group (one that adds something is told for that).
   */
  notStacked: number;
  /**
   * Matched reliefs without an estimate that the taxpayer was told of in one of the three quarters
   * before (a message planned, in flight or sent, alone or in a digest): their message could only say
   * "amount unknown" again, so they are told at most once in four quarters. Not in a campaign.
   */
  toldRecently: number;
  /**
   * Matched reliefs of a policy the catalogue has told in other quarters of the year only
   * (`pushQuarters`: the exemption from the annual IIT reconciliation, told when the plans of Q4 and
   * Q1 reach companies, January and April, before and in its window of 1 March to 30 June). Not in a campaign.
   */
  outOfSeason: number;
  /**
   * Matched reliefs of the period that a later quarter of the year took back (the ledger's
   * `lapsedInYear`: settled on the year, and the year so far fails it): not current, so not told, and a
   * message planned of one is skipped (a digest holding one is planned again without it). Told to
   * claim it by a corrected return, the company would claim what the next prepayment repays.
   */
  lapsed: number;
  /** A result called for a role the taxpayer has no company_person for. */
  withoutPerson: number;
  /** Single messages the results call for, before the frequency cap. */
  candidates: number;
  /** Of those, already in the outbox (as themselves or inside a digest): planning again adds nothing. */
  alreadyPlanned: number;
  /** Rows added to the outbox now, digests included. */
  planned: number;
  digests: number;
  /** Single messages merged into the digests added now. */
  merged: number;
  /** Planned messages no longer backed by a current result, now `skipped`. */
  superseded: number;
  /**
   * Planned messages, not yet tried, of near misses or of reliefs with notices (alone or in a digest)
   * whose words changed since they were planned (what a near miss lacks, the notices that hold;
   * planned by an earlier version, or the company's facts changed): worded again with what holds now.
   */
  renoticed: number;
  byChannel: Record<string, number>;
  byKind: Record<string, number>;
}

/**
 * The sections of a plan.sql by name (`-- @name` starts one). Named parameters ($period) become
 * positional ones ($1) with the list of names in order, so a section gets exactly the values it uses
 * (DuckDB refuses any other) and runs through any `Db`. sql/plan.sql is DuckDB's, sql/postgres/plan.sql
 * PostgreSQL's: the same sections and parameters. `creates` names the temp tables a section creates,
 * which PostgreSQL (having no CREATE OR REPLACE TABLE) drops first.
 */
function readSections(file: string): Map<string, { sql: string; params: string[]; creates: string[] }> {
  const text = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'sql', file), 'utf8');
  const out = new Map<string, { sql: string; params: string[]; creates: string[] }>();
  for (const part of text.split(/^-- @/m).slice(1)) {
    const name = part.slice(0, part.indexOf('\n')).trim();
    const params: string[] = [];
    const sql = part
      .slice(part.indexOf('\n') + 1)
      .split('\n')
      .map((line) => {
        const comment = line.indexOf('--');
        const code = comment < 0 ? line : line.slice(0, comment);
        return (
          code.replace(/\$([a-z_]+)/g, (_, p: string) => {
            if (!params.includes(p)) params.push(p);
            return `$${params.indexOf(p) + 1}`;
          }) + (comment < 0 ? '' : line.slice(comment))
        );
      })
      .join('\n');
    const creates = [...sql.matchAll(/^CREATE (?:OR REPLACE )?TEMP TABLE (\w+)/gm)].map((m) => m[1] as string);
    out.set(name, { sql, params, creates });
  }
  return out;
}

const SECTIONS = { duckdb: readSections('plan.sql'), postgres: readSections(join('postgres', 'plan.sql')) };

const BATCH_TAXPAYERS = 250_000;

const TEMP_TABLES = [
  'push_plan_entry',
  'push_plan_claimed',
  'push_plan_lapsed',
  'push_plan_current',
  'push_plan_taxpayer',
  'push_plan_row',
  'push_plan_person',
  'push_plan_wait',
  'push_plan_candidate',
  'push_plan_existing',
  'push_plan_superseded',
  'push_plan_handled',
  'push_plan_booked_all',
  'push_plan_booked',
  'push_plan_allocation',
  'push_plan_lacking',
  'push_plan_scope',
  'push_plan_taken',
  'push_plan_not_stacked',
  'push_plan_group_claim',
  'push_plan_told',
];

/** DuckDB: the variables sql/plan.sql sets (its `words`), reset with the temp tables. */
const DUCKDB_VARIABLES = [
  'push_plan_ids',
  'push_plan_categories',
  'push_plan_keys',
  'push_plan_keys_sorted',
  'push_plan_key_place',
  'push_plan_category_names',
  'push_plan_category_bit',
  'push_plan_category_sets',
  'push_plan_roles',
  'push_plan_role_mask',
];

/** PostgreSQL: the functions sql/postgres/plan.sql creates in pg_temp (its `macros`), dropped with the temp tables. */
const PG_FUNCTIONS = ['push_allocate', 'push_fits', 'push_next_delivery'];

// Planning uses temp tables of fixed names on one connection: calls on a database take turns.
const running = new WeakMap<Db, Promise<unknown>>();

/**
 * Plans the messages the current match results of a period call for, into the push_message outbox.
 *
 * By category, time and layer (分类、分时、分层): each catalogue policy a taxpayer matches goes to the
 * finance officer and the tax handler, a major one (benefit >= majorReliefYuan) to the legal
 * representative too, and a near miss to the finance officer only, always narrowed to the roles the
 * entry's `notify` names (when that leaves nobody, the layer's roles are kept: the catalogue
 * narrows who hears, it cannot silence a relief). A message is timed `leadDays` before the filing
 * deadline of its category's tax type, never before `now`, inside the sending hours and outside
 * the person's quiet hours; a person gets at most `maxPerWeek` messages in any 7 days, the rest
 * merged into one digest.
 *
 * Set-wise, in SQL (sql/plan.sql on DuckDB, sql/postgres/plan.sql on PostgreSQL): a handful of
 * statements per batch of taxpayers; no message passes through JavaScript. Rows keep what their
 * texts are made of; the texts are rendered when a message is sent or shown (message.ts
 * renderMessage). test/push.test.ts holds both engines to the rules above applied message by message.
 *
 * Idempotent: message ids are derived from their content, and an id already in the outbox (or an
 * item of a digest already there) is not planned again. Planned messages that the latest results
 * no longer support become `skipped`.
 *
 * Writes per batch of whole taxpayers: the skips, then one INSERT of the batch's new rows, each
 * atomic. Inside a caller's open transaction they are part of it; standalone, a crash leaves every
 * taxpayer planned entirely or not at all (a batch's skips without its insert are decided again the
 * same way), from which the next plan reaches exactly what an uninterrupted one would have.
 *
 * db is the DuckDB store (its one connection), or on PostgreSQL a transaction (PgTx: the plan is
 * part of it) or the pooled PgDb, on which the whole plan runs in one transaction of its own on one
 * connection (temp tables belong to a connection).
 */
export function planPushes(db: Db, entries: readonly PushEntry[], options: PlanOptions): Promise<PlanReport> {
  const previous = running.get(db) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(() => (db instanceof PgDb ? db.transaction((tx) => plan(tx, entries, options)) : plan(db, entries, options)));
  running.set(db, next);
  return next;
}

async function plan(db: Db, entries: readonly PushEntry[], options: PlanOptions): Promise<PlanReport> {
  const settings: PlanSettings = { ...DEFAULT_PLAN_SETTINGS, ...options.settings };
  checkSendingHours(settings.sendingHours);
  if (!Number.isInteger(settings.maxPerWeek) || settings.maxPerWeek < 1) throw new Error(`maxPerWeek must be a whole number >= 1, not ${settings.maxPerWeek}`);
  const perBatch = options.batchTaxpayers ?? BATCH_TAXPAYERS;
  if (!Number.isInteger(perBatch) || perBatch < 1) throw new Error(`batchTaxpayers must be a whole number >= 1, not ${perBatch}`);
  const period = parsePeriod(options.period);
  const now = toLocal(options.now);
  // Of entries sharing an id the last one counts, as in a lookup table built from the list.
  const policies = [...new Map(entries.filter((e) => e.kind === 'policy').map((e) => [e.id, e])).values()].sort((a, b) => cmp(a.id, b.id));
  // The policies whose reliefs may carry notices: their words are asked for, and planned ones worded again.
  const noticed = new Set(policies.filter((e) => (e.notices?.length ?? 0) > 0).map((e) => e.id));
  const pg = db.dialect === 'postgres';
  const sections = SECTIONS[db.dialect];
  // Match runs, and so plans, are of quarters; a month has none, and no relief is out of season in it.
  const season = quarterOfYear(period.id);
  const file = pg ? 'sql/postgres/plan.sql' : 'sql/plan.sql';
  const params: Record<string, SqlParam> = {
    period: period.id,
    start: period.start,
    end: period.end,
    year_start: `${period.start.slice(0, 4)}-01-01`,
    // The three quarters before: a relief without an estimate told in one of them is not told again.
    told_first: quarterBefore(period.id, 1),
    told_second: quarterBefore(period.id, 2),
    told_third: quarterBefore(period.id, 3),
    default_deadline: filingDeadline(options.deadlines ?? NO_FILING_CALENDAR, period.end).date,
    // A single-taxpayer re-match plans that taxpayer only: the others' plans are left as they are.
    only: options.only ?? null,
    scoped: options.scope ? 1 : 0,
    now: sqlTimestamp(now),
    now_ms: BigInt(now),
    lead_ms: BigInt(Math.round(settings.leadDays * DAY_MS - settings.sendingHours.from * HOUR_MS)),
    from: settings.sendingHours.from,
    to: settings.sendingHours.to,
    max: settings.maxPerWeek,
    major_fen: toFen(settings.majorReliefYuan.toFixed(2)),
    entries: JSON.stringify(
      policies.map((e, i) => ({
        e: i,
        id: e.id,
        category: e.category,
        // Filing deadlines are per tax type: that of the return claiming the relief (RETURNS_OF_CATEGORY's
        // first). For iit sql/plan.sql's `rows` reads both IIT returns' due dates as 'iit' and takes the first.
        tax_type: RETURNS_OF_CATEGORY[e.category][0] ?? null,
        relief: rolesFor(e, 'relief', false),
        major: rolesFor(e, 'relief', true),
        near_miss: rolesFor(e, 'nearMiss', false),
        grp: e.exclusiveGroup ?? null,
        grp_rank: e.exclusiveGroup ? (e.groupRank ?? null) : null,
        codes: e.reductionCodes ?? [],
        noticed: noticed.has(e.id),
        // Told in other quarters of the year only; a campaign tells whom the bureau chose, in any quarter.
        quiet: !options.scope && e.pushQuarters !== undefined && season !== null && !e.pushQuarters.includes(season),
      })),
    ),
    lacking: '[]',
    renoticed: '[]',
    lo: 0,
    hi: 0,
  };
  const section = (name: string) => {
    const s = sections.get(name);
    if (!s) throw new Error(`${file} has no section ${name}`);
    return {
      sql: s.sql,
      creates: s.creates,
      params: s.params.map((p) => {
        const value = params[p];
        if (value === undefined) throw new Error(`${file} section ${name} uses $${p}, which planPushes does not give`);
        return value;
      }),
    };
  };
  // PostgreSQL has no CREATE OR REPLACE TABLE: a temp table is dropped before it is made again.
  const createTemp = async (tables: readonly string[], sql: string, values?: SqlParam[]) => {
    if (pg && tables.length > 0) await db.exec(tables.map((t) => `DROP TABLE IF EXISTS pg_temp.${t};`).join('\n'));
    // Without values, as one or more statements (DuckDB prepares a statement given values, even none).
    await db.exec(sql, values?.length ? values : undefined);
  };
  const exec = async (name: string) => {
    const s = section(name);
    await createTemp(s.creates, s.sql, s.params);
  };
  const query = <T extends Record<string, unknown>>(name: string) => {
    const s = section(name);
    return db.all<T>(s.sql, s.params);
  };
  const change = (name: string) => {
    const s = section(name);
    return db.change(s.sql, s.params);
  };
  const emptySuperseded = pg
    ? 'CREATE TEMP TABLE push_plan_superseded (message_id TEXT COLLATE "C")'
    : 'CREATE OR REPLACE TEMP TABLE push_plan_superseded (message_id VARCHAR)';

  // DuckDB: what puts the optimizer setting back (section comment below).
  let restoreOptimizers: (() => Promise<void>) | null = null;
  try {
    // On PostgreSQL, plans of one schema take turns across processes, as senders do (PgDb.exclusive):
    // each decides what is planned already from what it can see, and a plan that cannot see another's
    // uncommitted rows would tell the same relief again under another id (a campaign's single message
    // beside a digest holding it). The lock goes with the plan's transaction.
    if (pg) await db.exec("SELECT pg_advisory_xact_lock(hashtext('zhishu.push.plan.' || coalesce(current_schema(), '')))");
    // DuckDB: a hash join builds its table of the side it estimates smaller, and it estimates the current
    // results (push_current: a macro of filters and a union) at a few thousand rows of ten million. So
    // section rows built its hash tables of the results, three of six to ten million rows, and probed
    // them with the taxpayers, the claims and the due dates: 2.4 GiB of hash tables at a million
    // taxpayers, where DuckDB's 3 GB ran out one run in five. The sections are written with the large
    // side first, so the build sides stay as written: 660 MiB there, and the plan about a fifth faster
    // (docs/benchmarks.md). The setting is the instance's: the store's other connections (the API's
    // pool) join so too while the plan runs, as fast or slower, never otherwise. Put back as it was when
    // planning ends; plans on one store take turns (running), and the city's ledger build, which turns
    // it off too, runs after the plan where a command runs both: none puts back another's.
    if (!pg) restoreOptimizers = await disableOptimizer(db, 'build_side_probe_side');
    // A plan of the whole city churns through DuckDB's memory in a city large for it (store.ts).
    if (!pg && options.only === undefined && !options.scope) await keepFreedBlocksForCity(db, { pages: true });
    // Before the macros: DuckDB binds push_current's tables when the macro is made.
    await exec('lapsed');
    await db.exec(section('macros').sql);
    await createTemp(
      ['push_plan_scope'],
      `${pg ? 'CREATE TEMP TABLE' : 'CREATE OR REPLACE TEMP TABLE'} push_plan_scope AS ${options.scope?.sql ?? 'SELECT NULL::VARCHAR AS credit_code, NULL::VARCHAR AS policy_id, NULL::VARCHAR AS status WHERE false'}`,
      options.scope?.params,
    );
    // PostgreSQL keeps the current results in a table of their own (DuckDB reads them through a macro).
    // DuckDB decides the reliefs that do not stack in sections of their own (PostgreSQL in `current`).
    for (const name of ['entries', 'words', 'wait', 'claimed', 'told', 'current', 'not_stacked', 'group_claims', 'taxpayers'])
      if (sections.has(name)) await exec(name);
    const [counts] = await query<{
      taxpayers: string;
      results: string;
      not_in_catalogue: string;
      nothing_to_claim: string;
      claimed: string;
      not_stacked: string;
      told_recently: string;
      out_of_season: string;
      lapsed: string;
    }>('counts');
    const report: PlanReport = {
      period: period.id,
      results: Number(counts?.results ?? 0),
      notInCatalogue: Number(counts?.not_in_catalogue ?? 0),
      nothingToClaim: Number(counts?.nothing_to_claim ?? 0),
      claimed: Number(counts?.claimed ?? 0),
      notStacked: Number(counts?.not_stacked ?? 0),
      toldRecently: Number(counts?.told_recently ?? 0),
      outOfSeason: Number(counts?.out_of_season ?? 0),
      lapsed: Number(counts?.lapsed ?? 0),
      withoutPerson: 0,
      candidates: 0,
      alreadyPlanned: 0,
      planned: 0,
      digests: 0,
      merged: 0,
      superseded: 0,
      renoticed: 0,
      byChannel: {},
      byKind: {},
    };
    // What the outbox holds for the period decides the skips and what is planned already; a first
    // plan of a period (the usual case) has nothing there and skips those statements.
    const [existing] = await query<{ n: string; stored: string }>('outbox');
    const total = Number(counts?.taxpayers ?? 0);
    const batches = Math.max(1, Math.ceil(total / perBatch));
    let halved = 0;
    for (const name of ['rows', 'persons', 'booked_all']) await exec(name);
    // A message's words of its own (what a near miss lacks, a relief's notices) are decided when it is
    // planned; one planned earlier and not yet tried is worded again here with what holds now (an
    // outbox planned before notices existed, a company whose certificate lapsed or was renewed, or
    // whose near miss now lacks less or more). Words are asked of the caller, as for the new messages below,
    // of the items the current results still call for as they were planned (section called_now).
    // Not in a campaign, which only adds: the messages outside its scope are not its to rewrite.
    if (options.words && !options.scope && Number(existing?.n ?? 0) > 0) {
      const rows = await query<NoticedRow>('noticed_planned');
      if (rows.length > 0) {
        const called = await query<CalledRow>('called_now');
        const updates = await renoticed(rows, called, options.words);
        if (updates.length > 0) {
          params.renoticed = JSON.stringify(updates);
          report.renoticed = await change('renotice');
        }
      }
    }
    // The counts a batch adds to the report, added once its insert has written (its skips' count once they have).
    type BatchCounts = Pick<PlanReport, 'withoutPerson' | 'candidates' | 'alreadyPlanned' | 'digests' | 'merged' | 'byChannel' | 'byKind'>;
    const addCounts = (part: BatchCounts) => {
      report.withoutPerson += part.withoutPerson;
      report.candidates += part.candidates;
      report.alreadyPlanned += part.alreadyPlanned;
      report.digests += part.digests;
      report.merged += part.merged;
      for (const [channel, n] of Object.entries(part.byChannel)) report.byChannel[channel] = (report.byChannel[channel] ?? 0) + n;
      for (const [kind, n] of Object.entries(part.byKind)) report.byKind[kind] = (report.byKind[kind] ?? 0) + n;
    };
    let madeNewRows = false;
    // Whether the outbox may hold ids of a batch's taxpayers in the period: rows stored when the plan
    // began, or an insert reported as failed that wrote after all (a batch halved).
    const mayHoldIds = () => Number(existing?.stored ?? 0) > 0 || halved > 0;
    // Plans the taxpayers numbered lo to hi - 1: whole taxpayers, so a crash between batches leaves
    // each planned entirely or not at all, and the next plan completes the rest.
    const planBatch = async (lo: number, hi: number): Promise<void> => {
      params.lo = lo;
      params.hi = hi;
      params.lacking = '[]';
      const part: BatchCounts = { withoutPerson: 0, candidates: 0, alreadyPlanned: 0, digests: 0, merged: 0, byChannel: {}, byKind: {} };
      let inserted = false;
      let skipped = 0;
      try {
        await exec('candidates');
        if (Number(existing?.n ?? 0) > 0) {
          await exec('existing');
          // A campaign only adds: messages outside it are not "no longer called for".
          if (options.scope) await createTemp(['push_plan_superseded'], emptySuperseded);
          else await exec('superseded');
          await exec('handled');
        } else await exec('nothing_planned');
        // DuckDB: the ids the insert must not repeat, skipped ones included (PostgreSQL's insert asks the
        // primary key's index). With no row of the period stored when the plan began there are none.
        // After a batch ran out of memory, always: were its insert ever to have written after all, its
        // halves must not write those rows again (DuckDB's outbox has no key to refuse them).
        if (sections.has('taken') && mayHoldIds()) await exec('taken');
        await exec('booked');
        await exec('allocate');

        // Explaining a near miss costs a look at the taxpayer's facts: only for the messages to write.
        if (options.words) {
          const worded = await query<{ credit_code: string; policy_id: string; kind: 'relief' | 'nearMiss' }>('worded');
          if (worded.length > 0) {
            const words = await options.words(worded.map((n) => ({ creditCode: n.credit_code, policyId: n.policy_id, kind: n.kind })));
            params.lacking = JSON.stringify(
              worded.flatMap((n) => {
                const l = words.get(n.credit_code)?.get(n.policy_id);
                return l ? [{ credit_code: n.credit_code, policy_id: n.policy_id, lacking: l }] : [];
              }),
            );
          }
        }
        await exec('lacking');

        part.withoutPerson += Number((await query<{ without_person: string }>('without_person'))[0]?.without_person ?? 0);
        for (const row of await query<Record<'channel' | 'relief' | 'near_miss' | 'digest' | 'merged' | 'candidates' | 'already_planned', string | null>>(
          'report',
        )) {
          const channel = row.channel as string;
          for (const [kind, n] of [
            ['relief', Number(row.relief ?? 0)],
            ['nearMiss', Number(row.near_miss ?? 0)],
            ['digest', Number(row.digest ?? 0)],
          ] as const) {
            if (n === 0) continue;
            part.byChannel[channel] = (part.byChannel[channel] ?? 0) + n;
            part.byKind[kind] = (part.byKind[kind] ?? 0) + n;
          }
          part.digests += Number(row.digest ?? 0);
          part.merged += Number(row.merged ?? 0);
          part.candidates += Number(row.candidates ?? 0);
          part.alreadyPlanned += Number(row.already_planned ?? 0);
        }

        // The skips, then the insert, each atomic. DuckDB reads the new rows through a table macro made
        // once (section new_rows), which both the insert and the revival of skipped rows read;
        // PostgreSQL's insert revives them itself.
        if (!madeNewRows && sections.has('new_rows')) {
          await exec('new_rows');
          madeNewRows = true;
        }
        skipped = await change('skip');
        report.superseded += skipped;
        report.planned += await change('insert');
        inserted = true;
        if (sections.has('revive') && mayHoldIds() && Number((await query<{ n: string }>('revivable'))[0]?.n ?? 0) > 0) {
          report.planned += await change('revive');
        }
        addCounts(part);
        options.onProgress?.({ done: hi, total, halved });
      } catch (err) {
        // DuckDB out of its memory limit on a batch, before the batch's insert wrote: the batch is
        // planned again as two halves. Nothing of it is lost or doubled: its skips, if they ran, are
        // decided again the same way (the skipped messages are no longer in the outbox's live rows),
        // and the insert, one statement, wrote all of its rows or none. Standalone only: inside a
        // caller's transaction the error has undone the transaction (PostgreSQL plans in one always).
        if (inserted || pg || db.inTransaction || hi - lo < 2 || !isOutOfMemory(err)) throw err;
        const mid = lo + Math.floor((hi - lo) / 2);
        halved++;
        // The messages its skips took out no longer count for the cap either: the times booked are read
        // again (once per plan otherwise, before anything is written), without them, as an
        // uninterrupted batch leaves out what it skips.
        if (skipped > 0) await exec('booked_all');
        await planBatch(lo, mid);
        await planBatch(mid, hi);
      }
    };
    for (let batch = 0; batch < batches; batch++) await planBatch(batch * perBatch, Math.min((batch + 1) * perBatch, total));
    return report;
  } finally {
    // After a failed statement inside a caller's transaction the transaction is aborted and this
    // fails too; the temp tables go with the rollback then, and the first error is the one to report.
    const drop = pg
      ? [...TEMP_TABLES.map((t) => `DROP TABLE IF EXISTS pg_temp.${t};`), ...PG_FUNCTIONS.map((f) => `DROP FUNCTION IF EXISTS pg_temp.${f};`)]
      : [
          ...TEMP_TABLES.map((t) => `DROP TABLE IF EXISTS temp.main.${t};`),
          ...DUCKDB_VARIABLES.map((v) => `RESET VARIABLE ${v};`),
          'DROP MACRO TABLE IF EXISTS temp.main.push_plan_new;',
        ];
    await db.exec(drop.join('\n')).catch(() => undefined);
    // In a caller's transaction a failed statement aborted, once the caller has rolled it back.
    if (restoreOptimizers) await restoreOptimizers();
  }
}

/** An item the current results call for, of those a planned message may word again (section called_now). */
type CalledRow = { credit_code: string; policy_id: string; kind: 'relief' | 'nearMiss' };

type NoticedRow = Pick<OutboxMessage, 'message_id' | 'period' | 'credit_code' | 'role' | 'kind' | 'policy_id' | 'items' | 'lacking' | 'digest_items'>;

/**
 * Of planned rows telling of near misses or of reliefs with notices (section noticed_planned), those
 * whose words differ from what `words` says now, with their `lacking` (a relief or a near miss) or
 * `digest_items` (a digest: the lines of those items) as they should be. Words are compared as values,
 * not as the engine's JSON text.
 */
async function renoticed(
  rows: readonly NoticedRow[],
  calledRows: readonly CalledRow[],
  words: ItemWordsProvider,
): Promise<{ message_id: string; lacking: string | null; digest_items: string | null }[]> {
  const same = (stored: unknown, now: readonly string[] | undefined) => JSON.stringify(stored ?? null) === JSON.stringify(now ?? null);
  // Every near miss has words of its own (what it lacks), a relief where its policy has notices: of
  // those, the items the current results call for as they were planned. A taxpayer's current result of
  // a policy is one, a relief or a near miss: by taxpayer and policy, and one question per policy.
  const called = new Map(calledRows.map((c) => [`${c.credit_code} ${c.policy_id}`, c.kind]));
  const worded = (creditCode: string, kind: string, policyId: string) => called.get(`${creditCode} ${policyId}`) === kind;
  const items = (r: NoticedRow): { policyId: string; kind: 'relief' | 'nearMiss' }[] =>
    (r.kind === 'relief' || r.kind === 'nearMiss'
      ? [{ policyId: r.policy_id as string, kind: r.kind }]
      : digestLines(r).map((l) => ({ policyId: l.policyId, kind: l.kind }))
    ).filter((i) => worded(r.credit_code, i.kind, i.policyId));
  const asked = new Map<string, { creditCode: string; policyId: string; kind: 'relief' | 'nearMiss' }>();
  for (const r of rows) for (const i of items(r)) asked.set(`${r.credit_code} ${i.policyId}`, { creditCode: r.credit_code, ...i });
  const now = await words([...asked.values()]);
  const out: { message_id: string; lacking: string | null; digest_items: string | null }[] = [];
  for (const r of rows) {
    // A taxpayer the provider has no facts for is not judged: its messages keep their words.
    if (!now.has(r.credit_code)) continue;
    const of = (policyId: string) => now.get(r.credit_code)?.get(policyId);
    if (r.kind === 'relief' || r.kind === 'nearMiss') {
      if (!worded(r.credit_code, r.kind, r.policy_id as string)) continue;
      const w = of(r.policy_id as string);
      if (!same(r.lacking === null ? null : JSON.parse(r.lacking), w))
        out.push({ message_id: r.message_id, lacking: w ? JSON.stringify(w) : null, digest_items: null });
      continue;
    }
    const lines = digestLines(r);
    let changed = false;
    for (const l of lines) {
      if (!worded(r.credit_code, l.kind, l.policyId) || same(l.line.lacking, of(l.policyId))) continue;
      l.line.lacking = of(l.policyId) ? [...(of(l.policyId) as readonly string[])] : null;
      changed = true;
    }
    if (changed) out.push({ message_id: r.message_id, lacking: r.lacking, digest_items: JSON.stringify(lines.map((l) => l.line)) });
  }
  return out;
}

/** The layer: who hears of what, narrowed to the roles the catalogue entry names. */
export function rolesFor(entry: Pick<PushEntry, 'notify'>, kind: 'relief' | 'nearMiss', major: boolean): Role[] {
  const layer: Role[] =
    kind === 'nearMiss' ? ['financeOfficer'] : major ? ['financeOfficer', 'taxHandler', 'legalRepresentative'] : ['financeOfficer', 'taxHandler'];
  const narrowed = layer.filter((r) => entry.notify.includes(r));
  return narrowed.length > 0 ? narrowed : layer;
}

/** DuckDB's error when a statement needs more than its memory limit (and cannot spill what it holds). */
const isOutOfMemory = (err: unknown) => err instanceof Error && err.message.startsWith('Out of Memory Error');

// Code-point order: ids are ASCII, and localeCompare would cost an ICU collation per comparison.
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
