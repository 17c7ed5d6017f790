import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ingestDirectory } from '../src/ingest/ingest.ts';
import { TABLES, tableSpec, validateRecord } from '../src/model/index.ts';
import { Store } from '../src/store/store.ts';
import { TP1, VALID, writeCsv } from './helpers/records.ts';
import { tempDir } from './helpers/tmp.ts';

/**
 * Each mutation breaks one rule. The record validator (zod, for single
 * records) and the ingest SQL (for files) are derived from the same table
 * spec; this proves they name the same field with the same reason.
 */
const MUTATIONS: { table: string; change: Record<string, unknown>; field: string; reason: string }[] = [
  {
    table: 'taxpayer',
    change: { credit_code: `${TP1.slice(0, 17)}${TP1.endsWith('0') ? '1' : '0'}` },
    field: 'credit_code',
    reason: 'invalid credit code: check character',
  },
  { table: 'taxpayer', change: { credit_code: 'ABC' }, field: 'credit_code', reason: 'invalid credit code: must be 18 characters, got 3' },
  { table: 'taxpayer', change: { name: '' }, field: 'name', reason: 'required' },
  { table: 'taxpayer', change: { kind: 'company' }, field: 'kind', reason: 'not one of: enterprise, individualBusiness, soleProprietorship, partnership' },
  { table: 'taxpayer', change: { industry: 'F99' }, field: 'industry', reason: 'invalid industry code: division 99 is not in section F (51-52)' },
  { table: 'taxpayer', change: { industry: 'Z12' }, field: 'industry', reason: 'invalid industry code: must be a GB/T 4754 section letter' },
  { table: 'taxpayer', change: { district: 'beijing' }, field: 'district', reason: 'not one of: futian' },
  { table: 'taxpayer', change: { registered_on: '2025-02-30' }, field: 'registered_on', reason: 'not a real date in YYYY-MM-DD form' },
  { table: 'taxpayer', change: { registered_on: '20250101' }, field: 'registered_on', reason: 'not a real date in YYYY-MM-DD form' },
  { table: 'taxpayer', change: { registered_on: '1900-01-01' }, field: 'registered_on', reason: 'date outside 1949-10-01..2099-12-31' },
  { table: 'taxpayer', change: { employees: 1.5 }, field: 'employees', reason: 'not an integer' },
  { table: 'taxpayer', change: { employees: -1 }, field: 'employees', reason: 'must be at least 0' },
  { table: 'taxpayer', change: { total_assets: '-3.00' }, field: 'total_assets', reason: 'negative amount' },
  { table: 'taxpayer', change: { total_assets: '1.005' }, field: 'total_assets', reason: 'not an amount in yuan with at most 2 decimals' },
  { table: 'taxpayer', change: { total_assets: '1e5' }, field: 'total_assets', reason: 'not an amount in yuan with at most 2 decimals' },
  { table: 'taxpayer', change: { high_tech: 'yes' }, field: 'high_tech', reason: 'not a boolean' },
  { table: 'taxpayer', change: { high_tech_until: null }, field: 'high_tech_until', reason: 'a high-tech certificate needs its expiry date' },
  { table: 'taxpayer', change: { credit_level: 'AA' }, field: 'credit_level', reason: 'not one of: A, B, M, C, D' },
  { table: 'company_person', change: { mobile: '12345' }, field: 'mobile', reason: 'must be an 11-digit mainland mobile number' },
  { table: 'company_person', change: { email: null }, field: 'preferred_channel', reason: 'the preferred channel needs its address' },
  { table: 'company_person', change: { quiet_from: 24 }, field: 'quiet_from', reason: 'must be at most 23' },
  { table: 'filing', change: { period_end: '2025-09-30' }, field: 'period_end', reason: 'period ends before it starts' },
  { table: 'filing', change: { filed_on: '2025-10-15' }, field: 'filed_on', reason: 'filed before the period ended' },
  { table: 'filing', change: { tax_type: 'VAT' }, field: 'tax_type', reason: 'not one of: vat, surcharges, cit, iit, stampDuty' },
  {
    table: 'filing',
    change: { special_invoice_sales: '820000.01' },
    field: 'special_invoice_sales',
    reason: 'sales on special invoices exceed the return’s sales (tax_base)',
  },
  // beyond a double's integers: one fen apart is still apart
  {
    table: 'filing',
    change: { tax_base: '9999999999999999.98', special_invoice_sales: '9999999999999999.99' },
    field: 'special_invoice_sales',
    reason: 'sales on special invoices exceed the return’s sales (tax_base)',
  },
  {
    table: 'filing',
    change: { tax_type: 'cit', special_invoice_sales: '1.00' },
    field: 'special_invoice_sales',
    reason: 'only a VAT return reports sales on special invoices',
  },
  { table: 'filing_reduction', change: { reduction_code: '12AB' }, field: 'reduction_code', reason: 'must be a 10-digit reduction code' },
  { table: 'payment', change: { amount: '-0.01' }, field: 'amount', reason: 'negative amount' },
  { table: 'invoice_quota', change: { month: '2025-10-02' }, field: 'month', reason: 'month must be the first day of a month' },
  { table: 'invoice', change: { status: 'red' }, field: 'reverses_number', reason: 'a red-letter invoice must name the invoice it reverses' },
  { table: 'invoice', change: { invoice_number: '2544' }, field: 'invoice_number', reason: 'must be a 20-digit invoice number' },
  { table: 'invoice', change: { buyer_code: '91440300MA5F0000XI' }, field: 'buyer_code', reason: "invalid credit code: character 18 'I' is not allowed" },
  { table: 'invoice_pickup', change: { picked_at: '2025-10-09T25:00:00' }, field: 'picked_at', reason: 'not a timestamp' },
  { table: 'invoice_pickup', change: { quantity: 0 }, field: 'quantity', reason: 'must be at least 1' },
  { table: 'hall_visit', change: { called_at: '2025-10-09 09:00:00' }, field: 'called_at', reason: 'called before arrival' },
  { table: 'hall_visit', change: { window: null }, field: 'window', reason: 'a called ticket needs its window' },
  { table: 'credit_event', change: { points: '-5.0' }, field: 'points', reason: 'negative points' },
  { table: 'credit_event', change: { corrected_on: '2025-11-01' }, field: 'corrected_on', reason: 'corrected before it occurred' },
  { table: 'application', change: { payload: '{not json' }, field: 'payload', reason: 'not valid JSON' },
  { table: 'application', change: { decided_at: null }, field: 'decided_at', reason: 'approved or rejected needs a decision time' },
  { table: 'employment_report', change: { kind: 'hires' }, field: 'kind', reason: 'not one of: disabledEmployees, keyGroupHires, veteranHires' },
  { table: 'employment_report', change: { headcount: -2 }, field: 'headcount', reason: 'must be at least 0' },
  { table: 'employment_report', change: { year: 1999 }, field: 'year', reason: 'must be at least 2000' },
  { table: 'cit_quarter_info', change: { employees_end: -1 }, field: 'employees_end', reason: 'must be at least 0' },
  { table: 'cit_quarter_info', change: { assets_start: '12.345' }, field: 'assets_start', reason: 'not an amount in yuan with at most 2 decimals' },
  { table: 'cit_quarter_info', change: { period_end: '2025-06-30' }, field: 'period_end', reason: 'period ends before it starts' },
  { table: 'cit_quarter_info', change: { restricted_industry: '是' }, field: 'restricted_industry', reason: 'not a boolean' },
  { table: 'cit_annual_info', change: { employees: 1_000_001 }, field: 'employees', reason: 'must be at most 1000000' },
  { table: 'cit_annual_info', change: { total_assets: '-1.00' }, field: 'total_assets', reason: 'negative amount' },
  { table: 'cit_annual_info', change: { period_end: '2023-12-31' }, field: 'period_end', reason: 'period ends before it starts' },
  { table: 'enterprise_list', change: { valid_to: '2024-12-31' }, field: 'valid_to', reason: 'ends before it starts' },
  { table: 'enterprise_list', change: { list: 'chips' }, field: 'list', reason: 'not one of: integratedCircuit, industrialMotherMachine' },
];

describe('record validation', () => {
  it('accepts the valid record of every table', () => {
    for (const spec of TABLES) assert.deepEqual(validateRecord(spec, VALID[spec.name]), [], spec.name);
  });

  it('accepts an amount whose digits after the fen are zeros (an export of NUMBER(18,4)), as the ingest SQL does', () => {
    for (const total_assets of ['1000.500', '1000.0000', '1000.00'])
      assert.deepEqual(validateRecord(tableSpec('taxpayer'), { ...VALID.taxpayer, total_assets }), [], total_assets);
  });

  it('rejects unknown fields', () => {
    const problems = validateRecord(tableSpec('payment'), { ...VALID.payment, amount_fen: 1 });
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.reason ?? '', /amount_fen/);
  });

  for (const m of MUTATIONS) {
    it(`${m.table}: ${m.field} -> ${m.reason}`, () => {
      const problems = validateRecord(tableSpec(m.table), { ...VALID[m.table], ...m.change });
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]?.field, m.field);
      assert.ok(problems[0]?.reason.startsWith(m.reason), `${problems[0]?.reason} should start with ${m.reason}`);
    });
  }
});

describe('ingest checks agree with the record validator', () => {
  let store: Store;
  let quarantine: Map<string, { field: string; reason: string }[]>;
  const loaded: Record<string, number> = {};
  before(async () => {
    const dir = tempDir();
    for (const spec of TABLES) {
      // Row 1 is valid; row i+2 carries mutation i of this table. The taxpayer file's valid row makes TP1 known.
      const mutations = MUTATIONS.filter((m) => m.table === spec.name);
      const records = [VALID[spec.name] as Record<string, unknown>, ...mutations.map((m) => ({ ...VALID[spec.name], ...m.change }))];
      writeCsv(
        join(dir, `${spec.name}.csv`),
        spec.columns.map((c) => c.name),
        records,
      );
    }
    store = await Store.open(join(dir, 'z.duckdb'));
    const report = await ingestDirectory(store, dir);
    for (const [t, c] of Object.entries(report.tables)) loaded[t] = c.loaded;
    const rows = await store.all<{ table_name: string; row_number: string; field: string; reason: string }>(
      'SELECT table_name, row_number, field, reason FROM quarantine',
    );
    quarantine = new Map();
    for (const r of rows) {
      const key = `${r.table_name}#${r.row_number}`;
      quarantine.set(key, [...(quarantine.get(key) ?? []), { field: r.field, reason: r.reason }]);
    }
  });
  after(() => store?.close());

  it('loads the valid record of every table', () => {
    for (const spec of TABLES) assert.equal(loaded[spec.name], 1, spec.name);
  });

  it('quarantines each mutated record with the same field and reason', () => {
    const rowOf = new Map<string, number>();
    for (const m of MUTATIONS) {
      const row = (rowOf.get(m.table) ?? 1) + 1;
      rowOf.set(m.table, row);
      const problems = quarantine.get(`${m.table}#${row}`) ?? [];
      assert.equal(problems.length, 1, `${m.table} row ${row}: ${JSON.stringify(problems)}`);
      assert.equal(problems[0]?.field, m.field, `${m.table} row ${row}`);
      const zod = validateRecord(tableSpec(m.table), { ...VALID[m.table], ...m.change });
      assert.equal(problems[0]?.reason, zod[0]?.reason, `${m.table} row ${row}: SQL and zod wording`);
    }
    assert.equal([...quarantine.values()].length, MUTATIONS.length);
  });
});
