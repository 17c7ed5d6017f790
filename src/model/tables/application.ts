import { APPLICATION_STATUSES, APPLICATION_TYPES } from '../enums.ts';
import { present, type TableSpec } from '../spec.ts';

const ts = (v: unknown) => new Date(String(v).replace(' ', 'T')).getTime();
export const application: TableSpec = {
  name: 'application',
  zh: '申请',
  doc: 'A paperless application (e.g. an invoice quota increase) and its decision.',
  naturalKey: ['application_id'],
  columns: [
    { name: 'application_id', type: { kind: 'text', max: 40 }, required: true, doc: 'application number' },
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'applicant' },
    { name: 'type', type: { kind: 'enum', values: APPLICATION_TYPES }, required: true, doc: 'kind of application' },
    { name: 'submitted_at', type: { kind: 'timestamp' }, required: true, doc: 'when it was submitted' },
    { name: 'payload', type: { kind: 'json' }, required: true, doc: 'the application form as JSON' },
    { name: 'status', type: { kind: 'enum', values: APPLICATION_STATUSES }, required: true, doc: 'submitted, approved, rejected, pendingReview' },
    { name: 'decision', type: { kind: 'text', max: 500 }, required: false, doc: 'reason given with the decision' },
    { name: 'decided_at', type: { kind: 'timestamp' }, required: false, doc: 'when it was decided' },
  ],
  checks: [
    {
      field: 'decided_at',
      reason: 'approved or rejected needs a decision time after submission; open applications have none',
      sql: "(status IN ('approved', 'rejected')) = (decided_at IS NOT NULL) AND (decided_at IS NULL OR decided_at >= submitted_at)",
      holds: (r) =>
        !present(r.status) ||
        ((r.status === 'approved' || r.status === 'rejected') === present(r.decided_at) &&
          (!present(r.decided_at, r.submitted_at) || ts(r.decided_at) >= ts(r.submitted_at))),
    },
  ],
};
