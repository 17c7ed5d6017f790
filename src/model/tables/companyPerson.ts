import { CHANNELS, ROLES } from '../enums.ts';
import type { TableSpec } from '../spec.ts';

export const companyPerson: TableSpec = {
  name: 'company_person',
  zh: '企业人员',
  doc: 'A person who acts for a taxpayer in one role, with how to reach them. One person per role per taxpayer.',
  naturalKey: ['credit_code', 'role'],
  columns: [
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'the taxpayer' },
    {
      name: 'role',
      type: { kind: 'enum', values: ROLES },
      required: true,
      doc: 'legalRepresentative (法定代表人), financeOfficer (财务负责人), taxHandler (办税人员)',
    },
    { name: 'name', type: { kind: 'text', max: 50 }, required: true, doc: 'name as registered (masked in generated data)' },
    {
      name: 'mobile',
      type: { kind: 'text', max: 11, pattern: '1[3-9]\\d{9}', patternHint: 'must be an 11-digit mainland mobile number' },
      required: false,
      doc: 'mobile number',
    },
    {
      name: 'email',
      type: { kind: 'text', max: 254, pattern: '[^@\\s]+@[^@\\s]+\\.[^@\\s]+', patternHint: 'must be an e-mail address' },
      required: false,
      doc: 'e-mail address',
    },
    { name: 'preferred_channel', type: { kind: 'enum', values: CHANNELS }, required: true, doc: 'inApp, email or sms' },
    { name: 'quiet_from', type: { kind: 'int', min: 0, max: 23 }, required: true, doc: 'hour from which no message is sent (local time)' },
    { name: 'quiet_to', type: { kind: 'int', min: 0, max: 23 }, required: true, doc: 'hour until which no message is sent' },
  ],
  checks: [
    {
      field: 'preferred_channel',
      reason: 'the preferred channel needs its address (email or mobile)',
      sql: "(preferred_channel <> 'email' OR email IS NOT NULL) AND (preferred_channel <> 'sms' OR mobile IS NOT NULL)",
      holds: (r) => (r.preferred_channel !== 'email' || r.email != null) && (r.preferred_channel !== 'sms' || r.mobile != null),
    },
  ],
};
