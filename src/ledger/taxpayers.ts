import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import { DISTRICTS, type District, INDUSTRY_SECTIONS, type IndustrySection } from '../model/enums.ts';
import { bindNamed, type Db } from '../store/db.ts';

const SQL = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'sql', 'taxpayers.sql'), 'utf8');

/** The ledger statuses a drill-down can ask for (`has`): a taxpayer with at least one such row of the selection. */
export const DRILL_STATUSES = ['missed', 'missedAmountUnknown', 'enjoyed', 'claimedNotEligible', 'lapsedInYear', 'claimedLapsedInYear'] as const;
export type DrillStatus = (typeof DRILL_STATUSES)[number];

/** The orders a drill-down can be read in; each breaks ties by credit code, so pages never overlap. */
export const DRILL_SORT = {
  missed: 'f.missed DESC, f.credit_code',
  enjoyed: 'f.enjoyed DESC, f.credit_code',
  claimedNotEligible: 'f.claimed_not_eligible DESC, f.credit_code',
  lapsed: 'f.lapsed DESC, f.credit_code',
  creditCode: 'f.credit_code',
  name: 't.name, f.credit_code',
} as const;
export type DrillSort = keyof typeof DRILL_SORT;

/** Which figure of the city report: its year and, each optional, one district, industry section, policy and month. */
export interface DrillFilter {
  year: number;
  district?: string | undefined;
  /** GB/T 4754 section letter, as the report's byIndustry keys. */
  industrySection?: string | undefined;
  policyId?: string | undefined;
  /** 'YYYY-MM', as the report's byMonth keys: a claim's month, any other row's quarter's last month. */
  month?: string | undefined;
  has?: DrillStatus | undefined;
}

export interface DrillTaxpayer {
  creditCode: string;
  name: string;
  district: string;
  industry: string;
  /** Yuan, exact, as the report sums them: enjoyed, missed, claims the match contradicts, unclaimed and claimed reliefs the year took back. */
  enjoyed: string;
  missed: string;
  claimedNotEligible: string;
  lapsed: string;
  claimedLapsed: string;
  /** How many policies it missed (`missed`), and missed at an amount not known (`missedAmountUnknown`). */
  policiesMissed: number;
  policiesMissedAmountUnknown: number;
}

export interface DrillTotals {
  taxpayers: number;
  enjoyed: string;
  missed: string;
  claimedNotEligible: string;
  lapsed: string;
  claimedLapsed: string;
}

export interface DrillResult {
  filter: DrillFilter;
  totals: DrillTotals;
  items: DrillTaxpayer[];
}

type Count = bigint | string | number;
interface Row {
  credit_code: string;
  name: string;
  district: string;
  industry: string;
  enjoyed: string;
  missed: string;
  claimed_not_eligible: string;
  lapsed: string;
  claimed_lapsed: string;
  policies_missed: Count;
  policies_amount_unknown: Count;
  total: Count;
  total_enjoyed: string;
  total_missed: string;
  total_claimed_not_eligible: string;
  total_lapsed: string;
  total_claimed_lapsed: string;
}

const ZERO: DrillTotals = { taxpayers: 0, enjoyed: '0.00', missed: '0.00', claimedNotEligible: '0.00', lapsed: '0.00', claimedLapsed: '0.00' };

/**
 * The taxpayers behind a figure of the city report (`policyReport`): the year's ledger of one district,
 * industry section, policy or month (or several at once), per taxpayer, with the selection's count and
 * sums, which equal the report's roll-up of the same key. A page of them (`limit`, `offset`), or all
 * (`limit` null: an export).
 */
export async function reportTaxpayers(
  db: Db,
  filter: DrillFilter,
  page: { sort?: DrillSort; limit: number | null; offset?: number } = { limit: null },
): Promise<DrillResult> {
  const run = async (limit: number | null, offset: number) => {
    const { sql, params } = bindNamed(SQL.replace('/*order*/', DRILL_SORT[page.sort ?? 'missed']), {
      year: filter.year,
      district: filter.district ?? null,
      section: filter.industrySection ?? null,
      policy: filter.policyId ?? null,
      month: filter.month === undefined ? null : `${filter.month}-01`,
      has: filter.has ?? null,
      limit,
      offset,
    });
    return db.all<Row & Record<string, unknown>>(sql, params);
  };
  const offset = page.offset ?? 0;
  const rows = await run(page.limit, offset);
  // A page past the end has no rows to carry the totals: the first row of the selection does.
  const head = rows[0] ?? (offset > 0 ? (await run(1, 0))[0] : undefined);
  const totals: DrillTotals = head
    ? {
        taxpayers: Number(head.total),
        enjoyed: head.total_enjoyed,
        missed: head.total_missed,
        claimedNotEligible: head.total_claimed_not_eligible,
        lapsed: head.total_lapsed,
        claimedLapsed: head.total_claimed_lapsed,
      }
    : ZERO;
  return {
    filter,
    totals,
    items: rows.map((r) => ({
      creditCode: r.credit_code,
      name: r.name,
      district: r.district,
      industry: r.industry,
      enjoyed: r.enjoyed,
      missed: r.missed,
      claimedNotEligible: r.claimed_not_eligible,
      lapsed: r.lapsed,
      claimedLapsed: r.claimed_lapsed,
      policiesMissed: Number(r.policies_missed),
      policiesMissedAmountUnknown: Number(r.policies_amount_unknown),
    })),
  };
}

type CsvColumn = keyof DrillTaxpayer | 'industrySection';
const CSV_HEADERS: Record<'zh' | 'en', Record<CsvColumn, string>> = {
  zh: {
    creditCode: '统一社会信用代码',
    name: '纳税人名称',
    district: '区',
    industrySection: '行业门类',
    industry: '行业代码',
    enjoyed: '已享受（元）',
    missed: '应享未享（元）',
    claimedNotEligible: '申报享受但不符合条件（元）',
    lapsed: '年内后期不再符合、未申报（元）',
    claimedLapsed: '年内后期不再符合、已申报应补缴（元）',
    policiesMissed: '应享未享政策数',
    policiesMissedAmountUnknown: '应享未享但金额未知的政策数',
  },
  en: {
    creditCode: 'credit code',
    name: 'name',
    district: 'district',
    industrySection: 'industry section',
    industry: 'industry code',
    enjoyed: 'enjoyed (yuan)',
    missed: 'missed (yuan)',
    claimedNotEligible: 'claimed, not eligible (yuan)',
    lapsed: 'taken back later in the year, unclaimed (yuan)',
    claimedLapsed: 'taken back later in the year, claimed: to repay (yuan)',
    policiesMissed: 'policies missed',
    policiesMissedAmountUnknown: 'policies missed, amount unknown',
  },
};

const TEXT_COLUMNS = new Set<CsvColumn>(['creditCode', 'name', 'district', 'industrySection', 'industry']);

/** A district's and an industry section's names as the web app shows them (the API's /api/meta). */
function districtLabel(id: string, lang: 'zh' | 'en'): string {
  if (!(id in DISTRICTS)) return id;
  return lang === 'zh' ? DISTRICTS[id as District] : id.charAt(0).toUpperCase() + id.slice(1);
}
function sectionLabel(industry: string, lang: 'zh' | 'en'): string {
  const s = INDUSTRY_SECTIONS[industry.charAt(0) as IndustrySection];
  return s ? s[lang] : '';
}

/**
 * A drill-down as CSV (RFC 4180, CRLF line ends) for a spreadsheet: a UTF-8 byte order mark first, without
 * which Excel reads Chinese names as another code page; names of districts and industry sections in the
 * language asked for; amounts as exact decimals, never rounded to the sheet's liking; every field
 * quoted, as names hold commas and quotes.
 */
export function drillCsv(items: readonly DrillTaxpayer[], lang: 'zh' | 'en' = 'zh'): string {
  const headers = CSV_HEADERS[lang];
  const keys = Object.keys(headers) as CsvColumn[];
  const value = (r: DrillTaxpayer, k: CsvColumn) =>
    k === 'industrySection' ? sectionLabel(r.industry, lang) : k === 'district' ? districtLabel(r.district, lang) : String(r[k]);
  const cell = (r: DrillTaxpayer, k: CsvColumn) => {
    const v = value(r, k);
    // A name is data from outside (up to 200 characters of anything): one starting like a formula would
    // run as one in a spreadsheet, quoted or not (OWASP, "CSV injection"). A leading apostrophe makes it
    // text. Amounts are left as they are: they are numbers, some below zero.
    return TEXT_COLUMNS.has(k) && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  };
  return `\uFEFF${stringify(
    items.map((r) => keys.map((k) => cell(r, k))),
    { header: true, columns: keys.map((k) => headers[k]), quoted: true, record_delimiter: 'windows' },
  )}`;
}
