import { COLLECTION_MODES, CREDIT_LEVELS, DISTRICT_IDS, TAXPAYER_KINDS, VAT_STATUSES } from '../enums.ts';
import type { TableSpec } from '../spec.ts';

export const taxpayer: TableSpec = {
  name: 'taxpayer',
  zh: '纳税人',
  doc: 'A taxpayer on the bureau roll, as registered.',
  naturalKey: ['credit_code'],
  columns: [
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, doc: '统一社会信用代码, 18 characters with GB 32100-2015 check character' },
    { name: 'name', type: { kind: 'text', max: 200 }, required: true, doc: 'registered name' },
    {
      name: 'kind',
      type: { kind: 'enum', values: TAXPAYER_KINDS },
      required: true,
      doc: 'enterprise, individual business (个体工商户), sole proprietorship, partnership',
    },
    { name: 'vat_status', type: { kind: 'enum', values: VAT_STATUSES }, required: true, doc: 'general (一般纳税人) or smallScale (小规模纳税人)' },
    { name: 'industry', type: { kind: 'industry' }, required: true, doc: 'GB/T 4754-2017 section letter and division, e.g. F51' },
    { name: 'district', type: { kind: 'enum', values: DISTRICT_IDS }, required: true, doc: 'Shenzhen district id (see model/enums.ts)' },
    { name: 'registered_on', type: { kind: 'date' }, required: true, doc: 'date of registration' },
    { name: 'employees', type: { kind: 'int', min: 0, max: 1_000_000 }, required: true, doc: 'employees at the last report' },
    { name: 'total_assets', type: { kind: 'money' }, required: true, doc: 'total assets at the last report, yuan' },
    { name: 'collection_mode', type: { kind: 'enum', values: COLLECTION_MODES }, required: true, doc: 'actualAccounts (查账征收) or deemed (核定征收)' },
    { name: 'high_tech', type: { kind: 'bool' }, required: true, doc: 'holds a valid high and new technology enterprise certificate' },
    { name: 'high_tech_until', type: { kind: 'date' }, required: false, doc: 'expiry of the high-tech certificate' },
    { name: 'rnd_expense', type: { kind: 'money' }, required: true, doc: 'R&D expense in the last full year, yuan' },
    { name: 'credit_level', type: { kind: 'enum', values: CREDIT_LEVELS }, required: true, doc: 'tax credit level of the last evaluation (A/B/M/C/D)' },
  ],
  checks: [
    {
      field: 'high_tech_until',
      reason: 'a high-tech certificate needs its expiry date',
      sql: 'NOT high_tech OR high_tech_until IS NOT NULL',
      holds: (r) => r.high_tech !== true || (r.high_tech_until !== null && r.high_tech_until !== undefined),
    },
  ],
};
