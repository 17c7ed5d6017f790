import { z } from 'zod';
import { bracketOf, tableFormula, tableTax } from '../brackets.ts';
import { defineCalculation, type ResultValue } from '../calculation.ts';
import { CalcError } from '../errors.ts';
import { HALF_UP_FEN, y } from '../explain.ts';
import { optionalYuan, yuan } from '../input.ts';
import type { Bracket, LawAt } from '../law.ts';
import { formatYuan, percent } from '../money.ts';
import { explainSpecialDeductions, specialDeductionsSchema } from '../specialDeductions.ts';

const month = z
  .object({
    month: z
      .number()
      .int('must be a month number 1 to 12')
      .min(1, 'must be a month number 1 to 12')
      .max(12, 'must be a month number 1 to 12')
      .describe('month of the year, 1 to 12'),
    wage: yuan().describe('wages and salary of the month (工资薪金)'),
    socialInsurance: optionalYuan().describe('Social insurance and housing fund contributions withheld (三险一金).'),
    otherDeductions: optionalYuan().describe('Other deductions allowed by law (private pension, tax-advantaged health insurance, ...).'),
    specialAdditionalDeductions: specialDeductionsSchema
      .optional()
      .describe("The special additional deductions of this month when they differ from the year's."),
  })
  .strict();

const inputs = z
  .object({
    months: z.array(month).min(1, 'give at least one month').max(12, 'a year has 12 months').describe('the months employed this year, in order'),
    specialAdditionalDeductions: specialDeductionsSchema.describe('the special additional deductions claimed every month of the year').default({
      continuingEducation: false,
      housing: 'none',
      elderlySupport: 'none',
      elderlySupportShare: 0,
    }),
  })
  .strict();

/** The comprehensive-income table as flat arrays, for the payroll loop. */
export interface CompiledTable {
  upTo: Float64Array;
  rateNum: Float64Array;
  rateDen: Float64Array;
  quickDeduction: Float64Array;
}

export function compileTable(rows: readonly Bracket[]): CompiledTable {
  return {
    upTo: Float64Array.from(rows, (r) => r.upTo ?? Number.POSITIVE_INFINITY),
    rateNum: Float64Array.from(rows, (r) => r.rate.num),
    rateDen: Float64Array.from(rows, (r) => r.rate.den),
    quickDeduction: Float64Array.from(rows, (r) => r.quickDeduction),
  };
}

/** Cumulative tax on a cumulative taxable income in fen: the same figure as tableTax, without allocation. */
export function cumulativeTax(t: CompiledTable, taxable: number): number {
  if (taxable <= 0) return 0;
  let i = 0;
  while (taxable > (t.upTo[i] as number)) i++;
  const p = taxable * (t.rateNum[i] as number);
  const den = t.rateDen[i] as number;
  // Half-up division of a positive safe integer (wages keep p far below 2^53).
  const q = Math.floor(p / den);
  const r = p - q * den;
  return (2 * r >= den ? q + 1 : q) - (t.quickDeduction[i] as number);
}

/**
 * Cumulative withholding for a whole payroll: `employees` people employed all year, 12 months each,
 * amounts in fen laid out employee-major (index = employee × 12 + month). `deductions` holds the
 * social insurance, special additional and other deductions of each month together. Writes the tax
 * withheld each month into `withheld`. The law is read once; the loop is plain arithmetic.
 */
export function withholdPayroll(law: LawAt, employees: number, wage: Float64Array, deductions: Float64Array, withheld: Float64Array): void {
  const table = compileTable(law.table('iit.comprehensiveTable').rows);
  const basic = law.money('iit.basicDeductionMonthly').fen;
  for (let e = 0; e < employees; e++) {
    let taxable = 0;
    let paid = 0;
    const base = e * 12;
    for (let m = 0; m < 12; m++) {
      taxable += (wage[base + m] as number) - basic - (deductions[base + m] as number);
      const due = cumulativeTax(table, taxable) - paid;
      if (due > 0) {
        withheld[base + m] = due;
        paid += due;
      } else withheld[base + m] = 0;
    }
  }
}

/**
 * Cumulative withholding of wages (累计预扣法) for the months of one year with one employer: each
 * month, the tax on the cumulative taxable income by the annual table, less what was already
 * withheld; a negative result withholds nothing (no refund during the year).
 */
export const iitWages = defineCalculation({
  name: 'iit.wages',
  description:
    'Cumulative withholding of wages (累计预扣法, 国家税务总局公告2018年第61号): each month the tax on the cumulative taxable income of the year (wages less 5,000 for every month since the first with this employer, social insurance, special additional deductions and other deductions) by the annual comprehensive-income table, less what was already withheld; never negative. The special additional deduction amounts are those of the year (child education 1,000 before 2023, 2,000 from 2023, and so on).',
  outputs: {
    months: 'one entry per month: month, cumulativeIncome, cumulativeTaxableIncome, rate, quickDeduction, cumulativeTax, withheld',
    totalWithheld: 'tax withheld over the months given',
  },
  title: { zh: '工资薪金个人所得税（累计预扣法）', en: 'IIT on wages, cumulative withholding' },
  periodKinds: ['year'],
  inputs,
  run(i, law, x) {
    const year = law.period.from.slice(0, 4);
    for (let k = 1; k < i.months.length; k++) {
      if ((i.months[k]?.month ?? 0) <= (i.months[k - 1]?.month ?? 0)) {
        throw new CalcError('input.invalid', `inputs.months.${k}.month`, 'months must be in order, each once');
      }
    }
    const table = law.table('iit.comprehensiveTable');
    const basic = law.money('iit.basicDeductionMonthly');
    const yearSad = explainSpecialDeductions(law, i.specialAdditionalDeductions, x, 'iit.specialAdditionalDeductions');
    const first = i.months[0]?.month ?? 1;
    let income = 0;
    let social = 0;
    let special = 0;
    let otherDed = 0;
    let paid = 0;
    const months: ResultValue[] = [];
    for (const m of i.months) {
      const sad = m.specialAdditionalDeductions
        ? explainSpecialDeductions(law, m.specialAdditionalDeductions, x, `iit.specialAdditionalDeductions.${m.month}`)
        : yearSad;
      income += m.wage;
      social += m.socialInsurance;
      special += sad;
      otherDed += m.otherDeductions;
      const other = social + special + otherDed;
      // The basic deduction counts every month since the first one with this employer.
      const monthsEmployed = m.month - first + 1;
      const basicTotal = basic.fen * monthsEmployed;
      const taxable = income - basicTotal - other;
      const cumulative = tableTax(table.rows, taxable);
      const due = Math.max(0, cumulative - paid);
      const row = bracketOf(table.rows, Math.max(taxable, 0));
      x.money(
        `iit.withheld.${m.month}`,
        `${year}年${m.month}月预扣预缴税额`,
        `tax withheld for ${year}-${String(m.month).padStart(2, '0')}`,
        due,
        `cumulative taxable ${y(income)} − ${y(basicTotal)} basic (${monthsEmployed} × ${y(basic.fen)}) − ${y(social)} social insurance (专项扣除) − ${y(special)} special additional deductions − ${y(otherDed)} other deductions = ${y(taxable)}; ${tableFormula(table.rows, taxable)}; − ${y(paid)} withheld before${cumulative - paid < 0 ? ' (negative: nothing withheld)' : ''}`,
        [table.use, basic.use],
        HALF_UP_FEN,
      );
      paid += due;
      months.push({
        month: m.month,
        cumulativeIncome: formatYuan(income),
        cumulativeTaxableIncome: formatYuan(taxable),
        rate: percent(row.rate),
        quickDeduction: formatYuan(row.quickDeduction),
        cumulativeTax: formatYuan(cumulative),
        withheld: formatYuan(due),
      });
    }
    x.money('iit.withheldTotal', '本年累计预扣预缴税额', 'tax withheld in the year', paid, 'sum of the months');
    return { months, totalWithheld: formatYuan(paid) } satisfies Record<string, ResultValue>;
  },
  example: {
    period: '2019',
    inputs: {
      months: [
        { month: 1, wage: '30000.00', socialInsurance: '4500.00' },
        { month: 2, wage: '30000.00', socialInsurance: '4500.00' },
        { month: 3, wage: '30000.00', socialInsurance: '4500.00' },
      ],
      specialAdditionalDeductions: { childEducation: { children: 1 }, elderlySupport: 'sibling', elderlySupportShare: '1000.00' },
    },
  },
});
