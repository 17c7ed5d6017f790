import type { TableSpec } from './spec.ts';
import { application } from './tables/application.ts';
import { citAnnualInfo } from './tables/citAnnualInfo.ts';
import { citQuarterInfo } from './tables/citQuarterInfo.ts';
import { companyPerson } from './tables/companyPerson.ts';
import { creditEvent } from './tables/creditEvent.ts';
import { employmentReport } from './tables/employmentReport.ts';
import { enterpriseList } from './tables/enterpriseList.ts';
import { filing } from './tables/filing.ts';
import { filingReduction } from './tables/filingReduction.ts';
import { hallVisit } from './tables/hallVisit.ts';
import { invoice } from './tables/invoice.ts';
import { invoicePickup } from './tables/invoicePickup.ts';
import { invoiceQuota } from './tables/invoiceQuota.ts';
import { payment } from './tables/payment.ts';
import { taxpayer } from './tables/taxpayer.ts';

export * from './creditCode.ts';
export * from './enums.ts';
export * from './spec.ts';
export * from './yuan.ts';

/** Every table of the domain model, in load order: taxpayers first, since the rest refer to them. */
export const TABLES: readonly TableSpec[] = [
  taxpayer,
  companyPerson,
  filing,
  filingReduction,
  citQuarterInfo,
  citAnnualInfo,
  payment,
  invoiceQuota,
  invoice,
  invoicePickup,
  hallVisit,
  creditEvent,
  application,
  employmentReport,
  enterpriseList,
];

export function tableSpec(name: string): TableSpec {
  const spec = TABLES.find((t) => t.name === name);
  if (!spec) throw new Error(`unknown table '${name}'`);
  return spec;
}
