import { InvalidArgumentError } from 'commander';
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

/** A calendar year, as ledger and report policy take it. */
export function year(value: string): number {
  if (!/^\d{4}$/.test(value) || Number(value) < 2000 || Number(value) > 2100) throw new InvalidArgumentError(`'${value}' is not a year (e.g. 2026)`);
  return Number(value);
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
