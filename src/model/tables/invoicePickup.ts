import { INVOICE_KINDS } from '../enums.ts';
import type { TableSpec } from '../spec.ts';

export const invoicePickup: TableSpec = {
  name: 'invoice_pickup',
  zh: '领票',
  doc: 'A trip to pick up paper invoices (领票).',
  naturalKey: ['credit_code', 'picked_at'],
  columns: [
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'the taxpayer' },
    { name: 'picked_at', type: { kind: 'timestamp' }, required: true, doc: 'when the invoices were handed over' },
    { name: 'hall', type: { kind: 'text', max: 40 }, required: true, doc: 'service hall id' },
    { name: 'kind', type: { kind: 'enum', values: INVOICE_KINDS }, required: true, doc: 'special or ordinary' },
    { name: 'quantity', type: { kind: 'int', min: 1 }, required: true, doc: 'invoices picked up' },
  ],
  checks: [],
};
