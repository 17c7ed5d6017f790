import { InvalidArgumentError } from 'commander';
import { parseQuarter } from '../match/period.ts';
import { creditCodeProblem } from '../model/creditCode.ts';

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new InvalidArgumentError(`'${value}' is not a positive whole number`);
  return Number(value);
}

export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a whole number`);
  return Number(value);
}

export function yearMonth(value: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a month (YYYY-MM)`);
  return value;
}

/** A quarter (2026-Q1), the only period match runs are made for: match, explain and push plan take it. */
export function quarter(value: string): string {
  try {
    return parseQuarter(value).period;
  } catch {
    throw new InvalidArgumentError(`'${value}' is not a quarter (e.g. 2026-Q1)`);
  }
}

/** A calendar year, as ledger and report policy take it. */
export function year(value: string): number {
  if (!/^\d{4}$/.test(value) || Number(value) < 2000 || Number(value) > 2100) throw new InvalidArgumentError(`'${value}' is not a year (e.g. 2026)`);
  return Number(value);
}

/**
 * An ISO date or date-time (2026-04-30, 2026-04-30T18:00, 2026-04-30T18:00:00.000+08:00) as the
 * TIMESTAMP text of that moment in UTC, the time match runs stamp their facts and results with
 * (computed_at). An offset (Z, +08:00) is converted; a time without one is China time (UTC+8).
 */
export function utcTime(value: string): string {
  const bad = new InvalidArgumentError(`'${value}' is not an ISO date or time (e.g. 2026-04-30, 2026-04-30T18:00 or 2026-04-30T18:00+08:00)`);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(value);
  if (!m) throw bad;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const local = Date.UTC(y, mo - 1, d, h, mi, s, Number((m[7] ?? '0').padEnd(3, '0')));
  // Date.UTC rolls 2026-02-30 over to March and 25:00 to the next day: the fields must come back unchanged.
  const t = new Date(local);
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || t.getUTCHours() !== h || t.getUTCMinutes() !== mi) throw bad;
  const zone = /^([+-])(\d{2}):?(\d{2})$/.exec(m[8] ?? '');
  if (zone && (Number(zone[2]) > 14 || Number(zone[3]) > 59)) throw bad;
  // Without an offset, China time, as `push --now` reads it and as the people using Zhishu mean it.
  const offsetMinutes = zone ? (zone[1] === '-' ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3])) : m[8] ? 0 : 8 * 60;
  return new Date(local - offsetMinutes * 60_000).toISOString().slice(0, 23).replace('T', ' ');
}

export function fileFormat(value: string): 'parquet' | 'csv' {
  if (value !== 'parquet' && value !== 'csv') throw new InvalidArgumentError(`'${value}' is not parquet or csv`);
  return value;
}

/** A unified social credit code, check character included (GB 32100-2015). */
export function creditCode(value: string): string {
  const problem = creditCodeProblem(value);
  if (problem !== null) throw new InvalidArgumentError(`'${value}' is not a unified social credit code: ${problem}`);
  return value;
}
