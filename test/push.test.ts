import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { SMTPServer } from 'smtp-server';
import { sendText } from '../src/cli/commands/push.ts';
import { type FilingCalendar, filingCalendar, filingDeadline, NO_FILING_CALENDAR } from '../src/law/filingDeadline.ts';
import { loadParameters } from '../src/law/parameters.ts';
import { catalogueOf, DEFAULT_LAW_DIR } from '../src/match/match.ts';
import { withCheckCharacter } from '../src/model/creditCode.ts';
import type { ChannelAdapter } from '../src/push/channels/channel.ts';
import { emailAdapter, headerMessageId } from '../src/push/channels/email.ts';
import { inAppAdapter } from '../src/push/channels/inApp.ts';
import { smsNotConfigured } from '../src/push/channels/sms.ts';
import {
  type Addressee,
  digestSubject,
  digestText,
  entriesById,
  type ItemText,
  inboxAddress,
  messageId,
  type OutboxMessage,
  type PushEntry,
  type RenderableMessage,
  type Role,
  renderMessage,
  singleText,
  toFen,
} from '../src/push/message.ts';
import { type PlanReport, planPushes, rolesFor } from '../src/push/plan.ts';
import { sendPushes } from '../src/push/send.ts';
import type { PlanSettings } from '../src/push/settings.ts';
import { dateText, fromSql, nextDeliveryTime, parseInstant, parsePeriod, quarterBefore, sqlTimestamp, toLocal } from '../src/push/time.ts';
import type { Db } from '../src/store/db.ts';
import { PgDb } from '../src/store/pg.ts';
import { Store } from '../src/store/store.ts';
import { INSERT_FILING, TP1, TP2 } from './helpers/records.ts';
import { tempDir } from './helpers/tmp.ts';

// ---------------------------------------------------------------- the world the tests push in

const ALL: Role[] = ['financeOfficer', 'taxHandler', 'legalRepresentative'];
const entry = (
  id: string,
  category: PushEntry['category'],
  notify: Role[] = ALL,
  kind: PushEntry['kind'] = 'policy',
  exclusiveGroup?: string,
  groupRank?: number,
): PushEntry => ({
  id,
  kind,
  title: { zh: `${id} 的中文标题`, en: `English title of ${id}` },
  category,
  notify,
  ...(exclusiveGroup ? { exclusiveGroup } : {}),
  ...(groupRank ? { groupRank } : {}),
});
const ENTRIES: PushEntry[] = [
  entry('cit.bigRelief', 'cit'),
  // Reduction codes of the test catalogue only (not official ones): a claim on a return names them.
  { ...entry('vat.smallRelief', 'vat'), reductionCodes: ['9900000101'] },
  entry('vat.narrow', 'vat', ['financeOfficer', 'taxHandler']),
  { ...entry('surcharges.almost', 'surcharges'), reductionCodes: ['9900000102'] },
  entry('stampDuty.a', 'stampDuty'),
  { ...entry('iit.b', 'iit'), reductionCodes: ['9900000103'] },
  entry('other.c', 'other'),
  entry('cit.someTag', 'cit', ALL, 'tag'),
  // Two reliefs that do not stack (as the high-tech rate and the small low-profit relief).
  { ...entry('cit.rateA', 'cit', ALL, 'policy', 'citRate'), reductionCodes: ['9900000104'] },
  { ...entry('cit.rateB', 'cit', ['financeOfficer'], 'policy', 'citRate'), reductionCodes: ['9900000105'] },
  // Two that do not stack and are ranked, as the R&D super deduction at 120 % (rndB, the larger id)
  // and at 100 % (rndA): a rank, not the id, tells them apart when neither has an estimate.
  entry('cit.rndA', 'cit', ALL, 'policy', 'rnd', 2),
  entry('cit.rndB', 'cit', ALL, 'policy', 'rnd', 1),
  // Told by the plans of the second and third quarters only: in 2026-Q1, out of season.
  { ...entry('iit.seasonal', 'iit'), pushQuarters: [2, 3] },
];
const PERIOD = '2026-Q1';
/** The repository's published filing deadlines. */
const CALENDAR = filingCalendar(loadParameters('law/parameters.yaml').parameters);
const NOW = parseInstant('2026-04-01T10:00:00+08:00');
const at = (local: string) => parseInstant(local);

interface PersonSpec {
  role: Role;
  /** Default: the role's name in NAMES. */
  name?: string;
  channel?: 'inApp' | 'email' | 'sms';
  email?: string;
  mobile?: string;
  quiet?: [number, number];
}

/** A store with taxpayers, their people and a city match run; results are added per test. */
async function world(people: PersonSpec[] = [], path = ':memory:'): Promise<Store> {
  const store = await Store.open(path);
  await fill(store, people);
  return store;
}

async function fill(store: Db, people: PersonSpec[]): Promise<void> {
  for (const [code, name] of [
    [TP1, '深圳市示例科技有限公司'],
    [TP2, '深圳市样本贸易有限公司'],
  ] as const) {
    await store.exec(
      `INSERT INTO taxpayer VALUES ($1, $2, 'enterprise', 'general', 'I65', 'nanshan', DATE '2018-05-02', 48, 12500000.00, 'actualAccounts', true, NULL, 0, 'A')`,
      [code, name],
    );
  }
  for (const p of people) await person(store, TP1, p);
  await run(store, 1, 'city');
}

const PG_URL = process.env.ZHISHU_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A PostgreSQL schema of its own for a test, migrated; drop() removes it. */
async function pgServer(): Promise<{ db: PgDb; drop: () => Promise<void> }> {
  const schema = `zhishu_push_${randomBytes(6).toString('hex')}`;
  const db = await PgDb.open(PG_URL, { schema });
  await db.migrate();
  return {
    db,
    drop: async () => {
      await db.exec(`DROP SCHEMA ${schema} CASCADE`);
      await db.close();
    },
  };
}

/** world() on PostgreSQL: the schema emptied, then the same taxpayers, people and city run. */
async function pgWorld(db: PgDb, people: PersonSpec[] = []): Promise<PgDb> {
  await db.exec(
    'TRUNCATE taxpayer, company_person, match_run, policy_match, filing, filing_reduction, push_message, push_attempt, inbox_message, email_sent_log, ledger_entry',
  );
  await fill(db, people);
  return db;
}

const NAMES: Record<Role, string> = { legalRepresentative: '张某某', financeOfficer: '陈某某', taxHandler: '李某某' };
async function person(store: Db, code: string, p: PersonSpec): Promise<void> {
  const [from, to] = p.quiet ?? [21, 8];
  await store.exec('INSERT INTO company_person VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
    code,
    p.role,
    p.name ?? NAMES[p.role],
    p.mobile ?? null,
    p.email ?? null,
    p.channel ?? 'inApp',
    from,
    to,
  ]);
}

async function run(store: Db, runId: number, scope: string): Promise<void> {
  await store.exec(`INSERT INTO match_run VALUES ($1, $2, $3, 'test', 8, TIMESTAMP '2026-04-01 02:00:00', TIMESTAMP '2026-04-01 02:05:00')`, [
    runId,
    PERIOD,
    scope,
  ]);
}

async function result(store: Db, runId: number, code: string, policy: string, status: string, benefit: string | null): Promise<void> {
  const category = ENTRIES.find((e) => e.id === policy)?.category ?? 'other';
  await store.exec(`INSERT INTO policy_match VALUES ($1, $2, $3, $4, $5, $6::DECIMAL(18,2), $7, TIMESTAMP '2026-04-01 02:01:00')`, [
    runId,
    code,
    policy,
    PERIOD,
    status,
    benefit,
    category,
  ]);
}

type Msg = {
  message_id: string;
  credit_code: string;
  role: string;
  kind: string;
  policy_id: string | null;
  items: string | null;
  category: string;
  benefit: string | null;
  deadline: string;
  channel: string;
  recipient: string;
  subject: string;
  body: string;
  status: string;
  scheduled_at: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
};

/** The columns a message's texts are rendered from (besides those a query selects anyway). */
const TEXT_SOURCES = 'period, group_claimed::VARCHAR AS group_claimed, person_name, taxpayer_name, lacking, digest_items, subject, body';
type TextSources = Pick<OutboxMessage, 'period' | 'group_claimed' | 'person_name' | 'taxpayer_name' | 'lacking' | 'digest_items' | 'subject' | 'body'>;
/** Rows with their subject and body as they will be sent, and the columns they were rendered from left out. */
const withTexts = <T extends TextSources>(rows: T[]): (Omit<T, keyof TextSources> & { subject: string; body: string })[] =>
  rows.map((full) => {
    const { period: _p, group_claimed: _g, person_name: _n, taxpayer_name: _t, lacking: _l, digest_items: _d, subject: _s, body: _b, ...row } = full;
    return { ...row, ...renderMessage(full as unknown as RenderableMessage, entriesById(ENTRIES)) };
  });

const messages = async (store: Db): Promise<Msg[]> =>
  withTexts(
    await store.all<Omit<Msg, 'subject' | 'body'> & TextSources>(
      `SELECT message_id, credit_code, role, kind, policy_id, items, category, benefit::VARCHAR AS benefit, deadline::VARCHAR AS deadline, channel, recipient,
              ${TEXT_SOURCES}, status, scheduled_at::VARCHAR AS scheduled_at, attempts, next_attempt_at::VARCHAR AS next_attempt_at, last_error
       FROM push_message ORDER BY credit_code, role, kind, message_id`,
    ),
  ).map(({ subject, body, ...row }) => ({ ...row, subject, body }) as Msg);
const attempts = (store: Db, id?: string) =>
  store.all<{ message_id: string; attempt: number; channel: string; outcome: string | null; error: string | null; finished: boolean }>(
    `SELECT message_id, attempt, channel, outcome, error, finished_at IS NOT NULL AS finished FROM push_attempt
     WHERE $1::VARCHAR IS NULL OR message_id = $1 ORDER BY message_id, attempt`,
    [id ?? null],
  );
const inbox = (store: Db) => store.all<{ message_id: string; role: string }>('SELECT message_id, role FROM inbox_message ORDER BY message_id');
/** Messages of 2025-Q4 sent to the person of a role of TP1 at local times (what the weekly cap counts), ids old-1, old-2, ... */
async function sentEarlier(db: Db, role: Role, times: readonly string[]): Promise<void> {
  for (const [i, when] of times.entries())
    await db.exec(
      `INSERT INTO push_message VALUES ($1, $2, $4, 'relief', '2025-Q4', 'x.y', NULL, 'vat', 0, NULL, DATE '2026-01-15', 'inApp', 'inbox', 's', 'b',
         'sent', $3::TIMESTAMP, 1, NULL, NULL, TIMESTAMP '2026-01-01 00:00:00', $3::TIMESTAMP, NULL, NULL, NULL, NULL, NULL)`,
      [`old-${i + 1}`, TP1, when, role],
    );
}

const plan = (store: Db, now = NOW, extra: Partial<Parameters<typeof planPushes>[2]> = {}) => planPushes(store, ENTRIES, { period: PERIOD, now, ...extra });

// ---------------------------------------------------------------- a real SMTP server

interface Received {
  to: string[];
  raw: string;
}

async function smtpServer(behaviour: 'accept' | 'neverAnswer' | 'rejectRecipient' = 'accept') {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 200,
    onRcptTo(_address, _session, callback) {
      if (behaviour === 'rejectRecipient') callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((a) => a.address), raw: Buffer.concat(chunks).toString('utf8') });
        if (behaviour !== 'neverAnswer') callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A header of a raw message, unfolded, with RFC 2047 encoded words decoded. */
function header(raw: string, name: string): string | undefined {
  const head = (raw.split(/\r?\n\r?\n/)[0] ?? '').replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (line === undefined) return undefined;
  const value = line.slice(name.length + 1).trim();
  const parts: (string | Buffer)[] = [];
  let rest = value;
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/;
  for (let m = word.exec(rest); m; m = word.exec(rest)) {
    const plain = rest.slice(0, m.index);
    if (plain.trim() !== '' || parts.length === 0 || typeof parts.at(-1) === 'string') parts.push(plain);
    const text = m[3] ?? '';
    parts.push(
      /b/i.test(m[2] ?? '')
        ? Buffer.from(text, 'base64')
        : Buffer.from(
            text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            'latin1',
          ),
    );
    rest = rest.slice(m.index + m[0].length);
  }
  parts.push(rest);
  // Adjacent encoded words are one run of bytes: a character may be split between them.
  let out = '';
  let bytes: Buffer[] = [];
  for (const p of parts) {
    if (typeof p === 'string') {
      out += Buffer.concat(bytes).toString('utf8') + p;
      bytes = [];
    } else bytes.push(p);
  }
  return out + Buffer.concat(bytes).toString('utf8');
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Runs test/helpers/pushCrash.ts on a database (a DuckDB file, or a PostgreSQL URL and schema): a sender killed right after its channel delivered. */
function crashingSender([db, schema]: [string, string], now: Date, channel: 'inApp' | 'email', smtp = ''): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'helpers', 'pushCrash.ts'), db, now.toISOString(), channel, smtp, schema], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') process.stderr.write(stderr);
      resolve(signal);
    });
  });
}

// ---------------------------------------------------------------- planning

const THREE: PersonSpec[] = [
  { role: 'financeOfficer', channel: 'email', email: 'fo@example.com' },
  { role: 'taxHandler', channel: 'sms', mobile: '13800138000' },
  { role: 'legalRepresentative' },
];

describe('planning: by category and layer', () => {
  it('a matched relief reaches the finance officer and the tax handler, a major one the legal representative too, a near miss the finance officer only; unknown results and reliefs worth 0.00 reach nobody', async () => {
    const store = await world(THREE);
    await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
    await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
    await result(store, 1, TP1, 'surcharges.almost', 'nearMiss', '300.00');
    await result(store, 1, TP1, 'iit.b', 'unknown', null);
    await result(store, 1, TP1, 'stampDuty.a', 'matched', '0.00');
    await result(store, 1, TP1, 'cit.someTag', 'matched', null);
    await result(store, 1, TP1, 'no.suchPolicy', 'matched', '1.00');
    const report = await plan(store, NOW, {
      words: async (nearMisses) =>
        new Map(nearMisses.map((n) => [n.creditCode, new Map([[n.policyId, ['employees <= 300（实际：employees = 320，超出 20）']]])])),
    });
    const rows = await messages(store);
    assert.deepEqual(
      rows.map((m) => [m.role, m.kind, m.policy_id, m.channel, m.recipient]),
      [
        ['financeOfficer', 'nearMiss', 'surcharges.almost', 'email', 'fo@example.com'],
        ['financeOfficer', 'relief', 'cit.bigRelief', 'email', 'fo@example.com'],
        ['financeOfficer', 'relief', 'vat.smallRelief', 'email', 'fo@example.com'],
        ['legalRepresentative', 'relief', 'cit.bigRelief', 'inApp', `inbox:${TP1}/legalRepresentative`],
        ['taxHandler', 'relief', 'cit.bigRelief', 'sms', '13800138000'],
        ['taxHandler', 'relief', 'vat.smallRelief', 'sms', '13800138000'],
      ],
    );
    assert.deepEqual([report.results, report.notInCatalogue, report.nothingToClaim, report.candidates, report.planned, report.digests], [4, 2, 1, 6, 6, 0]);
    assert.deepEqual(report.byChannel, { email: 3, inApp: 1, sms: 2 });
    assert.ok(rows.every((m) => m.status === 'planned' && m.attempts === 0));
    const cit = rows.find((m) => m.role === 'legalRepresentative') as Msg;
    assert.equal(cit.message_id, `${PERIOD}.${TP1}.legalRepresentative.relief.cit.bigRelief`);
    assert.equal(cit.subject, '【智数·政策提醒】可享受：cit.bigRelief 的中文标题（English title of cit.bigRelief）');
    assert.match(cit.body, /^张某某（深圳市示例科技有限公司法定代表人）您好：/);
    assert.match(cit.body, /预计减免：约 25,000\.00 元/);
    assert.match(cit.body, /申报期限：2026-04-15/);
    const near = rows.find((m) => m.kind === 'nearMiss') as Msg;
    assert.match(near.subject, /差一点符合：surcharges\.almost 的中文标题（English title of surcharges\.almost）/);
    assert.match(near.body, /尚未满足的条件：\n- employees <= 300（实际：employees = 320，超出 20）/);
    store.close();
  });

  it('a relief is major from exactly the threshold, and the catalogue entry narrows who hears of it', async () => {
    const store = await world(THREE);
    await result(store, 1, TP1, 'vat.smallRelief', 'matched', '10000.00');
    await result(store, 1, TP1, 'cit.bigRelief', 'matched', '9999.99');
    await result(store, 1, TP1, 'vat.narrow', 'matched', '50000.00');
    await plan(store);
    const lr = (await messages(store)).filter((m) => m.role === 'legalRepresentative').map((m) => m.policy_id);
    assert.deepEqual(lr, ['vat.smallRelief'], '10,000.00 is major, 9,999.99 is not, and vat.narrow names no legal representative');
    store.close();
    const other = await world(THREE);
    await result(other, 1, TP1, 'cit.bigRelief', 'matched', '6000.00');
    await planPushes(other, ENTRIES, { period: PERIOD, now: NOW, settings: { majorReliefYuan: 5000 } });
    assert.ok(
      (await messages(other)).some((m) => m.role === 'legalRepresentative'),
      'the threshold is a setting',
    );
    other.close();
  });

  it('the current results are those of the latest run covering the taxpayer: a single re-match overrides the city run for that taxpayer only', async () => {
    const store = await world(THREE);
    await person(store, TP2, { role: 'financeOfficer' });
    await person(store, TP2, { role: 'taxHandler' });
    await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
    await result(store, 1, TP2, 'vat.smallRelief', 'matched', '800.00');
    await run(store, 2, TP1);
    await result(store, 2, TP1, 'iit.b', 'matched', '100.00');
    await plan(store);
    assert.deepEqual(
      (await messages(store)).map((m) => [m.credit_code === TP1 ? 'TP1' : 'TP2', m.role, m.policy_id]),
      [
        ['TP1', 'financeOfficer', 'iit.b'],
        ['TP1', 'taxHandler', 'iit.b'],
        ['TP2', 'financeOfficer', 'vat.smallRelief'],
        ['TP2', 'taxHandler', 'vat.smallRelief'],
      ],
    );
    store.close();
  });
});

describe('planning: timing', () => {
  it('counts quarters back across a year, and a month has none (the told-once rule reads the three quarters before)', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => quarterBefore('2026-Q2', n)),
      ['2026-Q1', '2025-Q4', '2025-Q3', '2025-Q2', '2025-Q1'],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => quarterBefore('2026-Q4', n)),
      ['2026-Q3', '2026-Q2', '2026-Q1'],
    );
    assert.equal(quarterBefore('2026-03', 1), null);
  });

  it('reads a time without an offset as China time, converts one with an offset, and refuses a date or hour that does not exist instead of rolling it over', () => {
    assert.equal(parseInstant('2026-04-30').toISOString(), '2026-04-29T16:00:00.000Z');
    assert.equal(parseInstant('2026-04-30 18:00').toISOString(), '2026-04-30T10:00:00.000Z');
    assert.equal(parseInstant('2026-04-30T18:00:00.5+08:00').toISOString(), '2026-04-30T10:00:00.500Z');
    assert.equal(parseInstant('2026-04-30T18:00Z').toISOString(), '2026-04-30T18:00:00.000Z');
    assert.equal(parseInstant('2026-04-30T18:00-0500').toISOString(), '2026-04-30T23:00:00.000Z');
    for (const text of [
      '2026-02-30',
      '2026-02-29T10:00',
      '2026-04-30T25:00',
      '2026-04-30T18:60',
      '2026-04-30T18:00:61',
      '2026-04-30T18:00+15:00',
      '30/04/2026',
      'tomorrow',
      '2026-04-30T18',
    ])
      assert.throws(() => parseInstant(text), new RegExp(`'${text.replace('+', '\\+')}' is not an ISO date or time`), text);
  });

  it('times an IIT relief by the IIT return due first, the business-income one where there is no withholding return', async () => {
    const store = await world([{ role: 'financeOfficer', quiet: [0, 0] }]);
    await person(store, TP2, { role: 'financeOfficer', quiet: [0, 0] });
    await store.exec(`${INSERT_FILING} ($1, 'iitBusiness', DATE '2026-01-01', DATE '2026-03-31', DATE '2026-04-20', NULL, 0, 0)`, [TP1]);
    await store.exec(`${INSERT_FILING} ($1, 'iitBusiness', DATE '2026-01-01', DATE '2026-03-31', DATE '2026-04-22', NULL, 0, 0)`, [TP2]);
    await store.exec(`${INSERT_FILING} ($1, 'iit', DATE '2026-03-01', DATE '2026-03-31', DATE '2026-04-17', NULL, 0, 0)`, [TP2]);
    for (const tp of [TP1, TP2]) await result(store, 1, tp, 'iit.b', 'matched', '300.00');
    await plan(store, at('2026-04-01T10:00:00+08:00'));
    assert.deepEqual(
      (await messages(store)).filter((m) => m.role === 'financeOfficer').map((m) => [m.credit_code, m.deadline]),
      [
        [TP1, '2026-04-20'],
        [TP2, '2026-04-17'],
      ],
    );
    store.close();
  });

  it('a return due later does not move a deadline another return of its tax type keeps, nor one of another tax type', async () => {
    // The planner looks only at the returns due on another day than the period's deadline (15 April
    // here): TP1's business-income return is one, yet its withholding return is due first, on the 15th.
    // TP2's VAT return, due early, is of another tax type than the relief's.
    const store = await world([{ role: 'financeOfficer', quiet: [0, 0] }]);
    await person(store, TP2, { role: 'financeOfficer', quiet: [0, 0] });
    await store.exec(`${INSERT_FILING} ($1, 'iit', DATE '2026-03-01', DATE '2026-03-31', DATE '2026-04-15', NULL, 0, 0)`, [TP1]);
    await store.exec(`${INSERT_FILING} ($1, 'iitBusiness', DATE '2026-01-01', DATE '2026-03-31', DATE '2026-04-22', NULL, 0, 0)`, [TP1]);
    await store.exec(`${INSERT_FILING} ($1, 'vat', DATE '2026-03-01', DATE '2026-03-31', DATE '2026-04-08', NULL, 0, 0)`, [TP2]);
    await store.exec(`${INSERT_FILING} ($1, 'iit', DATE '2026-03-01', DATE '2026-03-31', DATE '2026-04-22', NULL, 0, 0)`, [TP2]);
    for (const tp of [TP1, TP2]) await result(store, 1, tp, 'iit.b', 'matched', '300.00');
    await plan(store, at('2026-04-01T10:00:00+08:00'));
    assert.deepEqual(
      (await messages(store)).filter((m) => m.role === 'financeOfficer').map((m) => [m.credit_code, m.deadline]),
      [
        [TP1, '2026-04-15'],
        [TP2, '2026-04-22'],
      ],
    );
    store.close();
  });

  it('arrives lead days before the filing deadline at the start of the sending hours, never in the past, outside quiet hours', async () => {
    const store = await world([
      { role: 'financeOfficer', quiet: [8, 11] },
      { role: 'taxHandler', quiet: [21, 8] },
      { role: 'legalRepresentative', quiet: [6, 22] },
    ]);
    await store.exec(`${INSERT_FILING} ($1, 'vat', DATE '2026-03-01', DATE '2026-03-31', DATE '2026-04-20', NULL, 0, 0)`, [TP1]);
    await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
    await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
    // The CIT deadline (no filing: the 15th of April) minus 5 days is already past at this moment.
    await plan(store, at('2026-04-12T21:30:00+08:00'));
    assert.deepEqual(
      (await messages(store)).map((m) => [m.role, m.policy_id, m.deadline, m.scheduled_at]),
      [
        ['financeOfficer', 'cit.bigRelief', '2026-04-15', '2026-04-13 11:00:00'],
        ['financeOfficer', 'vat.smallRelief', '2026-04-20', '2026-04-15 11:00:00'],
        ['legalRepresentative', 'cit.bigRelief', '2026-04-15', '2026-04-13 09:00:00'],
        ['taxHandler', 'cit.bigRelief', '2026-04-15', '2026-04-13 09:00:00'],
        ['taxHandler', 'vat.smallRelief', '2026-04-20', '2026-04-15 09:00:00'],
      ],
      'after 21:30 the next sending hour is 09:00; the finance officer is quiet until 11; quiet hours covering every sending hour give way to the sending hours',
    );
    const adapters = { inApp: inAppAdapter(store) };
    const late = await sendPushes(store, adapters, { entries: ENTRIES, now: at('2026-04-13T20:30:00+08:00') });
    assert.deepEqual([late.due, late.held, late.sent], [3, 3, 0], 'due messages wait while it is outside the sending hours');
    const quiet = await sendPushes(store, adapters, { entries: ENTRIES, now: at('2026-04-14T09:30:00+08:00') });
    assert.deepEqual([quiet.held, quiet.sent], [1, 2], "the finance officer's message waits out the quiet hours");
    const later = await sendPushes(store, adapters, { entries: ENTRIES, now: at('2026-04-14T11:00:00+08:00') });
    assert.equal(later.sent, 1);
    store.close();
  });

  it('times a message by the published deadline where no return gives one (2026-Q1: 20 April, after 清明), and by the weekend rule for a year not published', async () => {
    const store = await world([{ role: 'financeOfficer', quiet: [0, 0] }]);
    await person(store, TP2, { role: 'financeOfficer', quiet: [0, 0] });
    // TP2's VAT return of the quarter was given an earlier due date by its tax office: the return wins.
    await store.exec(`${INSERT_FILING} ($1, 'vat', DATE '2026-01-01', DATE '2026-03-31', DATE '2026-04-17', NULL, 0, 0)`, [TP2]);
    for (const tp of [TP1, TP2]) await result(store, 1, tp, 'vat.smallRelief', 'matched', '800.00');
    await plan(store, at('2026-04-01T10:00:00+08:00'), { deadlines: CALENDAR });
    assert.deepEqual(
      (await messages(store)).map((m) => [m.credit_code, m.deadline, m.scheduled_at]),
      [
        [TP1, '2026-04-20', '2026-04-15 09:00:00'],
        [TP2, '2026-04-17', '2026-04-12 09:00:00'],
      ],
      'five days ahead of each deadline; without the calendar TP1 would be told of 15 April, five days early',
    );
    store.close();
    // 2027 has no notice yet: 15 May 2027 is a Saturday, so Monday the 17th (征管法实施细则 第一百零九条).
    assert.deepEqual(filingDeadline(CALENDAR, '2027-04-30'), { date: '2027-05-17', source: null });
    assert.deepEqual(filingDeadline(CALENDAR, '2026-09-30'), {
      date: '2026-10-26',
      source: '国家税务总局办公厅关于明确2026年度申报纳税期限的通知（税总办征科函〔2025〕64号） [C]',
    });
  });
});

/** Five reliefs for one taxpayer: more than the cap lets go alone, so a digest. */
async function fiveReliefs(store: Db): Promise<void> {
  await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
  await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
  await result(store, 1, TP1, 'stampDuty.a', 'matched', '300.00');
  await result(store, 1, TP1, 'iit.b', 'matched', '1200.00');
  await result(store, 1, TP1, 'other.c', 'matched', null);
}

/**
 * On a planned outbox with a digest: the digest rewritten as the planner wrote it before its items were kept
 * without the prefix (full ids, kind and policy in each line, the id a hash of the full ids) renders the
 * same words, and planning again counts its items as planned: a digest is recognised by its items, not by
 * its id, so the id's form may change.
 */
async function oldDigestReadsTheSame(store: Db): Promise<void> {
  await plan(store);
  const [digest] = (await messages(store)).filter((m) => m.kind === 'digest') as [Msg];
  const prefix = `${PERIOD}.${TP1}.financeOfficer.`;
  const { digest_items: lines } = await store.one<{ digest_items: string }>('SELECT digest_items FROM push_message WHERE message_id = $1', [digest.message_id]);
  const ids = (digest.items as string).split(',');
  const old = (JSON.parse(lines) as Record<string, unknown>[]).map((line, i) => {
    const rest = ids[i] as string;
    return { kind: rest.slice(0, rest.indexOf('.')), policy_id: rest.slice(rest.indexOf('.') + 1), ...line };
  });
  const oldId = messageId(PERIOD, TP1, 'financeOfficer', 'digest', digestSubject(ids.map((i) => prefix + i)));
  assert.notEqual(oldId, digest.message_id);
  await store.exec('UPDATE push_message SET message_id = $1, items = $2, digest_items = $3 WHERE message_id = $4', [
    oldId,
    ids.map((i) => prefix + i).join(','),
    JSON.stringify(old),
    digest.message_id,
  ]);
  const [before] = (await messages(store)).filter((m) => m.kind === 'digest') as [Msg];
  assert.deepEqual([before.subject, before.body], [digest.subject, digest.body.replace(digest.message_id, oldId)], 'the same words');
  const again = await plan(store);
  assert.deepEqual([again.planned, again.alreadyPlanned, again.superseded], [0, 5, 0], 'its items count as planned, as they did');
}

describe('planning: how often', () => {
  const five = fiveReliefs;
  const windowMax = (times: number[]) => Math.max(0, ...times.map((s) => times.filter((t) => t >= s && t < s + 7 * 86_400_000).length));

  it('beyond 3 messages per person in 7 days the rest are merged into one digest, the most important going alone', async () => {
    const store = await world([{ role: 'financeOfficer' }]);
    await five(store);
    const report = await plan(store);
    const rows = await messages(store);
    assert.deepEqual(
      rows.map((m) => [m.kind, m.policy_id, m.scheduled_at]),
      [
        ['digest', null, '2026-04-10 09:00:00'],
        ['relief', 'cit.bigRelief', '2026-04-10 09:00:00'],
        ['relief', 'iit.b', '2026-04-10 09:00:00'],
      ],
    );
    const digest = rows[0] as Msg;
    // Its items are kept without the prefix the row carries, and the digest's id hashes them so.
    const id = (p: string) => `relief.${p}`;
    assert.deepEqual(digest.items?.split(','), [id('vat.smallRelief'), id('stampDuty.a'), id('other.c')]);
    assert.equal(
      digest.message_id,
      `${PERIOD}.${TP1}.financeOfficer.digest.digest-${createHash('sha256').update('relief.other.c\nrelief.stampDuty.a\nrelief.vat.smallRelief').digest('hex').slice(0, 16)}`,
    );
    assert.equal(digest.message_id, messageId(PERIOD, TP1, 'financeOfficer', 'digest', digestSubject(digest.items?.split(',') ?? [])));
    assert.match(digest.message_id, new RegExp(`^${PERIOD}\\.${TP1}\\.financeOfficer\\.digest\\.digest-[0-9a-f]{16}$`));
    assert.equal(digest.subject, '【智数·政策提醒】2026年第1季度共 3 项税费政策提醒');
    for (const p of ['vat.smallRelief', 'stampDuty.a', 'other.c']) assert.ok(digest.body.includes(`${p} 的中文标题（English title of ${p}）`), p);
    assert.deepEqual([digest.benefit, digest.category, digest.deadline], ['1100.00', 'other,stampDuty,vat', '2026-04-15']);
    assert.deepEqual([report.candidates, report.planned, report.digests, report.merged, report.withoutPerson], [5, 3, 1, 3, 6]);

    const again = await plan(store, at('2026-04-05T10:00:00+08:00'));
    assert.deepEqual([again.planned, again.alreadyPlanned], [0, 5], 'the digest stands for its items when planning again');
    assert.equal((await messages(store)).length, 3);
    store.close();
  });

  it('a digest planned before its items were kept without the prefix (full ids, kind and policy in each line) reads and renders the same', async () => {
    const store = await world([{ role: 'financeOfficer' }]);
    await fiveReliefs(store);
    await oldDigestReadsTheSame(store);
    store.close();
  });

  it('messages already planned or sent to the person count, whatever their period, and a full week defers the digest until it has room', async () => {
    const store = await world([{ role: 'financeOfficer' }]);
    await five(store);
    await sentEarlier(store, 'financeOfficer', ['2026-04-05 10:00:00', '2026-04-06 10:00:00', '2026-04-07 10:00:00']);
    await plan(store);
    const fresh = (await messages(store)).filter((m) => !m.message_id.startsWith('old'));
    assert.deepEqual(
      fresh.map((m) => [m.kind, m.scheduled_at, m.items?.split(',').length]),
      [['digest', '2026-04-12 10:00:00', 5]],
      'one digest, once the message of 5 April has left the 7-day window',
    );
    const all = (await messages(store)).map((m) => fromSql(m.scheduled_at));
    assert.equal(windowMax(all), 3);
    store.close();
  });
  it('the cap counts 7 days at a time: messages a fortnight apart do not crowd each other, and a digest takes the first week', async () => {
    const store = await world([{ role: 'financeOfficer' }]);
    // VAT is due on 30 April (filing), the CIT, IIT and stamp duty deadlines are the 15th: 15 days apart.
    await store.exec(`${INSERT_FILING} ($1, 'vat', DATE '2026-01-01', DATE '2026-03-31', DATE '2026-04-30', NULL, 0, 0)`, [TP1]);
    await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
    await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
    await result(store, 1, TP1, 'vat.narrow', 'matched', '700.00');
    await planPushes(store, ENTRIES, { period: PERIOD, now: NOW, settings: { maxPerWeek: 1 } });
    assert.deepEqual(
      (await messages(store)).map((m) => [m.kind, m.policy_id, m.scheduled_at, m.items?.split(',').length ?? 1]),
      [
        ['digest', null, '2026-04-10 09:00:00', 2],
        ['relief', 'vat.smallRelief', '2026-04-25 09:00:00', 1],
      ],
      'one message a week: the digest takes the first week (the CIT relief with the VAT relief that has no room), the other VAT relief goes alone in the week of its deadline',
    );
    const digest = (await messages(store))[0] as Msg;
    assert.deepEqual(
      digest.items?.split(',').map((i) => i.replace(/^relief\./, '')),
      ['cit.bigRelief', 'vat.narrow'],
    );
    store.close();

    const spread = await world([{ role: 'financeOfficer' }]);
    await spread.exec(`${INSERT_FILING} ($1, 'vat', DATE '2026-01-01', DATE '2026-03-31', DATE '2026-04-30', NULL, 0, 0)`, [TP1]);
    await result(spread, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
    await result(spread, 1, TP1, 'iit.b', 'matched', '1200.00');
    await result(spread, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
    await result(spread, 1, TP1, 'vat.narrow', 'matched', '700.00');
    const report = await planPushes(spread, ENTRIES, { period: PERIOD, now: NOW, settings: { maxPerWeek: 2 } });
    assert.deepEqual(
      (await messages(spread)).map((m) => [m.policy_id, m.scheduled_at]),
      [
        ['cit.bigRelief', '2026-04-10 09:00:00'],
        ['iit.b', '2026-04-10 09:00:00'],
        ['vat.narrow', '2026-04-25 09:00:00'],
        ['vat.smallRelief', '2026-04-25 09:00:00'],
      ],
      'two a week, in two different weeks: no digest',
    );
    assert.equal(report.digests, 0);
    spread.close();
  });
});

describe('planning: idempotency', () => {
  it('planning again, or after a new run with the same results, adds nothing; a later run skips what it no longer supports and adds only what is new', async () => {
    const store = await world(THREE);
    await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
    await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
    const first = await plan(store);
    const before = await messages(store);
    const again = await plan(store, at('2026-04-03T15:00:00+08:00'));
    assert.deepEqual([again.planned, again.alreadyPlanned, again.superseded], [0, first.planned, 0]);
    assert.deepEqual(await messages(store), before);

    await run(store, 2, 'city');
    await result(store, 2, TP1, 'cit.bigRelief', 'matched', '25000.00');
    await result(store, 2, TP1, 'vat.smallRelief', 'matched', '800.00');
    assert.equal((await plan(store)).planned, 0);
    assert.deepEqual(await messages(store), before);

    await run(store, 3, TP1);
    await result(store, 3, TP1, 'cit.bigRelief', 'matched', '25000.00');
    await result(store, 3, TP1, 'iit.b', 'matched', '500.00');
    const third = await plan(store);
    assert.deepEqual([third.planned, third.superseded], [2, 2]);
    const rows = await messages(store);
    assert.deepEqual(
      rows.filter((m) => m.policy_id !== 'cit.bigRelief').map((m) => [m.role, m.policy_id, m.status]),
      [
        ['financeOfficer', 'iit.b', 'planned'],
        ['financeOfficer', 'vat.smallRelief', 'skipped'],
        ['taxHandler', 'iit.b', 'planned'],
        ['taxHandler', 'vat.smallRelief', 'skipped'],
      ],
    );

    // The relief comes back: its messages are in the outbox already, skipped, never delivered. They
    // come back planned under their ids, rather than a second row each. DuckDB's outbox has no index to
    // refuse a second row (migration 008): the planner alone keeps ids unique, which the full row lists
    // compared here also prove.
    await run(store, 4, TP1);
    await result(store, 4, TP1, 'cit.bigRelief', 'matched', '25000.00');
    await result(store, 4, TP1, 'iit.b', 'matched', '500.00');
    await result(store, 4, TP1, 'vat.smallRelief', 'matched', '800.00');
    const fourth = await plan(store);
    assert.deepEqual([fourth.planned, fourth.superseded, fourth.alreadyPlanned], [2, 0, 5]);
    assert.deepEqual(
      await messages(store),
      rows.map((m) => (m.policy_id === 'vat.smallRelief' ? { ...m, status: 'planned', last_error: null } : m)),
    );
    const [ids] = await store.all<{ n: bigint; distinct_ids: bigint }>('SELECT count(*) AS n, count(DISTINCT message_id) AS distinct_ids FROM push_message');
    assert.equal(ids?.n, ids?.distinct_ids);
    store.close();
  });

  it('a period whose every message was skipped brings them back, planned under their ids, when they are called for again', async () => {
    const store = await world(THREE);
    await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
    assert.equal((await plan(store)).planned, 2);
    await run(store, 2, TP1);
    await result(store, 2, TP1, 'vat.smallRelief', 'unknown', null);
    assert.equal((await plan(store)).superseded, 2);
    const skipped = await messages(store);
    assert.deepEqual(
      skipped.map((m) => m.status),
      ['skipped', 'skipped'],
    );
    await run(store, 3, TP1);
    await result(store, 3, TP1, 'vat.smallRelief', 'matched', '800.00');
    const again = await plan(store);
    assert.deepEqual([again.planned, again.superseded], [2, 0]);
    assert.deepEqual(
      await messages(store),
      skipped.map((m) => ({ ...m, status: 'planned', last_error: null })),
    );
    store.close();
  });

  it('a digest whose items are no longer all called for is skipped, and the items still called for are planned again', async () => {
    const store = await world([{ role: 'financeOfficer' }]);
    await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
    await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
    await result(store, 1, TP1, 'stampDuty.a', 'matched', '300.00');
    await result(store, 1, TP1, 'iit.b', 'matched', '1200.00');
    await result(store, 1, TP1, 'other.c', 'matched', null);
    await plan(store);
    const first = (await messages(store)).find((m) => m.kind === 'digest') as Msg;

    await run(store, 2, 'city');
    for (const [policy, benefit] of [
      ['cit.bigRelief', '25000.00'],
      ['vat.smallRelief', '800.00'],
      ['stampDuty.a', '300.00'],
      ['iit.b', '1200.00'],
    ] as const)
      await result(store, 2, TP1, policy, 'matched', benefit);
    const report = await plan(store, at('2026-04-02T10:00:00+08:00'));
    const rows = await messages(store);
    const items = (m: Msg) => m.items?.split(',').map((i) => i.replace(/^relief\./, ''));
    assert.deepEqual(
      rows.filter((m) => m.status === 'skipped').map((m) => [m.message_id, items(m)]),
      [[first.message_id, ['vat.smallRelief', 'stampDuty.a', 'other.c']]],
    );
    assert.deepEqual(
      rows.filter((m) => m.status === 'planned').map((m) => [m.kind, m.policy_id, items(m)]),
      [
        ['digest', null, ['vat.smallRelief', 'stampDuty.a']],
        ['relief', 'cit.bigRelief', undefined],
        ['relief', 'iit.b', undefined],
      ],
      'beside the two messages still planned for that week, the freed items fit only as a digest',
    );
    assert.deepEqual([report.superseded, report.alreadyPlanned, report.planned, report.digests], [1, 2, 1, 1]);
    store.close();
  });

  it('a single-taxpayer re-match plans that taxpayer only: the others keep their plans, even where the city results have moved on', async () => {
    const store = await world(THREE);
    await person(store, TP2, { role: 'financeOfficer' });
    await person(store, TP2, { role: 'taxHandler' });
    await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
    await result(store, 1, TP2, 'vat.smallRelief', 'matched', '800.00');
    await plan(store);
    await run(store, 2, 'city');
    await result(store, 2, TP1, 'vat.smallRelief', 'matched', '800.00');
    await result(store, 2, TP2, 'iit.b', 'matched', '100.00');
    await run(store, 3, TP1);
    await result(store, 3, TP1, 'cit.bigRelief', 'matched', '25000.00');
    const report = await plan(store, NOW, { only: TP1 });
    assert.deepEqual(
      (await messages(store)).map((m) => [m.credit_code === TP1 ? 'TP1' : 'TP2', m.role, m.policy_id, m.status]),
      [
        ['TP1', 'financeOfficer', 'cit.bigRelief', 'planned'],
        ['TP1', 'financeOfficer', 'vat.smallRelief', 'skipped'],
        ['TP1', 'legalRepresentative', 'cit.bigRelief', 'planned'],
        ['TP1', 'taxHandler', 'cit.bigRelief', 'planned'],
        ['TP1', 'taxHandler', 'vat.smallRelief', 'skipped'],
        ['TP2', 'financeOfficer', 'vat.smallRelief', 'planned'],
        ['TP2', 'taxHandler', 'vat.smallRelief', 'planned'],
      ],
    );
    assert.deepEqual([report.results, report.candidates, report.planned, report.superseded], [1, 3, 3, 2]);
    store.close();
  });

  it("runs inside the caller's open transaction: a rollback takes the plan with it, a commit keeps it", async () => {
    const store = await world(THREE);
    await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
    await store.exec('BEGIN TRANSACTION');
    assert.equal((await plan(store)).planned, 3);
    await store.exec('ROLLBACK');
    assert.equal((await messages(store)).length, 0);
    const report = await store.transaction(() => plan(store));
    assert.equal(report.planned, 3);
    assert.equal((await messages(store)).length, 3);
    store.close();
  });

  it('leaves nothing of its own on the connection: no working table, no variable, the optimizer as it was', async () => {
    const store = await world(THREE);
    await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
    // A setting of the caller's own is kept: the plan adds to it while it runs, then puts it back.
    await store.exec("SET disabled_optimizers = 'top_n'");
    assert.equal((await plan(store)).planned, 3);
    const left = await store.all<{ name: string }>(
      `SELECT table_name AS name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'push_plan%'
       UNION ALL SELECT name FROM duckdb_variables() WHERE name LIKE 'push_plan%'`,
    );
    assert.deepEqual(left, []);
    assert.deepEqual(await store.all("SELECT current_setting('disabled_optimizers') AS disabled"), [{ disabled: 'top_n' }]);
    // And when the plan fails on its way (here a campaign's query).
    await store.exec("SET disabled_optimizers = ''");
    await assert.rejects(plan(store, NOW, { scope: { sql: 'SELECT no_such_column', params: [] } }), /no_such_column/);
    // Inside a caller's transaction that the failure aborted (nothing runs in it until the rollback):
    // put back once the caller has rolled it back.
    const failing = { sql: "SELECT credit_code, policy_id, status FROM policy_match WHERE error('a failure on the way') IS NULL", params: [] };
    await assert.rejects(
      store.transaction(() => plan(store, NOW, { scope: failing })),
      /a failure on the way/,
    );
    assert.deepEqual(await store.all("SELECT current_setting('disabled_optimizers') AS disabled"), [{ disabled: '' }]);
    store.close();
  });

  it("inside a caller's transaction a batch out of memory is not planned again: the error has undone the transaction, and the caller sees it", async () => {
    const store = await world(THREE);
    for (const p of THREE) await person(store, TP2, p);
    await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
    await result(store, 1, TP2, 'cit.bigRelief', 'matched', '25000.00');
    const faulty = outOfMemory(store);
    await assert.rejects(
      store.transaction(() => planPushes(faulty.db, ENTRIES, { period: PERIOD, now: NOW })),
      /Out of Memory Error/,
    );
    assert.equal(faulty.thrown(), 1);
    assert.deepEqual(await messages(store), []);
    // Standalone, the same plan is planned taxpayer by taxpayer, with progress after each half.
    const progress: { done: number; total: number; halved: number }[] = [];
    const report = await planPushes(faulty.db, ENTRIES, { period: PERIOD, now: NOW, onProgress: (p) => progress.push(p) });
    assert.equal(faulty.thrown(), 2);
    assert.deepEqual(progress, [
      { done: 1, total: 2, halved: 1 },
      { done: 2, total: 2, halved: 1 },
    ]);
    assert.equal(report.planned, (await messages(store)).length);
    assert.deepEqual([...new Set((await messages(store)).map((m) => m.credit_code))].sort(), [TP1, TP2]);
    store.close();
  });

  it('planning again, a batch out of memory at its insert, after its skips ran, ends as the plan without the error: the same outbox and report, the cap of one a week too', async () => {
    // With one message a week, what a skipped message booked must not count for its halves either:
    // TP1's new relief takes the week its skipped one had.
    for (const settings of [{}, { maxPerWeek: 1 }]) {
      const stores = [await world(THREE), await world(THREE)];
      const outcome: { report: PlanReport; rows: Msg[] }[] = [];
      for (const store of stores) {
        for (const p of THREE) await person(store, TP2, p);
        await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
        await result(store, 1, TP2, 'vat.smallRelief', 'matched', '800.00');
        await plan(store, NOW, { settings });
        // The next run: TP1's relief no longer matched (its messages are skipped), and a new one each.
        await run(store, 2, 'city');
        await result(store, 2, TP1, 'vat.smallRelief', 'matched', '700.00');
        await result(store, 2, TP2, 'vat.smallRelief', 'matched', '800.00');
        await result(store, 2, TP2, 'cit.bigRelief', 'matched', '26000.00');
      }
      const [control, failing] = stores as [Store, Store];
      const faulty = outOfMemory(failing, 'insert');
      for (const [store, db] of [
        [control, control],
        [failing, faulty.db],
      ] as const) {
        const report = await planPushes(db, ENTRIES, { period: PERIOD, now: NOW, settings });
        outcome.push({ report, rows: await messages(store) });
      }
      assert.equal(faulty.thrown(), 1, 'the insert of the batch of both taxpayers failed once');
      assert.ok(outcome[0] && outcome[0].report.superseded > 0 && outcome[0].report.planned > 0, 'messages skipped and planned');
      assert.deepEqual(outcome[1], outcome[0], JSON.stringify(settings));
      for (const store of stores) store.close();
    }
  });

  it("turns DuckDB's choice of a join's build side off while it plans (the current results are estimated far too few)", async () => {
    const store = await world(THREE);
    await result(store, 1, TP1, 'surcharges.almost', 'nearMiss', '300.00');
    const during: unknown[] = [];
    await plan(store, NOW, {
      words: async () => {
        during.push(...(await store.all("SELECT current_setting('disabled_optimizers') AS disabled")));
        return new Map();
      },
    });
    assert.deepEqual(during, [{ disabled: 'build_side_probe_side' }]);
    assert.deepEqual(await store.all("SELECT current_setting('disabled_optimizers') AS disabled"), [{ disabled: '' }]);
    store.close();
  });
});

// ---------------------------------------------------------------- the planner on PostgreSQL

describe('planning on PostgreSQL (sql/postgres/plan.sql): the same outbox and reports as on DuckDB', () => {
  let server: Awaited<ReturnType<typeof pgServer>>;
  before(async () => {
    server = await pgServer();
  });
  after(async () => server?.drop());

  /** Every column of the outbox, in the JSON both engines give. */
  const outbox = (db: Db) => db.all('SELECT * FROM push_message ORDER BY message_id');

  /** The same world on both engines; `both` runs a step on each and asserts the same answer and the same outbox. */
  async function engines(people: PersonSpec[]) {
    const duck = await world(people);
    const pg = await pgWorld(server.db, people);
    const both = async <T>(step: (db: Db) => Promise<T>): Promise<T> => {
      const d = await step(duck);
      const p = await step(pg);
      assert.deepEqual(p, d);
      assert.deepEqual(await outbox(pg), await outbox(duck));
      return p;
    };
    return { duck, pg, both };
  }

  it('the cap never defers a message past the day of its filing deadline: with the week full until after it, it goes at its time, over the cap (both engines)', async () => {
    const { duck, both } = await engines([{ role: 'financeOfficer' }]);
    const planned = await both(async (db) => {
      await sentEarlier(db, 'financeOfficer', ['2026-04-09 09:00:00', '2026-04-09 10:00:00', '2026-04-09 11:00:00']);
      await result(db, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
      await plan(db);
      return (await messages(db)).filter((m) => !m.message_id.startsWith('old')).map((m) => m.scheduled_at);
    });
    // The deadline is 15 April; the week is full until 16 April 09:00, when the first of 9 April leaves
    // it. Five days ahead of the deadline, as without the cap.
    assert.deepEqual(planned, ['2026-04-10 09:00:00']);
    duck.close();
  });

  // A small company's legal representative is often its finance officer, an individual business's
  // operator its tax handler: one person, who must not hear of one relief twice, nor more than the cap.
  const ONE_IN_TWO: PersonSpec[] = [
    { role: 'financeOfficer', name: '王某某', mobile: '13900000001', channel: 'email', email: 'wang@example.com' },
    { role: 'legalRepresentative', name: '王某某', mobile: '13900000001' },
    // The same mobile under another name: the company's phone, another person.
    { role: 'taxHandler', name: '李某某', mobile: '13900000001', channel: 'sms' },
  ];

  it('one person in two roles of a taxpayer hears each message once, as the first of its roles; no mobile, the e-mail tells; another name is another person (both engines)', async () => {
    const { duck, both } = await engines(ONE_IN_TWO);
    const report = await both(async (db) => {
      // TP2, an individual business: its operator files its taxes, reachable by e-mail only.
      await person(db, TP2, { role: 'legalRepresentative', name: '赵某某', email: 'zhao@example.com' });
      await person(db, TP2, { role: 'taxHandler', name: '赵某某', email: 'zhao@example.com', channel: 'email' });
      await result(db, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
      await result(db, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
      await result(db, 1, TP1, 'surcharges.almost', 'nearMiss', '300.00');
      await result(db, 1, TP2, 'cit.bigRelief', 'matched', '25000.00');
      const { period: _p, ...r } = await plan(db);
      return r;
    });
    const rows = await messages(duck);
    assert.deepEqual(
      // Greeted by name, as the person of the role the message goes to.
      rows.map((m) => [m.credit_code, m.role, m.kind, m.policy_id, m.channel, m.recipient, m.body.slice(0, 3)]),
      [
        [TP1, 'financeOfficer', 'nearMiss', 'surcharges.almost', 'email', 'wang@example.com', '王某某'],
        [TP1, 'financeOfficer', 'relief', 'cit.bigRelief', 'email', 'wang@example.com', '王某某'],
        [TP1, 'financeOfficer', 'relief', 'vat.smallRelief', 'email', 'wang@example.com', '王某某'],
        [TP1, 'taxHandler', 'relief', 'cit.bigRelief', 'sms', '13900000001', '李某某'],
        [TP1, 'taxHandler', 'relief', 'vat.smallRelief', 'sms', '13900000001', '李某某'],
        // The first of its roles is the legal representative; its own channel (the inbox) is used.
        [TP2, 'legalRepresentative', 'relief', 'cit.bigRelief', 'inApp', `inbox:${TP2}/legalRepresentative`, '赵某某'],
      ],
    );
    // Six messages called for, not eight; TP2 has no finance officer to tell of its major relief.
    assert.deepEqual([report.candidates, report.planned, report.withoutPerson], [6, 6, 1]);
    duck.close();
  });

  it('what one role of a person was sent of the period is not told again under another it now shares with it; planned and not sent, it moves (both engines)', async () => {
    const { duck, both } = await engines(ONE_IN_TWO);
    const report = await both(async (db) => {
      // Told before the legal representative was known to be the finance officer too: one sent, one planned.
      for (const [policy, status, sent] of [
        ['cit.bigRelief', 'sent', '2026-03-02 10:00:00'],
        ['vat.smallRelief', 'planned', null],
      ] as const)
        await db.exec(
          `INSERT INTO push_message VALUES ($1, $2, 'legalRepresentative', 'relief', $3, $4, NULL, 'vat', 1, NULL, DATE '2026-04-15', 'inApp', 'inbox', NULL, NULL,
             $5, TIMESTAMP '2026-03-02 10:00:00', $6, NULL, NULL, TIMESTAMP '2026-03-01 00:00:00', $7::TIMESTAMP, '王某某', NULL, NULL, NULL, NULL)`,
          [`${PERIOD}.${TP1}.legalRepresentative.relief.${policy}`, TP1, PERIOD, policy, status, sent ? 1 : 0, sent],
        );
      await result(db, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
      await result(db, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
      const { period: _p, ...r } = await plan(db);
      return r;
    });
    const rows = await messages(duck);
    assert.deepEqual(
      rows.map((m) => [m.role, m.policy_id, m.status]),
      [
        ['financeOfficer', 'vat.smallRelief', 'planned'],
        ['legalRepresentative', 'cit.bigRelief', 'sent'],
        ['legalRepresentative', 'vat.smallRelief', 'skipped'],
        ['taxHandler', 'cit.bigRelief', 'planned'],
        ['taxHandler', 'vat.smallRelief', 'planned'],
      ],
    );
    assert.deepEqual([report.candidates, report.alreadyPlanned, report.planned, report.superseded], [4, 1, 3, 1]);
    duck.close();
  });

  it('the cap counts what any role of one person was sent: two messages to the legal representative leave its finance officer room for one (both engines)', async () => {
    const { duck, both } = await engines(ONE_IN_TWO);
    await both(async (db) => {
      await sentEarlier(db, 'legalRepresentative', ['2026-04-08 09:00:00', '2026-04-08 10:00:00']);
      await result(db, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
      await result(db, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
      await result(db, 1, TP1, 'surcharges.almost', 'nearMiss', '300.00');
      return plan(db, NOW, { settings: { maxPerWeek: 3 } });
    });
    const fresh = (await messages(duck)).filter((m) => !m.message_id.startsWith('old'));
    assert.deepEqual(
      fresh.map((m) => [m.role, m.kind, m.items]),
      [
        // One more fits beside the two of 8 April: the three go as one digest.
        ['financeOfficer', 'digest', 'relief.cit.bigRelief,relief.vat.smallRelief,nearMiss.surcharges.almost'],
        ['taxHandler', 'relief', null],
        ['taxHandler', 'relief', null],
      ],
    );
    duck.close();
  });

  it('a digest planned before its items were kept without the prefix reads and renders the same', async () => {
    const db = await pgWorld(server.db, [{ role: 'financeOfficer' }]);
    await fiveReliefs(db);
    await oldDigestReadsTheSame(db);
  });

  it('a relief of a policy with notices carries the notices that hold, alone and as a line of a digest; no other relief is asked about', async () => {
    // vat.smallRelief has a notice (as the high-tech rate has for a certificate expired this year):
    // the planner asks the match part for the words of its reliefs, and writes what comes back.
    const noticed = ENTRIES.map((e) => (e.id === 'vat.smallRelief' ? { ...e, notices: [{ when: 'true', zh: '暂按规定享受', en: 'provisionally' }] } : e));
    const NOTICE = '资格期满当年，在重新认定前暂按15%预缴；年底前未取得资格的，应补缴税款';
    const asked: string[][] = [];
    let holds = true;
    // What the near miss lacks: the company's facts may change between plans.
    let gap = '差 20 人';
    const noFacts = new Set<string>();
    const words = async (items: readonly { creditCode: string; policyId: string; kind: 'relief' | 'nearMiss' }[]) => {
      asked.push(...items.map((i) => [i.creditCode, i.kind, i.policyId]));
      const out = new Map<string, Map<string, readonly string[]>>();
      // As itemWords answers: every taxpayer judged has an entry, empty where nothing holds; one
      // without facts has none.
      for (const i of items) {
        if (noFacts.has(i.creditCode)) continue;
        const mine = out.get(i.creditCode) ?? new Map<string, readonly string[]>();
        out.set(i.creditCode, mine);
        if (i.kind === 'relief' && !holds) continue;
        mine.set(i.policyId, i.kind === 'relief' ? [NOTICE] : [gap]);
      }
      return out;
    };
    const planNoticed = (db: Db, withWords = true) => planPushes(db, noticed, { period: PERIOD, now: NOW, ...(withWords ? { words } : {}) });
    const world2 = await engines([{ role: 'financeOfficer' }]);
    await world2.both(async (db) => {
      asked.length = 0;
      // TP1: five reliefs and a near miss, more than the week holds: some go in a digest, the near miss
      // (told last) among them. TP2: the noticed relief alone, and a near miss.
      await fiveReliefs(db);
      await result(db, 1, TP1, 'surcharges.almost', 'nearMiss', '300.00');
      await person(db, TP2, { role: 'financeOfficer' });
      await result(db, 1, TP2, 'vat.smallRelief', 'matched', '800.00');
      await result(db, 1, TP2, 'surcharges.almost', 'nearMiss', '300.00');
      return planNoticed(db);
    });
    assert.deepEqual(
      asked.sort(),
      [
        [TP1, 'nearMiss', 'surcharges.almost'],
        [TP1, 'relief', 'vat.smallRelief'],
        [TP2, 'nearMiss', 'surcharges.almost'],
        [TP2, 'relief', 'vat.smallRelief'],
      ].sort(),
      'every near miss and the reliefs of the noticed policy, nothing else',
    );
    // nearInDigest: TP1 has a near miss too, told in its digest, whose line must say what it lacks as TP2's message does.
    const told = async (db: Db, nearInDigest = true) => {
      const rows = await messages(db);
      const single = rows.find((m) => m.credit_code === TP2 && m.kind === 'relief');
      assert.equal(single?.policy_id, 'vat.smallRelief');
      const digest = rows.find((m) => m.credit_code === TP1 && m.kind === 'digest');
      assert.ok(digest?.items?.split(',').includes('relief.vat.smallRelief'), `the noticed relief is in the digest: ${digest?.items}`);
      const lines = digest?.body.split('\n') ?? [];
      const at = lines.findIndex((l) => l.includes('请注意'));
      // Under the noticed relief's line, and no other relief says it.
      assert.ok(at < 0 || (lines[at] === `   请注意：${NOTICE}` && /vat\.smallRelief/.test(lines[at - 2] ?? '')), lines.join('\n'));
      assert.equal(lines.filter((l) => l.includes('请注意')).length, at < 0 ? 0 : 1);
      assert.ok(!rows.some((m) => m.credit_code === TP1 && m.kind === 'relief' && m.body.includes('请注意')), 'the reliefs sent alone have no notice');
      const lacks = rows.find((m) => m.credit_code === TP2 && m.kind === 'nearMiss')?.body.includes(`尚未满足的条件：\n- ${gap}`);
      if (nearInDigest) {
        assert.ok(digest?.items?.split(',').includes('nearMiss.surcharges.almost'), `the near miss is in the digest: ${digest?.items}`);
        assert.equal(
          lines.some((l) => l.includes(`尚未满足：${gap}`)),
          lacks,
          lines.join('\n'),
        );
      }
      return { single: single?.body.includes(`请注意：\n- ${NOTICE}`), digest: at >= 0, lacks };
    };
    assert.deepEqual(await told(world2.pg), { single: true, digest: true, lacks: true });

    // The next night the notice no longer holds (a certificate renewed, say): the planned messages not
    // yet tried are worded again without it, and nothing is planned anew. Then it holds again.
    for (const now of [false, true]) {
      holds = now;
      const again = await world2.both((db) => planNoticed(db));
      assert.deepEqual([again.planned, again.superseded, again.renoticed], [0, 0, 2]);
      assert.deepEqual(await told(world2.pg), { single: now, digest: now, lacks: true });
    }
    // Words the same as planned: nothing to do.
    assert.equal((await world2.both((db) => planNoticed(db))).renoticed, 0);
    // The near miss now lacks less (the company took on staff, say): its planned message says what it
    // lacks now, not what it lacked when planned. Before 2026-11-30 it kept the words it was planned with.
    gap = '差 10 人';
    const closer = await world2.both((db) => planNoticed(db));
    // TP2's near miss, and TP1's digest for its near-miss line.
    assert.deepEqual([closer.planned, closer.superseded, closer.renoticed], [0, 0, 2]);
    assert.deepEqual(await told(world2.pg), { single: true, digest: true, lacks: true });
    assert.ok(!(await messages(world2.pg)).some((m) => m.body.includes('差 20 人')), 'no message says the old gap');
    // The notice stops holding, but TP2 has no facts to judge by: its message keeps what it said.
    holds = false;
    noFacts.add(TP2);
    assert.equal((await world2.both((db) => planNoticed(db))).renoticed, 1);
    assert.deepEqual(await told(world2.pg), { single: true, digest: false, lacks: true });
    // A campaign only adds: it words nothing outside its scope again, even where the notices changed.
    noFacts.clear();
    const campaign = await world2.both((db) =>
      planPushes(db, noticed, {
        period: PERIOD,
        now: NOW,
        words,
        scope: { sql: "SELECT credit_code, policy_id, status FROM policy_match WHERE policy_id = 'stampDuty.a'", params: [] },
      }),
    );
    assert.equal(campaign.renoticed, 0);
    assert.deepEqual(await told(world2.pg), { single: true, digest: false, lacks: true });
    holds = true;

    // TP2's near miss is met now (matched): its planned message is skipped, not worded again first.
    const met = await world2.both(async (db) => {
      await run(db, 2, TP2);
      await result(db, 2, TP2, 'surcharges.almost', 'matched', '300.00');
      await result(db, 2, TP2, 'vat.smallRelief', 'matched', '800.00');
      gap = '差 5 人';
      return planNoticed(db);
    });
    // TP1's digest is worded again (its near miss lacks less, and the notice holds again since the
    // campaign); TP2's near miss is skipped, and its relief planned.
    assert.deepEqual([met.renoticed, met.superseded, met.planned], [1, 1, 1]);
    const tp2 = (await messages(world2.pg)).filter((m) => m.credit_code === TP2 && m.policy_id === 'surcharges.almost');
    assert.deepEqual(
      tp2.map((m) => [m.kind, m.status, m.body.includes('差 10 人'), m.body.includes('差 5 人')]),
      [
        ['nearMiss', 'skipped', true, false],
        ['relief', 'planned', false, false],
      ],
    );

    // An outbox planned without words (as before notices existed) gets the notices, and its near miss
    // what it lacks, at the next plan; a message tried already keeps the words it was tried with.
    const fresh = await engines([{ role: 'financeOfficer' }]);
    const upgraded = await fresh.both(async (db) => {
      await fiveReliefs(db);
      await person(db, TP2, { role: 'financeOfficer' });
      await result(db, 1, TP2, 'vat.smallRelief', 'matched', '800.00');
      await result(db, 1, TP2, 'surcharges.almost', 'nearMiss', '300.00');
      await planNoticed(db, false);
      await db.exec(`UPDATE push_message SET attempts = 1 WHERE credit_code = $1 AND kind = 'digest'`, [TP1]);
      return planNoticed(db);
    });
    assert.deepEqual([upgraded.planned, upgraded.renoticed], [0, 2]);
    assert.deepEqual(await told(fresh.pg, false), { single: true, digest: false, lacks: true });
    world2.duck.close();
    fresh.duck.close();
  });

  it('layers, thresholds, timing, quiet hours, the cap, digests, a deferred digest and weeks apart: row for row', async () => {
    const layered = await engines(THREE);
    await layered.both(async (db) => {
      await result(db, 1, TP1, 'cit.bigRelief', 'matched', '1234567.80');
      await result(db, 1, TP1, 'vat.smallRelief', 'matched', '800.05');
      await result(db, 1, TP1, 'vat.narrow', 'matched', '-12.30');
      await result(db, 1, TP1, 'surcharges.almost', 'nearMiss', '300.00');
      await result(db, 1, TP1, 'iit.b', 'nearMiss', null);
      await result(db, 1, TP1, 'stampDuty.a', 'matched', '0.00');
      await result(db, 1, TP1, 'no.suchPolicy', 'matched', '1.00');
      await person(db, TP2, { role: 'financeOfficer', channel: 'sms', mobile: '13900139000' });
      await result(db, 1, TP2, 'surcharges.almost', 'nearMiss', '300.00');
      return plan(db, NOW, {
        words: async (nearMisses) => {
          const out = new Map<string, Map<string, readonly string[]>>();
          for (const n of nearMisses) out.set(n.creditCode, (out.get(n.creditCode) ?? new Map()).set(n.policyId, [`${n.policyId} 的条件`, '第二个条件']));
          return out;
        },
      });
    });
    const rows = await messages(layered.pg);
    const digest = rows.find((m) => m.kind === 'digest');
    assert.ok(digest?.body.includes('尚未满足：surcharges.almost 的条件；第二个条件'), 'the near misses are merged, with what they lack');
    assert.ok(rows.some((m) => m.body.includes('约 1,234,567.80 元')));
    // A relief estimated below zero would cost the company: nothing to claim, as the ledger counts it.
    assert.ok(!rows.some((m) => m.policy_id === 'vat.narrow' || m.body.includes('-12.30')));
    assert.ok(rows.some((m) => m.kind === 'nearMiss' && m.body.includes('尚未满足的条件：\n- surcharges.almost 的条件\n- 第二个条件')));
    layered.duck.close();

    const timed = await engines([
      { role: 'financeOfficer', quiet: [8, 11] },
      { role: 'taxHandler', quiet: [21, 8] },
      { role: 'legalRepresentative', quiet: [6, 22] },
    ]);
    await timed.both(async (db) => {
      await db.exec(`${INSERT_FILING} ($1, 'vat', DATE '2026-03-01', DATE '2026-03-31', DATE '2026-04-20', NULL, 0, 0)`, [TP1]);
      await result(db, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
      await result(db, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
      return plan(db, at('2026-04-12T21:30:00+08:00'));
    });
    timed.duck.close();

    const deferred = await engines([{ role: 'financeOfficer' }]);
    await deferred.both(async (db) => {
      for (const [policy, benefit] of [
        ['cit.bigRelief', '25000.00'],
        ['vat.smallRelief', '800.00'],
        ['stampDuty.a', '300.00'],
        ['iit.b', '1200.00'],
        ['other.c', null],
      ] as const)
        await result(db, 1, TP1, policy, 'matched', benefit);
      await sentEarlier(db, 'financeOfficer', ['2026-04-05 10:00:00', '2026-04-06 10:00:00', '2026-04-07 10:00:00']);
      return plan(db);
    });
    assert.deepEqual(
      (await messages(deferred.pg)).filter((m) => !m.message_id.startsWith('old')).map((m) => [m.kind, m.scheduled_at, m.items?.split(',').length]),
      [['digest', '2026-04-12 10:00:00', 5]],
    );
    deferred.duck.close();

    for (const maxPerWeek of [1, 2]) {
      const weeks = await engines([{ role: 'financeOfficer' }]);
      await weeks.both(async (db) => {
        await db.exec(`${INSERT_FILING} ($1, 'vat', DATE '2026-01-01', DATE '2026-03-31', DATE '2026-04-30', NULL, 0, 0)`, [TP1]);
        await result(db, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
        await result(db, 1, TP1, 'iit.b', 'matched', '1200.00');
        await result(db, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
        await result(db, 1, TP1, 'vat.narrow', 'matched', '700.00');
        return planPushes(db, ENTRIES, { period: PERIOD, now: NOW, settings: { maxPerWeek } });
      });
      weeks.duck.close();
    }
  });

  it('planning again adds nothing; a later run skips what it no longer supports, a superseded digest frees its items', async () => {
    const { duck, pg, both } = await engines(THREE);
    await both(async (db) => {
      await result(db, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
      await result(db, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
      return plan(db);
    });
    const before = await outbox(pg);
    const again = await both((db) => plan(db, at('2026-04-03T15:00:00+08:00')));
    assert.deepEqual([again.planned, again.alreadyPlanned, again.superseded], [0, 5, 0]);
    assert.deepEqual(await outbox(pg), before, 'planning again on PostgreSQL adds nothing and changes nothing');
    const third = await both(async (db) => {
      await run(db, 2, TP1);
      await result(db, 2, TP1, 'cit.bigRelief', 'matched', '25000.00');
      await result(db, 2, TP1, 'iit.b', 'matched', '500.00');
      return plan(db);
    });
    assert.deepEqual([third.planned, third.superseded], [2, 2]);
    assert.deepEqual(
      (await messages(pg)).filter((m) => m.policy_id === 'vat.smallRelief').map((m) => [m.role, m.status, m.last_error?.slice(0, 11)]),
      [
        ['financeOfficer', 'skipped', 'superseded:'],
        ['taxHandler', 'skipped', 'superseded:'],
      ],
    );
    duck.close();

    const digest = await engines([{ role: 'financeOfficer' }]);
    const five = [
      ['cit.bigRelief', '25000.00'],
      ['vat.smallRelief', '800.00'],
      ['stampDuty.a', '300.00'],
      ['iit.b', '1200.00'],
      ['other.c', null],
    ] as const;
    await digest.both(async (db) => {
      for (const [policy, benefit] of five) await result(db, 1, TP1, policy, 'matched', benefit);
      return plan(db);
    });
    const freed = await digest.both(async (db) => {
      await run(db, 2, 'city');
      for (const [policy, benefit] of five.slice(0, 4)) await result(db, 2, TP1, policy, 'matched', benefit);
      return plan(db, at('2026-04-02T10:00:00+08:00'));
    });
    assert.deepEqual([freed.superseded, freed.alreadyPlanned, freed.planned, freed.digests], [1, 2, 1, 1]);
    digest.duck.close();
  });

  it('a single-taxpayer re-match plans that taxpayer only; a campaign plans its scope only and skips nothing', async () => {
    const { duck, both } = await engines(THREE);
    await both(async (db) => {
      await person(db, TP2, { role: 'financeOfficer' });
      await person(db, TP2, { role: 'taxHandler' });
      await result(db, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
      await result(db, 1, TP2, 'vat.smallRelief', 'matched', '800.00');
      return plan(db);
    });
    const only = await both(async (db) => {
      await run(db, 2, 'city');
      await result(db, 2, TP1, 'vat.smallRelief', 'matched', '800.00');
      await result(db, 2, TP2, 'iit.b', 'matched', '100.00');
      await result(db, 2, TP2, 'cit.bigRelief', 'matched', '30000.00');
      await run(db, 3, TP1);
      await result(db, 3, TP1, 'cit.bigRelief', 'matched', '25000.00');
      return plan(db, NOW, { only: TP1 });
    });
    assert.deepEqual([only.results, only.candidates, only.planned, only.superseded], [1, 3, 3, 2]);
    // TP2's results have moved on (city run 2) but its plan is untouched; a campaign on one of its new results adds that one.
    const campaign = await both((db) =>
      plan(db, NOW, {
        scope: { sql: 'SELECT credit_code, policy_id, status FROM policy_match WHERE run_id = $1 AND policy_id = $2', params: [2, 'iit.b'] },
      }),
    );
    assert.deepEqual([campaign.results, campaign.planned, campaign.superseded], [1, 2, 0]);
    duck.close();
  });

  it('of reliefs that do not stack, only the one worth most is told (a tie: the smaller id); one that becomes worth more replaces it; a campaign cannot bring the lesser back; a near miss is told only if worth more', async () => {
    const { duck, pg, both } = await engines(THREE);
    const first = await both(async (db) => {
      await person(db, TP2, { role: 'financeOfficer' });
      await person(db, TP2, { role: 'taxHandler' });
      await result(db, 1, TP1, 'cit.rateA', 'matched', '3000.00');
      await result(db, 1, TP1, 'cit.rateB', 'matched', '5000.00');
      await result(db, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
      await result(db, 1, TP2, 'cit.rateA', 'matched', '100.00');
      await result(db, 1, TP2, 'cit.rateB', 'matched', '100.00');
      return plan(db);
    });
    const told = async () => (await messages(pg)).map((m) => [m.credit_code === TP1 ? 'TP1' : 'TP2', m.role, m.policy_id, m.status]);
    assert.deepEqual([first.results, first.notStacked, first.planned], [5, 2, 5]);
    assert.deepEqual(await told(), [
      ['TP1', 'financeOfficer', 'cit.rateB', 'planned'],
      ['TP1', 'financeOfficer', 'vat.smallRelief', 'planned'],
      ['TP1', 'taxHandler', 'vat.smallRelief', 'planned'],
      ['TP2', 'financeOfficer', 'cit.rateA', 'planned'],
      ['TP2', 'taxHandler', 'cit.rateA', 'planned'],
    ]);

    // TP1's data change: the other relief is now worth more. It is told, and the message of the first skipped.
    const second = await both(async (db) => {
      await run(db, 2, TP1);
      await result(db, 2, TP1, 'cit.rateA', 'matched', '6000.00');
      await result(db, 2, TP1, 'cit.rateB', 'matched', '5000.00');
      await result(db, 2, TP1, 'vat.smallRelief', 'matched', '800.00');
      return plan(db, NOW, { only: TP1 });
    });
    assert.deepEqual([second.notStacked, second.planned, second.superseded], [1, 2, 1]);
    assert.deepEqual((await told()).slice(0, 5), [
      ['TP1', 'financeOfficer', 'cit.rateA', 'planned'],
      ['TP1', 'financeOfficer', 'cit.rateB', 'skipped'],
      ['TP1', 'financeOfficer', 'vat.smallRelief', 'planned'],
      ['TP1', 'taxHandler', 'cit.rateA', 'planned'],
      ['TP1', 'taxHandler', 'vat.smallRelief', 'planned'],
    ]);

    const campaign = await both((db) =>
      plan(db, NOW, {
        scope: { sql: 'SELECT credit_code, policy_id, status FROM policy_match WHERE policy_id = $1', params: ['cit.rateB'] },
      }),
    );
    assert.deepEqual([campaign.results, campaign.notStacked, campaign.planned], [2, 2, 0]);

    // A near miss of the group is told only when meeting it would be worth more than the matched one.
    const nearMiss = (runId: number, worth: string) =>
      both(async (db) => {
        await run(db, runId, TP2);
        await result(db, runId, TP2, 'cit.rateA', 'matched', '100.00');
        await result(db, runId, TP2, 'cit.rateB', 'nearMiss', worth);
        const r = await plan(db, NOW, { only: TP2 });
        return [r.results, r.notStacked, r.planned, r.superseded];
      });
    assert.deepEqual(await nearMiss(3, '100.00'), [2, 1, 0, 0], 'worth as much: not told');
    assert.deepEqual(await nearMiss(4, '100.01'), [2, 0, 1, 0], 'worth more: told');
    assert.deepEqual((await told()).slice(5), [
      ['TP2', 'financeOfficer', 'cit.rateB', 'planned'],
      ['TP2', 'financeOfficer', 'cit.rateA', 'planned'],
      ['TP2', 'taxHandler', 'cit.rateA', 'planned'],
    ]);
    duck.close();
  });

  it('of reliefs that do not stack, one beside a claim of another is told for what it adds to the claim (as the ledger counts it missed), and not when it adds nothing', async () => {
    const { duck, pg, both } = await engines(THREE);
    const claim = (db: Db, code: string, amount: string) =>
      db.exec(`INSERT INTO filing_reduction VALUES ($1, 'cit', DATE '2026-01-01', DATE '2026-03-31', $2, $3::DECIMAL(18,2))`, [TP1, code, amount]);
    // A return corrected to claim `claimed` of rateB, then the taxpayer matched again (run `runId`) with
    // these estimates and planned alone.
    const corrected = async (db: Db, runId: number, code: string, claimed: string, rateA: string, rateB: string) => {
      await db.exec('UPDATE filing_reduction SET amount = $2::DECIMAL(18,2) WHERE credit_code = $1', [code, claimed]);
      await run(db, runId, code);
      await result(db, runId, code, 'cit.rateA', 'matched', rateA);
      await result(db, runId, code, 'cit.rateB', 'matched', rateB);
      return plan(db, NOW, { only: code });
    };
    // The company claims rateB (as the high-tech rate) for 1,000.00; rateA (as the small low-profit
    // relief) would reduce the same tax by 3,000.00: switching gains 2,000.00, not 3,000.00.
    const first = await both(async (db) => {
      await result(db, 1, TP1, 'cit.rateA', 'matched', '3000.00');
      await result(db, 1, TP1, 'cit.rateB', 'matched', '1000.00');
      await claim(db, '9900000105', '1000.00');
      return plan(db);
    });
    assert.deepEqual([first.results, first.claimed, first.notStacked, first.planned], [2, 1, 0, 2]);
    const told = async () => (await messages(pg)).map((m) => [m.role, m.policy_id, m.benefit, m.status]);
    assert.deepEqual(await told(), [
      ['financeOfficer', 'cit.rateA', '2000.00', 'planned'],
      ['taxHandler', 'cit.rateA', '2000.00', 'planned'],
    ]);
    // The message says the amount is what switching adds to the claim, and names the claim.
    const net = (gain: string, estimate: string, claimed: string) =>
      `预计减免：约 ${gain} 元（本政策预计减免 ${estimate} 元，扣除贵单位本期已享受、与本政策不得叠加享受的其他优惠 ${claimed} 元后，为改为享受本政策可多减免的税费）`;
    const claims = async (code: string) =>
      (await pg.all<{ g: string | null }>('SELECT group_claimed::VARCHAR AS g FROM push_message WHERE credit_code = $1 ORDER BY message_id', [code])).map(
        (r) => r.g,
      );
    assert.deepEqual(await claims(TP1), ['1000.00', '1000.00']);
    for (const m of await messages(pg)) assert.ok(m.body.includes(net('2,000.00', '3,000.00', '1,000.00')), m.body);
    // The claim was for 3,500.00 after all (a corrected return): rateA adds nothing, and its planned
    // messages are skipped.
    const second = await both((db) => corrected(db, 2, TP1, '3500.00', '3000.00', '1000.00'));
    assert.deepEqual([second.claimed, second.notStacked, second.planned, second.superseded], [1, 1, 0, 2]);
    assert.deepEqual(await told(), [
      ['financeOfficer', 'cit.rateA', '2000.00', 'skipped'],
      ['taxHandler', 'cit.rateA', '2000.00', 'skipped'],
    ]);
    // A relief claimed for less than its estimate beats none by its estimate: what was claimed counts,
    // as the ledger ranks the unclaimed reliefs alone (rateB estimated 3,000.00, claimed 1,000.00;
    // rateA's 2,000.00 adds 1,000.00).
    const third = await both(async (db) => {
      await person(db, TP2, { role: 'financeOfficer' });
      await person(db, TP2, { role: 'taxHandler' });
      await run(db, 3, TP2);
      await result(db, 3, TP2, 'cit.rateA', 'matched', '2000.00');
      await result(db, 3, TP2, 'cit.rateB', 'matched', '3000.00');
      await db.exec(`INSERT INTO filing_reduction VALUES ($1, 'cit', DATE '2026-01-01', DATE '2026-03-31', '9900000105', 1000.00)`, [TP2]);
      return plan(db, NOW, { only: TP2 });
    });
    assert.deepEqual([third.claimed, third.notStacked, third.planned], [1, 0, 2]);
    assert.deepEqual(
      (await messages(pg)).filter((m) => m.credit_code === TP2).map((m) => [m.role, m.policy_id, m.benefit]),
      [
        ['financeOfficer', 'cit.rateA', '1000.00'],
        ['taxHandler', 'cit.rateA', '1000.00'],
      ],
    );
    assert.deepEqual(await claims(TP2), ['1000.00', '1000.00']);
    // The return is corrected: rateB claimed for 1,500.00, rateA now estimated at 2,500.00. Switching
    // still adds 1,000.00, but the words would differ: the messages are planned again under their ids.
    const fourth = await both((db) => corrected(db, 4, TP2, '1500.00', '2500.00', '3000.00'));
    assert.deepEqual([fourth.superseded, fourth.planned], [2, 2]);
    const tp2 = (await messages(pg)).filter((m) => m.credit_code === TP2);
    assert.deepEqual(
      tp2.map((m) => [m.role, m.policy_id, m.benefit, m.status]),
      [
        ['financeOfficer', 'cit.rateA', '1000.00', 'planned'],
        ['taxHandler', 'cit.rateA', '1000.00', 'planned'],
      ],
    );
    assert.deepEqual(await claims(TP2), ['1500.00', '1500.00']);
    for (const m of tp2) assert.ok(m.body.includes(net('1,000.00', '2,500.00', '1,500.00')), m.body);
    // In a digest (one message a week), the line of the relief carries the claim and says so; the
    // other line does not. TP1's rateB is claimed for 3,500.00, rateA now worth 5,000.00.
    const fifth = await both(async (db) => {
      await run(db, 5, TP1);
      await result(db, 5, TP1, 'cit.rateA', 'matched', '5000.00');
      await result(db, 5, TP1, 'cit.rateB', 'matched', '1000.00');
      await result(db, 5, TP1, 'cit.bigRelief', 'matched', '500.00');
      return plan(db, NOW, { only: TP1, settings: { maxPerWeek: 1 } });
    });
    assert.deepEqual([fifth.digests, fifth.planned], [2, 2]);
    const digests = (await messages(pg)).filter((m) => m.credit_code === TP1 && m.kind === 'digest');
    assert.deepEqual(
      digests.map((m) => [m.role, m.items, m.benefit]),
      [
        ['financeOfficer', 'relief.cit.rateA,relief.cit.bigRelief', '2000.00'],
        ['taxHandler', 'relief.cit.rateA,relief.cit.bigRelief', '2000.00'],
      ],
    );
    const lines = await pg.all<{ d: string }>(`SELECT digest_items AS d FROM push_message WHERE credit_code = $1 AND kind = 'digest'`, [TP1]);
    for (const { d } of lines) {
      assert.deepEqual(
        (JSON.parse(d) as { benefit: string; group_claimed: string | null }[]).map((l) => [l.benefit, l.group_claimed]),
        [
          ['1500.00', '3500.00'],
          ['500.00', null],
        ],
      );
    }
    for (const m of digests) {
      assert.ok(m.body.includes(net('1,500.00', '5,000.00', '3,500.00')), m.body);
      assert.ok(m.body.includes('预计减免：约 500.00 元；'), m.body);
    }
    // TP2's return is corrected once more, naming rateB's code for 0.00: that claims nothing. rateA is
    // told at its whole estimate, with no claim beside it and plain words (not "net of 0.00").
    const sixth = await both((db) => corrected(db, 6, TP2, '0.00', '3000.00', '1000.00'));
    assert.deepEqual([sixth.claimed, sixth.notStacked, sixth.superseded, sixth.planned], [1, 0, 2, 2]);
    const zero = (await messages(pg)).filter((m) => m.credit_code === TP2);
    assert.deepEqual(
      zero.map((m) => [m.role, m.policy_id, m.benefit, m.status]),
      [
        ['financeOfficer', 'cit.rateA', '3000.00', 'planned'],
        ['taxHandler', 'cit.rateA', '3000.00', 'planned'],
      ],
    );
    assert.deepEqual(await claims(TP2), [null, null]);
    for (const m of zero) assert.ok(m.body.includes('预计减免：约 3,000.00 元\n'), m.body);
    // Corrected again, taking back 500.00 of rateB's claims: the group's claims sum below zero, so
    // nothing of it is enjoyed. rateA is still told at its whole estimate (not at 3,500.00): the
    // messages planned stand, with no claim beside them.
    const seventh = await both((db) => corrected(db, 7, TP2, '-500.00', '3000.00', '1000.00'));
    assert.deepEqual([seventh.notStacked, seventh.superseded, seventh.planned, seventh.alreadyPlanned], [0, 0, 0, 2]);
    assert.deepEqual(
      (await messages(pg)).filter((m) => m.credit_code === TP2).map((m) => [m.role, m.policy_id, m.benefit, m.status]),
      [
        ['financeOfficer', 'cit.rateA', '3000.00', 'planned'],
        ['taxHandler', 'cit.rateA', '3000.00', 'planned'],
      ],
    );
    assert.deepEqual(await claims(TP2), [null, null]);
    duck.close();
  });

  it('of reliefs without an estimate, the better groupRank is told, not the smaller id; an estimate beats none; a near miss is told only if ranked better', async () => {
    const { duck, pg, both } = await engines(THREE);
    const first = await both(async (db) => {
      await person(db, TP2, { role: 'financeOfficer' });
      await person(db, TP2, { role: 'taxHandler' });
      await result(db, 1, TP1, 'cit.rndA', 'matched', null);
      await result(db, 1, TP1, 'cit.rndB', 'matched', null);
      await result(db, 1, TP2, 'cit.rndA', 'matched', '500.00');
      await result(db, 1, TP2, 'cit.rndB', 'matched', null);
      return plan(db);
    });
    const told = async () => (await messages(pg)).map((m) => [m.credit_code === TP1 ? 'TP1' : 'TP2', m.role, m.policy_id, m.status]);
    assert.deepEqual([first.results, first.notStacked], [4, 2]);
    assert.deepEqual(await told(), [
      ['TP1', 'financeOfficer', 'cit.rndB', 'planned'],
      ['TP1', 'taxHandler', 'cit.rndB', 'planned'],
      ['TP2', 'financeOfficer', 'cit.rndA', 'planned'],
      ['TP2', 'taxHandler', 'cit.rndA', 'planned'],
    ]);
    // Neither estimated: meeting the better-ranked one would gain something, the worse-ranked one nothing.
    const nearMiss = (runId: number, matched: string, missed: string) =>
      both(async (db) => {
        await run(db, runId, TP1);
        await result(db, runId, TP1, matched, 'matched', null);
        await result(db, runId, TP1, missed, 'nearMiss', null);
        const r = await plan(db, NOW, { only: TP1 });
        return [r.results, r.notStacked];
      });
    assert.deepEqual(await nearMiss(2, 'cit.rndB', 'cit.rndA'), [2, 1], 'ranked worse: not told');
    assert.deepEqual(await nearMiss(3, 'cit.rndA', 'cit.rndB'), [2, 0], 'ranked better: told');
    // The run that made rndB a near miss took its relief message back; the near miss went to the finance officer alone.
    assert.deepEqual(
      (await messages(pg)).filter((m) => m.credit_code === TP1).map((m) => [m.role, m.kind, m.policy_id, m.status]),
      [
        ['financeOfficer', 'nearMiss', 'cit.rndB', 'planned'],
        ['financeOfficer', 'relief', 'cit.rndA', 'planned'],
        ['financeOfficer', 'relief', 'cit.rndB', 'skipped'],
        ['taxHandler', 'relief', 'cit.rndA', 'planned'],
        ['taxHandler', 'relief', 'cit.rndB', 'skipped'],
      ],
    );
    duck.close();
  });

  it('a result stored twice in one run stops the plan before it writes: DuckDB, without a key on the outbox, names the taxpayer; PostgreSQL refuses the second id', async () => {
    const { duck, pg } = await engines(THREE);
    for (const db of [duck, pg] as Db[]) {
      await result(db, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
      await result(db, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
      await result(db, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
    }
    await assert.rejects(plan(duck), new RegExp(`taxpayer ${TP1} hold a policy twice for one run`));
    // Its insert, which brings a skipped row back on conflict, refuses to touch one id twice.
    await assert.rejects(plan(pg), /ON CONFLICT DO UPDATE command cannot affect row a second time/);
    assert.deepEqual(await outbox(duck), []);
    assert.deepEqual(await outbox(pg), []);
    duck.close();
  });

  it("runs inside the caller's transaction or in one of its own on a pooled connection; calls on one database take turns", async () => {
    const pg = await pgWorld(server.db, THREE);
    await result(pg, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
    await assert.rejects(
      pg.transaction(async (tx) => {
        assert.equal((await plan(tx)).planned, 3);
        assert.equal((await messages(tx)).length, 3, 'the transaction sees its plan');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal((await messages(pg)).length, 0, 'a rollback takes the plan with it');
    const [first, second] = await Promise.all([plan(pg), plan(pg)]);
    assert.deepEqual([first.planned, second.planned, second.alreadyPlanned], [3, 0, 3]);
    assert.equal((await messages(pg)).length, 3);
    // Each of the pool's 4 connections, held at once, is asked for temp tables of its own session.
    let arrived = 0;
    let release = () => {};
    const together = new Promise<void>((resolve) => {
      release = resolve;
    });
    const left = await Promise.all(
      [0, 1, 2, 3].map(() =>
        pg.transaction(async (tx) => {
          const rows = await tx.all("SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relname LIKE 'push_plan%'");
          if (++arrived === 4) release();
          await together;
          return rows;
        }),
      ),
    );
    assert.deepEqual(left.flat(), [], 'no temp table is left on the pooled connections');
  });
});

// ---------------------------------------------------------------- the set-wise planner against a sequential model

// The planner as it was first written, message by message in TypeScript: the specification the
// set-wise SQL (src/push/sql/plan.sql) is held to. Texts come from message.ts, times from time.ts.

interface ModelPerson {
  role: Role;
  /** Default: the role's name in NAMES; one name of two roles, with their mobile (else e-mail), is one person. */
  name?: string;
  channel: 'inApp' | 'email' | 'sms';
  email: string | null;
  mobile: string | null;
  quiet: [number, number];
}
interface ModelResult {
  runId: number;
  code: string;
  policy: string;
  status: 'matched' | 'nearMiss' | 'unknown';
  benefit: string | null;
}
interface ModelBooked {
  code: string;
  role: Role;
  /** A quarter before the one planned, and what it told: a relief's policy, or a digest's items. */
  period: string;
  kind: 'relief' | 'digest';
  policy: string | null;
  items: string | null;
  status: string;
  scheduled: string;
  next: string | null;
  sent: string | null;
}
interface ModelFiling {
  code: string;
  taxType: string;
  start: string;
  end: string;
  due: string;
}
interface ModelWorld {
  names: Record<string, string>;
  people: Record<string, ModelPerson[]>;
  runs: { runId: number; scope: string }[];
  results: ModelResult[];
  filings: ModelFiling[];
  booked: ModelBooked[];
  /** Reliefs of the period a later quarter of the year took back (ledger_entry `lapsedInYear`). */
  lapsed: { code: string; policy: string }[];
}
type ModelRow = {
  message_id: string;
  kind: string;
  policy_id: string | null;
  items: string | null;
  category: string;
  benefit: string | null;
  deadline: string;
  channel: string;
  recipient: string;
  subject: string;
  body: string;
  scheduled_at: string;
};

const MODEL_WEEK = 7 * 86_400_000;
const modelCmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const MODEL_TAX_TYPE: Record<string, string | undefined> = { vat: 'vat', surcharges: 'surcharges', cit: 'cit', iit: 'iit', stampDuty: 'stampDuty' };
const modelFen = (f: bigint) => `${f < 0n ? '-' : ''}${(f < 0n ? -f : f) / 100n}.${((f < 0n ? -f : f) % 100n).toString().padStart(2, '0')}`;

function modelFits(t: number, times: readonly number[], max: number): boolean {
  for (const s of [t, ...times.filter((b) => b > t - MODEL_WEEK && b <= t)])
    if (times.filter((b) => b >= s && b < s + MODEL_WEEK).length + 1 > max) return false;
  return true;
}

interface ModelCandidate {
  id: string;
  target: number;
  prio: number;
  item: ItemText;
}

function modelAllocate(cands: ModelCandidate[], booked: number[], max: number, next: (ms: number) => number): { items: ModelCandidate[]; at: number }[] {
  const sorted = [...cands].sort(
    (a, b) =>
      a.prio - b.prio || Number((b.item.benefitFen ?? -1n) - (a.item.benefitFen ?? -1n)) || modelCmp(a.item.entry.id, b.item.entry.id) || modelCmp(a.id, b.id),
  );
  const times = [...booked];
  const alone: { items: ModelCandidate[]; at: number }[] = [];
  for (const c of sorted) {
    const t = next(c.target);
    if (!modelFits(t, times, max)) break;
    times.push(t);
    alone.push({ items: [c], at: t });
  }
  if (alone.length === sorted.length) return alone;
  let d = next(Math.min(...sorted.map((c) => c.target)));
  while (!modelFits(d, booked, max)) d = next(Math.min(...booked.map((b) => b + MODEL_WEEK).filter((x) => x > d)));
  // Never after the earliest deadline among them (its day): then at the earliest time, over the cap.
  if (d >= Math.min(...sorted.map((c) => fromSql(c.item.deadline))) + 86_400_000) d = next(Math.min(...sorted.map((c) => c.target)));
  const withDigest = [...booked, d];
  const singles: { items: ModelCandidate[]; at: number }[] = [];
  const rest: ModelCandidate[] = [];
  for (const c of sorted) {
    const t = next(c.target);
    if (modelFits(t, withDigest, max)) {
      withDigest.push(t);
      singles.push({ items: [c], at: t });
    } else rest.push(c);
  }
  return rest.length === 0 ? singles : [...singles, { items: rest, at: d }];
}

/** Did a booked message tell of the policy's relief in one of the three quarters before PERIOD (2026-Q1)? */
function toldOf(b: ModelBooked, policy: string): boolean {
  if (!['2025-Q2', '2025-Q3', '2025-Q4'].includes(b.period) || !['planned', 'sending', 'sent'].includes(b.status)) return false;
  if (b.kind === 'relief') return b.policy === policy;
  // A digest's item, its row's own prefix cut (planned before items were kept without it), must be this relief.
  const prefix = `${b.period}.${b.code}.${b.role}.`;
  return (b.items ?? '').split(',').some((i) => (i.startsWith(prefix) ? i.slice(prefix.length) : i) === `relief.${policy}`);
}

function modelPlan(
  w: ModelWorld,
  entries: readonly PushEntry[],
  o: { now: Date; settings: PlanSettings; lacking: (code: string, policy: string) => string[] | null; deadlines: FilingCalendar },
): { rows: ModelRow[]; report: Omit<PlanReport, 'planned' | 'superseded' | 'alreadyPlanned' | 'period'>; spread: boolean; byRank: number; folded: number } {
  const period = parsePeriod(PERIOD);
  const now = toLocal(o.now);
  const s = o.settings;
  const byId = new Map(entries.filter((e) => e.kind === 'policy').map((e) => [e.id, e]));
  const city = Math.max(-1, ...w.runs.filter((r) => r.scope === 'city').map((r) => r.runId));
  const latest = (code: string) => Math.max(city, ...w.runs.filter((r) => r.scope === code).map((r) => r.runId));
  // A relief a later quarter of the year took back is not current (nor in its group).
  const lapsed = (r: ModelResult) => w.lapsed.some((l) => l.code === r.code && l.policy === r.policy);
  const current = w.results
    .filter((r) => r.status !== 'unknown' && r.runId === latest(r.code) && !lapsed(r))
    .sort((a, b) => modelCmp(a.code, b.code) || modelCmp(a.policy, b.policy));
  const report = {
    results: 0,
    notInCatalogue: 0,
    nothingToClaim: 0,
    claimed: 0,
    notStacked: 0,
    toldRecently: 0,
    outOfSeason: 0,
    lapsed: w.lapsed.length,
    withoutPerson: 0,
    candidates: 0,
    digests: 0,
    merged: 0,
    renoticed: 0,
  };
  // Of the matched reliefs of an exclusive group, the taxpayer hears of the one worth most (unknown as
  // -0.01 yuan; a tie to the better groupRank, then the smaller id), and of a near miss of the group
  // only when a matched relief of the group is known to be worth as much or, neither estimated, is
  // ranked better; whatever a campaign's scope.
  const worth = (r: ModelResult) => (r.benefit === null ? -1n : toFen(r.benefit));
  const rank = (r: ModelResult) => byId.get(r.policy)?.groupRank ?? Number.MAX_SAFE_INTEGER;
  let byRank = 0;
  const beaten = (r: ModelResult) => {
    const group = byId.get(r.policy)?.exclusiveGroup;
    const by = current.find(
      (o) =>
        group !== undefined &&
        o !== r &&
        o.code === r.code &&
        o.status === 'matched' &&
        byId.get(o.policy)?.exclusiveGroup === group &&
        (r.status === 'matched'
          ? worth(o) > worth(r) || (worth(o) === worth(r) && (rank(o) < rank(r) || (rank(o) === rank(r) && modelCmp(o.policy, r.policy) < 0)))
          : o.benefit !== null && r.benefit !== null
            ? worth(o) >= worth(r)
            : o.benefit === null && r.benefit === null && rank(o) < rank(r)),
    );
    // Left out by a better rank where the smaller id would have kept it: the rank decided.
    if (by && worth(by) === worth(r) && rank(by) < rank(r) && modelCmp(r.policy, by.policy) < 0) byRank++;
    return by !== undefined;
  };
  // One person holding several roles (the same name with the same mobile, else e-mail) hears as the
  // first of them in the roles' order; its cap counts what any of them was sent.
  const who = (p: ModelPerson) => {
    const name = p.name ?? NAMES[p.role];
    return p.mobile ? `${name}\nm:${p.mobile}` : p.email ? `${name}\ne:${p.email}` : null;
  };
  const leadOf = (code: string, role: Role): Role => {
    const ps = w.people[code] ?? [];
    const me = ps.find((p) => p.role === role);
    const key = me ? who(me) : null;
    return key === null ? role : ([...ps.filter((p) => who(p) === key).map((p) => p.role)].sort(modelCmp)[0] as Role);
  };
  let folded = 0;
  const byPerson = new Map<string, ModelCandidate[]>();
  for (const r of current) {
    const entry = byId.get(r.policy);
    if (!entry) {
      report.notInCatalogue++;
      continue;
    }
    report.results++;
    if (beaten(r)) {
      report.notStacked++;
      continue;
    }
    const kind = r.status === 'matched' ? 'relief' : 'nearMiss';
    const benefitFen = r.benefit === null ? null : toFen(r.benefit);
    if (benefitFen !== null && benefitFen <= 0n) {
      report.nothingToClaim++;
      continue;
    }
    // A relief without an estimate is told once in four quarters: not when a message of it (alone or a
    // digest's line), planned, in flight or sent, went to the taxpayer in one of the three quarters before.
    if (kind === 'relief' && benefitFen === null && w.booked.some((b) => b.code === r.code && toldOf(b, r.policy))) {
      report.toldRecently++;
      continue;
    }
    // A relief the catalogue tells in other quarters of the year only (PERIOD is a first quarter).
    if (kind === 'relief' && entry.pushQuarters !== undefined && !entry.pushQuarters.includes(1)) {
      report.outOfSeason++;
      continue;
    }
    const major = kind === 'relief' && benefitFen !== null && benefitFen >= toFen(s.majorReliefYuan.toFixed(2));
    const taxType = MODEL_TAX_TYPE[entry.category];
    // An IIT relief: the IIT return due first, withholding or business income.
    const dues = w.filings
      .filter((f) => f.code === r.code && (f.taxType === 'iitBusiness' ? 'iit' : f.taxType) === taxType && f.end === period.end && f.start >= period.start)
      .map((f) => f.due);
    const deadline = dues.sort()[0] ?? filingDeadline(o.deadlines, period.end).date;
    const target = Math.max(now, fromSql(deadline) - s.leadDays * 86_400_000 + s.sendingHours.from * 3_600_000);
    for (const called of rolesFor(entry, kind, major)) {
      if (!(w.people[r.code] ?? []).some((p) => p.role === called)) {
        report.withoutPerson++;
        continue;
      }
      const role = leadOf(r.code, called);
      const id = messageId(PERIOD, r.code, role, kind, entry.id);
      const mine = byPerson.get(`${r.code}|${role}`) ?? [];
      if (mine.some((c) => c.id === id)) {
        folded++;
        continue;
      }
      report.candidates++;
      const lacking = kind === 'nearMiss' ? o.lacking(r.code, entry.id) : null;
      const c = { id, target, prio: kind === 'nearMiss' ? 2 : major ? 0 : 1, item: { kind, entry, benefitFen, deadline, lacking } as ItemText };
      byPerson.set(`${r.code}|${role}`, [...mine, c]);
    }
  }
  const taxpayers = new Set(current.map((r) => r.code));
  const rows: ModelRow[] = [];
  // Did some person's times span a week or more, or fill the week already? (the cap then works window by window)
  let spread = false;
  for (const [key, cands] of byPerson) {
    const [code, role] = key.split('|') as [string, Role];
    const person = (w.people[code] ?? []).find((p) => p.role === role) as ModelPerson;
    const quiet = { quietFrom: person.quiet[0], quietTo: person.quiet[1] };
    const next = (ms: number) => nextDeliveryTime(ms, s.sendingHours, quiet);
    const booked = w.booked
      .filter((b) => b.code === code && leadOf(code, b.role) === role && taxpayers.has(code) && ['planned', 'sending', 'sent'].includes(b.status))
      .map((b) => fromSql(b.sent ?? b.next ?? b.scheduled))
      .filter((t) => t > now - MODEL_WEEK);
    const times = [...booked, ...cands.map((c) => next(c.target))];
    if (booked.length >= s.maxPerWeek || Math.max(...times) - Math.min(...times) >= MODEL_WEEK) spread = true;
    const route =
      person.channel === 'email' && person.email
        ? { channel: 'email', recipient: person.email }
        : person.channel === 'sms' && person.mobile
          ? { channel: 'sms', recipient: person.mobile }
          : { channel: 'inApp', recipient: inboxAddress(code, role) };
    const to: Addressee = { taxpayerName: w.names[code] ?? code, creditCode: code, personName: person.name ?? NAMES[role], role, periodZh: period.zh };
    for (const a of modelAllocate(cands, booked, s.maxPerWeek, next)) {
      const first = a.items[0] as ModelCandidate;
      if (a.items.length === 1) {
        rows.push({
          message_id: first.id,
          kind: first.item.kind,
          policy_id: first.item.entry.id,
          items: null,
          category: first.item.entry.category,
          benefit: first.item.benefitFen === null ? null : modelFen(first.item.benefitFen),
          deadline: first.item.deadline,
          ...route,
          ...singleText(first.id, to, first.item),
          scheduled_at: sqlTimestamp(a.at).replace(/\.000$/, ''),
        });
        continue;
      }
      // The outbox keeps a digest's items without the prefix its row carries (period, taxpayer, role).
      const ids = a.items.map((c) => c.id.slice(`${PERIOD}.${code}.${role}.`.length));
      const id = messageId(PERIOD, code, role, 'digest', digestSubject(ids));
      const reliefs = a.items.filter((c) => c.item.kind === 'relief' && c.item.benefitFen !== null);
      rows.push({
        message_id: id,
        kind: 'digest',
        policy_id: null,
        items: ids.join(','),
        category: [...new Set(a.items.map((c) => c.item.entry.category))].sort().join(','),
        benefit: reliefs.length > 0 ? modelFen(reliefs.reduce((sum, c) => sum + (c.item.benefitFen as bigint), 0n)) : null,
        deadline: a.items.map((c) => c.item.deadline).sort()[0] as string,
        ...route,
        ...digestText(
          id,
          to,
          a.items.map((c) => c.item),
        ),
        scheduled_at: sqlTimestamp(a.at).replace(/\.000$/, ''),
      });
      report.digests++;
      report.merged += a.items.length;
    }
  }
  const byChannel: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  for (const r of rows) {
    byChannel[r.channel] = (byChannel[r.channel] ?? 0) + 1;
    byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  }
  return { rows: rows.sort((a, b) => modelCmp(a.message_id, b.message_id)), report: { ...report, byChannel, byKind }, spread, byRank, folded };
}

/**
 * The store, but DuckDB's out-of-memory error is thrown instead of running a statement of the plan
 * whenever the batch holds two or more taxpayers with candidates: at `at`, or at another place each
 * plan (by its number): before the allocation, before the words are written beside the rows, or at
 * the insert (after the batch's skips ran).
 */
function outOfMemory(store: Store, at?: 'insert'): { db: Db; thrown: () => number } {
  const insert = /^INSERT INTO push_message/m;
  const targets =
    at === 'insert' ? [insert] : [/^CREATE OR REPLACE TEMP TABLE push_plan_allocation/m, /^CREATE OR REPLACE TEMP TABLE push_plan_lacking/m, insert];
  let plans = 0;
  let thrown = 0;
  const failing = async (sql: string) => {
    if (/^CREATE OR REPLACE TEMP TABLE push_plan_entry/m.test(sql)) plans++;
    if (!(targets[plans % targets.length] as RegExp).test(sql)) return;
    const [batch] = await store.all<{ n: number }>('SELECT count(DISTINCT credit_code)::INTEGER AS n FROM push_plan_candidate');
    if ((batch?.n ?? 0) < 2) return;
    thrown++;
    throw new Error('Out of Memory Error: failed to allocate data of size 16.0 MiB (2.7 GiB/2.7 GiB used)');
  };
  const db: Db = {
    dialect: store.dialect,
    get inTransaction() {
      return store.inTransaction;
    },
    exec: async (sql, params) => {
      await failing(sql);
      return store.exec(sql, params);
    },
    change: async (sql, params) => {
      await failing(sql);
      return store.change(sql, params);
    },
    all: (sql, params) => store.all(sql, params),
    one: (sql, params) => store.one(sql, params),
    allPrepared: (sql, params) => store.allPrepared(sql, params),
    insertRows: (table, rows) => store.insertRows(table, rows),
    transaction: (fn) => store.transaction(fn),
  };
  return { db, thrown: () => thrown };
}

describe('planning: the set-wise planner against the sequential model', () => {
  const CODES = [TP1, TP2];
  const POLICIES = [...ENTRIES.map((e) => e.id), 'no.suchPolicy'];
  const TAX_TYPES = ['vat', 'cit', 'iit', 'surcharges', 'stampDuty', 'iitBusiness'];
  const hour = fc.integer({ min: 0, max: 23 });
  const amount = fc.oneof(
    fc.constantFrom(null, '0.00', '9999.99', '10000.00', '-12.30'),
    fc.integer({ min: 1, max: 5_000_000 }).map((f) => `${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}`),
  );
  // Times around the planning moment, whole hours or odd minutes, as local SQL timestamps.
  const around = fc.integer({ min: -10 * 24 * 60, max: 25 * 24 * 60 }).map((m) => sqlTimestamp(Date.UTC(2026, 3, 1, 10) + m * 60_000));
  const person = (role: Role) =>
    fc.record({
      role: fc.constant(role),
      // Now and then one name for two roles: with the one mobile (or e-mail) they share, one person.
      name: fc.constantFrom(undefined, '王某某'),
      channel: fc.constantFrom('inApp', 'email', 'sms') as fc.Arbitrary<'inApp' | 'email' | 'sms'>,
      email: fc.constantFrom(null, '', 'p@example.com'),
      mobile: fc.constantFrom(null, '13800138000'),
      quiet: fc.tuple(hour, hour),
    });
  const people = fc.tuple(...ALL.map((r) => fc.option(person(r), { nil: undefined, freq: 4 }))).map((ps) => ps.filter((p) => p !== undefined));
  const worlds: fc.Arbitrary<ModelWorld> = fc
    .record({
      people: fc.tuple(people, people),
      single: fc.boolean(),
      results: fc.array(
        fc
          .record({
            runId: fc.constantFrom(1, 1, 2),
            code: fc.constantFrom(...CODES),
            // The reliefs that do not stack more often than the rest, so that taxpayers match both of a group.
            policy: fc.oneof(
              { arbitrary: fc.constantFrom(...POLICIES), weight: 2 },
              { arbitrary: fc.constantFrom('cit.rateA', 'cit.rateB'), weight: 1 },
              { arbitrary: fc.constantFrom('cit.rndA', 'cit.rndB'), weight: 2 },
            ),
            status: fc.constantFrom('matched', 'matched', 'nearMiss', 'unknown'),
            benefit: amount,
            // The ranked ones mostly without an estimate, as the R&D super deductions are.
            unpriced: fc.constantFrom(true, true, false),
          })
          // So are two others, as the stamp duty and property tax halvings are: told once in four quarters.
          .map(({ unpriced, ...r }) => (unpriced && ['cit.rndA', 'cit.rndB', 'stampDuty.a', 'other.c'].includes(r.policy) ? { ...r, benefit: null } : r)),
        { minLength: 6, maxLength: 30 },
      ),
      filings: fc.array(
        fc.record({
          code: fc.constantFrom(...CODES),
          taxType: fc.constantFrom(...TAX_TYPES),
          start: fc.constantFrom('2026-01-01', '2026-03-01', '2025-12-01'),
          due: fc.integer({ min: 0, max: 40 }).map((d) => dateText(Date.UTC(2026, 3, 1) + d * 86_400_000)),
        }),
        { maxLength: 6 },
      ),
      booked: fc.array(
        fc.record({
          code: fc.constantFrom(...CODES),
          role: fc.constantFrom(...ALL),
          // The three quarters before 2026-Q1, and one a year before it, which does not count.
          period: fc.constantFrom('2025-Q4', '2025-Q3', '2025-Q2', '2025-Q1'),
          told: fc.oneof(
            // Mostly the reliefs without an estimate.
            fc
              .oneof(
                { arbitrary: fc.constantFrom('stampDuty.a', 'other.c', 'cit.rndA', 'cit.rndB'), weight: 6 },
                { arbitrary: fc.constantFrom(...POLICIES, 'x.y'), weight: 1 },
              )
              .map((policy) => ({ kind: 'relief' as const, policy, items: null })),
            fc
              .array(
                fc.record({
                  kind: fc.constantFrom('relief', 'relief', 'nearMiss'),
                  policy: fc.constantFrom(...POLICIES, 'stampDuty.a', 'other.c', 'x.y'),
                  prefixed: fc.boolean(),
                }),
                { minLength: 2, maxLength: 3 },
              )
              .map((is) => ({ kind: 'digest' as const, policy: null, items: is })),
          ),
          status: fc.constantFrom('planned', 'sending', 'sent', 'failed', 'skipped'),
          scheduled: around,
          next: fc.option(around, { nil: null }),
          sent: fc.option(around, { nil: null }),
        }),
        { maxLength: 8 },
      ),
    })
    .map((g) => ({
      names: { [TP1]: '深圳市示例科技有限公司', [TP2]: '深圳市样本贸易有限公司' },
      people: { [TP1]: g.people[0], [TP2]: g.people[1] },
      runs: [{ runId: 1, scope: 'city' }, ...(g.single ? [{ runId: 2, scope: TP1 }] : [])],
      // One result per taxpayer, policy and run, as a match run writes them.
      results: [...new Map(g.results.map((r) => [`${r.runId}|${r.code}|${r.policy}`, r as ModelResult])).values()],
      filings: g.filings.map((f) => ({ ...f, end: f.start === '2025-12-01' ? '2025-12-31' : '2026-03-31' })),
      // TP2's matched reliefs of two policies, one of an exclusive group, taken back by a later quarter
      // (derived from the results, so the worlds drawn stay those of the seed).
      lapsed: [
        ...new Set(
          g.results.filter((r) => r.code === TP2 && r.status === 'matched' && (r.policy === 'cit.rateA' || r.policy === 'other.c')).map((r) => r.policy),
        ),
      ].map((policy) => ({ code: TP2, policy })),
      // A digest's items as it keeps them, or, planned before that, with its row's prefix; now and then
      // a near miss of a policy whose id has a `relief` part, which tells of no relief.
      booked: g.booked.map(({ told, ...b }) => ({
        ...b,
        ...told,
        items:
          told.items === null
            ? null
            : told.items
                .map((i) => `${i.prefixed ? `${b.period}.${b.code}.${b.role}.` : ''}${i.kind}.${i.policy === 'x.y' ? 'x.relief.stampDuty.a' : i.policy}`)
                .join(','),
      })),
    }));
  const settings = fc.record({
    majorReliefYuan: fc.constantFrom(500, 10_000),
    leadDays: fc.integer({ min: 0, max: 12 }),
    sendingHours: fc.integer({ min: 0, max: 22 }).chain((from) => fc.integer({ min: from + 1, max: 24 }).map((to) => ({ from, to }))),
    maxPerWeek: fc.integer({ min: 1, max: 3 }),
  });
  const moment = fc.integer({ min: -7 * 24 * 60, max: 20 * 24 * 60 }).map((m) => new Date(Date.parse('2026-04-01T00:00:00+08:00') + m * 60_000));
  const lacking = (code: string, policy: string) =>
    policy.length % 3 === 0 ? null : policy.length % 3 === 1 ? [] : [`${policy} 的条件（${code.slice(-4)}）`, '第二个条件'];

  async function load(store: Db, w: ModelWorld): Promise<void> {
    for (const t of ['company_person', 'match_run', 'policy_match', 'filing', 'push_message', 'ledger_entry']) await store.exec(`DELETE FROM ${t}`);
    for (const [code, ps] of Object.entries(w.people)) {
      for (const p of ps) {
        await store.exec('INSERT INTO company_person VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
          code,
          p.role,
          p.name ?? NAMES[p.role],
          p.mobile,
          p.email,
          p.channel,
          ...p.quiet,
        ]);
      }
    }
    for (const r of w.runs) await run(store, r.runId, r.scope);
    for (const r of w.results) await result(store, r.runId, r.code, r.policy, r.status, r.benefit);
    for (const l of w.lapsed)
      await store.exec(
        `INSERT INTO ledger_entry (credit_code, period, period_end, month, policy_id, status, enjoyed, built_at, lapsed)
         VALUES ($1, $2, DATE '2026-03-31', DATE '2026-03-01', $3, 'lapsedInYear', 0, TIMESTAMP '2026-07-20 00:00:00', 100)`,
        [l.code, PERIOD, l.policy],
      );
    for (const f of w.filings)
      await store.exec(`${INSERT_FILING} ($1, $2, $3::DATE, $4::DATE, $5::DATE, NULL, 0, 0)`, [f.code, f.taxType, f.start, f.end, f.due]);
    for (const [i, b] of w.booked.entries()) {
      await store.exec(
        `INSERT INTO push_message VALUES ($1, $2, $3, $8, $9, $10, $11, 'vat', 0, NULL, DATE '2026-01-15', 'inApp', 'inbox', 's', 'b',
           $4, $5::TIMESTAMP, 1, $6::TIMESTAMP, NULL, TIMESTAMP '2026-01-01 00:00:00', $7::TIMESTAMP, NULL, NULL, NULL, NULL, NULL)`,
        [`booked-${i}`, b.code, b.role, b.status, b.scheduled, b.next, b.sent, b.kind, b.period, b.policy, b.items],
      );
    }
  }

  /** The 60 generated worlds, planned on db, each against the model; how many reached digests and the window-by-window path. */
  async function againstModel(
    db: Db,
    planDb: Db = db,
  ): Promise<{
    digests: number;
    spread: number;
    notStacked: number;
    byRank: number;
    toldRecently: number;
    outOfSeason: number;
    lapsed: number;
    folded: number;
  }> {
    let folded = 0;
    let lapsed = 0;
    let toldRecently = 0;
    let outOfSeason = 0;
    let digests = 0;
    let spread = 0;
    let notStacked = 0;
    let byRank = 0;
    await fc.assert(
      fc.asyncProperty(worlds, settings, moment, fc.boolean(), fc.boolean(), async (w, s, now, oneByOne, published) => {
        await load(db, w);
        // With the law's calendar 2026-Q1 is due on 20 April (清明 4 to 6 April), without it on the 15th.
        const deadlines = published ? CALENDAR : NO_FILING_CALENDAR;
        const expected = modelPlan(w, ENTRIES, { now, settings: s, lacking, deadlines });
        const report = await planPushes(planDb, ENTRIES, {
          period: PERIOD,
          now,
          settings: s,
          ...(published ? { deadlines } : {}),
          words: async (nearMisses) => {
            const out = new Map<string, Map<string, readonly string[]>>();
            for (const n of nearMisses) {
              const l = lacking(n.creditCode, n.policyId);
              if (l) out.set(n.creditCode, (out.get(n.creditCode) ?? new Map()).set(n.policyId, l));
            }
            return out;
          },
          ...(oneByOne ? { batchTaxpayers: 1 } : {}),
        });
        // The rows hold what the texts are made of; rendered, they must say what the model says.
        const stored = await db.all<Omit<ModelRow, 'subject' | 'body'> & TextSources & { credit_code: string; role: Role }>(
          `SELECT message_id, kind, policy_id, items, category, benefit::VARCHAR AS benefit, deadline::VARCHAR AS deadline, channel, recipient,
                  scheduled_at::VARCHAR AS scheduled_at, credit_code, role, ${TEXT_SOURCES}
           FROM push_message WHERE period = $1 ORDER BY message_id`,
          [PERIOD],
        );
        assert.ok(
          stored.every((r) => r.subject === null && r.body === null),
          'texts are rendered when sent, not stored',
        );
        const rows = withTexts(stored).map(({ credit_code: _c, role: _r, ...row }) => row);
        assert.deepEqual(rows, expected.rows);
        const { period: _p, planned, superseded, alreadyPlanned, ...rest } = report;
        assert.deepEqual(rest, expected.report);
        assert.deepEqual([planned, superseded, alreadyPlanned], [expected.rows.length, 0, 0]);
        if (expected.rows.some((r) => r.kind === 'digest')) digests++;
        if (expected.spread) spread++;
        if (expected.report.notStacked > 0) notStacked++;
        if (expected.byRank > 0) byRank++;
        if (expected.report.toldRecently > 0) toldRecently++;
        if (expected.report.outOfSeason > 0) outOfSeason++;
        if (expected.report.lapsed > 0) lapsed++;
        if (expected.folded > 0) folded++;
      }),
      { numRuns: 60, seed: 20261128 },
    );
    return { digests, spread, notStacked, byRank, toldRecently, outOfSeason, lapsed, folded };
  }

  it('plans exactly the messages, times and texts of the message-by-message planner, in one batch or taxpayer by taxpayer', async () => {
    const store = await world();
    const { digests, spread, notStacked, byRank, toldRecently, outOfSeason, lapsed, folded } = await againstModel(store);
    // The worlds must reach both ways of fitting the cap (sql/plan.sql: allocate), with digests, and
    // taxpayers matching two reliefs of an exclusive group, told apart by their ranks too.
    assert.ok(digests >= 10 && spread >= 10, `digests in ${digests}, times a week apart or a full week in ${spread} of 60 worlds`);
    assert.ok(notStacked >= 5, `reliefs that do not stack in ${notStacked} of 60 worlds`);
    assert.ok(byRank >= 3, `a rank decided in ${byRank} of 60 worlds`);
    assert.ok(toldRecently >= 5, `a relief without an estimate told in a quarter before, in ${toldRecently} of 60 worlds`);
    assert.ok(outOfSeason >= 5, `a relief out of season in ${outOfSeason} of 60 worlds`);
    assert.ok(lapsed >= 5, `a relief a later quarter took back in ${lapsed} of 60 worlds`);
    assert.ok(folded >= 5, `one person called for one message in two roles in ${folded} of 60 worlds`);
    store.close();
  });

  it("a batch that runs out of DuckDB's memory limit is planned again as two halves: the same rows and reports", async () => {
    const store = await world();
    const faulty = outOfMemory(store);
    await againstModel(store, faulty.db);
    assert.ok(faulty.thrown() >= 20, `out of memory ${faulty.thrown()} times in 60 worlds`);
    store.close();
  });

  it('on PostgreSQL (sql/postgres/plan.sql), the same generated worlds give the same rows and reports', async () => {
    const server = await pgServer();
    try {
      const { digests, spread, notStacked, byRank, toldRecently, outOfSeason, lapsed, folded } = await againstModel(await pgWorld(server.db));
      assert.ok(digests >= 10 && spread >= 10, `digests in ${digests}, times a week apart or a full week in ${spread} of 60 worlds`);
      assert.ok(notStacked >= 5, `reliefs that do not stack in ${notStacked} of 60 worlds`);
      assert.ok(byRank >= 3, `a rank decided in ${byRank} of 60 worlds`);
      assert.ok(toldRecently >= 5, `a relief without an estimate told in a quarter before, in ${toldRecently} of 60 worlds`);
      assert.ok(outOfSeason >= 5, `a relief out of season in ${outOfSeason} of 60 worlds`);
      assert.ok(lapsed >= 5, `a relief a later quarter took back in ${lapsed} of 60 worlds`);
      assert.ok(folded >= 5, `one person called for one message in two roles in ${folded} of 60 worlds`);
    } finally {
      await server.drop();
    }
  });
});

// ---------------------------------------------------------------- sending, on both engines

const SEND_AT = at('2026-04-10T09:30:00+08:00');

/** One side of a sending scenario: worlds on one engine. */
interface Engine {
  readonly name: 'DuckDB' | 'PostgreSQL';
  /** A new world on this engine (the one before it is done); `shared`: one another process can open. */
  world(people?: PersonSpec[], shared?: boolean): Promise<Db>;
  /** Lets another process at the shared world (DuckDB: the store closes, and with it the file lock); its address for pushCrash.ts. */
  lend(): [string, string];
  /** The shared world again, after the other process. */
  reopen(): Promise<Db>;
}

/**
 * What sending leaves in a database: every row of the outbox, the attempts, the inbox and the
 * e-mail sent-log, the columns of the wall clock (sent_at, started_at, finished_at, delivered_at,
 * prepared_at) as whether they are set, and the ports of the test's servers masked.
 */
async function sendState(db: Db): Promise<unknown> {
  const state = {
    outbox: await db.all(
      `SELECT message_id, credit_code, role, kind, period, policy_id, items, category, run_id, benefit, deadline, channel, recipient, subject, body, status,
              scheduled_at, attempts, next_attempt_at, last_error, created_at, sent_at IS NOT NULL AS sent, person_name, taxpayer_name, lacking, digest_items
       FROM push_message ORDER BY message_id`,
    ),
    attempts: await db.all(
      'SELECT message_id, attempt, channel, recipient, finished_at IS NOT NULL AS finished, outcome, error FROM push_attempt ORDER BY message_id, attempt',
    ),
    inbox: await db.all('SELECT message_id, credit_code, role, subject, body, read_at FROM inbox_message ORDER BY message_id'),
    sentLog: await db.all(
      'SELECT message_id, header_message_id, recipient, state, finished_at IS NOT NULL AS finished, response FROM email_sent_log ORDER BY message_id',
    ),
  };
  return JSON.parse(JSON.stringify(state).replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT'));
}

describe('sending, on DuckDB and on PostgreSQL', () => {
  let server: Awaited<ReturnType<typeof pgServer>>;
  before(async () => {
    server = await pgServer();
  });
  after(async () => server?.drop());

  /**
   * Runs a scenario on DuckDB, then on PostgreSQL (one schema, emptied for each world), each with
   * its own assertions; then every world must have been left the same on both (sendState).
   */
  async function onBoth(scenario: (e: Engine) => Promise<void>): Promise<void> {
    const states: unknown[][] = [];
    for (const name of ['DuckDB', 'PostgreSQL'] as const) {
      const seen: unknown[] = [];
      let current: Db | null = null;
      let file = ':memory:';
      const done = async () => {
        if (!current) return;
        seen.push(await sendState(current));
        if (current instanceof Store) current.close();
        current = null;
      };
      const engine: Engine = {
        name,
        async world(people = [], shared = false) {
          await done();
          file = shared ? join(tempDir(), 'push.duckdb') : ':memory:';
          current = name === 'PostgreSQL' ? await pgWorld(server.db, people) : await world(people, file);
          return current;
        },
        lend() {
          if (name === 'PostgreSQL') return [PG_URL, server.db.schema ?? ''];
          assert.ok(current instanceof Store && file !== ':memory:', 'only a shared world is lent');
          current.close();
          current = null;
          return [file, ''];
        },
        async reopen() {
          if (name === 'DuckDB') current = await Store.open(file);
          return current as Db;
        },
      };
      try {
        await scenario(engine);
        await done();
      } catch (err) {
        // Assigned by the engine's closures, which the compiler does not follow.
        const left = current as Db | null;
        if (left instanceof Store) left.close();
        if (err instanceof Error) err.message = `on ${name}: ${err.message}`;
        throw err;
      }
      states.push(seen);
    }
    assert.deepEqual(states[1], states[0], 'the same outbox, attempts, inbox and sent-log on PostgreSQL as on DuckDB');
  }

  it('a matched relief claimed already on a return of the period is not told, and a planned message of it is skipped once the claim arrives; a near miss claimed is still told', () =>
    onBoth(async (e) => {
      const claim = (store: Db, code: string, start: string, end: string) =>
        store.exec('INSERT INTO filing_reduction VALUES ($1, $2, $3::DATE, $4::DATE, $5, 800.00)', [TP1, 'vat', start, end, code]);
      const store = await e.world([{ role: 'financeOfficer' }, { role: 'taxHandler' }]);
      await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
      await result(store, 1, TP1, 'iit.b', 'matched', '500.00');
      await result(store, 1, TP1, 'surcharges.almost', 'nearMiss', '300.00');
      const first = await plan(store);
      assert.deepEqual([first.claimed, first.planned], [0, 5]);

      // The company files: it claims the VAT relief (and the near miss's code, which it lacks the
      // conditions for); iit.b's code was claimed in the quarter before, which does not count.
      await claim(store, '9900000101', '2026-01-01', '2026-03-31');
      await claim(store, '9900000102', '2026-01-01', '2026-03-31');
      await claim(store, '9900000103', '2025-10-01', '2025-12-31');
      const second = await plan(store);
      assert.deepEqual([second.claimed, second.superseded, second.planned], [1, 2, 0]);
      assert.deepEqual(
        (await messages(store)).map((m) => [m.role, m.kind, m.policy_id, m.status]),
        [
          ['financeOfficer', 'nearMiss', 'surcharges.almost', 'planned'],
          ['financeOfficer', 'relief', 'iit.b', 'planned'],
          ['financeOfficer', 'relief', 'vat.smallRelief', 'skipped'],
          ['taxHandler', 'relief', 'iit.b', 'planned'],
          ['taxHandler', 'relief', 'vat.smallRelief', 'skipped'],
        ],
      );

      // Claimed before the first plan: never planned at all.
      const fresh = await e.world([{ role: 'financeOfficer' }, { role: 'taxHandler' }]);
      await result(fresh, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
      await claim(fresh, '9900000101', '2026-02-01', '2026-02-28');
      const report = await plan(fresh);
      assert.deepEqual([report.results, report.claimed, report.candidates, report.planned], [1, 1, 0, 0]);
      assert.deepEqual(await messages(fresh), []);
    }));

  it('a relief a later quarter of the year took back (the ledger’s lapsedInYear) is not told: not planned after, skipped by the next plan, and, planned before and not planned again, skipped at sending, a digest going without its line', () =>
    onBoth(async (e) => {
      // What a build of a later quarter of the year writes when the year so far fails a relief settled
      // on the year (src/ledger/sql/build.sql; test/postgres.test.ts holds that build).
      const lapse = (store: Db, policy: string) =>
        store.exec(
          `INSERT INTO ledger_entry (credit_code, period, period_end, month, policy_id, status, enjoyed, built_at, lapsed)
           VALUES ($1, $2, DATE '2026-03-31', DATE '2026-03-01', $3, 'lapsedInYear', 0, TIMESTAMP '2026-07-20 08:00:00', 100.00)`,
          [TP1, PERIOD, policy],
        );
      const results = async (store: Db) => {
        await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
        await result(store, 1, TP1, 'iit.b', 'matched', '500.00');
        await result(store, 1, TP1, 'other.c', 'matched', '300.00');
      };
      const states = async (store: Db) => (await messages(store)).map((m) => [m.kind, m.policy_id ?? m.items, m.status, m.last_error]);
      const capped = { settings: { maxPerWeek: 2 } };

      // Taken back before the first plan: never planned, and counted.
      const fresh = await e.world([{ role: 'financeOfficer' }]);
      await results(fresh);
      await lapse(fresh, 'vat.smallRelief');
      await lapse(fresh, 'iit.b');
      const none = await plan(fresh, NOW, capped);
      assert.deepEqual([none.results, none.lapsed, none.planned], [1, 2, 1]);
      assert.deepEqual(await states(fresh), [['relief', 'other.c', 'planned', null]]);

      // Planned first: two a week, the largest alone and the other two in a digest.
      const store = await e.world([{ role: 'financeOfficer' }]);
      await results(store);
      const first = await plan(store, NOW, capped);
      assert.deepEqual([first.lapsed, first.planned, first.digests], [0, 2, 1]);
      await lapse(store, 'vat.smallRelief');
      await lapse(store, 'iit.b');
      // Not planned again: at sending the single message is skipped before any attempt, and the digest
      // goes with the line that still holds.
      const sent = await sendPushes(store, { inApp: inAppAdapter(store) }, { entries: ENTRIES, now: at('2026-04-20T10:00:00+08:00') });
      assert.deepEqual([sent.due, sent.lapsed, sent.sent], [2, 1, 1]);
      assert.deepEqual(await states(store), [
        ['digest', 'relief.iit.b,relief.other.c', 'sent', null],
        ['relief', 'vat.smallRelief', 'skipped', 'not sent: a later quarter of the year took the relief back (ledger: lapsedInYear)'],
      ]);
      assert.deepEqual(
        (await attempts(store)).map((a) => a.message_id),
        [(await messages(store))[0]?.message_id],
        'no attempt of the skipped one',
      );
      const [delivered] = await store.all<{ subject: string; body: string }>('SELECT subject, body FROM inbox_message');
      const title = (id: string) => ENTRIES.find((x) => x.id === id)?.title.zh as string;
      assert.ok(delivered?.body.includes(title('other.c')), delivered?.body);
      assert.ok(!delivered?.body.includes(title('iit.b')), `${delivered?.body}: the line taken back is left out`);

      // Planned first, then taken back, then planned again: the messages of what was taken back are
      // skipped, and what still holds is planned again alone.
      const again = await e.world([{ role: 'financeOfficer' }]);
      await results(again);
      await plan(again, NOW, capped);
      await lapse(again, 'iit.b');
      const second = await plan(again, NOW, capped);
      assert.deepEqual([second.lapsed, second.superseded], [1, 1]);
      assert.deepEqual(
        (await states(again)).filter(([, , status]) => status !== 'skipped'),
        [
          ['relief', 'other.c', 'planned', null],
          ['relief', 'vat.smallRelief', 'planned', null],
        ],
      );
    }));

  it('a relief without an estimate is told once in four quarters: not after a message of it, alone or in a digest, in the three quarters before; with an estimate, as a near miss, a year on, after a failed message, or in a campaign it is', () =>
    onBoth(async (e) => {
      const store = await e.world([{ role: 'financeOfficer' }, { role: 'taxHandler' }]);
      // What the quarters before told the company (sent, planned, or failed: never delivered).
      const earlier = (n: number, period: string, kind: string, policy: string | null, items: string | null, status: string) =>
        store.exec(
          `INSERT INTO push_message VALUES ($1, $2, 'financeOfficer', $3, $4, $5, $6, 'vat', 0, NULL, DATE '2025-01-15', 'inApp', 'inbox', 's', 'b',
             $7, TIMESTAMP '2025-01-10 09:00:00', 1, NULL, NULL, TIMESTAMP '2025-01-01 00:00:00', NULL, NULL, NULL, NULL, NULL, NULL)`,
          [`earlier-${n}`, TP1, kind, period, policy, items, status],
        );
      await earlier(1, '2025-Q4', 'relief', 'stampDuty.a', null, 'sent');
      // A digest's items, one of them a near miss of a policy whose id has a `relief` part: no relief of iit.b.
      await earlier(2, '2025-Q2', 'digest', null, 'nearMiss.vat.narrow,relief.other.c,nearMiss.x.relief.iit.b', 'planned');
      await earlier(3, '2025-Q1', 'relief', 'iit.b', null, 'sent');
      await earlier(4, '2025-Q3', 'relief', 'vat.narrow', null, 'failed');
      await earlier(5, '2025-Q4', 'relief', 'cit.bigRelief', null, 'sent');
      await earlier(6, '2025-Q4', 'nearMiss', 'surcharges.almost', null, 'sent');
      // A digest planned before items were kept without their row's prefix.
      await earlier(7, '2025-Q3', 'digest', null, `2025-Q3.${TP1}.financeOfficer.relief.vat.smallRelief`, 'sent');
      for (const [policy, status, benefit] of [
        ['stampDuty.a', 'matched', null],
        ['other.c', 'matched', null],
        ['iit.b', 'matched', null],
        ['vat.narrow', 'matched', null],
        ['cit.bigRelief', 'matched', '5000.00'],
        ['surcharges.almost', 'nearMiss', null],
        ['vat.smallRelief', 'matched', null],
      ] as const)
        await result(store, 1, TP1, policy, status, benefit);
      const first = await plan(store, NOW, { settings: { maxPerWeek: 20 } });
      assert.equal(
        first.toldRecently,
        3,
        'stampDuty.a (told alone last quarter), other.c (a line of a digest three quarters ago), vat.smallRelief (a line of a digest with its prefix)',
      );
      const told = async () => [...new Set((await messages(store)).filter((m) => m.message_id.startsWith(`${PERIOD}.`)).map((m) => m.policy_id))].sort();
      assert.deepEqual(await told(), ['cit.bigRelief', 'iit.b', 'surcharges.almost', 'vat.narrow']);
      // Planning again leaves them out the same way, and adds nothing.
      const again = await plan(store, NOW, { settings: { maxPerWeek: 20 } });
      assert.deepEqual([again.toldRecently, again.planned, again.superseded], [3, 0, 0]);
      // A campaign of the stamp duty relief is the bureau's choice: it is told.
      const campaign = await plan(store, NOW, {
        settings: { maxPerWeek: 20 },
        scope: { sql: "SELECT credit_code, policy_id, status FROM policy_match WHERE policy_id = 'stampDuty.a'", params: [] },
      });
      assert.deepEqual([campaign.toldRecently, campaign.planned], [0, 2]);
      assert.deepEqual(await told(), ['cit.bigRelief', 'iit.b', 'stampDuty.a', 'surcharges.almost', 'vat.narrow']);
      // The next plan keeps what the campaign planned: a message of the quarter stands, it is not
      // skipped as no longer called for.
      const after = await plan(store, NOW, { settings: { maxPerWeek: 20 } });
      // Nine messages planned already: two roles each for four reliefs, the finance officer for the near miss.
      assert.deepEqual([after.toldRecently, after.superseded, after.planned, after.alreadyPlanned], [2, 0, 0, 9]);
      assert.deepEqual(await told(), ['cit.bigRelief', 'iit.b', 'stampDuty.a', 'surcharges.almost', 'vat.narrow']);
    }));

  it('a relief the catalogue tells in some quarters of the year only is not told in the others, nor counted as anything else; a campaign tells it', () =>
    onBoth(async (e) => {
      const store = await e.world([{ role: 'financeOfficer' }, { role: 'taxHandler' }]);
      await result(store, 1, TP1, 'iit.seasonal', 'matched', null);
      await result(store, 1, TP1, 'iit.b', 'matched', '500.00');
      const first = await plan(store);
      assert.deepEqual([first.results, first.outOfSeason, first.toldRecently, first.candidates, first.planned], [2, 1, 0, 2, 2]);
      assert.deepEqual([...new Set((await messages(store)).map((m) => m.policy_id))], ['iit.b']);
      const campaign = await plan(store, NOW, {
        scope: { sql: "SELECT credit_code, policy_id, status FROM policy_match WHERE policy_id = 'iit.seasonal'", params: [] },
      });
      assert.deepEqual([campaign.outOfSeason, campaign.planned], [0, 2]);
      // The campaign's messages stand at the next plan (four planned: two roles, two reliefs), not
      // skipped as no longer called for.
      const next = await plan(store);
      assert.deepEqual([next.outOfSeason, next.superseded, next.alreadyPlanned, next.planned], [0, 0, 4, 0]);
    }));

  it('a message skipped and then called for again comes back under its id, and the cap and the report count what is written', () =>
    onBoth(async (e) => {
      const store = await e.world([{ role: 'financeOfficer' }]);
      await result(store, 1, TP1, 'cit.bigRelief', 'matched', '5000.00');
      assert.equal((await plan(store)).planned, 1);
      await run(store, 2, TP1);
      await result(store, 2, TP1, 'cit.bigRelief', 'unknown', null);
      assert.equal((await plan(store)).superseded, 1);
      await run(store, 3, TP1);
      for (const [policy, benefit] of [
        ['cit.bigRelief', '5000.00'],
        ['vat.smallRelief', '800.00'],
        ['stampDuty.a', '300.00'],
        ['iit.b', '200.00'],
      ] as const)
        await result(store, 3, TP1, policy, 'matched', benefit);
      const third = await plan(store);
      // Three fit under the cap: the two largest alone, the two smallest in a digest. The 5,000 yuan
      // relief skipped before is among them again, not lost for having been skipped once.
      assert.deepEqual([third.planned, third.digests, third.byKind, third.superseded], [3, 1, { relief: 2, digest: 1 }, 0]);
      assert.deepEqual(
        (await messages(store)).map((m) => [m.kind, m.policy_id ?? m.items, m.status, m.benefit]),
        [
          ['digest', 'relief.stampDuty.a,relief.iit.b', 'planned', '500.00'],
          ['relief', 'cit.bigRelief', 'planned', '5000.00'],
          ['relief', 'vat.smallRelief', 'planned', '800.00'],
        ],
      );
    }));

  it('a message not yet sent follows the data: a new amount, or a new address, is planned again in its place; one tried already keeps its words', () =>
    onBoth(async (e) => {
      const store = await e.world([{ role: 'financeOfficer' }, { role: 'taxHandler' }, { role: 'legalRepresentative' }]);
      await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
      await result(store, 1, TP1, 'iit.b', 'matched', '500.00');
      assert.equal((await plan(store)).planned, 4);
      // The tax handler's iit.b message is tried once and waits to be retried.
      await store.exec(
        "UPDATE push_message SET attempts = 1, next_attempt_at = TIMESTAMP '2026-04-10 10:00:00', last_error = 'timeout' WHERE role = 'taxHandler' AND policy_id = 'iit.b'",
      );
      await run(store, 2, 'city');
      await result(store, 2, TP1, 'vat.smallRelief', 'matched', '50000.00');
      await result(store, 2, TP1, 'iit.b', 'matched', '650.00');
      await store.exec("UPDATE company_person SET preferred_channel = 'email', email = 'fo@example.com' WHERE role = 'financeOfficer'");
      const report = await plan(store);
      assert.deepEqual([report.superseded, report.planned], [3, 4]);
      assert.deepEqual(
        (await messages(store)).map((m) => [m.role, m.policy_id, m.benefit, m.channel, m.status, m.attempts]),
        [
          ['financeOfficer', 'iit.b', '650.00', 'email', 'planned', 0],
          ['financeOfficer', 'vat.smallRelief', '50000.00', 'email', 'planned', 0],
          ['legalRepresentative', 'vat.smallRelief', '50000.00', 'inApp', 'planned', 0],
          ['taxHandler', 'iit.b', '500.00', 'inApp', 'planned', 1],
          ['taxHandler', 'vat.smallRelief', '50000.00', 'inApp', 'planned', 0],
        ],
        'every message waiting to go says 50,000, at the new address; the retry keeps what it was tried with',
      );
      assert.equal(new Set((await messages(store)).map((m) => m.message_id)).size, 5, 'one row per id');
      assert.deepEqual(await plan(store).then((r) => [r.planned, r.superseded]), [0, 0], 'and planning again changes nothing');
    }));

  it('a relief sent after its filing deadline says the deadline has passed and how it can still be had (a corrected return, a refund within three years); before the deadline it asks to claim it on the return', () =>
    onBoth(async (e) => {
      const store = await e.world([{ role: 'legalRepresentative' }, { role: 'financeOfficer' }]);
      // A relief with a reduction code: the returns show whether it was claimed.
      await result(store, 1, TP1, 'vat.smallRelief', 'matched', '25000.00');
      await plan(store);
      // Sent on the day of the deadline (2026-04-15, the 15th after the quarter): still in time.
      await sendPushes(store, { inApp: inAppAdapter(store) }, { entries: ENTRIES, now: at('2026-04-15T10:00:00+08:00'), limit: 1 });
      // The other a day late.
      await sendPushes(store, { inApp: inAppAdapter(store) }, { entries: ENTRIES, now: at('2026-04-16T10:00:00+08:00') });
      const box = await store.all<{ subject: string; body: string }>('SELECT subject, body FROM inbox_message ORDER BY delivered_at');
      assert.equal(box.length, 2);
      const [onTime, late] = box as [{ subject: string; body: string }, { subject: string; body: string }];
      assert.match(onTime.subject, /可享受：/);
      assert.match(onTime.body, /申报期限：2026-04-15（请在此之前完成申报）/);
      assert.match(late.subject, /尚未享受：/);
      assert.match(late.body, /申报期限已过，尚未享受/);
      assert.match(
        late.body,
        /申报期限：2026-04-15（已过）。可通过更正申报享受；多缴的税款，可自结算缴纳之日起三年内申请退还（《中华人民共和国税收征收管理法》第五十一条）/,
      );
    }));

  it('after its deadline, a relief without a reduction code (whose claims no return shows) is told as one to check, not as one missed; alone and in a digest', () => {
    const to = { taxpayerName: '示例公司', creditCode: TP1, personName: '陈某某', role: 'financeOfficer' as const, periodZh: '2026年第1季度' };
    const item = (id: string, past: boolean) => ({
      kind: 'relief' as const,
      entry: ENTRIES.find((e) => e.id === id) as PushEntry,
      benefitFen: 80000n,
      deadline: '2026-04-15',
      lacking: null,
      past,
    });
    const unseen = singleText('x', to, item('cit.bigRelief', true));
    assert.match(unseen.subject, /请核实是否已享受：cit\.bigRelief/);
    assert.match(unseen.body, /申报期限已过；税务机关的申报数据无法显示贵单位是否已享受，如尚未享受，可通过更正申报享受；多缴的税款/);
    assert.doesNotMatch(unseen.body, /尚未享受。|（已过）。可通过/);
    const seen = singleText('x', to, item('vat.smallRelief', true));
    assert.match(seen.subject, /尚未享受：vat\.smallRelief/);
    // Before the deadline both ask to claim it on the return.
    for (const id of ['cit.bigRelief', 'vat.smallRelief']) assert.match(singleText('x', to, item(id, false)).subject, /可享受：/);
    const digest = digestText('x', to, [item('cit.bigRelief', true), item('vat.smallRelief', true)]).body;
    assert.match(digest, /1\. 请核实是否已享受：cit\.bigRelief.*\n.*（已过）。申报数据无法显示是否已享受，如尚未享受，可通过更正申报享受/);
    assert.match(digest, /2\. 尚未享受：vat\.smallRelief.*\n.*（已过）。可通过更正申报享受/);
  });

  it('a message names the taxes a relief is of where its category does not: the land-use tax halving, not 其他税费', () => {
    const to = { taxpayerName: '示例公司', creditCode: TP1, personName: '陈某某', role: 'financeOfficer' as const, periodZh: '2026年第1季度' };
    const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
    const text = (id: string) =>
      singleText('x', to, {
        kind: 'relief' as const,
        entry: catalogue.entries.find((e) => e.id === id) as PushEntry,
        benefitFen: 10000n,
        deadline: '2026-04-15',
        lacking: null,
        past: false,
      }).body;
    assert.match(text('other.landUseTaxSixTaxesTwoFees'), /\n税费种类：城镇土地使用税\n/);
    assert.match(text('other.propertyTaxSixTaxesTwoFees'), /\n税费种类：房产税\n/);
    assert.match(text('cit.smallLowProfit'), /\n税费种类：企业所得税\n/);
    const vague = catalogue.entries.filter((e) => e.category === 'other' && !e.taxes).map((e) => e.id);
    assert.deepEqual(vague, [], 'every entry of category other names its taxes');
  });

  it("greets an individual business's legal representative as its operator (经营者), alone and in a digest; an enterprise's as its legal representative", () => {
    const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
    const item = {
      kind: 'relief' as const,
      entry: catalogue.entries.find((e) => e.id === 'cit.smallLowProfit') as PushEntry,
      benefitFen: 10000n,
      deadline: '2026-04-15',
      lacking: null,
      past: false,
    };
    // 92…: registration authority 9, organisation class 2 (个体工商户), GB 32100-2015.
    const to = (creditCode: string, role: Role) => ({ taxpayerName: '示例', creditCode, personName: '王某某', role, periodZh: '2026年第1季度' });
    const individual = withCheckCharacter('92440300MA5F0000X');
    assert.match(singleText('x', to(individual, 'legalRepresentative'), item).body, /^王某某（示例经营者）您好：/);
    assert.match(digestText('x', to(individual, 'legalRepresentative'), [item, item]).body, /^王某某（示例经营者）您好：/);
    assert.match(singleText('x', to(individual, 'taxHandler'), item).body, /^王某某（示例办税人员）您好：/);
    assert.match(singleText('x', to(TP1, 'legalRepresentative'), item).body, /^王某某（示例法定代表人）您好：/);
  });

  it('a relief the employees enjoy themselves (informEmployees) asks the company to tell them, names no deadline and no late claim; alone and in a digest', () => {
    const to = { taxpayerName: '示例公司', creditCode: TP1, personName: '陈某某', role: 'financeOfficer' as const, periodZh: '2026年第1季度' };
    const exemption: PushEntry = { ...entry('iit.exempt', 'iit', ['financeOfficer', 'taxHandler']), action: 'informEmployees' };
    const item = (e: PushEntry, past: boolean) => ({ kind: 'relief' as const, entry: e, benefitFen: null, deadline: '2026-04-15', lacking: null, past });
    for (const past of [false, true]) {
      const single = singleText('x', to, item(exemption, past));
      assert.match(single.subject, /请转告员工：iit\.exempt 的中文标题/);
      assert.match(
        single.body,
        /贵单位（统一社会信用代码 \S+）有员工可能适用以下个人所得税优惠政策。该优惠由符合条件的员工本人享受，贵单位无需为此申报享受；请转告员工。/,
      );
      assert.doesNotMatch(
        single.body,
        /申报期限|请在申报时享受|更正申报|预计减免|所属期|季度/,
        'nothing to file, so no deadline, no late claim, no amount unknown; and not of the quarter',
      );
    }
    const digest = digestText('x', to, [item(exemption, true), item(ENTRIES.find((e) => e.id === 'vat.smallRelief') as PushEntry, false)]).body;
    assert.match(digest, /1\. 请转告员工：iit\.exempt.*\n {3}该优惠由符合条件的员工本人享受，贵单位无需为此申报享受；请转告员工\n2\. 可享受：vat\.smallRelief/);
    // The catalogue's exemption from the annual IIT reconciliation is such a relief; the other IIT
    // reliefs employers apply when withholding are claimed as any other.
    const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
    assert.deepEqual(
      catalogue.entries.filter((e) => e.action === 'informEmployees').map((e) => e.id),
      ['iit.annualReconciliationExemption'],
    );
    assert.deepEqual(catalogue.entries.find((e) => e.id === 'iit.annualReconciliationExemption')?.pushQuarters, [4, 1]);
  });

  describe('sending', () => {
    it('delivers to the in-app inbox once, records every attempt, and sends SMS recipients to the inbox because SMS is not configured', () =>
      onBoth(async (e) => {
        const store = await e.world(THREE);
        await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
        await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
        await plan(store);
        const report = await sendPushes(store, { inApp: inAppAdapter(store), sms: smsNotConfigured() }, { entries: ENTRIES, now: SEND_AT });
        assert.deepEqual([report.due, report.sent, report.fellBack, report.noAdapter], [5, 3, 2, 2], 'e-mails wait: no e-mail adapter was given');
        assert.deepEqual(report.outcomes, { inApp: { delivered: 3 }, sms: { notConfigured: 2 } });
        const rows = await messages(store);
        assert.deepEqual(
          rows.map((m) => [m.role, m.policy_id, m.channel, m.status, m.attempts]),
          [
            ['financeOfficer', 'cit.bigRelief', 'email', 'planned', 0],
            ['financeOfficer', 'vat.smallRelief', 'email', 'planned', 0],
            ['legalRepresentative', 'cit.bigRelief', 'inApp', 'sent', 1],
            ['taxHandler', 'cit.bigRelief', 'inApp', 'sent', 2],
            ['taxHandler', 'vat.smallRelief', 'inApp', 'sent', 2],
          ],
        );
        const th = `${PERIOD}.${TP1}.taxHandler.relief.cit.bigRelief`;
        assert.deepEqual(
          (await attempts(store, th)).map((a) => [a.attempt, a.channel, a.outcome, a.finished]),
          [
            [1, 'sms', 'notConfigured', true],
            [2, 'inApp', 'delivered', true],
          ],
        );
        assert.match((await attempts(store, th))[0]?.error ?? '', /sms is not configured/);
        assert.deepEqual(
          (await inbox(store)).map((m) => m.role),
          ['legalRepresentative', 'taxHandler', 'taxHandler'],
        );
        const again = await sendPushes(
          store,
          { inApp: inAppAdapter(store), sms: smsNotConfigured() },
          { entries: ENTRIES, now: at('2026-04-10T15:00:00+08:00') },
        );
        assert.deepEqual([again.sent, again.due], [0, 2]);
        assert.equal((await inbox(store)).length, 3);
        assert.equal((await attempts(store)).length, 5);
      }));

    it('words are put together when a message is sent: the inbox gets the rendered texts, a row planned with its texts keeps them, a row they cannot be made from fails alone', () =>
      onBoth(async (e) => {
        const store = await e.world(THREE);
        await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
        await plan(store);
        const planned = await store.all<{ subject: string | null; body: string | null }>('SELECT subject, body FROM push_message');
        assert.ok(planned.length > 0 && planned.every((m) => m.subject === null && m.body === null), 'the outbox keeps no texts');
        // Rows as an earlier version planned them (texts stored), and a digest that lost its items.
        const old = `${PERIOD}.${TP2}.taxHandler.relief.vat.smallRelief`;
        const broken = `${PERIOD}.${TP2}.financeOfficer.digest.digest-0000000000000000`;
        for (const [id, role, kind, subject, body] of [
          [old, 'taxHandler', 'relief', '旧的主题', '旧的正文'],
          [broken, 'financeOfficer', 'digest', null, null],
        ]) {
          await store.exec(
            `INSERT INTO push_message (message_id, credit_code, role, kind, period, policy_id, category, run_id, deadline, channel, recipient, subject, body,
               status, scheduled_at, attempts, created_at)
             VALUES ($1, $2, $3, $4, $5, NULL, 'vat', 1, DATE '2026-04-15', 'inApp', 'inbox', $6, $7, 'planned', TIMESTAMP '2026-04-01 10:00:00', 0, TIMESTAMP '2026-04-01 00:00:00')`,
            [id as string, TP2, role as string, kind as string, PERIOD, subject ?? null, body ?? null],
          );
        }
        const report = await sendPushes(store, { inApp: inAppAdapter(store), sms: smsNotConfigured() }, { entries: ENTRIES, now: SEND_AT });
        assert.equal(report.failed, 1);
        const delivered = await store.all<{ message_id: string; subject: string; body: string }>(
          'SELECT message_id, subject, body FROM inbox_message ORDER BY message_id',
        );
        const texts = new Map(delivered.map((m) => [m.message_id, m]));
        assert.deepEqual(texts.get(old), { message_id: old, subject: '旧的主题', body: '旧的正文' });
        const legal = texts.get(`${PERIOD}.${TP1}.legalRepresentative.relief.cit.bigRelief`);
        assert.equal(legal?.subject, '【智数·政策提醒】可享受：cit.bigRelief 的中文标题（English title of cit.bigRelief）');
        assert.match(legal?.body ?? '', /^张某某（深圳市示例科技有限公司法定代表人）您好：/);
        assert.ok(!texts.has(broken));
        const [failed] = await store.all<{ status: string; last_error: string }>('SELECT status, last_error FROM push_message WHERE message_id = $1', [broken]);
        assert.equal(failed?.status, 'failed');
        assert.match(
          failed?.last_error ?? '',
          new RegExp(`cannot render the message: push_message ${broken.replaceAll('.', '\\.')}: a digest without digest_items`),
        );
      }));

    it('reads the due messages a page at a time: pages of one message deliver the same messages, once each, with the same report, as one page', () =>
      onBoth(async (e) => {
        const sendAll = async (paging: { batchSize?: number; pageSize?: number }) => {
          const store = await e.world(THREE);
          await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
          await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
          await result(store, 1, TP1, 'stampDuty.a', 'matched', '300.00');
          await plan(store);
          const progress: { done: number; total: number }[] = [];
          const report = await sendPushes(
            store,
            { inApp: inAppAdapter(store), sms: smsNotConfigured() },
            { entries: ENTRIES, now: SEND_AT, ...paging, onProgress: (p) => progress.push(p) },
          );
          const delivered = await store.all<{ message_id: string; subject: string; body: string }>(
            'SELECT message_id, subject, body FROM inbox_message ORDER BY message_id',
          );
          const rows = (await messages(store)).map((m) => [m.message_id, m.channel, m.status, m.attempts]);
          return { report, delivered, rows, progress };
        };
        const whole = await sendAll({});
        const paged = await sendAll({ batchSize: 1, pageSize: 1 });
        assert.ok(whole.delivered.length >= 3, 'messages reach the inbox');
        assert.deepEqual(paged.delivered, whole.delivered);
        assert.deepEqual(paged.rows, whole.rows);
        assert.deepEqual(paged.report, whole.report);
        assert.ok(paged.progress.length > whole.progress.length, 'progress after every batch');
        assert.deepEqual(paged.progress.at(-1), { done: whole.report.due, total: whole.report.due });
      }));

    it('a channel that delivers and then throws is asked before anything is retried: delivered once, recorded as sent', () =>
      onBoth(async (e) => {
        const store = await e.world([{ role: 'legalRepresentative' }, { role: 'financeOfficer' }]);
        await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
        await plan(store);
        const inner = inAppAdapter(store);
        let deliveries = 0;
        const flaky: ChannelAdapter = {
          channel: 'inApp',
          confirm: (m) => inner.confirm(m),
          async deliver(m) {
            deliveries++;
            await inner.deliver(m);
            throw new Error('connection reset after the write');
          },
        };
        const report = await sendPushes(store, { inApp: flaky }, { entries: ENTRIES, now: SEND_AT });
        assert.deepEqual([report.sent, report.retrying, deliveries], [2, 0, 2]);
        assert.ok((await attempts(store)).every((a) => a.outcome === 'delivered' && /error after delivering/.test(a.error ?? '')));
        await sendPushes(store, { inApp: inner }, { entries: ENTRIES, now: at('2026-04-11T10:00:00+08:00') });
        assert.equal((await inbox(store)).length, 2);
        assert.ok((await messages(store)).every((m) => m.status === 'sent' && m.attempts === 1));
      }));

    it('a sender killed between delivery and recording leaves its batch in flight; the next run confirms the delivered one from the inbox and delivers the rest, each exactly once', () =>
      onBoth(async (e) => {
        const store = await e.world([{ role: 'legalRepresentative' }, { role: 'financeOfficer' }, { role: 'taxHandler' }], true);
        await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
        await plan(store);

        assert.equal(await crashingSender(e.lend(), SEND_AT, 'inApp'), 'SIGKILL');
        const after = await e.reopen();
        const sending = (await messages(after)).filter((m) => m.status === 'sending');
        assert.equal(sending.length, 3, 'the batch was claimed, its attempts on record, before any delivery');
        const box = await inbox(after);
        assert.equal(box.length, 1, 'one message was delivered, then the process died');
        const delivered = box[0]?.message_id as string;
        assert.ok((await attempts(after)).every((a) => a.attempt === 1 && a.outcome === null && !a.finished));

        const report = await sendPushes(after, { inApp: inAppAdapter(after) }, { entries: ENTRIES, now: at('2026-04-10T09:40:00+08:00') });
        assert.deepEqual([report.recovered, report.sent], [3, 3]);
        const byMessage = new Map<string, string[]>();
        for (const a of await attempts(after)) byMessage.set(a.message_id, [...(byMessage.get(a.message_id) ?? []), `${a.attempt}:${a.outcome}`]);
        assert.deepEqual(byMessage.get(delivered), ['1:delivered'], 'confirmed from the inbox: no second attempt');
        assert.deepEqual(
          [...byMessage].filter(([id]) => id !== delivered).map(([, a]) => a),
          [
            ['1:interrupted', '2:delivered'],
            ['1:interrupted', '2:delivered'],
          ],
        );
        const finalBox = await inbox(after);
        assert.equal(finalBox.length, 3);
        assert.equal(new Set(finalBox.map((m) => m.message_id)).size, 3, 'every message once');
        assert.ok((await messages(after)).every((m) => m.status === 'sent'));
      }));

    it('retries a failing channel with exponential back-off until maxAttempts, then fails it; a retry waits for the sending hours', () =>
      onBoth(async (e) => {
        const store = await e.world([{ role: 'legalRepresentative' }]);
        await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
        await plan(store);
        let calls = 0;
        const down: ChannelAdapter = {
          channel: 'inApp',
          async deliver() {
            calls++;
            throw new Error('inbox service unavailable');
          },
          async confirm() {
            return 'notDelivered';
          },
        };
        const options = { maxAttempts: 3, backoff: { initialSeconds: 60, factor: 2, maxSeconds: 3600 } };
        const send = (now: string) => sendPushes(store, { inApp: down }, { ...options, entries: ENTRIES, now: at(`2026-04-10T${now}+08:00`) });
        const next = async () => (await messages(store))[0]?.next_attempt_at;

        assert.equal((await send('09:00:00')).retrying, 1);
        assert.equal(await next(), '2026-04-10 09:01:00');
        assert.equal((await send('09:00:59')).due, 0, 'not before the back-off has passed');
        assert.equal((await send('09:01:00')).retrying, 1);
        assert.equal(await next(), '2026-04-10 09:03:00', 'twice as long after the second failure');
        assert.equal((await send('09:03:00')).failed, 1);
        assert.equal((await send('12:00:00')).due, 0);
        assert.equal(calls, 3);
        const [m] = await messages(store);
        assert.deepEqual([m?.status, m?.attempts, m?.last_error], ['failed', 3, 'inbox service unavailable']);
        assert.deepEqual(
          (await attempts(store)).map((a) => [a.attempt, a.outcome, a.error]),
          [1, 2, 3].map((n) => [n, 'failed', 'inbox service unavailable']),
        );

        // The back-off counts from the failure, not from the start of the run: a channel that takes
        // 1.2 s to fail is retried a minute after it failed (at the failure's whole second).
        const slow = await e.world([{ role: 'legalRepresentative' }]);
        await result(slow, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
        await plan(slow);
        const slowDown: ChannelAdapter = {
          ...down,
          async deliver() {
            await new Promise((r) => setTimeout(r, 1200));
            throw new Error('inbox service timed out');
          },
        };
        await sendPushes(slow, { inApp: slowDown }, { ...options, entries: ENTRIES, now: at('2026-04-10T09:00:00+08:00') });
        // Local times without a zone on both engines, read as UTC here on both sides.
        const failed = await slow.one<{ at: string }>('SELECT finished_at::VARCHAR AS at FROM push_attempt');
        const retry = Date.parse(`${(await messages(slow))[0]?.next_attempt_at?.replace(' ', 'T')}Z`);
        const finished = Date.parse(`${failed.at.replace(' ', 'T')}Z`);
        assert.ok(finished >= Date.parse('2026-04-10T09:00:01.2Z'), `the attempt ended after the channel's 1.2 s: ${failed.at}`);
        assert.ok(retry - finished > 59_000 && retry - finished <= 60_000, `retry ${retry - finished} ms after the failure, not from the run's start`);

        const evening = await e.world([{ role: 'legalRepresentative' }]);
        await result(evening, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
        await plan(evening);
        await sendPushes(evening, { inApp: down }, { entries: ENTRIES, now: at('2026-04-10T19:58:00+08:00'), backoff: { initialSeconds: 600 } });
        assert.equal((await messages(evening))[0]?.next_attempt_at, '2026-04-11 09:00:00', '20:08 is after the sending hours');
        const ok = await sendPushes(evening, { inApp: inAppAdapter(evening) }, { entries: ENTRIES, now: at('2026-04-11T09:00:00+08:00') });
        assert.equal(ok.sent, 1, 'the channel is back: the retry delivers');
      }));
  });

  describe('sending e-mail over a real SMTP server', () => {
    it('arrives once, to the right recipient, with the planned subject and a Message-ID derived from the message id', () =>
      onBoth(async (e) => {
        const smtp = await smtpServer();
        const store = await e.world([{ role: 'financeOfficer', channel: 'email', email: 'fo@example.com' }]);
        await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
        await plan(store);
        const [planned] = await messages(store);
        const adapters = { email: emailAdapter(store, { smtp: smtp.url }), inApp: inAppAdapter(store) };
        const report = await sendPushes(store, adapters, { entries: ENTRIES, now: SEND_AT });
        assert.deepEqual(report.outcomes, { email: { delivered: 1 } });
        await sendPushes(store, adapters, { entries: ENTRIES, now: at('2026-04-11T10:00:00+08:00') });
        await smtp.close();

        assert.equal(smtp.received.length, 1);
        const mail = smtp.received[0] as Received;
        assert.deepEqual(mail.to, ['fo@example.com']);
        assert.equal(header(mail.raw, 'Message-ID'), headerMessageId(planned?.message_id as string));
        assert.equal(header(mail.raw, 'Message-ID'), `<${PERIOD}.${TP1}.financeOfficer.relief.vat.smallRelief@zhishu.invalid>`);
        assert.equal(header(mail.raw, 'Subject'), planned?.subject);
        assert.equal(header(mail.raw, 'Subject'), '【智数·政策提醒】可享受：vat.smallRelief 的中文标题（English title of vat.smallRelief）');
        const [m] = await messages(store);
        assert.deepEqual([m?.status, m?.channel], ['sent', 'email']);
        assert.deepEqual(await store.all('SELECT state FROM email_sent_log'), [{ state: 'accepted' }]);
      }));

    it('a sender killed after the server accepted the e-mail does not send it again: the sent-log confirms it', () =>
      onBoth(async (e) => {
        const smtp = await smtpServer();
        const store = await e.world([{ role: 'financeOfficer', channel: 'email', email: 'fo@example.com' }], true);
        await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
        await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
        await plan(store);

        assert.equal(await crashingSender(e.lend(), SEND_AT, 'email', smtp.url), 'SIGKILL');
        assert.equal(smtp.received.length, 1);
        const first = header(smtp.received[0]?.raw ?? '', 'Message-ID');
        const after = await e.reopen();
        const report = await sendPushes(after, { email: emailAdapter(after, { smtp: smtp.url }) }, { entries: ENTRIES, now: at('2026-04-10T09:40:00+08:00') });
        await smtp.close();
        assert.deepEqual([report.recovered, report.sent], [2, 2]);
        assert.equal(smtp.received.length, 2, 'only the message not yet sent went out');
        const ids = smtp.received.map((r) => header(r.raw, 'Message-ID'));
        assert.equal(new Set(ids).size, 2);
        const rows = await messages(after);
        assert.ok(rows.every((m) => m.status === 'sent' && m.channel === 'email'));
        assert.deepEqual(
          rows.map((m) => [headerMessageId(m.message_id) === first, m.attempts]).sort(),
          [
            [false, 2],
            [true, 1],
          ],
          'the accepted one was confirmed from the sent-log, not sent again',
        );
      }));

    it('an e-mail whose SMTP transaction broke after DATA is not sent again (it may have arrived) but delivered to the inbox', () =>
      onBoth(async (e) => {
        const smtp = await smtpServer('neverAnswer');
        const store = await e.world([{ role: 'financeOfficer', channel: 'email', email: 'fo@example.com' }]);
        await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
        await plan(store);
        const adapters = { email: emailAdapter(store, { smtp: smtp.url, socketTimeoutMs: 500 }), inApp: inAppAdapter(store) };
        const report = await sendPushes(store, adapters, { entries: ENTRIES, now: SEND_AT });
        assert.deepEqual([report.sent, report.fellBack], [1, 1]);
        await sendPushes(store, adapters, { entries: ENTRIES, now: at('2026-04-11T10:00:00+08:00') });
        await smtp.close();
        assert.equal(smtp.received.length, 1, 'one SMTP transaction');
        const [m] = await messages(store);
        assert.deepEqual([m?.status, m?.channel, m?.recipient], ['sent', 'inApp', `inbox:${TP1}/financeOfficer`]);
        assert.deepEqual(
          (await attempts(store)).map((a) => [a.channel, a.outcome]),
          [
            ['email', 'uncertain'],
            ['inApp', 'delivered'],
          ],
        );
        assert.equal((await inbox(store)).length, 1);
        assert.deepEqual(await store.all('SELECT state FROM email_sent_log'), [{ state: 'pending' }]);
      }));

    it('a server that cannot be reached is retried by e-mail with back-off; a recipient refused for good fails at once', () =>
      onBoth(async (e) => {
        const store = await e.world([{ role: 'financeOfficer', channel: 'email', email: 'fo@example.com' }]);
        await result(store, 1, TP1, 'vat.smallRelief', 'matched', '800.00');
        await plan(store);
        const down = emailAdapter(store, { smtp: `smtp://127.0.0.1:${await closedPort()}` });
        const report = await sendPushes(store, { email: down, inApp: inAppAdapter(store) }, { entries: ENTRIES, now: SEND_AT });
        assert.deepEqual([report.retrying, report.fellBack], [1, 0]);
        const [m] = await messages(store);
        assert.deepEqual([m?.status, m?.channel, m?.next_attempt_at], ['planned', 'email', '2026-04-10 09:35:00']);
        assert.deepEqual(await store.all('SELECT state FROM email_sent_log'), [{ state: 'notAccepted' }], 'nothing reached DATA: a clean failure');

        const smtp = await smtpServer('rejectRecipient');
        const refusing = emailAdapter(store, { smtp: smtp.url });
        const second = await sendPushes(store, { email: refusing, inApp: inAppAdapter(store) }, { entries: ENTRIES, now: at('2026-04-10T09:35:00+08:00') });
        await smtp.close();
        assert.equal(second.failed, 1);
        const [failed] = await messages(store);
        assert.deepEqual([failed?.status, failed?.attempts], ['failed', 2]);
        assert.match(failed?.last_error ?? '', /550/);
        assert.deepEqual(
          (await attempts(store)).map((a) => a.outcome),
          ['failed', 'rejected'],
        );
      }));
  });

  describe('on PostgreSQL only', () => {
    it('one sender per schema, across pools (processes): a second run waits for the first instead of taking its messages in flight for a crash', async () => {
      const store = await pgWorld(server.db, [{ role: 'legalRepresentative' }, { role: 'financeOfficer' }, { role: 'taxHandler' }]);
      await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
      await plan(store);
      const other = await PgDb.open(PG_URL, { schema: server.db.schema ?? undefined });
      try {
        const inner = inAppAdapter(store);
        let claimed = () => {};
        const inFlight = new Promise<void>((resolve) => {
          claimed = resolve;
        });
        let go = () => {};
        const proceed = new Promise<void>((resolve) => {
          go = resolve;
        });
        const slow: ChannelAdapter = {
          channel: 'inApp',
          confirm: (m) => inner.confirm(m),
          async deliver(m) {
            claimed();
            await proceed;
            return inner.deliver(m);
          },
        };
        const waited: string[] = [];
        const first = sendPushes(store, { inApp: slow }, { entries: ENTRIES, now: SEND_AT, onWait: () => waited.push('first') });
        await inFlight;
        assert.equal((await messages(store)).filter((m) => m.status === 'sending').length, 3, 'the first run has claimed its batch');
        let secondDone = false;
        const second = sendPushes(other, { inApp: inAppAdapter(other) }, { entries: ENTRIES, now: SEND_AT, onWait: () => waited.push('second') }).finally(
          () => {
            secondDone = true;
          },
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(secondDone, false, 'the second run waits for the lock');
        assert.deepEqual(waited, ['second'], 'and says so, once; the first took the lock without waiting');
        go();
        const [a, b] = await Promise.all([first, second]);
        assert.deepEqual([a.sent, b.recovered, b.due, b.sent], [3, 0, 0, 0]);
        assert.deepEqual(
          (await attempts(store)).map((x) => [x.attempt, x.outcome]),
          [
            [1, 'delivered'],
            [1, 'delivered'],
            [1, 'delivered'],
          ],
        );
      } finally {
        await other.close();
      }
    });

    it('one plan per schema, across pools (processes): a campaign started while a plan is open waits for it, and tells nobody twice', async () => {
      const store = await pgWorld(server.db, [{ role: 'financeOfficer' }]);
      for (const [policy, benefit] of [
        ['cit.bigRelief', '5000.00'],
        ['vat.smallRelief', '800.00'],
        ['iit.b', '500.00'],
        ['stampDuty.a', '300.00'],
      ] as const)
        await result(store, 1, TP1, policy, 'matched', benefit);
      const other = await PgDb.open(PG_URL, { schema: server.db.schema ?? undefined });
      try {
        let release = () => {};
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let planned = () => {};
        const open = new Promise<void>((resolve) => {
          planned = resolve;
        });
        // The full plan, its transaction kept open (as the match command keeps it while it writes).
        const first = store.transaction(async (tx) => {
          const report = await plan(tx);
          planned();
          await held;
          return report;
        });
        await open;
        let campaignDone = false;
        const campaign = plan(other, NOW, {
          scope: { sql: "SELECT credit_code, policy_id, status FROM policy_match WHERE policy_id = 'stampDuty.a'", params: [] },
        }).finally(() => {
          campaignDone = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        const waited = !campaignDone;
        release();
        const [a, b] = await Promise.all([first, campaign]);
        assert.ok(waited, 'the campaign waited for the open plan');
        assert.deepEqual([a.planned, a.digests, b.planned], [3, 1, 0], 'the campaign finds its relief planned already (in the digest)');
        const told = (await messages(store)).flatMap((m) => (m.kind === 'digest' ? (m.items?.split(',') ?? []) : [`relief.${m.policy_id}`]));
        assert.deepEqual(told.sort(), ['relief.cit.bigRelief', 'relief.iit.b', 'relief.stampDuty.a', 'relief.vat.smallRelief'], 'each relief once');
      } finally {
        await other.close();
      }
    });

    it('refuses to run inside a transaction, where the claim could not commit before the channels are called', async () => {
      const store = await pgWorld(server.db, [{ role: 'legalRepresentative' }]);
      await result(store, 1, TP1, 'cit.bigRelief', 'matched', '25000.00');
      await plan(store);
      await server.db.transaction(async (tx) => {
        await assert.rejects(sendPushes(tx, { inApp: inAppAdapter(tx) }, { entries: ENTRIES, now: SEND_AT }), /must not run inside a transaction/);
      });
      assert.ok((await messages(store)).every((m) => m.status === 'planned' && m.attempts === 0));
    });
  });
});

describe('documentation', () => {
  it('docs/data-model.md documents every column of the push tables with its type and nullability', async () => {
    const doc = readFileSync('docs/data-model.md', 'utf8');
    const store = await Store.open(':memory:');
    for (const table of ['push_message', 'push_attempt', 'inbox_message', 'email_sent_log']) {
      const section = doc.split(`### ${table}\n`)[1]?.split('\n### ')[0] ?? '';
      const rows = [...section.matchAll(/^\| (\w+) \| ([^|]+) \| (yes|no) \| (.*) \|$/gm)];
      const documented = rows.map((m) => [m[1], m[2]?.trim(), m[3] === 'yes']);
      const columns = await store.all<{ column_name: string; column_type: string; null: string }>(`DESCRIBE ${table}`);
      // A closed set is TEXT on PostgreSQL and an ENUM on DuckDB (migration 012): documented as VARCHAR,
      // its meaning naming the DuckDB type, which must be the one of the column.
      const expected = [];
      for (const c of columns) {
        if (c.column_type.startsWith('ENUM(')) {
          const meaning = rows.find((m) => m[1] === c.column_name)?.[4] ?? '';
          const named = /on DuckDB the ENUM `(\w+)`/.exec(meaning)?.[1];
          assert.ok(named, `${table}.${c.column_name} is an ENUM on DuckDB: its meaning names the type`);
          const [t] = await store.all<{ t: string }>(`SELECT typeof(NULL::${named}) AS t`);
          assert.equal(t?.t, c.column_type, `${table}.${c.column_name}: the type named is the column's`);
          expected.push([c.column_name, 'VARCHAR', c.null === 'YES']);
        } else expected.push([c.column_name, c.column_type, c.null === 'YES']);
      }
      assert.deepEqual(documented, expected, table);
    }
    store.close();
  });
});

describe('zhishu push (command line)', () => {
  /** Asynchronous, so the SMTP server in this process keeps answering while the command runs. */
  const zhishu = (...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['bin/zhishu.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });

  it('plans once (again adds nothing) and sends through --smtp, printing counts by channel and status; the same with --database on PostgreSQL', async () => {
    const smtp = await smtpServer();
    const people: PersonSpec[] = [{ role: 'financeOfficer', channel: 'email', email: 'fo@example.com' }, { role: 'taxHandler' }];
    const db = join(tempDir(), 'cli.duckdb');
    const store = await world(people, db);
    await result(store, 1, TP1, 'cit.smallLowProfit', 'matched', '3000.00');
    store.close();

    const first = await zhishu('push', 'plan', '--period', PERIOD, '--now', '2026-04-01T10:00:00', '--db', db);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /planned 2 new message\(s\)/);
    // Kinds in their fixed order, channels by name, whatever order the engine's GROUP BY returns them in.
    assert.match(first.stdout, /^new by kind: relief 2; by channel: email 1, inApp 1$/m);
    assert.match(first.stdout, /^email +1 +0 +0 +0 +0$/m);
    // Timed by the law's published deadline, 20 April 2026 (清明 4 to 6 April), five days ahead.
    const planned = await Store.open(db);
    assert.deepEqual(
      (await messages(planned)).map((m) => [m.deadline, m.scheduled_at]),
      [
        ['2026-04-20', '2026-04-15 09:00:00'],
        ['2026-04-20', '2026-04-15 09:00:00'],
      ],
    );
    planned.close();
    assert.match(first.stdout, /^inApp +1 +0 +0 +0 +0$/m);
    const again = await zhishu('push', 'plan', '--period', PERIOD, '--now', '2026-04-02T10:00:00', '--db', db);
    assert.match(again.stdout, /2 message\(s\) called for, 2 already planned\nplanned 0 new message\(s\)/);

    const sent = await zhishu('push', 'send', '--now', '2026-04-15T09:30:00', '--smtp', smtp.url, '--db', db);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /2 message\(s\) due: 2 sent, 0 to retry, 0 failed/);
    assert.match(sent.stdout, /^email +0 +0 +1 +0 +0$/m);
    assert.match(sent.stdout, /^inApp +0 +0 +1 +0 +0$/m);
    assert.match(sent.stderr, /2\/2 due message\(s\) gone through/);
    assert.doesNotMatch(sent.stdout, /not sent in this run/);
    assert.deepEqual(
      smtp.received.map((r) => r.to),
      [['fo@example.com']],
    );
    const onDuck = await Store.open(db);
    const duckState = await sendState(onDuck);
    onDuck.close();

    // The same on a PostgreSQL schema: the same words printed (but the time taken), the same rows left.
    const server = await pgServer();
    try {
      await pgWorld(server.db, people);
      await result(server.db, 1, TP1, 'cit.smallLowProfit', 'matched', '3000.00');
      const on = ['--database', PG_URL, '--schema', server.db.schema ?? ''];
      const untimed = (text: string) => text.replace(/\ndone in [^\n]*\n?$/, '');
      const pgFirst = await zhishu('push', 'plan', '--period', PERIOD, '--now', '2026-04-01T10:00:00', ...on);
      assert.equal(pgFirst.code, 0, pgFirst.stderr);
      assert.equal(untimed(pgFirst.stdout), untimed(first.stdout));
      const pgSent = await zhishu('push', 'send', '--now', '2026-04-15T09:30:00', '--smtp', smtp.url, ...on);
      assert.equal(pgSent.code, 0, pgSent.stderr);
      assert.equal(untimed(pgSent.stdout), untimed(sent.stdout));
      assert.deepEqual(
        smtp.received.map((r) => r.to),
        [['fo@example.com'], ['fo@example.com']],
      );
      assert.deepEqual(await sendState(server.db), duckState);
    } finally {
      await server.drop();
      await smtp.close();
    }
  });

  it('an SMTP server that cannot be reached is found out before anything is claimed: e-mails stay planned, untried, the inbox still delivers, and the exit code is 1', async () => {
    const people: PersonSpec[] = [{ role: 'financeOfficer', channel: 'email', email: 'fo@example.com' }, { role: 'taxHandler' }];
    const db = join(tempDir(), 'cli.duckdb');
    const store = await world(people, db);
    await result(store, 1, TP1, 'cit.smallLowProfit', 'matched', '3000.00');
    store.close();
    // A --now that does not exist is refused before anything is planned, not rolled over into March.
    const rolled = await zhishu('push', 'plan', '--period', PERIOD, '--now', '2026-02-30T10:00:00', '--db', db);
    assert.equal(rolled.code, 2, rolled.stderr);
    assert.match(rolled.stderr, /'2026-02-30T10:00:00' is not an ISO date or time .*without an offset it is China time/);
    assert.equal((await zhishu('push', 'plan', '--period', PERIOD, '--now', '2026-04-01T10:00:00', '--db', db)).code, 0);
    // Port 1 on this host: nothing listens there.
    const sent = await zhishu('push', 'send', '--now', '2026-04-15T09:30:00', '--smtp', 'smtp://127.0.0.1:1', '--db', db);
    assert.equal(sent.code, 1, sent.stderr);
    assert.match(
      sent.stderr,
      /the SMTP server of --smtp cannot be reached \(ESOCKET: connect ECONNREFUSED 127\.0\.0\.1:1\): e-mails stay in the outbox for the next run/,
    );
    assert.match(sent.stdout, /2 message\(s\) due: 1 sent, 0 to retry, 0 failed/);
    assert.match(sent.stdout, /^1 e-mail\(s\) not sent in this run: the SMTP server could not be reached$/m);
    const after = await Store.open(db);
    assert.deepEqual(
      (await messages(after)).map((m) => [m.role, m.channel, m.status, m.attempts]),
      [
        ['financeOfficer', 'email', 'planned', 0],
        ['taxHandler', 'inApp', 'sent', 1],
      ],
    );
    assert.deepEqual(await attempts(after, `${PERIOD}.${TP1}.financeOfficer.relief.cit.smallLowProfit`), [], 'no attempt spent on it');
    after.close();
    // Without --smtp the e-mail is left as it is, and the run says why.
    const none = await zhishu('push', 'send', '--now', '2026-04-15T09:30:00', '--db', db);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^1 message\(s\) due: 0 sent, 0 to retry, 0 failed, 0 held \(sending or quiet hours\), 1 without a channel adapter$/m);
    assert.match(none.stdout, /^1 e-mail\(s\) not sent in this run: no SMTP server was given \(--smtp URL\)$/m);
  });

  it('a run that --limit cut short says how many were due in all', () => {
    const report = { recovered: 0, due: 5, dueInAll: 2221, sent: 5, retrying: 0, failed: 0, fellBack: 0, held: 0, noAdapter: 0, lapsed: 0, outcomes: {} };
    assert.match(sendText(report), /^5 of 2221 message\(s\) due taken up \(--limit; the rest wait for the next run\): 5 sent/);
    assert.match(sendText({ ...report, dueInAll: 5 }), /^5 message\(s\) due: 5 sent/);
  });
});
