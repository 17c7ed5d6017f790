// A sender that dies right after its channel delivered, before the outcome is recorded: the crash
// test/push.test.ts recovers from. Arguments: the database (a DuckDB file, or a postgres:// URL),
// now (ISO), channel (inApp | email), SMTP URL, and with a URL the PostgreSQL schema.
import type { ChannelAdapter } from '../../src/push/channels/channel.ts';
import { emailAdapter } from '../../src/push/channels/email.ts';
import { inAppAdapter } from '../../src/push/channels/inApp.ts';
import { sendPushes } from '../../src/push/send.ts';
import type { Db } from '../../src/store/db.ts';
import { PgDb } from '../../src/store/pg.ts';
import { Store } from '../../src/store/store.ts';

const [address, now, channel, smtp, schema] = process.argv.slice(2) as [string, string, 'inApp' | 'email', string | undefined, string | undefined];
const db: Db = /^postgres(ql)?:\/\//.test(address) ? await PgDb.open(address, schema ? { schema } : {}) : await Store.open(address);
const inner = channel === 'email' ? emailAdapter(db, { smtp: smtp ?? '' }) : inAppAdapter(db);
// One message at a time (no deliverMany), so the process dies after exactly one delivery.
const dying: ChannelAdapter = {
  channel: inner.channel,
  confirm: (m) => inner.confirm(m),
  async deliver(m) {
    await inner.deliver(m);
    process.kill(process.pid, 'SIGKILL');
    return new Promise<string>(() => undefined);
  },
};
// The test looks at deliveries, not words: without the catalogue, policies are named by their ids.
await sendPushes(db, { [channel]: dying }, { now: new Date(now), entries: [] });
process.stderr.write('the sender was meant to die before this line\n');
process.exitCode = 3;
if (db instanceof PgDb) await db.close();
