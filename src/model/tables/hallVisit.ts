import { HALL_BUSINESS_TYPES } from '../enums.ts';
import { present, type TableSpec } from '../spec.ts';

const ts = (v: unknown) => new Date(String(v).replace(' ', 'T')).getTime();
export const hallVisit: TableSpec = {
  name: 'hall_visit',
  zh: '办税服务厅到访',
  doc: 'One ticket drawn at a tax service hall (办税服务厅): arrival, call to a window, finish. A visitor who left before being called has no call or finish.',
  naturalKey: ['visit_id'],
  columns: [
    { name: 'visit_id', type: { kind: 'text', max: 40 }, required: true, doc: 'ticket id, unique per hall and day' },
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'taxpayer served' },
    { name: 'hall', type: { kind: 'text', max: 40 }, required: true, doc: 'service hall id' },
    { name: 'window', type: { kind: 'int', min: 1, max: 200 }, required: false, doc: 'window number that served the ticket' },
    { name: 'business_type', type: { kind: 'enum', values: HALL_BUSINESS_TYPES }, required: true, doc: 'business handled' },
    { name: 'arrived_at', type: { kind: 'timestamp' }, required: true, doc: 'ticket drawn' },
    { name: 'called_at', type: { kind: 'timestamp' }, required: false, doc: 'called to a window' },
    { name: 'finished_at', type: { kind: 'timestamp' }, required: false, doc: 'service finished' },
  ],
  checks: [
    {
      field: 'called_at',
      reason: 'called before arrival',
      sql: 'called_at IS NULL OR called_at >= arrived_at',
      holds: (r) => !present(r.called_at, r.arrived_at) || ts(r.called_at) >= ts(r.arrived_at),
    },
    {
      field: 'finished_at',
      reason: 'finished before being called, or without a call',
      sql: 'finished_at IS NULL OR (called_at IS NOT NULL AND finished_at >= called_at)',
      holds: (r) => !present(r.finished_at) || (present(r.called_at) && ts(r.finished_at) >= ts(r.called_at)),
    },
    {
      field: 'window',
      reason: 'a called ticket needs its window',
      sql: 'called_at IS NULL OR "window" IS NOT NULL',
      holds: (r) => !present(r.called_at) || present(r.window),
    },
  ],
};
