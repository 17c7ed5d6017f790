import type { Store } from '../store/store.ts';
import {
  type Addressee,
  type Channel,
  digestSubject,
  digestText,
  type ItemText,
  inboxAddress,
  type MessageKind,
  messageId,
  type PushEntry,
  type Role,
  singleText,
  toFen,
} from './message.ts';
import { checkSendingHours, DEFAULT_PLAN_SETTINGS, type PlanSettings } from './settings.ts';
import { DAY_MS, defaultDeadline, fromSql, HOUR_MS, type LocalMs, nextDeliveryTime, parsePeriod, type QuietHours, sqlTimestamp, toLocal } from './time.ts';

const WEEK_MS = 7 * DAY_MS;

/** What a near miss lacks, in words, per `lackingKey(creditCode, policyId)`; the match part can tell (it has the explained rules). */
export type LackingProvider = (nearMisses: readonly { creditCode: string; policyId: string }[]) => Promise<Map<string, readonly string[]>>;
export const lackingKey = (creditCode: string, policyId: string): string => `${creditCode}|${policyId}`;

export interface PlanOptions {
  /** The period whose current match results are pushed, e.g. 2026-Q1. */
  period: string;
  /** Messages are never scheduled before this moment. */
  now: Date;
  settings?: Partial<PlanSettings>;
  lacking?: LackingProvider;
  /** Plan for this taxpayer only (after a single-taxpayer re-match). */
  only?: string;
}

export interface PlanReport {
  period: string;
  /** Current matched and near-miss results of catalogue policies. */
  results: number;
  /** Results left out: policy not among the entries given, or an entry that is not a policy. */
  notInCatalogue: number;
  /** Results whose estimated benefit for the period is zero: nothing to claim, so no message. */
  nothingToClaim: number;
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
  byChannel: Record<string, number>;
  byKind: Record<string, number>;
}

type ResultRow = {
  run_id: string;
  credit_code: string;
  policy_id: string;
  status: 'matched' | 'nearMiss';
  benefit: string | null;
  taxpayer_name: string;
};

type PersonRow = {
  credit_code: string;
  role: Role;
  name: string;
  email: string | null;
  mobile: string | null;
  preferred_channel: Channel;
  quiet_from: number | string;
  quiet_to: number | string;
};

interface Candidate {
  id: string;
  creditCode: string;
  role: Role;
  runId: string;
  item: ItemText;
  /** When it should arrive: leadDays before the deadline, never before now. */
  target: LocalMs;
  major: boolean;
}

interface NewMessage {
  id: string;
  period: string;
  creditCode: string;
  role: Role;
  kind: MessageKind;
  policyId: string | null;
  items: string | null;
  category: string;
  runId: string;
  benefitFen: bigint | null;
  deadline: string;
  channel: Channel;
  recipient: string;
  subject: string;
  body: string;
  at: LocalMs;
}

/** Filing deadlines are per tax type; a category names the tax type whose return claims the relief. */
const TAX_TYPE_OF_CATEGORY: Record<string, string | undefined> = { vat: 'vat', surcharges: 'surcharges', cit: 'cit', iit: 'iit', stampDuty: 'stampDuty' };

/**
 * The current results of a period: for each taxpayer, those of the latest run (highest run_id) for
 * the period that covers it, a city run or a re-match of that taxpayer alone. A taxpayer with no
 * row in its latest run has nothing current, even if an older run had rows.
 */
const LATEST_RUNS = `
  city AS (SELECT max(run_id) AS run_id FROM match_run WHERE period = $period AND scope = 'city'),
  single AS (SELECT scope AS credit_code, max(run_id) AS run_id FROM match_run WHERE period = $period AND scope <> 'city' GROUP BY scope)`;
const CURRENT = `
  current AS (
    SELECT pm.run_id, pm.credit_code, pm.policy_id, pm.status, pm.benefit
    FROM policy_match pm LEFT JOIN single s ON s.credit_code = pm.credit_code
    WHERE pm.period = $period AND pm.status IN ('matched', 'nearMiss') AND ($only::VARCHAR IS NULL OR pm.credit_code = $only)
      AND pm.run_id = greatest(coalesce(s.run_id, -1), coalesce((SELECT run_id FROM city), -1)))`;

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
 * Idempotent: message ids are derived from their content, and an id already in the outbox (or an
 * item of a digest already there) is not planned again. Planned messages that the latest results
 * no longer support become `skipped`.
 *
 * Writes with two statements (the skips, then one INSERT of all new rows), each atomic. Inside a
 * caller's open transaction they are part of it; standalone, a crash between them leaves a state
 * from which the next plan reaches exactly what an uninterrupted one would have (the skips are
 * decided again the same way, and the insert is computed from them).
 */
export async function planPushes(store: Store, entries: readonly PushEntry[], options: PlanOptions): Promise<PlanReport> {
  const settings: PlanSettings = { ...DEFAULT_PLAN_SETTINGS, ...options.settings };
  checkSendingHours(settings.sendingHours);
  if (!Number.isInteger(settings.maxPerWeek) || settings.maxPerWeek < 1) throw new Error(`maxPerWeek must be a whole number >= 1, not ${settings.maxPerWeek}`);
  const period = parsePeriod(options.period);
  const now = toLocal(options.now);
  const majorFen = toFen(settings.majorReliefYuan.toFixed(2));
  const byId = new Map(entries.filter((e) => e.kind === 'policy').map((e) => [e.id, e]));
  // A single-taxpayer re-match plans that taxpayer only: the others' plans are left as they are.
  const p = { period: period.id, only: options.only ?? null };

  const results = await store.all<ResultRow>(
    `WITH ${LATEST_RUNS}, ${CURRENT}
     SELECT c.run_id::VARCHAR AS run_id, c.credit_code, c.policy_id, c.status, c.benefit::VARCHAR AS benefit, coalesce(t.name, c.credit_code) AS taxpayer_name
     FROM current c LEFT JOIN (SELECT credit_code, any_value(name) AS name FROM taxpayer GROUP BY credit_code) t USING (credit_code)
     ORDER BY c.credit_code, c.policy_id`,
    p,
  );
  const persons = new Map<string, PersonRow>();
  for (const row of await store.all<PersonRow>(
    `WITH ${LATEST_RUNS}, ${CURRENT}
     SELECT credit_code, role, name, email, mobile, preferred_channel, quiet_from, quiet_to FROM company_person
     WHERE credit_code IN (SELECT credit_code FROM current) ORDER BY credit_code, role, name`,
    p,
  )) {
    const key = `${row.credit_code}|${row.role}`;
    if (!persons.has(key)) persons.set(key, row);
  }
  const deadlines = new Map<string, string>();
  for (const row of await store.all<{ credit_code: string; tax_type: string; due: string }>(
    `WITH ${LATEST_RUNS}, ${CURRENT}
     SELECT credit_code, tax_type, min(due_date)::VARCHAR AS due FROM filing
     WHERE period_end = $end::DATE AND period_start >= $start::DATE AND credit_code IN (SELECT credit_code FROM current)
     GROUP BY credit_code, tax_type`,
    { ...p, start: period.start, end: period.end },
  )) {
    deadlines.set(`${row.credit_code}|${row.tax_type}`, row.due);
  }
  const runs = await store.one<{ city: string | null; singles: string | null }>(
    `WITH ${LATEST_RUNS} SELECT (SELECT run_id FROM city)::VARCHAR AS city, (SELECT string_agg(credit_code, ',') FROM single) AS singles`,
    { period: p.period },
  );
  const covered = (creditCode: string) => runs.city !== null || (runs.singles ?? '').split(',').includes(creditCode);
  const existing = await store.all<{ message_id: string; credit_code: string; kind: MessageKind; items: string | null; status: string }>(
    `SELECT message_id, credit_code, kind, items, status FROM push_message
     WHERE period = $period AND status <> 'skipped' AND ($only::VARCHAR IS NULL OR credit_code = $only)`,
    p,
  );

  const report: PlanReport = {
    period: period.id,
    results: 0,
    notInCatalogue: 0,
    nothingToClaim: 0,
    withoutPerson: 0,
    candidates: 0,
    alreadyPlanned: 0,
    planned: 0,
    digests: 0,
    merged: 0,
    superseded: 0,
    byChannel: {},
    byKind: {},
  };

  const candidates: Candidate[] = [];
  const names = new Map<string, string>();
  for (const r of results) {
    const entry = byId.get(r.policy_id);
    if (!entry) {
      report.notInCatalogue++;
      continue;
    }
    report.results++;
    names.set(r.credit_code, r.taxpayer_name);
    const kind = r.status === 'matched' ? 'relief' : 'nearMiss';
    const benefitFen = r.benefit === null ? null : toFen(r.benefit);
    // A relief worth nothing this period (no tax to reduce) would only teach people to ignore us;
    // an unknown benefit is still pushed, since the relief may well be worth something.
    if (benefitFen === 0n) {
      report.nothingToClaim++;
      continue;
    }
    const major = kind === 'relief' && benefitFen !== null && benefitFen >= majorFen;
    const taxType = TAX_TYPE_OF_CATEGORY[entry.category];
    const deadline = (taxType && deadlines.get(`${r.credit_code}|${taxType}`)) || defaultDeadline(period.end);
    const target = Math.max(now, fromSql(deadline) - settings.leadDays * DAY_MS + settings.sendingHours.from * HOUR_MS);
    const item: ItemText = { kind, entry, benefitFen, deadline, lacking: null };
    for (const role of rolesFor(entry, kind, major)) {
      if (!persons.has(`${r.credit_code}|${role}`)) {
        report.withoutPerson++;
        continue;
      }
      candidates.push({ id: messageId(period.id, r.credit_code, role, kind, entry.id), creditCode: r.credit_code, role, runId: r.run_id, item, target, major });
    }
  }
  report.candidates = candidates.length;

  // What the latest results no longer support is skipped, unless it is already on its way.
  const current = new Set(candidates.map((c) => c.id));
  const superseded = new Set(
    existing
      .filter((m) => m.status === 'planned' && covered(m.credit_code))
      .filter((m) => (m.kind === 'digest' ? (m.items ?? '').split(',').some((i) => !current.has(i)) : !current.has(m.message_id)))
      .map((m) => m.message_id),
  );
  const handled = new Set<string>();
  for (const m of existing) {
    if (superseded.has(m.message_id)) continue;
    handled.add(m.message_id);
    if (m.kind === 'digest') for (const i of (m.items ?? '').split(',')) handled.add(i);
  }

  // A message counts for the cap at the moment it reached (or will reach) the person. New messages
  // are never earlier than now, so nothing older than a week before now can share a window with them.
  const booked = new Map<string, LocalMs[]>();
  for (const row of await store.all<{ message_id: string; credit_code: string; role: string; at: string }>(
    `WITH ${LATEST_RUNS}, ${CURRENT}
     SELECT message_id, credit_code, role, coalesce(sent_at, next_attempt_at, scheduled_at)::VARCHAR AS at FROM push_message
     WHERE status IN ('planned', 'sending', 'sent') AND credit_code IN (SELECT credit_code FROM current)
       AND coalesce(sent_at, next_attempt_at, scheduled_at) > $now::TIMESTAMP - INTERVAL 7 DAY`,
    { ...p, now: sqlTimestamp(now) },
  )) {
    if (superseded.has(row.message_id)) continue;
    const key = `${row.credit_code}|${row.role}`;
    const times = booked.get(key) ?? [];
    times.push(fromSql(row.at));
    booked.set(key, times);
  }

  const perPerson = new Map<string, Candidate[]>();
  for (const c of candidates) {
    if (handled.has(c.id)) {
      report.alreadyPlanned++;
      continue;
    }
    const key = `${c.creditCode}|${c.role}`;
    const cands = perPerson.get(key) ?? [];
    cands.push(c);
    perPerson.set(key, cands);
  }

  // Explaining a near miss costs a look at the taxpayer's facts: only for the messages to write.
  const nearMisses = [...perPerson.values()].flat().filter((c) => c.item.kind === 'nearMiss');
  if (options.lacking && nearMisses.length > 0) {
    const lacking = await options.lacking(nearMisses.map((c) => ({ creditCode: c.creditCode, policyId: c.item.entry.id })));
    for (const c of nearMisses) c.item.lacking = lacking.get(lackingKey(c.creditCode, c.item.entry.id)) ?? null;
  }

  const fresh: NewMessage[] = [];
  for (const [key, cands] of perPerson) {
    const person = persons.get(key) as PersonRow;
    const quiet: QuietHours = { quietFrom: Number(person.quiet_from), quietTo: Number(person.quiet_to) };
    const to: Addressee = {
      taxpayerName: names.get(person.credit_code) ?? person.credit_code,
      creditCode: person.credit_code,
      personName: person.name,
      role: person.role,
      periodZh: period.zh,
    };
    const route = routeFor(person);
    for (const a of allocate(cands, booked.get(key) ?? [], settings, quiet)) {
      if (a.items.length === 1) {
        const c = a.items[0] as Candidate;
        const text = singleText(c.id, to, c.item);
        fresh.push({
          id: c.id,
          period: period.id,
          creditCode: c.creditCode,
          role: c.role,
          kind: c.item.kind,
          policyId: c.item.entry.id,
          items: null,
          category: c.item.entry.category,
          runId: c.runId,
          benefitFen: c.item.benefitFen,
          deadline: c.item.deadline,
          ...route,
          ...text,
          at: a.at,
        });
        continue;
      }
      const ids = a.items.map((c) => c.id);
      const id = messageId(period.id, person.credit_code, person.role, 'digest', digestSubject(ids));
      const reliefs = a.items.filter((c) => c.item.kind === 'relief' && c.item.benefitFen !== null);
      fresh.push({
        id,
        period: period.id,
        creditCode: person.credit_code,
        role: person.role,
        kind: 'digest',
        policyId: null,
        items: ids.join(','),
        category: [...new Set(a.items.map((c) => c.item.entry.category))].sort().join(','),
        runId: a.items.map((c) => c.runId).reduce((x, y) => (BigInt(y) > BigInt(x) ? y : x)),
        benefitFen: reliefs.length > 0 ? reliefs.reduce((s, c) => s + (c.item.benefitFen as bigint), 0n) : null,
        deadline: a.items.map((c) => c.item.deadline).sort()[0] as string,
        ...route,
        ...digestText(
          id,
          to,
          a.items.map((c) => c.item),
        ),
        at: a.at,
      });
      report.digests++;
      report.merged += a.items.length;
    }
  }
  fresh.sort((a, b) => cmp(a.creditCode, b.creditCode) || cmp(a.role, b.role) || a.at - b.at || cmp(a.id, b.id));

  if (superseded.size > 0) {
    report.superseded = await store.change(
      `UPDATE push_message SET status = 'skipped', last_error = 'superseded: the current match results (or the company''s people) no longer call for it'
       WHERE status = 'planned' AND message_id IN (SELECT unnest(string_split($ids, chr(10))))`,
      { ids: [...superseded].join('\n') },
    );
  }
  if (fresh.length > 0) report.planned = await insertMessages(store, fresh, now);
  for (const m of fresh) {
    report.byChannel[m.channel] = (report.byChannel[m.channel] ?? 0) + 1;
    report.byKind[m.kind] = (report.byKind[m.kind] ?? 0) + 1;
  }
  return report;
}

/** The layer: who hears of what, narrowed to the roles the catalogue entry names. */
export function rolesFor(entry: Pick<PushEntry, 'notify'>, kind: 'relief' | 'nearMiss', major: boolean): Role[] {
  const layer: Role[] =
    kind === 'nearMiss' ? ['financeOfficer'] : major ? ['financeOfficer', 'taxHandler', 'legalRepresentative'] : ['financeOfficer', 'taxHandler'];
  const narrowed = layer.filter((r) => entry.notify.includes(r));
  return narrowed.length > 0 ? narrowed : layer;
}

/** The preferred channel when its address is known, else the in-app inbox. SMS falls back to the inbox later, when sending. */
function routeFor(p: PersonRow): { channel: Channel; recipient: string } {
  if (p.preferred_channel === 'email' && p.email) return { channel: 'email', recipient: p.email };
  if (p.preferred_channel === 'sms' && p.mobile) return { channel: 'sms', recipient: p.mobile };
  return { channel: 'inApp', recipient: inboxAddress(p.credit_code, p.role) };
}

/** Does one more message at `t` keep every 7-day window at most `max`? Only windows starting at t or at a booked time need a look. */
export function fitsCap(t: LocalMs, times: readonly LocalMs[], max: number): boolean {
  for (const s of [t, ...times.filter((b) => b > t - WEEK_MS && b <= t)]) {
    if (times.filter((b) => b >= s && b < s + WEEK_MS).length + 1 > max) return false;
  }
  return true;
}

/** The first deliverable moment at or after `target` at which one more message fits the cap. */
function placeAt(target: LocalMs, times: readonly LocalMs[], s: PlanSettings, quiet: QuietHours): LocalMs {
  let t = nextDeliveryTime(target, s.sendingHours, quiet);
  while (!fitsCap(t, times, s.maxPerWeek)) {
    // Nothing changes until a booked message leaves the window; past the last one everything fits.
    const later = times.map((b) => b + WEEK_MS).filter((x) => x > t);
    t = nextDeliveryTime(Math.min(...later), s.sendingHours, quiet);
  }
  return t;
}

// Code-point order: ids are ASCII, and localeCompare would cost an ICU collation per comparison.
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const priority = (c: Candidate) => (c.item.kind === 'nearMiss' ? 2 : c.major ? 0 : 1);

/**
 * One person's new messages under the frequency cap. When all fit at their own times, each goes
 * alone. Otherwise one digest is booked first, at the earliest time any of them should arrive (or
 * the first moment the cap allows), and the most important messages (major reliefs, then larger
 * benefits, near misses last) go alone as long as they fit beside it; the rest go in the digest.
 */
function allocate(cands: readonly Candidate[], booked: readonly LocalMs[], s: PlanSettings, quiet: QuietHours): { items: Candidate[]; at: LocalMs }[] {
  const sorted = [...cands].sort(
    (a, b) =>
      priority(a) - priority(b) || Number((b.item.benefitFen ?? -1n) - (a.item.benefitFen ?? -1n)) || cmp(a.item.entry.id, b.item.entry.id) || cmp(a.id, b.id),
  );
  const times = [...booked];
  const alone: { items: Candidate[]; at: LocalMs }[] = [];
  for (const c of sorted) {
    const at = nextDeliveryTime(c.target, s.sendingHours, quiet);
    if (!fitsCap(at, times, s.maxPerWeek)) break;
    times.push(at);
    alone.push({ items: [c], at });
  }
  if (alone.length === sorted.length) return alone;

  const digestAt = placeAt(Math.min(...sorted.map((c) => c.target)), booked, s, quiet);
  const withDigest = [...booked, digestAt];
  const singles: { items: Candidate[]; at: LocalMs }[] = [];
  const rest: Candidate[] = [];
  for (const c of sorted) {
    const at = nextDeliveryTime(c.target, s.sendingHours, quiet);
    if (fitsCap(at, withDigest, s.maxPerWeek)) {
      withDigest.push(at);
      singles.push({ items: [c], at });
    } else rest.push(c);
  }
  // A digest of one would be a single message under another name: send that one alone in the slot.
  return rest.length === 0 ? singles : [...singles, { items: rest, at: digestAt }];
}

const STAGE_COLUMNS = [
  'message_id',
  'credit_code',
  'role',
  'kind',
  'period',
  'policy_id',
  'items',
  'category',
  'run_id',
  'benefit',
  'deadline',
  'channel',
  'recipient',
  'subject',
  'body',
  'scheduled_at',
] as const;
let stageCounter = 0;

/**
 * All new rows in one INSERT: staged through a temporary table (the appender is fast and the stage
 * vanishes with a crash), then inserted with ON CONFLICT DO NOTHING, so an id planned meanwhile
 * is kept as it was. The anti-join only saves the conflict check for ids known to be there.
 */
async function insertMessages(store: Store, rows: readonly NewMessage[], now: LocalMs): Promise<number> {
  const stage = `push_plan_stage_${process.pid}_${++stageCounter}`;
  await store.exec(`CREATE TEMP TABLE ${stage} (${STAGE_COLUMNS.map((c) => `${c} VARCHAR`).join(', ')})`);
  try {
    const appender = await store.connection.createAppender(stage, 'main', 'temp');
    for (const m of rows) {
      const values = [
        m.id,
        m.creditCode,
        m.role,
        m.kind,
        m.period,
        m.policyId,
        m.items,
        m.category,
        m.runId,
        m.benefitFen === null ? null : formatFen(m.benefitFen),
        m.deadline,
        m.channel,
        m.recipient,
        m.subject,
        m.body,
        sqlTimestamp(m.at),
      ];
      for (const v of values) {
        if (v === null) appender.appendNull();
        else appender.appendVarchar(v);
      }
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
    return await store.change(
      `INSERT INTO push_message BY NAME
       SELECT message_id, credit_code, role, kind, period, policy_id, items, category, run_id::BIGINT AS run_id,
              benefit::DECIMAL(18,2) AS benefit, deadline::DATE AS deadline, channel, recipient, subject, body,
              'planned' AS status, scheduled_at::TIMESTAMP AS scheduled_at, 0 AS attempts, $now::TIMESTAMP AS created_at
       FROM ${stage} WHERE message_id NOT IN (SELECT message_id FROM push_message)
       ON CONFLICT DO NOTHING`,
      { now: sqlTimestamp(now) },
    );
  } finally {
    // After a failed statement inside a caller's transaction the transaction is aborted and this
    // fails too; the stage goes with the rollback then, and the first error is the one to report.
    await store.exec(`DROP TABLE IF EXISTS temp.main.${stage}`).catch(() => undefined);
  }
}

const formatFen = (fen: bigint) => `${fen < 0n ? '-' : ''}${(fen < 0n ? -fen : fen) / 100n}.${((fen < 0n ? -fen : fen) % 100n).toString().padStart(2, '0')}`;
