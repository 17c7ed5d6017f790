// A sender that dies right after its channel delivered, before the outcome is recorded: the crash
// test/push.test.ts recovers from. Arguments: store file, now (ISO), channel (inApp | email), SMTP URL.
import type { ChannelAdapter } from '../../src/push/channels/channel.ts';
import { emailAdapter } from '../../src/push/channels/email.ts';
import { inAppAdapter } from '../../src/push/channels/inApp.ts';
import { sendPushes } from '../../src/push/send.ts';
import { Store } from '../../src/store/store.ts';

const [db, now, channel, smtp] = process.argv.slice(2) as [string, string, 'inApp' | 'email', string | undefined];
const store = await Store.open(db);
const inner = channel === 'email' ? emailAdapter(store, { smtp: smtp ?? '' }) : inAppAdapter(store);
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
await sendPushes(store, { [channel]: dying }, { now: new Date(now), entries: [] });
process.stderr.write('the sender was meant to die before this line\n');
process.exitCode = 3;
