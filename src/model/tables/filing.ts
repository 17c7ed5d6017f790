import { TAX_TYPES } from '../enums.ts';
import { fenOf, PERIOD_IN_ORDER, present, type TableSpec } from '../spec.ts';

export const filing: TableSpec = {
  name: 'filing',
  zh: '申报',
  doc: 'One return (申报) of one tax type for one tax period. filed_on is empty while the return is outstanding.',
  naturalKey: ['credit_code', 'tax_type', 'period_start', 'period_end'],
  columns: [
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'the taxpayer' },
    {
      name: 'tax_type',
      type: { kind: 'enum', values: TAX_TYPES },
      required: true,
      doc: 'vat, surcharges, cit (quarterly prepayment), iit (withholding), stampDuty, iitBusiness (business income), citAnnual (annual CIT return, 汇算清缴)',
    },
    { name: 'period_start', type: { kind: 'date' }, required: true, doc: 'first day of the tax period (税款所属期)' },
    { name: 'period_end', type: { kind: 'date' }, required: true, doc: 'last day of the tax period' },
    { name: 'due_date', type: { kind: 'date' }, required: true, doc: 'filing deadline (申报期限)' },
    { name: 'filed_on', type: { kind: 'date' }, required: false, doc: 'date the return was filed; empty if not filed' },
    {
      name: 'tax_base',
      type: { kind: 'money' },
      required: true,
      doc: 'tax base: sales for VAT, VAT paid for surcharges, profit (taxable income) for CIT, wages for IIT, yuan',
    },
    { name: 'tax_payable', type: { kind: 'money' }, required: true, doc: 'tax payable after reductions (应纳税额), yuan' },
    {
      name: 'special_invoice_sales',
      type: { kind: 'money' },
      required: false,
      fillable: true,
      doc:
        'a small-scale VAT return: the sales of tax_base at the 3 % levy rate invoiced on special VAT invoices (增值税专用发票不含税销售额, ' +
        'the return’s line 2; not line 5, real property at 5 %), taxed at the reduced rate even under the exemption’s line (the exemption ' +
        'waived for them); empty where the return does not say, read as none (the return sent again with it fills it in), yuan',
    },
  ],
  checks: [
    PERIOD_IN_ORDER,
    {
      field: 'due_date',
      reason: 'due date is not after the period',
      sql: 'due_date > period_end',
      holds: (r) => !present(r.due_date, r.period_end) || String(r.due_date) > String(r.period_end),
    },
    {
      field: 'filed_on',
      reason: 'filed before the period ended',
      sql: 'filed_on IS NULL OR filed_on > period_end',
      holds: (r) => !present(r.filed_on, r.period_end) || String(r.filed_on) > String(r.period_end),
    },
    {
      field: 'special_invoice_sales',
      reason: 'only a VAT return reports sales on special invoices',
      sql: "special_invoice_sales IS NULL OR tax_type = 'vat'",
      holds: (r) => !present(r.special_invoice_sales, r.tax_type) || r.tax_type === 'vat',
    },
    {
      field: 'special_invoice_sales',
      reason: 'sales on special invoices exceed the return’s sales (tax_base)',
      sql: 'special_invoice_sales IS NULL OR special_invoice_sales <= tax_base',
      holds: (r) => {
        const special = present(r.special_invoice_sales) ? fenOf(r.special_invoice_sales) : null;
        const sales = present(r.tax_base) ? fenOf(r.tax_base) : null;
        return special === null || sales === null || special <= sales;
      },
    },
  ],
};
