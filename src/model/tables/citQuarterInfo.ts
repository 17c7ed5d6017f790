import { type ColumnSpec, PERIOD_IN_ORDER, type TableSpec } from '../spec.ts';

/** The CIT returns' answer to 国家限制或禁止行业, on the prepayment and the annual forms alike. */
export const RESTRICTED_INDUSTRY: ColumnSpec = {
  name: 'restricted_industry',
  type: { kind: 'bool' },
  required: false,
  fillable: true,
  doc:
    'the return says the enterprise is in an industry the State restricts or prohibits (国家限制或禁止行业: 是 true, 否 false), ' +
    'which bars small low-profit status; empty where the source does not give the answer',
};

/**
 * The head count and assets a CIT prepayment return reports for its quarter (按季度填报信息: 从业人数 and
 * 资产总额 at the quarter's start and end, and 国家限制或禁止行业). The small low-profit test reads their
 * quarter averages, not the registered figures (财政部 税务总局公告2023年第12号, 国家税务总局公告2023年第6号),
 * and the industry answer, which no registration record carries.
 */
export const citQuarterInfo: TableSpec = {
  name: 'cit_quarter_info',
  zh: '企业所得税预缴申报按季度填报信息',
  doc:
    "The head count (从业人数) and total assets (资产总额) a CIT prepayment return reports at its quarter's start (季初) and end " +
    '(季末), and its answer to whether the enterprise is in a restricted or prohibited industry (国家限制或禁止行业). The form asks ' +
    'for assets in ten-thousand yuan; here they are yuan. A return filed again replaces these with its own.',
  naturalKey: ['credit_code', 'period_start', 'period_end'],
  columns: [
    { name: 'credit_code', type: { kind: 'creditCode' }, required: true, refTaxpayer: true, doc: 'the taxpayer' },
    { name: 'period_start', type: { kind: 'date' }, required: true, doc: 'first day of the CIT return’s period (a quarter)' },
    { name: 'period_end', type: { kind: 'date' }, required: true, doc: 'last day of the CIT return’s period' },
    {
      name: 'employees_start',
      type: { kind: 'int', min: 0, max: 1_000_000 },
      required: true,
      doc: 'people employed at the quarter’s start, labour-dispatch workers included (季初从业人数)',
    },
    { name: 'employees_end', type: { kind: 'int', min: 0, max: 1_000_000 }, required: true, doc: 'people employed at the quarter’s end (季末从业人数)' },
    { name: 'assets_start', type: { kind: 'money' }, required: true, doc: 'total assets at the quarter’s start (季初资产总额), yuan' },
    { name: 'assets_end', type: { kind: 'money' }, required: true, doc: 'total assets at the quarter’s end (季末资产总额), yuan' },
    RESTRICTED_INDUSTRY,
  ],
  checks: [PERIOD_IN_ORDER],
};
