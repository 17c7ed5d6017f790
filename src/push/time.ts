import type { SendingHours } from './settings.ts';

/**
 * Times in the push part are "local milliseconds": the Asia/Shanghai wall clock read as if it were
 * UTC. The store keeps local timestamps without zone (docs/data-model.md), sending and quiet hours
 * are local hours, and China has had no daylight saving time since 1991, so a fixed +08:00 offset
 * is exact and needs no time-zone database.
 */
export type LocalMs = number;

const OFFSET_MS = 8 * 3600_000;
export const HOUR_MS = 3600_000;
export const DAY_MS = 24 * HOUR_MS;

export const toLocal = (d: Date): LocalMs => d.getTime() + OFFSET_MS;
export const toInstant = (ms: LocalMs): Date => new Date(ms - OFFSET_MS);

/**
 * A clock that starts at `start` and runs on with the real one: a send simulated at another moment
 * (`zhishu push send --now`, the demo's delivery) stamps what it sends and what the inbox receives
 * with times of that moment, as sendPushes stamps its attempts, not with the machine's clock.
 */
export function clockFrom(start: Date): () => Date {
  const started = Date.now();
  return () => new Date(start.getTime() + (Date.now() - started));
}

/**
 * An ISO date or date-time (2026-04-30, 2026-04-30T18:00, 2026-04-30 18:00:00.000+08:00); without
 * an offset it is Asia/Shanghai local time, as everything in the bureau is. A date or time that does
 * not exist (2026-02-30, 25:00, +15:00) is refused rather than rolled over, as Date.parse would.
 */
export function parseInstant(text: string): Date {
  const bad = new Error(`'${text}' is not an ISO date or time (e.g. 2026-04-30, 2026-04-30T18:00 or 2026-04-30T18:00+08:00)`);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (!m) throw bad;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, Number((m[7] ?? '0').padEnd(3, '0')));
  // Date.UTC rolls 2026-02-30 over to March and 25:00 to the next day: the fields must come back unchanged.
  const t = new Date(wall);
  if (
    t.getUTCFullYear() !== y ||
    t.getUTCMonth() !== mo - 1 ||
    t.getUTCDate() !== d ||
    t.getUTCHours() !== h ||
    t.getUTCMinutes() !== mi ||
    t.getUTCSeconds() !== s
  )
    throw bad;
  const zone = /^([+-])(\d{2}):?(\d{2})$/.exec(m[8] ?? '');
  if (zone && (Number(zone[2]) > 14 || Number(zone[3]) > 59)) throw bad;
  const offsetMinutes = zone ? (zone[1] === '-' ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3])) : m[8] ? 0 : OFFSET_MS / 60_000;
  return new Date(wall - offsetMinutes * 60_000);
}

/** A local time as DuckDB TIMESTAMP text. */
export const sqlTimestamp = (ms: LocalMs): string => new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
/** DuckDB TIMESTAMP or DATE text back to local milliseconds. */
export const fromSql = (text: string): LocalMs => Date.parse(`${text.length === 10 ? `${text}T00:00:00` : text.replace(' ', 'T')}Z`);
export const dateText = (ms: LocalMs): string => new Date(ms).toISOString().slice(0, 10);
export const hourOf = (ms: LocalMs): number => new Date(ms).getUTCHours();

export interface Period {
  id: string;
  start: string;
  end: string;
  /** For the message text: 2026年第1季度, 2026年3月. */
  zh: string;
}

/** A quarter (2026-Q1) or a month (2026-03), the periods match runs are made for. */
export function parsePeriod(id: string): Period {
  const q = /^(\d{4})-Q([1-4])$/.exec(id);
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(id);
  if (!q && !m) throw new Error(`'${id}' is not a period (YYYY-Qn or YYYY-MM)`);
  const year = Number((q ?? m)?.[1]);
  const first = q ? (Number(q[2]) - 1) * 3 : Number(m?.[2]) - 1;
  const months = q ? 3 : 1;
  const start = Date.UTC(year, first, 1);
  const end = Date.UTC(year, first + months, 1) - DAY_MS;
  return { id, start: dateText(start), end: dateText(end), zh: q ? `${year}年第${q[2]}季度` : `${year}年${Number(m?.[2])}月` };
}

/**
 * The quarter n quarters before a quarter (2026-Q1, 1: 2025-Q4). Match runs, and so plans, are of
 * quarters; a month has none (null), and what reads it then leaves nothing out.
 */
export function quarterBefore(id: string, n: number): string | null {
  const q = quarterOfYear(id);
  if (q === null) return null;
  const k = Number(id.slice(0, 4)) * 4 + q - 1 - n;
  return `${Math.floor(k / 4)}-Q${(k % 4) + 1}`;
}

/** A quarter's number in its year, 1 to 4 (2026-Q3: 3); a month has none (null). */
export function quarterOfYear(id: string): number | null {
  const q = /^\d{4}-Q([1-4])$/.exec(id);
  return q ? Number(q[1]) : null;
}

export interface QuietHours {
  quietFrom: number;
  quietTo: number;
}

/** Quiet hours may wrap midnight (21 to 8); equal hours mean the person has none. */
export function isQuiet(hour: number, q: QuietHours): boolean {
  if (q.quietFrom === q.quietTo) return false;
  return q.quietFrom < q.quietTo ? hour >= q.quietFrom && hour < q.quietTo : hour >= q.quietFrom || hour < q.quietTo;
}

function insideHours(ms: LocalMs, hours: SendingHours, quiet: QuietHours | null): boolean {
  const h = hourOf(ms);
  return h >= hours.from && h < hours.to && (quiet === null || !isQuiet(h, quiet));
}

/** May a message go out to this person at this moment? The same rule the planner schedules by. */
export const mayDeliverAt = (ms: LocalMs, hours: SendingHours, quiet: QuietHours | null): boolean => nextDeliveryTime(ms, hours, quiet) === ms;

/**
 * The earliest moment at or after `ms` inside the sending hours and outside the person's quiet
 * hours. A person whose quiet hours cover every sending hour still gets the message, at the start
 * of the next sending window: the bureau's sending hours are the stronger promise, and a message
 * held for ever would be lost.
 */
export function nextDeliveryTime(ms: LocalMs, hours: SendingHours, quiet: QuietHours | null): LocalMs {
  for (const q of quiet ? [quiet, null] : [null]) {
    let t = ms;
    for (let i = 0; i < 48; i++) {
      if (insideHours(t, hours, q)) return t;
      t = Math.floor(t / HOUR_MS) * HOUR_MS + HOUR_MS;
    }
  }
  throw new Error(`no hour is inside the sending hours ${hours.from}-${hours.to}`);
}
