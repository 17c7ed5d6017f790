import { writeFileSync } from 'node:fs';
import { withCheckCharacter } from '../../src/model/index.ts';

export const TP1 = withCheckCharacter('91440300MA5F00001');
export const TP2 = withCheckCharacter('92440300MA5F00002');
export const UNKNOWN_TP = withCheckCharacter('91440300MA5F99999');

/**
 * A return inserted by hand with the eight columns every return has, whatever columns come after them
 * (special_invoice_sales, empty: the return does not say).
 */
export const INSERT_FILING = 'INSERT INTO filing (credit_code, tax_type, period_start, period_end, due_date, filed_on, tax_base, tax_payable) VALUES';

/** One valid record per table, in the JSON form of the record validator (money as decimal strings). */
export const VALID: Record<string, Record<string, unknown>> = {
  taxpayer: {
    credit_code: TP1,
    name: '深圳市示例科技有限公司',
    kind: 'enterprise',
    vat_status: 'general',
    industry: 'I65',
    district: 'nanshan',
    registered_on: '2018-05-02',
    employees: 48,
    total_assets: '12500000.00',
    collection_mode: 'actualAccounts',
    high_tech: true,
    high_tech_until: '2027-12-31',
    rnd_expense: '830000.50',
    credit_level: 'A',
  },
  company_person: {
    credit_code: TP1,
    role: 'financeOfficer',
    name: '陈某某',
    mobile: '13800138000',
    email: 'fo@example.com',
    preferred_channel: 'email',
    quiet_from: 21,
    quiet_to: 8,
  },
  filing: {
    credit_code: TP1,
    tax_type: 'vat',
    period_start: '2025-10-01',
    period_end: '2025-10-31',
    due_date: '2025-11-17',
    filed_on: '2025-11-10',
    tax_base: '820000.00',
    tax_payable: '26650.00',
  },
  filing_reduction: {
    credit_code: TP1,
    tax_type: 'vat',
    period_start: '2025-10-01',
    period_end: '2025-12-31',
    reduction_code: '0001011608',
    amount: '1200.00',
  },
  payment: {
    payment_id: 'P2025111000001',
    credit_code: TP1,
    tax_type: 'vat',
    period_start: '2025-10-01',
    period_end: '2025-10-31',
    paid_on: '2025-11-10',
    amount: '26650.00',
  },
  invoice_quota: { credit_code: TP1, month: '2025-10-01', quota_quantity: 100, single_limit: '100000.00', credit_line: '2000000.00' },
  invoice: {
    invoice_number: '25442000000000000001',
    issuer_code: TP1,
    buyer_code: TP2,
    issued_on: '2025-10-09',
    amount: '10000.00',
    tax: '1300.00',
    kind: 'special',
    digital: true,
    status: 'normal',
    reverses_number: null,
  },
  invoice_pickup: { credit_code: TP1, picked_at: '2025-10-09 10:15:00', hall: 'nanshan-1', kind: 'ordinary', quantity: 25 },
  hall_visit: {
    visit_id: 'nanshan-1-20251009-0001',
    credit_code: TP1,
    hall: 'nanshan-1',
    window: 3,
    business_type: 'invoicePickup',
    arrived_at: '2025-10-09 09:40:00',
    called_at: '2025-10-09 09:52:00',
    finished_at: '2025-10-09 10:01:00',
  },
  credit_event: { credit_code: TP1, indicator_code: '010101', occurred_on: '2025-11-18', reference: 'vat 2025-10', points: '5.0', corrected_on: '2025-11-20' },
  application: {
    application_id: 'A2025100900001',
    credit_code: TP1,
    type: 'invoiceQuotaIncrease',
    submitted_at: '2025-10-09 11:00:00',
    payload: '{"requested":200}',
    status: 'approved',
    decision: 'sales growth supports it',
    decided_at: '2025-10-09 11:00:05',
  },
  cit_quarter_info: {
    credit_code: TP1,
    period_start: '2025-07-01',
    period_end: '2025-09-30',
    employees_start: 46,
    employees_end: 48,
    assets_start: '11800000.00',
    assets_end: '12000000.00',
  },
  cit_annual_info: {
    credit_code: TP1,
    period_start: '2024-01-01',
    period_end: '2024-12-31',
    employees: 45,
    total_assets: '11500000.00',
  },
  employment_report: { credit_code: TP1, year: 2025, kind: 'veteranHires', headcount: 2, reported_on: '2025-12-31' },
  enterprise_list: { credit_code: TP1, list: 'integratedCircuit', valid_from: '2025-01-01', valid_to: '2025-12-31' },
};

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Writes records as a CSV file with the given header. */
export function writeCsv(path: string, header: string[], records: Record<string, unknown>[]): void {
  const lines = [header.join(','), ...records.map((r) => header.map((h) => csvCell(r[h])).join(','))];
  writeFileSync(path, `${lines.join('\n')}\n`);
}
