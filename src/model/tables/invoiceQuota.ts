import type { TableSpec } from '../spec.ts';

export const invoiceQuota: TableSpec = {
  name: 'invoice_quota',
  zh: '发票核定',
  doc: "A taxpayer's invoice quota in force in a month.",
  naturalKey: ['credit_code', 'month'],
  columns: [
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'the taxpayer' },
    { name: 'month', type: { kind: 'date' }, required: true, doc: 'first day of the month' },
    { name: 'quota_quantity', type: { kind: 'int', min: 0 }, required: true, doc: 'approved monthly invoice quantity (发票核定数量)' },
    { name: 'single_limit', type: { kind: 'money' }, required: true, doc: 'single-invoice limit (单张限额), yuan' },
    { name: 'credit_line', type: { kind: 'money' }, required: true, doc: 'digital-invoice credit line for the month (授信总额度), yuan' },
  ],
  checks: [
    {
      field: 'month',
      reason: 'month must be the first day of a month',
      sql: 'day(month) = 1',
      holds: (r) => typeof r.month !== 'string' || r.month.endsWith('-01'),
    },
  ],
};
