import type { Bracket } from './law.ts';
import { applyRate, type Fen, formatYuan, percent } from './money.ts';

/** The row of a progressive table a base falls in (a base at a row's upper end belongs to that row). */
export function bracketOf(rows: readonly Bracket[], base: Fen): Bracket {
  for (const r of rows) if (r.upTo === null || base <= r.upTo) return r;
  return rows[rows.length - 1] as Bracket;
}

/** base × rate − quick deduction, rounded half up to the fen; 0 for a base of 0 or less. */
export function tableTax(rows: readonly Bracket[], base: Fen): Fen {
  if (base <= 0) return 0;
  const r = bracketOf(rows, base);
  return applyRate(base, r.rate) - r.quickDeduction;
}

/** "96000.00 × 10% − 2520.00 = 7080.00" */
export function tableFormula(rows: readonly Bracket[], base: Fen): string {
  if (base <= 0) return `${formatYuan(base)} ≤ 0, no tax`;
  const r = bracketOf(rows, base);
  return `${formatYuan(base)} × ${percent(r.rate)} − ${formatYuan(r.quickDeduction)} = ${formatYuan(tableTax(rows, base))}`;
}
