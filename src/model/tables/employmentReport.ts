import { EMPLOYMENT_REPORT_KINDS } from '../enums.ts';
import type { TableSpec } from '../spec.ts';

export const employmentReport: TableSpec = {
  name: 'employment_report',
  zh: '就业安置信息',
  doc:
    'A head count of a year that a relief depends on and the returns do not carry: disabled employees (declared with the disabled ' +
    "persons' employment security fund), key-group people or retired soldiers hired (confirmed by the human resources or the veterans " +
    'affairs department). A later report of the same year and kind replaces an earlier one; both are kept.',
  naturalKey: ['credit_code', 'year', 'kind', 'reported_on'],
  columns: [
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'the employer' },
    { name: 'year', type: { kind: 'int', min: 2000, max: 2099 }, required: true, doc: 'the year the count is for' },
    {
      name: 'kind',
      type: { kind: 'enum', values: EMPLOYMENT_REPORT_KINDS },
      required: true,
      doc: 'disabledEmployees (残疾人职工, average over the year), keyGroupHires (招用重点群体), veteranHires (招用退役士兵)',
    },
    { name: 'headcount', type: { kind: 'int', min: 0, max: 1_000_000 }, required: true, doc: 'people counted' },
    { name: 'reported_on', type: { kind: 'date' }, required: true, doc: 'date the report was made or confirmed' },
  ],
  checks: [],
};
