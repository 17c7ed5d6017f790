import type { Channel, DeliverableMessage, OutboxMessage } from '../message.ts';

/**
 * What a channel can tell about a message after an attempt whose outcome was not recorded:
 * `delivered` (do not deliver again), `notDelivered` (safe to deliver), or `uncertain` (it may
 * have been delivered and the channel cannot tell; delivering again could duplicate it).
 */
export type Delivery = 'delivered' | 'notDelivered' | 'uncertain';

export interface ChannelAdapter {
  readonly channel: Channel;
  /**
   * Delivers one message, or throws: `NotConfiguredError` when the channel is not set up,
   * `PermanentError` when retrying cannot help, any other error for a failure worth retrying.
   * Returns a short note for the attempt log (e.g. the server's reply).
   */
  deliver(message: DeliverableMessage): Promise<string | undefined>;
  /**
   * Delivers several messages at once, where the channel can do it cheaper than one by one (the
   * inbox: one INSERT). One result per message, in order: the note, or the error `deliver` would
   * have thrown.
   */
  deliverMany?(messages: readonly DeliverableMessage[]): Promise<(string | undefined | Error)[]>;
  /** Whether an earlier attempt delivered the message, as far as the channel can tell. */
  confirm(message: OutboxMessage): Promise<Delivery>;
}

/** The channel is not set up: the message goes to the in-app inbox instead. */
export class NotConfiguredError extends Error {
  override name = 'NotConfiguredError';
}

/** The channel refused the message for good (e.g. an unknown mailbox): retrying cannot help. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}
