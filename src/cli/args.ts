import { InvalidArgumentError } from 'commander';
import { POLICY_ID } from '../law/catalogue.ts';
import { parseQuarter } from '../match/period.ts';
import { creditCodeProblem } from '../model/creditCode.ts';
import { parseInstant } from '../push/time.ts';

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

/**
 * A quarter (2026-Q1), the only period match runs are made for: match, explain and push plan take it.
 * Typed in lowercase (2026-q1) it is the same quarter: stored periods are in capitals.
 */
export function quarter(value: string): string {
  try {
    return parseQuarter(value.trim().toUpperCase()).period;
  } catch {
    throw new InvalidArgumentError(`'${value}' is not a quarter (e.g. 2026-Q1)`);
  }
}

/**
 * A policy id of the catalogue's form (cit.smallLowProfit), trimmed. An empty one is refused: taken
 * as no --policy at all, it would answer of every policy.
 */
export function policyId(value: string): string {
  const id = value.trim();
  if (!POLICY_ID.test(id)) throw new InvalidArgumentError(`'${value}' is not a policy id (e.g. cit.smallLowProfit)`);
  return id;
}

/** A calendar year, as ledger and report policy take it. */
export function year(value: string): number {
  // Trimmed, as a quarter is: " 2026" pasted from a sheet is the year 2026.
  value = value.trim();
  if (!/^\d{4}$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a year (e.g. 2026)`);
  if (Number(value) < 2000 || Number(value) > 2100) throw new InvalidArgumentError(`${value} is outside the years Zhishu takes (2000 to 2100)`);
  return Number(value);
}

/**
 * An --as-of moment: an ISO date or date-time (2026-04-30, 2026-04-30T18:00, 2026-04-30T18:00:00.000+08:00)
 * as the TIMESTAMP text of that moment in UTC, the time match runs stamp their facts and results with
 * (computed_at). An offset (Z, +08:00) is converted; a time without one is China time (UTC+8). A date
 * alone is the end of that day in China, to the microsecond: "as of 30 April" takes in what was
 * computed on 30 April (until 2026-11-30 it meant the day's first moment, and left that day out).
 */
export function asOfTime(value: string): string {
  try {
    const at = parseInstant(value);
    const text = (d: Date) => d.toISOString().slice(0, 23).replace('T', ' ');
    return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${text(new Date(at.getTime() + 86_400_000 - 1))}999` : text(at);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function fileFormat(value: string): 'parquet' | 'csv' {
  if (value !== 'parquet' && value !== 'csv') throw new InvalidArgumentError(`'${value}' is not parquet or csv`);
  return value;
}

/**
 * A unified social credit code, check character included (GB 32100-2015). The standard's letters are
 * capitals, and codes are stored so: one typed or pasted in lowercase is taken in capitals.
 */
export function creditCode(value: string): string {
  const code = value.trim().toUpperCase();
  const problem = creditCodeProblem(code);
  if (problem !== null) throw new InvalidArgumentError(`'${value}' is not a unified social credit code: ${problem}`);
  return code;
}

/**
 * A PostgreSQL server for --database: a URL (postgres://user@host:5432/db). The driver would take any
 * other text beginning with '/' for the directory of a Unix socket, so a DuckDB file given here failed
 * with "connect ENOTDIR .../.s.PGSQL.5432"; a socket is named as postgres://user@/db?host=/run/postgresql.
 */
export function postgresUrl(value: string): string {
  if (!/^postgres(ql)?:\/\//i.test(value))
    throw new InvalidArgumentError(`'${value}' is not a PostgreSQL URL (postgres://user@host:5432/database); a DuckDB file is given with --db`);
  return value;
}

/** One of a fixed list of words (a district, a status, a sort key): anything else is refused with the list. */
export function oneOf<T extends string>(values: readonly T[], what: string): (value: string) => T {
  return (value) => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`'${value}' is not a ${what} (one of ${values.join(', ')})`);
    return value as T;
  };
}
