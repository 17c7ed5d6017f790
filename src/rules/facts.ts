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
}

export const FACTS: Record<string, FactSpec> = {
  kind: { type: 'string', doc: 'enterprise, individualBusiness, soleProprietorship, partnership' },
  vat_status: { type: 'string', doc: 'general or smallScale' },
  industry: { type: 'string', doc: 'GB/T 4754 code, e.g. F51' },
  industry_section: { type: 'string', doc: 'GB/T 4754 section letter, e.g. F' },
  district: { type: 'string', doc: 'Shenzhen district id' },
  collection_mode: { type: 'string', doc: 'actualAccounts or deemed' },
  credit_level: { type: 'string', doc: 'A, B, M, C or D' },
  registered_on: { type: 'date', doc: 'date of registration' },
  employees: { type: 'int', doc: 'employees, quarter average' },
  total_assets: { type: 'decimal', doc: 'total assets, quarter average, yuan' },
  taxable_income: { type: 'decimal', doc: 'annual taxable income, yuan' },
  monthly_sales: { type: 'decimal', doc: 'sales of the month, yuan' },
  quarterly_sales: { type: 'decimal', doc: 'sales of the quarter, yuan' },
  annual_sales: { type: 'decimal', doc: 'sales of the last 12 months, yuan' },
  rnd_expense: { type: 'decimal', doc: 'R&D expense of the year, yuan' },
  high_tech: { type: 'bool', doc: 'holds a valid high and new technology enterprise certificate' },
};

/** A law parameter as resolved at a date: its value, type and legal source. */
export interface ParamValue {
  type: FactType;
  value: string | number | boolean;
  source: string;
}

export type Params = Record<string, ParamValue>;
