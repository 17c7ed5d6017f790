import { barChart, fmtInt, table } from '../format.ts';
import type { CitySummary } from '../summary.ts';

export function summaryText(s: CitySummary): string {
  return [
    `Taxpayers: ${fmtInt(s.taxpayers)}`,
    '',
    'By district (辖区)',
    barChart(s.byDistrict.map((d) => ({ label: `${d.label} ${d.district}`, value: d.taxpayers }))),
    '',
    'By kind',
    barChart(s.byKind.map((k) => ({ label: k.kind, value: k.taxpayers }))),
    '',
    'By VAT status',
    barChart(s.byVatStatus.map((v) => ({ label: v.vatStatus, value: v.taxpayers }))),
    '',
    table(
      ['table', 'rows'],
      Object.entries(s.counts).map(([t, n]) => [t, n]),
    ),
    `quarantined records: ${fmtInt(s.quarantined)}`,
  ].join('\n');
}
