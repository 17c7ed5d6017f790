import { createTransport } from 'nodemailer';
import type { Db } from '../../store/db.ts';
import type { DeliverableMessage, OutboxMessage } from '../message.ts';
import { sqlTimestamp, toLocal } from '../time.ts';
import { type ChannelAdapter, type Delivery, PermanentError } from './channel.ts';

export interface EmailOptions {
  /** The SMTP server as a URL: smtp://host:port, smtps://user:pass@host:465, ... (nodemailer's form). */
  smtp: string;
  from?: string;
  /** The right part of every Message-ID header; the bureau's mail domain in production. */
  messageIdDomain?: string;
  /** Give up on a silent server after this long (nodemailer's socket timeout). */
  socketTimeoutMs?: number;
  clock?: () => Date;
}

export const DEFAULT_FROM = '"智数政策提醒" <noreply@zhishu.invalid>';
export const DEFAULT_MESSAGE_ID_DOMAIN = 'zhishu.invalid';

export const headerMessageId = (messageId: string, domain = DEFAULT_MESSAGE_ID_DOMAIN): string => `<${messageId}@${domain}>`;

/**
 * Can the SMTP server be reached and does it greet (nodemailer's verify: connect, EHLO, and log in
 * when the URL has credentials)? null when it can, else why not. Asked once before a run sends
 * e-mail: a server that cannot be reached (a mistyped host, a closed port) would otherwise cost each
 * e-mail an attempt and a connection timeout, one after another.
 */
export async function smtpUnreachable(smtp: string, timeoutMs = 10_000): Promise<string | null> {
  const transport = createTransport({ url: smtp, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  try {
    await transport.verify();
    return null;
  } catch (err) {
    const e = err as Error & { code?: string };
    return e.code ? `${e.code}: ${e.message}` : e.message;
  } finally {
    transport.close();
  }
}

/**
 * E-mail over SMTP, with a sent-log (email_sent_log, one row per push message) that says what the
 * adapter knows about the SMTP transaction of each message:
 *
 * - `pending` is written before the connection is opened, `accepted` as soon as the server has
 *   answered 250 to the end of the data (the SMTP commit), `notAccepted` when the server refused or
 *   the connection failed before the DATA command (the server cannot have committed anything).
 * - An `accepted` message is never sent again: a crash after delivery and before the sender records
 *   the outcome is resolved from the log, without a second e-mail.
 * - A message left `pending` (the process died during the transaction, or the connection broke
 *   after DATA without the final reply) may or may not have been accepted, and SMTP offers no way
 *   to ask. It is `uncertain`: the sender does not e-mail it again (no duplicate) but delivers it to
 *   the in-app inbox (no loss). The only window in which a message is accepted yet logged
 *   `pending` is between the server's 250 and the local write of `accepted`.
 *
 * Every e-mail carries a Message-ID derived from the push message id, so even a copy that were
 * sent twice would be recognisable as one message by the receiving side.
 *
 * db is the DuckDB store or a PostgreSQL database: the same statements on both. Each write of the
 * log commits on its own (on PostgreSQL, on any pooled connection).
 */
export function emailAdapter(db: Db, options: EmailOptions): ChannelAdapter {
  const from = options.from ?? DEFAULT_FROM;
  const domain = options.messageIdDomain ?? DEFAULT_MESSAGE_ID_DOMAIN;
  const clock = options.clock ?? (() => new Date());
  const nowText = () => sqlTimestamp(toLocal(clock()));
  const finish = (m: OutboxMessage, state: 'accepted' | 'notAccepted', response: string) =>
    db.change('UPDATE email_sent_log SET state = $2, finished_at = $3::TIMESTAMP, response = $4 WHERE message_id = $1', [
      m.message_id,
      state,
      nowText(),
      response.slice(0, 500),
    ]);
  const stateOf = async (m: OutboxMessage) =>
    (await db.all<{ state: string }>('SELECT state FROM email_sent_log WHERE message_id = $1', [m.message_id]))[0]?.state ?? null;

  return {
    channel: 'email',
    async deliver(m: DeliverableMessage) {
      const before = await stateOf(m);
      if (before === 'accepted') return 'already accepted by the SMTP server';
      if (before === 'pending') throw new Error('an earlier SMTP transaction of this message may have been accepted; not sending it again');
      await db.change(
        `INSERT INTO email_sent_log (message_id, header_message_id, recipient, state, prepared_at)
         VALUES ($1, $2, $3, 'pending', $4::TIMESTAMP)
         ON CONFLICT (message_id) DO UPDATE SET state = 'pending', recipient = excluded.recipient, prepared_at = excluded.prepared_at, finished_at = NULL, response = NULL`,
        [m.message_id, headerMessageId(m.message_id, domain), m.recipient, nowText()],
      );
      // The SMTP transaction log tells whether the DATA command went out: before it, the server
      // has nothing it could commit, so a broken connection is a clean failure, not an uncertain one.
      let dataSent = false;
      const ignore = () => undefined;
      const logger = {
        trace: ignore,
        info: ignore,
        warn: ignore,
        error: ignore,
        fatal: ignore,
        debug: (entry: { tnx?: string }, text?: unknown) => {
          if (entry?.tnx === 'client' && typeof text === 'string' && /^DATA\b/i.test(text)) dataSent = true;
        },
      };
      const transport = createTransport({
        url: options.smtp,
        transactionLog: true,
        logger,
        ...(options.socketTimeoutMs ? { socketTimeout: options.socketTimeoutMs, greetingTimeout: options.socketTimeoutMs } : {}),
      });
      try {
        const info = await transport.sendMail({
          from,
          to: m.recipient,
          subject: m.subject,
          text: m.body,
          messageId: headerMessageId(m.message_id, domain),
          headers: { 'X-Zhishu-Message-Id': m.message_id },
        });
        await finish(m, 'accepted', String(info.response ?? ''));
        return String(info.response ?? 'accepted');
      } catch (err) {
        const e = err as Error & { responseCode?: number; response?: string };
        if (e.responseCode || !dataSent) {
          await finish(m, 'notAccepted', e.response ?? e.message);
          if (e.responseCode && e.responseCode >= 500) throw new PermanentError(`SMTP ${e.responseCode}: ${e.response ?? e.message}`);
        }
        throw err;
      } finally {
        transport.close();
      }
    },
    async confirm(m: OutboxMessage): Promise<Delivery> {
      const state = await stateOf(m);
      return state === 'accepted' ? 'delivered' : state === 'pending' ? 'uncertain' : 'notDelivered';
    },
  };
}
