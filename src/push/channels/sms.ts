import type { ChannelAdapter } from './channel.ts';
import { NotConfiguredError } from './channel.ts';

/**
 * SMS has no gateway yet (an SMS provider needs a contract and a signed template per message type).
 * This adapter refuses every message as not configured, and the sender moves those messages to
 * the in-app inbox, so a person who prefers SMS still gets every message.
 */
export function smsNotConfigured(): ChannelAdapter {
  return {
    channel: 'sms',
    async deliver() {
      throw new NotConfiguredError('sms is not configured: no SMS gateway; delivered to the in-app inbox instead');
    },
    async confirm() {
      return 'notDelivered';
    },
  };
}
