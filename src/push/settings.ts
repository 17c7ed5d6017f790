/** The settings of the push part, with their defaults. src/push/README.md explains each. */

export interface SendingHours {
  /** First hour (local time) at which a message may go out. */
  from: number;
  /** Hour (local time) from which no message goes out any more: 20 means up to 19:59. */
  to: number;
}

export interface PlanSettings {
  /** A matched relief worth at least this many yuan for the period is major: the legal representative hears of it too. */
  majorReliefYuan: number;
  /** How many days before the filing deadline a message is meant to arrive. */
  leadDays: number;
  sendingHours: SendingHours;
  /** At most this many messages reach one person in any 7 days; the rest are merged into one digest. */
  maxPerWeek: number;
}

export interface Backoff {
  /** Delay after the first failed attempt. */
  initialSeconds: number;
  /** Each further failure multiplies the delay by this. */
  factor: number;
  /** The delay never grows beyond this. */
  maxSeconds: number;
}

export interface SendSettings {
  /** After this many failed attempts a message is `failed` and no longer retried. */
  maxAttempts: number;
  backoff: Backoff;
  sendingHours: SendingHours;
}

export const DEFAULT_SENDING_HOURS: SendingHours = { from: 9, to: 20 };

export const DEFAULT_PLAN_SETTINGS: PlanSettings = {
  majorReliefYuan: 10_000,
  leadDays: 5,
  sendingHours: DEFAULT_SENDING_HOURS,
  maxPerWeek: 3,
};

export const DEFAULT_SEND_SETTINGS: SendSettings = {
  maxAttempts: 5,
  // 5 min, 10, 20, 40: four retries inside one afternoon, so a passing outage of the mail server
  // costs an hour, not the deadline.
  backoff: { initialSeconds: 300, factor: 2, maxSeconds: 6 * 3600 },
  sendingHours: DEFAULT_SENDING_HOURS,
};

export function checkSendingHours(h: SendingHours): void {
  if (!Number.isInteger(h.from) || !Number.isInteger(h.to) || h.from < 0 || h.to > 24 || h.from >= h.to) {
    throw new Error(`sending hours ${h.from}-${h.to} must be whole hours with 0 <= from < to <= 24`);
  }
}

/** The delay before attempt `failures + 1`, after `failures` failed attempts. */
export function backoffSeconds(b: Backoff, failures: number): number {
  return Math.min(b.maxSeconds, b.initialSeconds * b.factor ** Math.max(0, failures - 1));
}
