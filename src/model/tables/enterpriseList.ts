import { ENTERPRISE_LISTS } from '../enums.ts';
import { present, type TableSpec } from '../spec.ts';

export const enterpriseList: TableSpec = {
  name: 'enterprise_list',
  zh: '享受优惠企业名单',
  doc:
    'An enterprise on a list that a relief names, as the departments that keep the list publish it: the integrated-circuit and the ' +
    'industrial mother-machine (工业母机) enterprises. For a quarter in which some entry counts on its last day the lists are known, ' +
    'and an enterprise not on them is not listed; for any other quarter, whether it is listed is unknown.',
  naturalKey: ['credit_code', 'list', 'valid_from'],
  columns: [
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'the enterprise' },
    { name: 'list', type: { kind: 'enum', values: ENTERPRISE_LISTS }, required: true, doc: 'integratedCircuit or industrialMotherMachine' },
    { name: 'valid_from', type: { kind: 'date' }, required: true, doc: 'first day the entry counts' },
    { name: 'valid_to', type: { kind: 'date' }, required: false, doc: 'last day the entry counts; empty: until further notice' },
  ],
  checks: [
    {
      field: 'valid_to',
      reason: 'ends before it starts',
      sql: 'valid_to IS NULL OR valid_to >= valid_from',
      holds: (r) => !present(r.valid_to, r.valid_from) || String(r.valid_to) >= String(r.valid_from),
    },
  ],
};
