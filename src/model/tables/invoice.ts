import { INVOICE_KINDS, INVOICE_STATUSES } from '../enums.ts';
import { present, type TableSpec } from '../spec.ts';

export const invoice: TableSpec = {
  name: 'invoice',
  zh: '发票',
  doc: 'An invoice issued (发票). Amounts are stored unsigned: a red-letter invoice (红字) reverses the invoice named in reverses_number, and a voided one (作废) counts for nothing.',
  naturalKey: ['invoice_number'],
  columns: [
    {
      name: 'invoice_number',
      type: { kind: 'text', max: 20, pattern: '\\d{20}', patternHint: 'must be a 20-digit invoice number' },
      required: true,
      doc: '20-digit number: year (2), region (2), channel (1), sequence (15)',
    },
    { name: 'issuer_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'credit code of the seller' },
    { name: 'buyer_code', type: { kind: 'creditCode' }, required: false, doc: 'credit code of the buyer; empty for a consumer' },
    { name: 'issued_on', type: { kind: 'date' }, required: true, doc: 'date of issue' },
    { name: 'amount', type: { kind: 'money' }, required: true, doc: 'amount before tax, yuan' },
    { name: 'tax', type: { kind: 'money' }, required: true, doc: 'VAT on the invoice, yuan' },
    { name: 'kind', type: { kind: 'enum', values: INVOICE_KINDS }, required: true, doc: 'special (专用) or ordinary (普通)' },
    { name: 'digital', type: { kind: 'bool' }, required: true, doc: 'fully digital e-invoice (数电票)' },
    { name: 'status', type: { kind: 'enum', values: INVOICE_STATUSES }, required: true, doc: 'normal, red (reversing) or void' },
    {
      name: 'reverses_number',
      type: { kind: 'text', max: 20, pattern: '\\d{20}', patternHint: 'must be a 20-digit invoice number' },
      required: false,
      doc: 'for a red-letter invoice, the number of the invoice it reverses',
    },
  ],
  checks: [
    {
      field: 'reverses_number',
      reason: 'a red-letter invoice must name the invoice it reverses, and only a red-letter one may',
      sql: "(status = 'red') = (reverses_number IS NOT NULL)",
      holds: (r) => !present(r.status) || (r.status === 'red') === present(r.reverses_number),
    },
  ],
};
