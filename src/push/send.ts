import { bindNamed, type Db, jsonRows, jsonTexts, type SqlParam } from '../store/db.ts';
import { PgDb, PgTx } from '../store/pg.ts';
import { type ChannelAdapter, type Delivery, NotConfiguredError, PermanentError } from './channels/channel.ts';
import {
  type Channel,
  type DeliverableMessage,
  digestLines,
  entriesById,
  inboxAddress,
  type MessageStatus,
  type OutboxMessage,
  type PushEntry,
  renderMessage,
} from './message.ts';
import { type Backoff, backoffSeconds, checkSendingHours, DEFAULT_SEND_SETTINGS, type SendingHours } from './settings.ts';
import { clockFrom, mayDeliverAt, nextDeliveryTime, type QuietHours, sqlTimestamp, toLocal } from './time.ts';

export type Adapters = Partial<Record<Channel, ChannelAdapter>>;

export interface SendOptions {
  /** The moment of this run: what is scheduled up to it is due, back-off counts from it. */
  now: Date;
  /** The catalogue: messages are rendered with its titles when they are sent. */
  entries: readonly PushEntry[];
  maxAttempts?: number;
  backoff?: Partial<Backoff>;
  sendingHours?: SendingHours;
  /** At most this many due messages in this run (the rest wait for the next). */
  limit?: number;
  /** Messages claimed, delivered and recorded together (default 1,000). */
  batchSize?: number;
  /** Due messages read from the outbox at a time (default 50,000): what a run holds in memory. */
  pageSize?: number;
  /** Called after every batch, and after each message a channel takes one at a time (e-mail), for progress lines. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** PostgreSQL: called once when another sender on the same schema is running and this run waits for it. */
  onWait?: () => void;
}

/**
 * What a run did. Attempt outcomes (push_attempt.outcome): delivered, alreadyDelivered, failed
 * (retried after back-off), rejected (refused for good), notConfigured and uncertain (both moved to
 * the in-app inbox), interrupted (the process stopped mid-attempt and the channel shows no delivery).
 */
export interface SendReport {
  /** Messages an interrupted run had left `sending`, resolved at the start of this one. */
  recovered: number;
  /** Due messages this run took up: all of them, or `limit`. */
  due: number;
  /** Due at `now` in all, those left for a later run by `limit` included. */
  dueInAll: number;
  sent: number;
  /** Failed this time and rescheduled with back-off. */
  retrying: number;
  /** Given up: refused for good, or maxAttempts reached. */
  failed: number;
  /** Moved to the in-app inbox: SMS not configured, or an e-mail whose fate SMTP could not tell. */
  fellBack: number;
  /** Due, but now is outside the sending hours or inside the person's quiet hours. */
  held: number;
  /** Due on a channel no adapter was given for; left planned. */
  noAdapter: number;
  /**
   * Due, but of a relief a later quarter of the year took back (the ledger's `lapsedInYear`: settled on
   * the year, and the year so far fails it), planned before that was known: `skipped`, not sent. A
   * digest goes without that line (skipped when it has no other).
   */
  lapsed: number;
  /** channel -> attempt outcome -> count, for this run's attempts. */
  outcomes: Record<string, Record<string, number>>;
}

/** A due message, its person's quiet hours, and the policies of its taxpayer and period taken back (comma-separated). */
type DueRow = OutboxMessage & { quiet_from: number | null; quiet_to: number | null; lapsed_policies: string | null };

/** How one attempt ends, and the message's state after it. */
interface Resolution {
  outcome: string;
  error: string | null;
  status: MessageStatus;
  channel: Channel;
  recipient: string;
  nextAttemptAt: string | null;
  lastError: string | null;
  sent: boolean;
}

const MESSAGE_COLUMNS = `m.message_id, m.credit_code, m.role, m.kind, m.period, m.policy_id, m.items, m.category, m.run_id::VARCHAR AS run_id,
  m.benefit::VARCHAR AS benefit, m.group_claimed::VARCHAR AS group_claimed, m.deadline::VARCHAR AS deadline, m.channel, m.recipient, m.subject, m.body, m.person_name, m.taxpayer_name, m.lacking, m.digest_items, m.status,
  m.scheduled_at::VARCHAR AS scheduled_at, m.attempts, m.next_attempt_at::VARCHAR AS next_attempt_at, m.last_error,
  m.created_at::VARCHAR AS created_at, m.sent_at::VARCHAR AS sent_at`;
// One person per role per taxpayer (company_person's natural key): min() takes that person's hours
// (any_value, which DuckDB had here, is not in PostgreSQL 15). The page's taxpayers only, not the roll.
const PERSON_HOURS = `LEFT JOIN (SELECT credit_code, role, min(quiet_from) AS quiet_from, min(quiet_to) AS quiet_to
  FROM company_person WHERE credit_code IN (SELECT credit_code FROM page) GROUP BY credit_code, role) p ON p.credit_code = m.credit_code AND p.role = m.role`;
// The next page of due messages in the order they are sent, after the last one of the page before
// (keyset): `page`, every column. DuckDB sorts the due messages' row ids and then reads those rows
// alone (a row id is stable within the statement): sorting every column of a city's outbox took 2.8
// to 5 s a page of 50,000 at a million taxpayers, the row ids 1.3 s. PostgreSQL sorts the rows.
const DUE = `m.status = 'planned' AND m.scheduled_at <= $now::TIMESTAMP AND coalesce(m.next_attempt_at, m.scheduled_at) <= $now::TIMESTAMP`;
const AFTER = `($after_at::VARCHAR IS NULL OR coalesce(m.next_attempt_at, m.scheduled_at) > $after_at::TIMESTAMP
  OR (coalesce(m.next_attempt_at, m.scheduled_at) = $after_at::TIMESTAMP AND m.message_id > $after_id))`;
const pageOf = (dialect: Db['dialect']) =>
  dialect === 'duckdb'
    ? `keys AS MATERIALIZED (SELECT m.rowid AS r FROM push_message m WHERE ${DUE} AND ${AFTER}
         ORDER BY coalesce(m.next_attempt_at, m.scheduled_at), m.message_id LIMIT $n),
       page AS MATERIALIZED (SELECT * FROM push_message WHERE rowid IN (SELECT r FROM keys))`
    : `page AS MATERIALIZED (SELECT * FROM push_message m WHERE ${DUE} AND ${AFTER}
         ORDER BY coalesce(m.next_attempt_at, m.scheduled_at), m.message_id LIMIT $n)`;
// The reliefs of the page's taxpayers and periods a later quarter of the year took back.
const LAPSED = `LEFT JOIN (SELECT credit_code, period, string_agg(policy_id, ',') AS lapsed_policies FROM ledger_entry
  WHERE status = 'lapsedInYear' AND credit_code IN (SELECT credit_code FROM page) GROUP BY credit_code, period) lp
  ON lp.credit_code = m.credit_code AND lp.period = m.period`;
// The JSON rows a batch's statements take ($1), in the column types of db.ts jsonRows.
const ATTEMPT_ROWS = { message_id: 'VARCHAR', attempt: 'INTEGER', outcome: 'VARCHAR', error: 'VARCHAR', finished_at: 'VARCHAR' } as const;
const MESSAGE_ROWS = {
  message_id: 'VARCHAR',
  status: 'VARCHAR',
  channel: 'VARCHAR',
  recipient: 'VARCHAR',
  next_attempt_at: 'VARCHAR',
  last_error: 'VARCHAR',
  sent_at: 'VARCHAR',
} as const;
const CLAIM_ROWS = { message_id: 'VARCHAR', attempt: 'INTEGER', channel: 'VARCHAR', recipient: 'VARCHAR' } as const;

const LAPSED_REASON = 'not sent: a later quarter of the year took the relief back (ledger: lapsedInYear)';

/** The policies of a due message's taxpayer and period that a later quarter of the year took back. */
const lapsedOf = (m: DueRow): ReadonlySet<string> => new Set(m.lapsed_policies === null ? [] : m.lapsed_policies.split(','));

/**
 * Whether everything a due message tells of was taken back: a relief, or a digest all of whose lines
 * are such reliefs. A row planned with its texts (an earlier version) keeps them and is judged as a
 * single message only.
 */
function allLapsed(m: DueRow): boolean {
  const lapsed = lapsedOf(m);
  if (lapsed.size === 0) return false;
  if (m.kind === 'relief') return m.policy_id !== null && lapsed.has(m.policy_id);
  if (m.kind !== 'digest' || m.subject !== null || m.digest_items === null) return false;
  try {
    return digestLines(m).every((l) => l.kind === 'relief' && lapsed.has(l.policyId));
  } catch {
    // A digest whose lines cannot be read fails when it is rendered, as before.
    return false;
  }
}

// One run per database at a time: a second run would take the first one's in-flight messages for
// the leftovers of a crash. Across processes DuckDB's file lock already gives one writer; on
// PostgreSQL a session advisory lock does (PgDb.exclusive).
const running = new WeakMap<Db, Promise<unknown>>();

/**
 * Delivers the due messages of the outbox through the channel adapters, recording every attempt.
 *
 * Messages go in batches: the attempts of a batch are recorded and committed (status `sending`)
 * before any channel is called, and the outcomes after, in one transaction per step (DuckDB pays
 * per statement and per commit, not per row). A failure is retried with exponential back-off
 * (moved into the sending hours and out of the person's quiet hours) until maxAttempts, then the
 * message is `failed`. SMS (not configured) and e-mails of uncertain fate go to the in-app inbox.
 *
 * A run that dies after claiming leaves its batch `sending`; the next run first asks each channel
 * whether those messages were delivered (the inbox by message_id, e-mail by its sent-log) and
 * records them as sent without a second delivery, or delivers them if the channel shows they were
 * not. Must not be called inside an open transaction: each step commits on its own (a PgTx is
 * refused).
 *
 * db is the DuckDB store or a PostgreSQL database (PgDb), with the same statements and rows. On
 * PostgreSQL the run's own statements go on one pooled connection that holds a session advisory
 * lock meanwhile, so a second sender on the same schema, from any process, waits for this one; the
 * adapters use the pool's other connections.
 */
export function sendPushes(db: Db, adapters: Adapters, options: SendOptions): Promise<SendReport> {
  // Inside a transaction the claim would not commit before the channels are called.
  if (db instanceof PgTx) return Promise.reject(new Error('sendPushes must not run inside a transaction: each of its steps commits on its own'));
  const previous = running.get(db) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(() =>
      db instanceof PgDb ? db.exclusive('zhishu.push.send', (session) => sendRun(session, adapters, options), options.onWait) : sendRun(db, adapters, options),
    );
  running.set(db, run);
  return run;
}

async function sendRun(db: Db, adapters: Adapters, options: SendOptions): Promise<SendReport> {
  const named = <T extends Record<string, unknown>>(sql: string, values: Record<string, SqlParam>) => {
    const bound = bindNamed(sql, values);
    return db.all<T>(bound.sql, bound.params);
  };
  const maxAttempts = options.maxAttempts ?? DEFAULT_SEND_SETTINGS.maxAttempts;
  const backoff: Backoff = { ...DEFAULT_SEND_SETTINGS.backoff, ...options.backoff };
  const hours = options.sendingHours ?? DEFAULT_SEND_SETTINGS.sendingHours;
  const batchSize = options.batchSize ?? 1000;
  const pageSize = Math.max(batchSize, options.pageSize ?? 50_000);
  const entries = entriesById(options.entries);
  checkSendingHours(hours);
  const now = toLocal(options.now);
  // Attempt times run on from `now` with the real clock, so a run simulated at another moment
  // still logs how long each attempt took.
  const fromNow = clockFrom(options.now);
  const clock = () => toLocal(fromNow());
  const stamp = () => sqlTimestamp(clock());
  const report: SendReport = {
    recovered: 0,
    due: 0,
    dueInAll: 0,
    sent: 0,
    retrying: 0,
    failed: 0,
    fellBack: 0,
    held: 0,
    noAdapter: 0,
    lapsed: 0,
    outcomes: {},
  };

  const sent = (m: OutboxMessage, outcome: string, error: string | null): Resolution => ({
    outcome,
    error,
    status: 'sent',
    channel: m.channel,
    recipient: m.recipient,
    nextAttemptAt: null,
    lastError: m.last_error,
    sent: true,
  });
  const toInbox = (m: OutboxMessage, outcome: string, error: string | null, reason: string): Resolution => ({
    outcome,
    error,
    status: 'planned',
    channel: 'inApp',
    recipient: inboxAddress(m.credit_code, m.role),
    nextAttemptAt: null,
    lastError: reason,
    sent: false,
  });
  const stay = (m: OutboxMessage, outcome: string, error: string | null, status: MessageStatus, nextAttemptAt: string | null): Resolution => ({
    outcome,
    error,
    status,
    channel: m.channel,
    recipient: m.recipient,
    nextAttemptAt,
    lastError: error ?? m.last_error,
    sent: false,
  });

  /** Writes the outcomes of a batch and the messages' new states in one transaction. */
  const record = async (batch: readonly [OutboxMessage, Resolution][]) => {
    if (batch.length === 0) return;
    const at = stamp();
    await db.transaction(async (tx) => {
      await tx.change(
        `UPDATE push_attempt SET finished_at = v.finished_at::TIMESTAMP, outcome = v.outcome, error = v.error FROM ${jsonRows(db.dialect, '$1', 'v', ATTEMPT_ROWS)}
         WHERE push_attempt.message_id = v.message_id AND push_attempt.attempt = v.attempt AND push_attempt.finished_at IS NULL`,
        [JSON.stringify(batch.map(([m, r]) => ({ message_id: m.message_id, attempt: m.attempts, outcome: r.outcome, error: r.error, finished_at: at })))],
      );
      await tx.change(
        `UPDATE push_message SET status = v.status, channel = v.channel, recipient = v.recipient, next_attempt_at = v.next_attempt_at::TIMESTAMP,
           last_error = v.last_error, sent_at = coalesce(v.sent_at::TIMESTAMP, push_message.sent_at)
         FROM ${jsonRows(db.dialect, '$1', 'v', MESSAGE_ROWS)} WHERE push_message.message_id = v.message_id`,
        [
          JSON.stringify(
            batch.map(([m, r]) => ({
              message_id: m.message_id,
              status: r.status,
              channel: r.channel,
              recipient: r.recipient,
              next_attempt_at: r.nextAttemptAt,
              last_error: r.lastError,
              sent_at: r.sent ? at : null,
            })),
          ),
        ],
      );
    });
    for (const [m, r] of batch) {
      const c = report.outcomes[m.channel] ?? {};
      c[r.outcome] = (c[r.outcome] ?? 0) + 1;
      report.outcomes[m.channel] = c;
      if (r.sent) report.sent++;
      else if (r.channel !== m.channel) report.fellBack++;
      else if (r.status === 'failed') report.failed++;
      else if (r.outcome === 'failed') report.retrying++;
    }
  };

  // 1. What an interrupted run left in flight.
  const inFlight = await db.all<DueRow>(
    `SELECT ${MESSAGE_COLUMNS}, NULL AS quiet_from, NULL AS quiet_to, NULL AS lapsed_policies FROM push_message m WHERE m.status = 'sending' ORDER BY m.message_id`,
  );
  const recovered: [OutboxMessage, Resolution][] = [];
  for (const m of inFlight) {
    const adapter = adapters[m.channel];
    if (!adapter) {
      report.noAdapter++;
      continue;
    }
    const delivery = await adapter.confirm(m);
    recovered.push([
      m,
      delivery === 'delivered'
        ? sent(m, 'delivered', 'the run stopped before recording; the channel confirms the delivery')
        : delivery === 'uncertain' && m.channel !== 'inApp'
          ? toInbox(
              m,
              'uncertain',
              'the run stopped during the attempt; the channel cannot tell whether it was delivered',
              `${m.channel} delivery uncertain after an interrupted run; sent to the in-app inbox instead`,
            )
          : stay(m, 'interrupted', 'the run stopped during the attempt; the channel shows no delivery', 'planned', null),
    ]);
  }
  await record(recovered);
  report.recovered = recovered.length;

  // 2. What is due now, read a page at a time (keyset on the order below), so a city's outbox of
  // millions of messages is never held in memory at once.
  const nowSql = sqlTimestamp(now);
  const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
  const [count] = await named<{ n: string }>(`SELECT count(*) AS n FROM push_message m WHERE ${DUE}`, { now: nowSql });
  report.dueInAll = Number(count?.n ?? 0);
  const total = Math.min(limit, report.dueInAll);
  report.due = total;
  const quietOf = (row: DueRow): QuietHours | null =>
    row.quiet_from === null || row.quiet_to === null ? null : { quietFrom: Number(row.quiet_from), quietTo: Number(row.quiet_to) };
  let after: { at: string; id: string } | null = null;
  const nextPage = async (): Promise<DueRow[]> => {
    const rows = await named<DueRow & { due_at: string }>(
      `WITH ${pageOf(db.dialect)}
       SELECT ${MESSAGE_COLUMNS}, p.quiet_from, p.quiet_to, lp.lapsed_policies, coalesce(m.next_attempt_at, m.scheduled_at)::VARCHAR AS due_at
       FROM page m ${PERSON_HOURS} ${LAPSED}
       ORDER BY coalesce(m.next_attempt_at, m.scheduled_at), m.message_id`,
      { now: nowSql, after_at: after?.at ?? null, after_id: after?.id ?? '', n: Math.min(pageSize, total - read) },
    );
    const last = rows[rows.length - 1];
    if (last) after = { at: last.due_at, id: last.message_id };
    read += rows.length;
    return rows.map(({ due_at: _, ...row }) => row);
  };
  let read = 0;

  /** What a failed delivery means: the channel is asked whether it delivered after all. */
  const afterFailure = async (m: DueRow, adapter: ChannelAdapter, error: Error): Promise<Resolution> => {
    if (error instanceof NotConfiguredError && m.channel !== 'inApp') {
      return toInbox(m, 'notConfigured', error.message, `${m.channel} not configured; sent to the in-app inbox instead`);
    }
    if (error instanceof PermanentError || error instanceof NotConfiguredError) return stay(m, 'rejected', error.message, 'failed', null);
    const delivery: Delivery = await adapter.confirm(m).catch((): Delivery => 'notDelivered');
    if (delivery === 'delivered') return sent(m, 'delivered', `the channel reported an error after delivering: ${error.message}`);
    if (delivery === 'uncertain' && m.channel !== 'inApp') {
      return toInbox(m, 'uncertain', error.message, `${m.channel} delivery uncertain (${error.message}); sent to the in-app inbox instead`);
    }
    if (m.attempts >= maxAttempts) return stay(m, 'failed', error.message, 'failed', null);
    // The wait counts from the failure, not from the start of the run: late in a long run the start
    // is hours back, and the retry would be due at once. From the failure's whole second, so that
    // retries keep the times of the back-off's steps.
    const failedAt = Math.floor(clock() / 1000) * 1000;
    const retryAt = nextDeliveryTime(failedAt + backoffSeconds(backoff, m.attempts) * 1000, hours, quietOf(m));
    return stay(m, 'failed', error.message, 'planned', sqlTimestamp(retryAt));
  };

  let done = 0;
  // Messages of the current batch sent one at a time so far (progress within a batch).
  let attempted = 0;
  const runBatch = async (rows: readonly DueRow[]): Promise<DueRow[]> => {
    attempted = 0;
    const withAdapter = rows.filter((m) => {
      if (adapters[m.channel]) return true;
      report.noAdapter++;
      return false;
    });
    // A relief taken back since it was planned (the ledger's lapsedInYear) is not sent: told to claim
    // it by a corrected return, the company would claim what the next prepayment repays. Skipped
    // before any attempt, as a plan skips what the results no longer call for.
    const gone = withAdapter.filter(allLapsed);
    if (gone.length > 0) {
      const skipped = await db.all<{ message_id: string }>(
        `UPDATE push_message SET status = 'skipped', last_error = $2
         WHERE message_id IN ${jsonTexts(db.dialect, '$1')} AND status = 'planned' RETURNING message_id`,
        [JSON.stringify(gone.map((m) => m.message_id)), LAPSED_REASON],
      );
      report.lapsed += skipped.length;
    }
    const ready = withAdapter.filter((m) => !gone.includes(m));
    if (ready.length === 0) return [];
    // Claim: the attempts are on record before any channel is called.
    const claimed = await db.transaction(async (tx) => {
      const rows = await tx.all<{ message_id: string; attempts: number }>(
        `UPDATE push_message SET status = 'sending', attempts = attempts + 1
         WHERE message_id IN ${jsonTexts(db.dialect, '$1')} AND status = 'planned' RETURNING message_id, attempts`,
        [JSON.stringify(ready.map((m) => m.message_id))],
      );
      const attempts = new Map(rows.map((r) => [r.message_id, Number(r.attempts)]));
      const out = ready
        .filter((m) => attempts.has(m.message_id))
        .map((m) => ({ ...m, status: 'sending' as const, attempts: attempts.get(m.message_id) as number }));
      await tx.change(
        `INSERT INTO push_attempt (message_id, attempt, channel, recipient, started_at)
         SELECT message_id, attempt, channel, recipient, $2::TIMESTAMP FROM ${jsonRows(db.dialect, '$1', 'v', CLAIM_ROWS)}`,
        [JSON.stringify(out.map((m) => ({ message_id: m.message_id, attempt: m.attempts, channel: m.channel, recipient: m.recipient }))), stamp()],
      );
      return out;
    });

    const resolved = new Map<string, Resolution>();
    const byChannel = new Map<Channel, (DueRow & DeliverableMessage)[]>();
    for (const claim of claimed) {
      const adapter = adapters[claim.channel] as ChannelAdapter;
      // The words are put together now, with the catalogue as it is; a row they cannot be made
      // from is refused for good rather than stopping the run.
      let m: DueRow & DeliverableMessage;
      try {
        // As of the day it goes out: a relief whose deadline has passed is worded as one to claim by
        // a corrected return.
        m = { ...claim, ...renderMessage(claim, entries, stamp().slice(0, 10), lapsedOf(claim)) };
      } catch (err) {
        resolved.set(claim.message_id, stay(claim, 'rejected', `cannot render the message: ${(err as Error).message}`, 'failed', null));
        continue;
      }
      // An earlier attempt may have delivered and then failed to say so: ask before delivering again.
      if (m.attempts > 1) {
        const earlier = await adapter.confirm(m);
        if (earlier === 'delivered') {
          resolved.set(m.message_id, sent(m, 'alreadyDelivered', null));
          continue;
        }
        if (earlier === 'uncertain' && m.channel !== 'inApp') {
          resolved.set(
            m.message_id,
            toInbox(m, 'uncertain', 'an earlier attempt may have been delivered', `${m.channel} delivery uncertain; sent to the in-app inbox instead`),
          );
          continue;
        }
      }
      byChannel.set(m.channel, [...(byChannel.get(m.channel) ?? []), m]);
    }
    for (const [channel, messages] of byChannel) {
      const adapter = adapters[channel] as ChannelAdapter;
      let results: (string | undefined | Error)[];
      if (adapter.deliverMany) {
        results = await adapter.deliverMany(messages).catch((err: unknown) => messages.map(() => (err instanceof Error ? err : new Error(String(err)))));
      } else {
        results = [];
        for (const m of messages) {
          results.push(await adapter.deliver(m).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
          // One at a time (e-mail): progress as each goes, not once a batch of a thousand is through.
          options.onProgress?.({ done: done + ++attempted, total });
        }
      }
      for (const [i, m] of messages.entries()) {
        const r = results[i];
        resolved.set(m.message_id, r instanceof Error ? await afterFailure(m, adapter, r) : sent(m, 'delivered', r ?? null));
      }
    }
    await record(claimed.map((m) => [m, resolved.get(m.message_id) as Resolution]));
    // Messages moved to the inbox are delivered there in this run.
    return claimed.flatMap((m) => {
      const r = resolved.get(m.message_id) as Resolution;
      return r.status === 'planned' && r.channel !== m.channel ? [{ ...m, status: 'planned' as const, channel: r.channel, recipient: r.recipient }] : [];
    });
  };

  // Page by page; messages moved to the inbox join the end of the page's queue, so each page runs
  // until its queue is empty.
  while (read < total) {
    const page = await nextPage();
    if (page.length === 0) break;
    const queue = page.filter((row) => {
      if (mayDeliverAt(now, hours, quietOf(row))) return true;
      report.held++;
      done++;
      return false;
    });
    for (let i = 0; i < queue.length; ) {
      const batch = queue.slice(i, i + batchSize);
      i += batch.length;
      const moved = await runBatch(batch);
      queue.push(...moved);
      done += batch.length - moved.length;
      options.onProgress?.({ done, total });
    }
  }
  if (total === 0) options.onProgress?.({ done: 0, total: 0 });
  return report;
}
