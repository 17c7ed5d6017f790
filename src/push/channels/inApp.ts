import { type Db, jsonRows } from '../../store/db.ts';
import type { DeliverableMessage, OutboxMessage } from '../message.ts';
import { sqlTimestamp, toLocal } from '../time.ts';
import type { ChannelAdapter, Delivery } from './channel.ts';

const INBOX_ROWS = { message_id: 'VARCHAR', credit_code: 'VARCHAR', role: 'VARCHAR', subject: 'VARCHAR', body: 'VARCHAR' } as const;

/**
 * The in-app inbox (站内信): a row of inbox_message per message, keyed by message_id. Delivery is an
 * INSERT ... ON CONFLICT DO NOTHING, so delivering twice leaves one row, and the inbox itself tells
 * whether an interrupted attempt delivered: exactly-once. db is the DuckDB store or a PostgreSQL
 * database (the same statement on both, but for how the batch's JSON becomes rows).
 */
export function inAppAdapter(db: Db, clock: () => Date = () => new Date()): ChannelAdapter {
  const insert = async (messages: readonly DeliverableMessage[]) =>
    db.change(
      `INSERT INTO inbox_message (message_id, credit_code, role, subject, body, delivered_at)
       SELECT message_id, credit_code, role, subject, body, $2::TIMESTAMP FROM ${jsonRows(db.dialect, '$1', 'v', INBOX_ROWS)}
       ON CONFLICT DO NOTHING`,
      [
        JSON.stringify(messages.map((m) => ({ message_id: m.message_id, credit_code: m.credit_code, role: m.role, subject: m.subject, body: m.body }))),
        sqlTimestamp(toLocal(clock())),
      ],
    );
  return {
    channel: 'inApp',
    async deliver(m: DeliverableMessage) {
      return (await insert([m])) === 1 ? 'in the inbox' : 'already in the inbox';
    },
    // One statement for a whole batch: DuckDB pays per statement and per commit, not per row.
    async deliverMany(messages: readonly DeliverableMessage[]) {
      await insert(messages);
      return messages.map(() => 'in the inbox');
    },
    async confirm(m: OutboxMessage): Promise<Delivery> {
      const rows = await db.all('SELECT 1 FROM inbox_message WHERE message_id = $1', [m.message_id]);
      return rows.length > 0 ? 'delivered' : 'notDelivered';
    },
  };
}
