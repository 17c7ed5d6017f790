import { present, type TableSpec } from '../spec.ts';

export const creditEvent: TableSpec = {
  name: 'credit_event',
  zh: '纳税信用扣分事项',
  doc: 'An event under a tax credit indicator (e.g. 010101 return filed late), with the points it deducts and when it was corrected.',
  naturalKey: ['credit_code', 'indicator_code', 'occurred_on', 'reference'],
  columns: [
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'the taxpayer' },
    {
      name: 'indicator_code',
      type: { kind: 'text', max: 6, pattern: '\\d{6}', patternHint: 'must be a 6-digit indicator code' },
      required: true,
      doc: 'credit indicator code (6 digits)',
    },
    { name: 'occurred_on', type: { kind: 'date' }, required: true, doc: 'date the event was recorded' },
    { name: 'reference', type: { kind: 'text', max: 80 }, required: true, doc: 'what it is about, e.g. the tax type and period of a late return' },
    { name: 'points', type: { kind: 'points' }, required: true, doc: 'points deducted' },
    { name: 'corrected_on', type: { kind: 'date' }, required: false, doc: 'date it was corrected (补正), if it was' },
  ],
  checks: [
    {
      field: 'corrected_on',
      reason: 'corrected before it occurred',
      sql: 'corrected_on IS NULL OR corrected_on >= occurred_on',
      holds: (r) => !present(r.corrected_on, r.occurred_on) || String(r.corrected_on) >= String(r.occurred_on),
    },
  ],
};
