import { COLLECTION_MODES, CREDIT_LEVELS, DISTRICT_IDS, INDUSTRY_CODES, INDUSTRY_SECTION_IDS, TAXPAYER_KINDS, VAT_STATUSES } from '../model/enums.ts';

/**
 * The facts a rule may read about a taxpayer at a period. Each fact has one
 * type; a rule that reads an unknown fact, or compares a fact with a value of
 * another type, is refused when it is loaded.
 *
 * Types: `int` (whole numbers), `decimal` (yuan, at most two decimals: exact),
 * `string`, `bool`, `date` (YYYY-MM-DD).
 */
export type FactType = 'int' | 'decimal' | 'string' | 'bool' | 'date';

export interface FactSpec {
  type: FactType;
  doc: string;
  /**
   * A string fact with a closed domain: the only values the bureau's data can give it (the domain
   * model's enumerations). A rule comparing it with any other string is refused when it is loaded (a
   * misspelt 'smallscale' would otherwise never match, silently), and DuckDB stores it as an ENUM.
   */
  values?: readonly string[];
}

export const FACTS: Record<string, FactSpec> = {
  kind: { type: 'string', doc: 'enterprise, individualBusiness, soleProprietorship, partnership', values: TAXPAYER_KINDS },
  vat_status: { type: 'string', doc: 'general or smallScale', values: VAT_STATUSES },
  industry: { type: 'string', doc: 'GB/T 4754 code, e.g. F51', values: INDUSTRY_CODES },
  industry_section: { type: 'string', doc: 'GB/T 4754 section letter, e.g. F', values: INDUSTRY_SECTION_IDS },
  district: { type: 'string', doc: 'Shenzhen district id', values: DISTRICT_IDS },
  collection_mode: { type: 'string', doc: 'actualAccounts or deemed', values: COLLECTION_MODES },
  credit_level: { type: 'string', doc: 'A, B, M, C or D', values: CREDIT_LEVELS },
  registered_on: { type: 'date', doc: 'date of registration' },
  employees: {
    type: 'int',
    doc: 'employees at the last registration report (the disability fund reads it; the small low-profit tests read average_employees and slpe_status_employees, for which it stands in where no return reports them)',
  },
  total_assets: {
    type: 'decimal',
    doc: 'total assets at the last registration report, yuan (the small low-profit tests read average_total_assets and slpe_status_total_assets, for which it stands in where no return reports them)',
  },
  taxable_income: {
    type: 'decimal',
    doc: 'taxable income of the year to the end of the period (CIT returns, cumulative), yuan; unknown unless the returns on record cover the year from its start (or the registration)',
  },
  quarterly_taxable_income: { type: 'decimal', doc: 'taxable income of the quarter (CIT return), yuan' },
  monthly_sales: { type: 'decimal', doc: 'sales of the last month of the period, yuan' },
  quarterly_sales: { type: 'decimal', doc: 'sales of the quarter, yuan' },
  annual_sales: { type: 'decimal', doc: 'sales of the 12 months to the end of the period, yuan' },
  vat_payable: { type: 'decimal', doc: 'VAT payable for the quarter, yuan' },
  surcharges_payable: {
    type: 'decimal',
    doc: "surcharges levied for the quarter before the six taxes and two fees' halving (payable plus that halving's claims), yuan",
  },
  wages_paid: { type: 'decimal', doc: 'wages paid in the quarter (IIT withholding returns), yuan' },
  rnd_expense: { type: 'decimal', doc: 'R&D expense of the year, yuan' },
  high_tech: { type: 'bool', doc: 'holds a valid high and new technology enterprise certificate' },
  months_registered: { type: 'int', doc: 'whole months from registration to the end of the period' },
  business_income: {
    type: 'decimal',
    doc: 'taxable business income of the year so far, to the end of the period (IIT business-income returns), yuan; unknown unless the returns on record cover the year from its start (or the registration)',
  },
  disabled_employees: { type: 'int', doc: 'employees with a disability certificate, average over a year (employment_report: this year or the last)' },
  key_group_hires: { type: 'int', doc: 'people of key groups (poverty-relief population, registered unemployed) hired this year (employment_report)' },
  veteran_hires: { type: 'int', doc: 'retired soldiers hired this year (employment_report)' },
  retained_credit_increase: { type: 'decimal', doc: 'increase of the retained VAT credit against the March 2019 base, yuan; not in the data yet' },
  chips_or_machines: {
    type: 'bool',
    doc: "on the list of integrated-circuit or industrial mother-machine enterprises on the period's last day (enterprise_list; unknown while no list is loaded for that day)",
  },
  quarterly_business_income: { type: 'decimal', doc: 'taxable business income of the quarter (IIT business-income return), yuan' },
  high_tech_lapsed_this_year: {
    type: 'bool',
    doc: "the high-tech certificate expired in the period's year, before the period's end: CIT is prepaid at 15 % until re-recognition (国家税务总局公告2017年第24号)",
  },
  cit_annual_taxable_income: {
    type: 'decimal',
    doc: "taxable income on the annual CIT return whose result counts when the period's returns are filed (国家税务总局公告2022年第3号: a return filed in a year counts from 1 July to 30 June of the next, so the year before's from the second quarter, two years before's for the first; an enterprise's first return counts once filed by the period's end), yuan",
  },
  before_first_cit_annual: {
    type: 'bool',
    doc: "an enterprise registered in or after the year whose annual CIT return counts for the period, whose first annual return is not filed by the period's end: judged on head count and assets alone (国家税务总局公告2022年第3号 第一条第二项)",
  },
  vat_monthly_filer: {
    type: 'bool',
    doc: "the period's VAT returns are monthly (each within one calendar month; a single one within the quarter's last month, of a taxpayer registered then, is taken as monthly for a general taxpayer only), not one return for the quarter; unknown without a VAT return of the period",
  },
  lowest_monthly_sales: {
    type: 'decimal',
    doc: "the smallest sales of a month of the period, of a monthly filer's VAT returns (unknown for a quarterly filer, or while a month's return is not filed), yuan",
  },
  exempt_months_vat_payable: {
    type: 'decimal',
    doc: "VAT payable of the period's monthly returns whose sales do not exceed the education surcharges' monthly line (surcharges.educationExemptMonthlySales, 财税〔2016〕12号 第一条); 0 when none does, unknown for a quarterly filer or while a month's return is not filed, yuan",
  },
  average_employees: {
    type: 'int',
    doc: "employees as the CIT prepayment returns of the year so far report them (cit_quarter_info): each quarter's (start + end) ÷ 2, averaged over the quarters reported (财政部 税务总局公告2023年第12号, 国家税务总局公告2023年第6号), rounded up to a whole person, so that 'at most N' holds of it exactly when it holds of the average; the registered head count when no return of the year reports it",
  },
  average_total_assets: {
    type: 'decimal',
    doc: 'total assets as the CIT prepayment returns of the year so far report them, averaged as average_employees (rounded up to the fen); the registered figure when no return of the year reports it, yuan',
  },
  quarter_figures_reported: {
    type: 'bool',
    doc: 'a CIT prepayment return of the year so far reports head count and assets (cit_quarter_info): average_employees and average_total_assets are their averages; when not, the registered figures',
  },
  slpe_status_employees: {
    type: 'int',
    doc: "an enterprise's head count that small low-profit status for the six taxes and two fees is judged on (财政部 税务总局公告2022年第10号 第三条; 国家税务总局公告2022年第3号 第一条): the one the annual CIT return whose result counts reports (cit_annual_info: the year's quarter average), or, while before_first_cit_annual, the one at the period's end as the latest CIT prepayment return to it reports (cit_quarter_info); the registered head count where no such return reports it",
  },
  slpe_status_total_assets: {
    type: 'decimal',
    doc: 'total assets read as slpe_status_employees is, yuan',
  },
  slpe_status_figures_reported: {
    type: 'bool',
    doc: "slpe_status_employees and slpe_status_total_assets are the figures a return reports (the annual return that counts, or a new enterprise's prepayment return), not the registered ones standing in; unknown for a taxpayer that is not an enterprise",
  },
  highest_monthly_sales: {
    type: 'decimal',
    doc: "the largest sales of a month of the period, of a monthly filer's VAT returns (unknown for a quarterly filer, or while a month's return is not filed), yuan",
  },
  small_scale_exemption_sales: {
    type: 'decimal',
    doc: "a small-scale taxpayer's sales of the period the VAT exemption covers when its line holds (vat.smallScaleQuarterlyThreshold, vat.smallScaleMonthlyThreshold, vat.thresholdInclusive at the period's end): a quarterly filer's quarter, exempt whole or not at all; a monthly filer's months within the monthly line, each month on its own, or, when none is, its lowest month (what coming within the line would exempt: a near miss's worth); unknown for other taxpayers, without a VAT return of the period, or while one is not filed, yuan",
  },
  small_scale_taxed_sales: {
    type: 'decimal',
    doc: "a small-scale taxpayer's sales of the period taxed at the reduced rate: those the VAT exemption line leaves taxed (a quarterly filer's quarter when it is not within the quarterly line; a monthly filer's months not within the monthly line) and, of the sales it covers, those invoiced on special VAT invoices (the exemption waived for them, 国家税务总局公告2026年第4号); unknown as small_scale_exemption_sales, yuan",
  },
  education_exempt_vat_payable: {
    type: 'decimal',
    doc: "VAT payable of the period that the education surcharges' small-sales exemption covers (财税〔2016〕12号 第一条; surcharges.educationExemptMonthlySales, surcharges.educationExemptQuarterlySales, the amount itself included): a monthly filer's months within the monthly line (exempt_months_vat_payable), a quarterly filer's quarter within the quarterly line, else 0; unknown without a VAT return of the period or while one is not filed, yuan",
  },
  education_exemption_claimed: {
    type: 'decimal',
    doc: "the education surcharges' small-sales exemption claimed on the period's surcharges returns (their reductions under the exemption's reduction codes), 0 when none is, yuan",
  },
  small_scale_exemption_vat_payable: {
    type: 'decimal',
    doc: "VAT payable on the returns of the sales small_scale_exemption_sales counts (a quarterly filer's quarter; a monthly filer's months within the line, or its lowest month when none is): what the exemption can give back beside what was claimed of it; unknown as small_scale_exemption_sales, yuan",
  },
  small_scale_exemption_claimed: {
    type: 'decimal',
    doc: "the small-scale VAT exemption claimed on the period's VAT returns (their reductions under the exemption's reduction codes), 0 when none is, yuan",
  },
  surcharges_halving_claimed: {
    type: 'decimal',
    doc: "the six taxes and two fees' halving claimed on the period's surcharges returns (their reductions under its reduction codes), 0 when none is, yuan",
  },
  small_scale_special_sales: {
    type: 'decimal',
    doc: 'of small_scale_exemption_sales, the sales the VAT returns say were invoiced on special VAT invoices (filing.special_invoice_sales; a return that does not say counts none): the exemption does not cover them and they pay the reduced rate; unknown as small_scale_exemption_sales, yuan',
  },
  hiring_deductible_tax: {
    type: 'decimal',
    doc: "the period's VAT, surcharges and CIT payable on its returns (a partnership or sole proprietorship, which files no CIT: the first two), what the hiring reliefs deduct their quota from (依次扣减); unknown while one of those returns is not filed, no VAT return is there, or an enterprise has no CIT return on record, and on rows computed before migration 027, yuan",
  },
  restricted_industry: {
    type: 'bool',
    doc: 'a CIT prepayment return of the year so far says the enterprise is in an industry the State restricts or prohibits (cit_quarter_info.restricted_industry, 国家限制或禁止行业: 是), which bars the small low-profit relief (财政部 税务总局公告2023年第12号: 从事国家非限制和禁止行业); false when none of them says so, or none answers (the registration carries no such mark)',
  },
  slpe_status_restricted_industry: {
    type: 'bool',
    doc: 'the return slpe_status_employees is read from says the enterprise is in an industry the State restricts or prohibits (国家限制或禁止行业: 是): the annual CIT return that counts (cit_annual_info.restricted_industry), or, while before_first_cit_annual, a prepayment return of the year of the annual return that counts or later (cit_quarter_info.restricted_industry); false when it does not say so or does not answer; unknown for a taxpayer that is not an enterprise',
  },
};

/** A law parameter as resolved at a date: its value, type and legal source. */
export interface ParamValue {
  type: FactType;
  value: string | number | boolean;
  source: string;
}

export type Params = Record<string, ParamValue>;
