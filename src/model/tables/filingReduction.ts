import { TAX_TYPES } from '../enums.ts';
import type { TableSpec } from '../spec.ts';

export const filingReduction: TableSpec = {
  name: 'filing_reduction',
  zh: '申报减免',
  doc: 'A reduction (减免税) claimed on a return, by reduction code (减免性质代码).',
  naturalKey: ['credit_code', 'tax_type', 'period_start', 'period_end', 'reduction_code'],
  columns: [
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'the taxpayer' },
    { name: 'tax_type', type: { kind: 'enum', values: TAX_TYPES }, required: true, doc: 'tax type of the return' },
    { name: 'period_start', type: { kind: 'date' }, required: true, doc: 'first day of the tax period' },
    { name: 'period_end', type: { kind: 'date' }, required: true, doc: 'last day of the tax period' },
    {
      name: 'reduction_code',
      type: { kind: 'text', max: 10, pattern: '\\d{10}', patternHint: 'must be a 10-digit reduction code' },
      required: true,
      doc: 'reduction code (减免性质代码), 10 digits',
    },
    {
      name: 'amount',
      type: { kind: 'money' },
      required: true,
      doc: "tax reduced by this return for its own period, yuan: a prepayment return whose figure is of the year to date (the CIT prepayment form) gives it less that of the return before; an annual return, the year's whole",
    },
  ],
  checks: [],
};
