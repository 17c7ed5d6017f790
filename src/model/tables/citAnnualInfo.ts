import { PERIOD_IN_ORDER, type TableSpec } from '../spec.ts';
import { RESTRICTED_INDUSTRY } from './citQuarterInfo.ts';

/**
 * The head count and assets an annual CIT return reports for its year (企业所得税年度纳税申报基础信息表:
 * 从业人数 and 资产总额, each the year's quarter averages, and 国家限制或禁止行业). With the return's taxable income they decide small
 * low-profit status for the six taxes and two fees' halving while that return counts (财政部 税务总局公告
 * 2022年第10号 第三条: 以企业所得税年度汇算清缴结果为准; 国家税务总局公告2022年第3号 第一条).
 */
export const citAnnualInfo: TableSpec = {
  name: 'cit_annual_info',
  zh: '企业所得税年度纳税申报基础信息',
  doc:
    'The head count (从业人数) and total assets (资产总额) an annual CIT return (汇算清缴) reports: each the average of the ' +
    "year's quarter averages ((季初值 + 季末值) ÷ 2), over the months in business when the enterprise opened or closed in the year; " +
    'and its answer to whether the enterprise is in a restricted or prohibited industry (国家限制或禁止行业). The form asks for ' +
    'assets in ten-thousand yuan; here they are yuan. A return filed again replaces these with its own.',
  naturalKey: ['credit_code', 'period_start', 'period_end'],
  columns: [
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'the taxpayer' },
    { name: 'period_start', type: { kind: 'date' }, required: true, doc: 'first day of the annual return’s period (1 January, or the registration)' },
    { name: 'period_end', type: { kind: 'date' }, required: true, doc: 'last day of the annual return’s period (31 December)' },
    {
      name: 'employees',
      type: { kind: 'int', min: 0, max: 1_000_000 },
      required: true,
      doc: 'people employed, the year’s quarter average rounded up to a whole person (从业人数), labour-dispatch workers included',
    },
    { name: 'total_assets', type: { kind: 'money' }, required: true, doc: 'total assets, the year’s quarter average (资产总额), yuan' },
    RESTRICTED_INDUSTRY,
  ],
  checks: [PERIOD_IN_ORDER],
};
