import { TAX_TYPES } from '../enums.ts';
import type { TableSpec } from '../spec.ts';

export const payment: TableSpec = {
  name: 'payment',
  zh: '缴款',
  doc: 'A payment of tax into the treasury (缴款/入库), identified by its voucher number.',
  naturalKey: ['payment_id'],
  columns: [
    { name: 'payment_id', type: { kind: 'text', max: 40 }, required: true, doc: 'payment voucher number (缴款凭证号)' },
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'the taxpayer' },
    { name: 'tax_type', type: { kind: 'enum', values: TAX_TYPES }, required: true, doc: 'tax type paid' },
    { name: 'period_start', type: { kind: 'date' }, required: true, doc: 'tax period paid for, first day' },
    { name: 'period_end', type: { kind: 'date' }, required: true, doc: 'tax period paid for, last day' },
    { name: 'paid_on', type: { kind: 'date' }, required: true, doc: 'date of payment' },
    { name: 'amount', type: { kind: 'money' }, required: true, doc: 'amount paid, yuan' },
  ],
  checks: [],
};
