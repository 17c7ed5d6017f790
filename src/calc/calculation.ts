import type { z } from 'zod';
import type { Explanation } from './explain.ts';
import type { LawAt } from './law.ts';
import type { Period } from './period.ts';

/** A result field: money as a yuan string, or a plain value. */
export type ResultValue = string | number | boolean | null | ResultValue[] | { [k: string]: ResultValue };

/** One calculation of the calculator: a pure function of its inputs and the law of its period. */
export interface Calculation<S extends z.ZodType = z.ZodType> {
  name: string;
  title: { zh: string; en: string };
  /** What it computes and which rules it applies, for docs/calculator.md. */
  description: string;
  /** Every field of the result, with its meaning (docs/calculator.md; a test checks it is complete). */
  outputs: Record<string, string>;
  /** The kinds of period the calculation takes ("2026-Q1" is a quarter). */
  periodKinds: readonly Period['kind'][];
  inputs: S;
  run(inputs: z.output<S>, law: LawAt, x: Explanation): Record<string, ResultValue>;
  /** A complete request for docs/calculator.md (checked by the tests). */
  example: { period: string; inputs: Record<string, unknown> };
}

export function defineCalculation<S extends z.ZodType>(c: Calculation<S>): Calculation<S> {
  return c;
}
