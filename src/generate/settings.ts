import { z } from 'zod';
import { DISTRICT_IDS, DISTRICTS, type District, INDUSTRY_SECTIONS, type IndustrySection } from '../model/index.ts';

/**
 * Settings of the seeded synthetic city. Every distribution parameter is a
 * setting with a default; the defaults come from the shared calibration reference (calibration.md)
 * ("Suggested generator targets") and carry that file's mark:
 * [C] confirmed, [D] derived, [U] unconfirmed (a modelling assumption).
 * docs/generator.md lists them all with their source.
 */

const share = z.number().min(0).max(1);
const positive = z.number().positive();
const weights = <K extends string>(keys: readonly K[], defaults: Record<K, number>) =>
  z
    .partialRecord(z.enum(keys as unknown as [K, ...K[]]), z.number().min(0))
    .default(defaults)
    .refine((w) => Object.values(w).some((v) => (v as number) > 0), 'at least one weight must be positive');

const SECTION_IDS = Object.keys(INDUSTRY_SECTIONS) as IndustrySection[];

/** District weights (%), enterprises: 2024–25 new-registration flows, calibration.md "District weights" [D]. */
const DISTRICTS_ENTERPRISE: Record<District, number> = {
  longgang: 21.85,
  baoan: 19.6,
  futian: 16.35,
  nanshan: 14.6,
  longhua: 13.5,
  luohu: 6.6,
  guangming: 3.7,
  pingshan: 1.85,
  yantian: 1.35,
  dapeng: 0.35,
  shenshan: 0.25,
};
/** District weights (%), individual businesses: 2024–25 flows, calibration.md "District weights" [D]. */
const DISTRICTS_INDIVIDUAL: Record<District, number> = {
  baoan: 26.1,
  longgang: 25.1,
  longhua: 14.15,
  futian: 9.85,
  nanshan: 8.3,
  luohu: 5.85,
  guangming: 5.35,
  pingshan: 3.05,
  yantian: 1.1,
  dapeng: 0.7,
  shenshan: 0.45,
};
/** Industry section weights (%), enterprises: calibration.md "Industry weights" [U] (anchored on census shares). */
const SECTIONS_ENTERPRISE: Partial<Record<IndustrySection, number>> = {
  F: 32.5,
  L: 16.5,
  I: 11.5,
  M: 10.5,
  C: 7.0,
  G: 3.65,
  E: 3.0,
  K: 3.0,
  O: 3.0,
  H: 2.5,
  R: 2.5,
  J: 2.0,
  P: 1.0,
  N: 0.5,
  Q: 0.4,
  D: 0.3,
  A: 0.1,
  B: 0.05,
};
/** Industry section weights (%), individual businesses: calibration.md "Industry weights" [U]. */
const SECTIONS_INDIVIDUAL: Partial<Record<IndustrySection, number>> = {
  F: 53.5,
  H: 14.0,
  O: 13.0,
  L: 5.0,
  G: 4.0,
  R: 2.5,
  I: 2.0,
  M: 2.0,
  C: 1.5,
  E: 0.8,
  P: 0.5,
  Q: 0.5,
  K: 0.3,
  A: 0.2,
  N: 0.2,
};
/** VAT rate of a general taxpayer's invoices by section (13 % goods, 9 % transport/construction/real estate/farm produce, 6 % services). Rule of thumb, not a per-item rate. */
const GENERAL_VAT_RATE: Record<IndustrySection, number> = {
  A: 0.09,
  B: 0.13,
  C: 0.13,
  D: 0.13,
  E: 0.09,
  F: 0.13,
  G: 0.09,
  H: 0.06,
  I: 0.06,
  J: 0.06,
  K: 0.09,
  L: 0.06,
  M: 0.06,
  N: 0.06,
  O: 0.06,
  P: 0.06,
  Q: 0.06,
  R: 0.06,
  S: 0.06,
  T: 0.06,
};

const sizeRecord = <T extends z.ZodType>(t: T, d: { micro: number; small: number; medium: number; large: number }) =>
  z.object({ micro: t, small: t, medium: t, large: t }).default(d as never);

const logNormal = (median: number, sigma: number) => z.object({ median: positive, sigma: z.number().min(0).max(5) }).default({ median, sigma });

export const generatorSettingsSchema = z.object({
  /** Number of taxpayers on the roll (N). */
  taxpayers: z.number().int().min(10).max(20_000_000).default(10_000),
  /** Months generated (M), starting at `start`. */
  months: z.number().int().min(1).max(60).default(12),
  /** Seed of every random draw; the same seed gives byte-identical files. */
  seed: z.number().int().min(0).max(2_147_483_647).default(1),
  /** First month, YYYY-MM. */
  start: z
    .string()
    .regex(/^(19[5-9]\d|20\d\d)-(0[1-9]|1[0-2])$/, 'must be YYYY-MM')
    .default('2025-10'),
  format: z.enum(['parquet', 'csv']).default('parquet'),
  /**
   * The published filing deadlines (申报纳税期限), one date per month at most, on the 15th or later:
   * the law's `filing.deadline`, which the caller reads (the CLI from the law directory). A return due
   * in a month given here is due on that date; in any other month on the 15th moved past a weekend.
   */
  filingDeadlines: z
    .array(z.string().regex(/^\d{4}-\d{2}-(1[5-9]|2\d|3[01])$/, 'must be a date YYYY-MM-DD on the 15th or later'))
    .default([])
    .refine((ds) => new Set(ds.map((d) => d.slice(0, 7))).size === ds.length, 'one deadline per month'),

  // ---------------------------------------------------------------- population
  /**
   * Share of taxpayers that are enterprises (credit code 91…): 62.5 % of entities are enterprises [D], of which ≈ 80 % are
   * tax-active, against ≈ 35 % of individual businesses [U]: 0.625·0.8 / (0.625·0.8 + 0.375·0.35) = 0.792 [D from U].
   */
  enterpriseShare: share.default(0.792),
  /** Of the enterprise-coded taxpayers, the share that are sole proprietorships (个人独资企业) [U]. */
  soleProprietorshipShare: share.default(0.02),
  /** Of the enterprise-coded taxpayers, the share that are partnerships (合伙企业) [U]. */
  partnershipShare: share.default(0.015),
  /** District weights per kind (any scale; normalised). */
  districtWeights: z
    .object({
      enterprise: weights(DISTRICT_IDS, DISTRICTS_ENTERPRISE),
      individualBusiness: weights(DISTRICT_IDS, DISTRICTS_INDIVIDUAL),
    })
    .default({ enterprise: DISTRICTS_ENTERPRISE, individualBusiness: DISTRICTS_INDIVIDUAL }),
  /** Industry section weights per kind (any scale; normalised; missing sections weigh 0). */
  industryWeights: z
    .object({
      enterprise: weights(SECTION_IDS, SECTIONS_ENTERPRISE as Record<IndustrySection, number>),
      individualBusiness: weights(SECTION_IDS, SECTIONS_INDIVIDUAL as Record<IndustrySection, number>),
    })
    .default({
      enterprise: SECTIONS_ENTERPRISE as Record<IndustrySection, number>,
      individualBusiness: SECTIONS_INDIVIDUAL as Record<IndustrySection, number>,
    }),
  /** Share of manufacturing (C) taxpayers in C39 (computers, communication and other electronic equipment) — Shenzhen's dominant division [U]. */
  electronicsShareOfManufacturing: share.default(0.4),
  /** Size class mix of enterprises: micro 85.7 / small 12 / medium 2 / large 0.3 % [U, shaped on the national > 98 % small+micro]. Individual businesses are all micro. */
  sizeMix: sizeRecord(z.number().min(0), { micro: 85.7, small: 12, medium: 2, large: 0.3 }),
  /** Employees per size class, log-normal (median, sigma), clamped to the class range. Enterprise mean ≈ 13, median ≈ 3 [U median]. */
  employees: z
    .object({
      micro: logNormal(3, 0.8),
      small: logNormal(20, 0.5),
      medium: logNormal(150, 0.5),
      large: logNormal(1200, 0.8),
      individualBusiness: logNormal(1.6, 0.6),
    })
    // Each field has its own default; prefault runs them (no second copy of the numbers).
    .prefault({}),
  /** Total assets (yuan) per size class, log-normal [U]. */
  totalAssets: z
    .object({
      micro: logNormal(500_000, 1.2),
      small: logNormal(5_000_000, 1.0),
      medium: logNormal(50_000_000, 0.8),
      large: logNormal(1_000_000_000, 1.0),
      individualBusiness: logNormal(50_000, 1.0),
    })
    // Each field has its own default; prefault runs them (no second copy of the numbers).
    .prefault({}),
  /** Registration age: years since registration are exponential with this mean [U]; taxpayers born inside the window follow `birthRatePerYear`. */
  meanAgeYears: positive.default(6),
  /** Births per year as a share of the stock: enterprises ≈ 12 %, individual businesses ≈ 10.5 % [D]. */
  birthRatePerYear: z.object({ enterprise: share, individualBusiness: share }).default({ enterprise: 0.12, individualBusiness: 0.105 }),

  // ---------------------------------------------------------------- VAT, credit, flags
  /** Share of general VAT taxpayers: ≈ 25 % of tax-active enterprises [D], ≈ 1 % of individual businesses [U]. */
  generalVatShare: z.object({ enterprise: share, individualBusiness: share }).default({ enterprise: 0.25, individualBusiness: 0.01 }),
  /** Share of small enterprises that are general taxpayers; medium and large are all general; micro fills up to `generalVatShare` [U]. */
  generalShareOfSmall: share.default(0.7),
  /** Credit level mix of enterprises (%), A 5 / B 68 / M 17 / C 4 / D 6 [D; B/M and C/D splits U]. */
  creditMix: z
    .object({ A: z.number().min(0), B: z.number().min(0), M: z.number().min(0), C: z.number().min(0), D: z.number().min(0) })
    .default({ A: 5, B: 68, M: 17, C: 4, D: 6 }),
  /** A share by size class (large 36.6 % [C], medium 15, small 6, micro 4.3 [U]); B/M/C/D keep the mix's proportions. Enterprises < 1 year are M by rule. */
  creditAShareBySize: sizeRecord(share, { micro: 0.043, small: 0.06, medium: 0.15, large: 0.366 }),
  /** Credit level mix of individual businesses (%) [U]. */
  creditMixIndividual: z
    .object({ A: z.number().min(0), B: z.number().min(0), M: z.number().min(0), C: z.number().min(0), D: z.number().min(0) })
    .default({ A: 2, B: 60, M: 30, C: 3, D: 5 }),
  /** High-tech enterprise share of enterprises: 25,000 / ≈ 2.9 m ≈ 0.9 % [D]; biased by industry, size and district (宝安 ≈ 29 % of them [D]). */
  highTechShare: share.default(0.009),
  highTechIndustryBias: z.record(z.string(), z.number().min(0)).default({ I: 6, M: 5, C: 4 }),
  highTechOtherIndustryBias: z.number().min(0).default(0.2),
  highTechSizeBias: sizeRecord(z.number().min(0), { micro: 0.5, small: 4, medium: 10, large: 15 }),
  highTechDistrictBias: z.record(z.string(), z.number().min(0)).default({ baoan: 1.8, nanshan: 1.8, futian: 0.8, luohu: 0.5, yantian: 0.5 }),
  /** Fast-growing firms: 3–5 % of enterprises [U], biased to 南山/宝安/龙岗 and high-tech. */
  fastGrowingShare: share.default(0.04),
  fastGrowingDistrictBias: z.record(z.string(), z.number().min(0)).default({ nanshan: 1.5, baoan: 1.5, longgang: 1.5 }),
  fastGrowingHighTechBias: z.number().min(0).default(5),
  /** Monthly invoice-count and sales growth of fast growers, uniform in [min, max] [U]. */
  fastGrowthPerMonth: z.object({ min: z.number().min(0), max: z.number().min(0) }).default({ min: 0.05, max: 0.1 }),
  /** Quota headroom over recent use (fast growers: fixed from their first two months) [U]. */
  quotaHeadroom: z.number().min(1).default(1.5),
  /** Annual growth of ordinary taxpayers: normal (mean, sd) [U]. */
  annualGrowth: z.object({ mean: z.number(), sd: z.number().min(0) }).default({ mean: 0.05, sd: 0.15 }),
  /** Collection mode 核定征收 (deemed) share [U]. */
  deemedShare: z.object({ enterprise: share, individualBusiness: share }).default({ enterprise: 0.03, individualBusiness: 0.6 }),

  // ---------------------------------------------------------------- other departments' data
  /** Share of enterprises with 20 employees or more that employ disabled people [U]; their disabled staff is a share of the staff, uniform in [min, max] [U]. */
  disabledEmployerShare: share.default(0.08),
  disabledStaffShare: z.object({ min: share, max: share }).default({ min: 0.01, max: 0.05 }),
  /** Of those, welfare enterprises (福利企业): at least 10 disabled employees and 25 to 40 % of the staff [U]. */
  welfareEnterpriseShare: share.default(0.03),
  /** Share of enterprises hiring key-group people in a year [U], and retired soldiers [U]; each hires 1 + a geometric number, mean `meanExtraHires` more [U]. */
  keyGroupHiringShare: share.default(0.03),
  /** One person in two roles: of individual businesses, the share whose operator (the legal representative) is the tax handler too [U]; of micro enterprises, the share whose legal representative is the finance officer too [U]. */
  operatorTaxHandlerShare: share.default(0.6),
  microLegalRepFinanceOfficerShare: share.default(0.3),
  veteranHiringShare: share.default(0.015),
  meanExtraHires: z.number().min(0).default(1),
  /** Share of C39 enterprises on the integrated-circuit list, and of C34 (general equipment, machine tools among it) on the industrial mother-machine list [U]. */
  integratedCircuitListShare: share.default(0.03),
  motherMachineListShare: share.default(0.03),
  /**
   * How far the head count and assets a CIT prepayment return reports at a month's boundary (a quarter's
   * start or end) stray from the registered figures: uniformly within ± half of this share of them [U].
   * The quarter averages the small low-profit test reads come from these, so an enterprise near a limit
   * can fall on either side of it from quarter to quarter.
   */
  quarterFigureSpread: share.default(0.1),

  // ---------------------------------------------------------------- sales
  /** Monthly sales (yuan), log-normal median/sigma of the taxpayer level [U]. Small-scale: ≈ 80 % of active months ≤ 100,000 [U]. */
  sales: z
    .object({
      smallScaleIndividual: logNormal(25_000, 1.1),
      smallScaleEnterprise: logNormal(40_000, 1.1),
      generalIndividual: logNormal(500_000, 0.8),
      generalMicro: logNormal(400_000, 1.0),
      generalSmall: logNormal(2_000_000, 0.9),
      generalMedium: logNormal(15_000_000, 0.9),
      generalLarge: logNormal(200_000_000, 1.0),
    })
    // Each field has its own default; prefault runs them (no second copy of the numbers).
    .prefault({}),
  /** Month-to-month log noise of sales and invoice counts (shared draw, so they move together) [U]. */
  monthlySigma: z.number().min(0).max(3).default(0.35),
  /** Bunching below the small-scale exemption: a month in (100,000, 100,000·upper] moves to (100,000·lower, 100,000] with this probability [U]. */
  bunching: z.object({ probability: share, lower: positive, upper: positive }).default({ probability: 0.5, lower: 0.9, upper: 1.35 }),
  /** Zero-return (dormant) taxpayers: no sales, no invoices, zero returns [U]: small-scale enterprises ≈ 35 %, general ≈ 5 %, individual 20 % (≈ 30 % of first-year entities are inactive [D]). */
  zeroReturnShare: z
    .object({ smallScaleEnterprise: share, general: share, individualBusiness: share })
    .default({ smallScaleEnterprise: 0.35, general: 0.05, individualBusiness: 0.2 }),
  /** Seasonality factor by calendar month, Jan..Dec (Feb −20 %, Dec up) [U]. */
  seasonality: z.array(positive).length(12).default([1.05, 0.8, 1.0, 0.98, 1.0, 1.05, 0.98, 0.98, 1.02, 0.95, 1.02, 1.2]),
  /** VAT rates. General: by section; small-scale: 1 % (3 % for a share of taxpayers) [C rates; U share]. */
  generalVatRate: z.record(z.string(), share).default(GENERAL_VAT_RATE),
  smallScaleRate3Share: share.default(0.05),
  /** Value-added share of sales for general taxpayers (VAT ≈ sales × rate × share), uniform [U]. */
  valueAddedShare: z.object({ min: share, max: share }).default({ min: 0.15, max: 0.45 }),
  /** Profit margin for CIT (normal mean, sd; losses give a zero base) [U]. */
  profitMargin: z.object({ mean: z.number(), sd: z.number().min(0) }).default({ mean: 0.06, sd: 0.06 }),
  /** Monthly wage per employee (yuan), log-normal [U]; IIT withheld as an effective rate, uniform [U]. */
  wage: logNormal(9_000, 0.4),
  iitEffectiveRate: z.object({ min: share, max: share }).default({ min: 0.005, max: 0.04 }),

  // ---------------------------------------------------------------- invoices
  /**
   * Invoices per active taxpayer-month: floor of a log-normal draw with these medians, sigma 1.0, cap 5000.
   * Scaled DOWN from calibration.md's [U] suggestion (2 / 6 / 40 / 2000, sigma 1.5) so that 1 M taxpayers × 12 months
   * stays near 100 M invoices on one machine; ≈ 8 invoices per taxpayer-month on average.
   */
  invoiceMedian: z
    .object({ individualBusiness: positive, smallScaleEnterprise: positive, general: positive, medium: positive, large: positive })
    .default({ individualBusiness: 1.6, smallScaleEnterprise: 3, general: 12, medium: 40, large: 200 }),
  invoiceSigma: z.number().min(0).max(3).default(1.0),
  invoiceCap: z.number().int().min(1).max(9999).default(5000),
  /** Share of invoiced amount in sales [U]. */
  invoicedShare: z
    .object({ individualBusiness: share, smallScale: share, general: share })
    .default({ individualBusiness: 0.4, smallScale: 0.7, general: 0.95 }),
  /** Share of special VAT invoices (专票) by VAT status [U]. */
  specialShare: z
    .object({ general: share, smallScale: share, individualBusiness: share })
    .default({ general: 0.7, smallScale: 0.15, individualBusiness: 0.03 }),
  /** Share of ordinary invoices issued to a consumer (no buyer code) [U]. */
  consumerShare: z
    .object({ general: share, smallScale: share, individualBusiness: share })
    .default({ general: 0.3, smallScale: 0.5, individualBusiness: 0.85 }),
  redShare: share.default(0.015),
  voidShare: share.default(0.005),
  /** Taxpayers still using paper invoices (pick them up at a hall) and the share of their invoices that are paper [U]. */
  paperUserShare: share.default(0.04),
  paperShareOfPaperUsers: share.default(0.6),
  /** Single-invoice limit (单张限额), yuan [U]. */
  singleLimit: z.object({ smallScale: positive, general: positive, large: positive }).default({ smallScale: 100_000, general: 1_000_000, large: 10_000_000 }),
  /** Credit line (授信总额度) as a multiple of expected monthly invoiced amount, by credit level [U]. */
  creditLineMultiple: z.object({ A: positive, B: positive, M: positive, C: positive, D: positive }).default({ A: 3, B: 2, M: 1.5, C: 1.2, D: 1.0 }),

  // ---------------------------------------------------------------- filing behaviour
  /** On-time share among filed returns: enterprises 97 %, individual businesses 93 % [U]. Late filers: A 0.3×, C/D 3× the base rate. */
  onTimeRate: z.object({ enterprise: share, individualBusiness: share }).default({ enterprise: 0.97, individualBusiness: 0.93 }),
  /** Share of late filers cured within 30 days; the rest within 31–90 days [U]. */
  curedWithin30Share: share.default(0.9),
  /** Abnormal households (非正常户): stop filing and invoicing from a random month [U 2–3 %]. */
  abnormalShare: share.default(0.025),
  /** Share of on-time filers that pay after the deadline [U]. */
  latePaymentShare: share.default(0.02),
  /**
   * Share of taxpayers that do not claim the reliefs they qualify for (应享未享) and pay the full tax:
   * what the benefit ledger reports as missed [U; the pilot reported missed reliefs without a share].
   */
  unclaimedReliefShare: share.default(0.08),

  // ---------------------------------------------------------------- halls
  /** Hall visits per taxpayer per month: ≈ 40 per 1,000 [U]. */
  hallVisitRate: z.number().min(0).max(1).default(0.04),
  /** Per-taxpayer visit propensity: log-normal with mean 1 and this sigma (frequent visitors exist) [U]. */
  hallPropensitySigma: z.number().min(0).max(3).default(1.0),
  /** Share of a month's visits in days 1–15 ≈ 65 % [U]; last two working days up to the deadline 2.5× [U]; Monday +20 % [U]. */
  hallFilingPeriodShare: share.default(0.65),
  hallDeadlineFactor: positive.default(2.5),
  hallMondayFactor: positive.default(1.2),
  /** Visits by calendar month, Jan..Dec: quarterly-return months +25 %, May +30 %, Feb −30 % [U]. */
  hallMonthFactor: z.array(positive).length(12).default([1.25, 0.7, 1.0, 1.25, 1.3, 1.0, 1.25, 1.0, 1.0, 1.25, 1.0, 1.0]),
  /** Halls per district (ids like futian-1) and windows per hall [U]. */
  hallsPerDistrict: z
    .record(z.string(), z.number().int().min(1).max(9))
    .default({ futian: 3, luohu: 2, nanshan: 3, yantian: 1, baoan: 3, longgang: 3, longhua: 2, pingshan: 1, guangming: 1, dapeng: 1, shenshan: 1 }),
  windowsPerHall: z.number().int().min(1).max(200).default(12),
  /** Waiting minutes, log-normal: ordinary days median 8, deadline days median 15 (90th pct ≈ 30) [U]. */
  waitMinutes: z.object({ ordinary: logNormal(8, 0.6), peak: logNormal(15, 0.55) }).prefault({}),
  /** Service minutes, uniform [U; 6–8 min per invoice transaction, C]. */
  serviceMinutes: z.object({ min: positive, max: positive }).default({ min: 5, max: 15 }),
  /** Share of visitors who leave before being called [U]. */
  leaveShare: share.default(0.03),

  // ---------------------------------------------------------------- applications
  /** Ordinary applications per taxpayer-month [U]. */
  applicationRate: share.default(0.005),
});

export type GeneratorSettings = z.output<typeof generatorSettingsSchema>;
export type GeneratorSettingsInput = z.input<typeof generatorSettingsSchema>;

export function parseSettings(input: GeneratorSettingsInput = {}): GeneratorSettings {
  return generatorSettingsSchema.parse(input);
}

/** The 'YYYY-MM' label of month index m from start ('2025-10', 3 -> '2026-01'). */
export function monthLabel(start: string, m: number): string {
  const [y, mo] = start.split('-').map(Number) as [number, number];
  const t = y * 12 + (mo - 1) + m;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}

/** The DuckDB variables the generator SQL reads with getvariable(). */
export type SqlValue = number | boolean | string | number[] | string[];

function normalised(values: number[]): number[] {
  const total = values.reduce((a, b) => a + b, 0);
  return values.map((v) => v / total);
}
function cumulative(values: number[]): number[] {
  const p = normalised(values);
  let acc = 0;
  const out = p.map((v) => {
    acc += v;
    return acc;
  });
  out[out.length - 1] = 1;
  return out;
}
function expectation(keys: string[], probs: number[], bias: Record<string, number>, otherwise: number): number {
  return keys.reduce((s, k, i) => s + (probs[i] ?? 0) * (bias[k] ?? otherwise), 0);
}

/**
 * Turns validated settings into the variables of the generator SQL. Numbers are validated by zod, so
 * formatting them into SET VARIABLE statements is safe; strings are only ids from fixed enums and 'YYYY-MM'.
 */
export function sqlVariables(s: GeneratorSettings): Record<string, SqlValue> {
  const districts = DISTRICT_IDS as string[];
  const sections = SECTION_IDS as string[];
  const dEnt = districts.map((d) => s.districtWeights.enterprise[d as District] ?? 0);
  const dInd = districts.map((d) => s.districtWeights.individualBusiness[d as District] ?? 0);
  // Sales classes in the order the SQL numbers them (1 .. 7).
  const salesClasses = [
    s.sales.smallScaleIndividual,
    s.sales.smallScaleEnterprise,
    s.sales.generalIndividual,
    s.sales.generalMicro,
    s.sales.generalSmall,
    s.sales.generalMedium,
    s.sales.generalLarge,
  ];
  const iEnt = sections.map((k) => s.industryWeights.enterprise[k as IndustrySection] ?? 0);
  const iInd = sections.map((k) => s.industryWeights.individualBusiness[k as IndustrySection] ?? 0);
  const sizes = ['micro', 'small', 'medium', 'large'] as const;
  const sizeP = normalised(sizes.map((k) => s.sizeMix[k]));
  const [pMicro = 0, pSmall = 0, pMedium = 0, pLarge = 0] = sizeP;

  // General VAT share of micro enterprises so that the enterprise total hits generalVatShare.enterprise.
  const fixedGeneral = pMedium + pLarge + pSmall * s.generalShareOfSmall;
  const generalMicro = pMicro > 0 ? Math.min(1, Math.max(0, (s.generalVatShare.enterprise - fixedGeneral) / pMicro)) : 0;

  // Late-filing base probability, normalised over the credit mix multipliers (A 0.3, B/M 1, C/D 3).
  const mult = { A: 0.3, B: 1, M: 1, C: 3, D: 3 };
  const lvls = ['A', 'B', 'M', 'C', 'D'] as const;
  const entMix = normalised(lvls.map((l) => s.creditMix[l]));
  const indMix = normalised(lvls.map((l) => s.creditMixIndividual[l]));
  const meanMultEnt = lvls.reduce((a, l, i) => a + (entMix[i] ?? 0) * mult[l], 0);
  const meanMultInd = lvls.reduce((a, l, i) => a + (indMix[i] ?? 0) * mult[l], 0);

  // High-tech probability scale: share / E[industry bias]·E[size bias]·E[district bias] (independent draws).
  const iEntP = normalised(iEnt);
  const dEntP = normalised(dEnt);
  const eInd = expectation(sections, iEntP, s.highTechIndustryBias, s.highTechOtherIndustryBias);
  const eSize = expectation([...sizes], sizeP, s.highTechSizeBias, 1);
  const eDist = expectation(districts, dEntP, s.highTechDistrictBias, 1);
  const highTechScale = s.highTechShare / (eInd * eSize * eDist);
  const eFastDist = expectation(districts, dEntP, s.fastGrowingDistrictBias, 1);
  const fastScale = s.fastGrowingShare / (eFastDist * (1 + s.highTechShare * (s.fastGrowingHighTechBias - 1)));

  // Enterprises younger than a year are M by rule, and the national mix already counts them: the
  // others get A by size scaled up by 1/(1 - young) and B/M/C/D with M reduced by the young share.
  const birth = 1 - Math.exp(-s.birthRatePerYear.enterprise * (s.months / 12));
  const young = birth + (1 - birth) * (1 - Math.exp(-1 / s.meanAgeYears));
  const creditTotal = lvls.reduce((a, l) => a + s.creditMix[l], 0);
  const restEnt = [s.creditMix.B, Math.max(0, s.creditMix.M - young * creditTotal), s.creditMix.C, s.creditMix.D];
  const sectionLo = sections.map((k) => INDUSTRY_SECTIONS[k as IndustrySection].divisions[0]);
  const sectionHi = sections.map((k) => INDUSTRY_SECTIONS[k as IndustrySection].divisions[1]);
  const ln = Math.log;
  const halls = districts.map((d) => s.hallsPerDistrict[d] ?? 1);

  return {
    seed: s.seed,
    taxpayers: s.taxpayers,
    months: s.months,
    start_date: `${s.start}-01`,
    // One string, dates joined by '_' (session.sql splits it): an empty list has no element type to set.
    published_dues: [...s.filingDeadlines].sort().join('_'),
    enterprise_share: s.enterpriseShare,
    sole_share: s.soleProprietorshipShare,
    partnership_share: s.partnershipShare,
    districts,
    district_zh: districts.map((d) => DISTRICTS[d as District]),
    district_cum_ent: cumulative(dEnt),
    district_cum_ind: cumulative(dInd),
    sections,
    section_cum_ent: cumulative(iEnt),
    section_cum_ind: cumulative(iInd),
    section_lo: sectionLo,
    section_hi: sectionHi,
    c39_share: s.electronicsShareOfManufacturing,
    size_cum: cumulative(sizeP),
    emp_mu: [s.employees.micro, s.employees.small, s.employees.medium, s.employees.large, s.employees.individualBusiness].map((x) => ln(x.median)),
    emp_sigma: [s.employees.micro, s.employees.small, s.employees.medium, s.employees.large, s.employees.individualBusiness].map((x) => x.sigma),
    assets_mu: [s.totalAssets.micro, s.totalAssets.small, s.totalAssets.medium, s.totalAssets.large, s.totalAssets.individualBusiness].map((x) => ln(x.median)),
    assets_sigma: [s.totalAssets.micro, s.totalAssets.small, s.totalAssets.medium, s.totalAssets.large, s.totalAssets.individualBusiness].map((x) => x.sigma),
    mean_age_years: s.meanAgeYears,
    birth_ent: 1 - Math.exp(-s.birthRatePerYear.enterprise * (s.months / 12)),
    birth_ind: 1 - Math.exp(-s.birthRatePerYear.individualBusiness * (s.months / 12)),
    general_micro: generalMicro,
    general_small: s.generalShareOfSmall,
    general_ind: s.generalVatShare.individualBusiness,
    credit_a_by_size: [s.creditAShareBySize.micro, s.creditAShareBySize.small, s.creditAShareBySize.medium, s.creditAShareBySize.large].map((a) =>
      Math.min(1, a / Math.max(1e-9, 1 - young)),
    ),
    credit_rest_cum: cumulative(restEnt),
    credit_cum_ind: cumulative(lvls.map((l) => s.creditMixIndividual[l])),
    high_tech_scale: highTechScale,
    high_tech_ind_sections: Object.keys(s.highTechIndustryBias),
    high_tech_ind_bias: Object.values(s.highTechIndustryBias),
    high_tech_other_bias: s.highTechOtherIndustryBias,
    high_tech_size_bias: [s.highTechSizeBias.micro, s.highTechSizeBias.small, s.highTechSizeBias.medium, s.highTechSizeBias.large],
    high_tech_district_bias: districts.map((d) => s.highTechDistrictBias[d] ?? 1),
    fast_scale: fastScale,
    fast_district_bias: districts.map((d) => s.fastGrowingDistrictBias[d] ?? 1),
    fast_high_tech_bias: s.fastGrowingHighTechBias,
    fast_g_min: s.fastGrowthPerMonth.min,
    fast_g_max: Math.max(s.fastGrowthPerMonth.min, s.fastGrowthPerMonth.max),
    quota_headroom: s.quotaHeadroom,
    growth_mean: s.annualGrowth.mean,
    growth_sd: s.annualGrowth.sd,
    deemed_ent: s.deemedShare.enterprise,
    deemed_ind: s.deemedShare.individualBusiness,
    // sales classes: 1 small-scale individual, 2 small-scale enterprise, 3 general individual, 4..7 general micro/small/medium/large
    sales_mu: salesClasses.map((x) => ln(x.median)),
    sales_sigma: salesClasses.map((x) => x.sigma),
    monthly_sigma: s.monthlySigma,
    bunch_p: s.bunching.probability,
    bunch_lo: s.bunching.lower,
    bunch_hi: s.bunching.upper,
    zero_ss_ent: s.zeroReturnShare.smallScaleEnterprise,
    zero_general: s.zeroReturnShare.general,
    zero_ind: s.zeroReturnShare.individualBusiness,
    season: s.seasonality,
    general_rate: sections.map((k) => s.generalVatRate[k] ?? 0.06),
    ss_rate3_share: s.smallScaleRate3Share,
    va_min: s.valueAddedShare.min,
    va_max: Math.max(s.valueAddedShare.min, s.valueAddedShare.max),
    margin_mean: s.profitMargin.mean,
    margin_sd: s.profitMargin.sd,
    wage_mu: ln(s.wage.median),
    wage_sigma: s.wage.sigma,
    iit_min: s.iitEffectiveRate.min,
    iit_max: Math.max(s.iitEffectiveRate.min, s.iitEffectiveRate.max),
    // invoice classes: 1 individual, 2 small-scale enterprise, 3 general, 4 medium, 5 large
    inv_mu: [
      s.invoiceMedian.individualBusiness,
      s.invoiceMedian.smallScaleEnterprise,
      s.invoiceMedian.general,
      s.invoiceMedian.medium,
      s.invoiceMedian.large,
    ].map(ln),
    inv_sigma: s.invoiceSigma,
    inv_cap: s.invoiceCap,
    invoiced_share: [s.invoicedShare.individualBusiness, s.invoicedShare.smallScale, s.invoicedShare.general],
    special_share: [s.specialShare.individualBusiness, s.specialShare.smallScale, s.specialShare.general],
    consumer_share: [s.consumerShare.individualBusiness, s.consumerShare.smallScale, s.consumerShare.general],
    red_share: s.redShare,
    void_share: s.voidShare,
    paper_user_share: s.paperUserShare,
    paper_share: s.paperShareOfPaperUsers,
    single_limit: [s.singleLimit.smallScale, s.singleLimit.general, s.singleLimit.large],
    credit_line_mult: lvls.map((l) => s.creditLineMultiple[l]),
    late_base_ent: (1 - s.onTimeRate.enterprise) / meanMultEnt,
    late_base_ind: (1 - s.onTimeRate.individualBusiness) / meanMultInd,
    cured30: s.curedWithin30Share,
    abnormal_share: s.abnormalShare,
    late_pay_share: s.latePaymentShare,
    unclaimed_share: s.unclaimedReliefShare,
    hall_rate: s.hallVisitRate,
    hall_prop_sigma: s.hallPropensitySigma,
    hall_early_share: s.hallFilingPeriodShare,
    hall_deadline_factor: s.hallDeadlineFactor,
    hall_monday_factor: s.hallMondayFactor,
    hall_month_factor: s.hallMonthFactor,
    halls_per_district: halls,
    windows_per_hall: s.windowsPerHall,
    wait_mu: [ln(s.waitMinutes.ordinary.median), ln(s.waitMinutes.peak.median)],
    wait_sigma: [s.waitMinutes.ordinary.sigma, s.waitMinutes.peak.sigma],
    service_min: s.serviceMinutes.min,
    service_max: Math.max(s.serviceMinutes.min, s.serviceMinutes.max),
    leave_share: s.leaveShare,
    application_rate: s.applicationRate,
    disabled_employer_share: s.disabledEmployerShare,
    disabled_staff_min: s.disabledStaffShare.min,
    disabled_staff_max: Math.max(s.disabledStaffShare.min, s.disabledStaffShare.max),
    welfare_share: s.welfareEnterpriseShare,
    key_group_share: s.keyGroupHiringShare,
    operator_tax_handler: s.operatorTaxHandlerShare,
    micro_lr_finance_officer: s.microLegalRepFinanceOfficerShare,
    veteran_share: s.veteranHiringShare,
    extra_hires_mean: s.meanExtraHires,
    ic_list_share: s.integratedCircuitListShare,
    machine_list_share: s.motherMachineListShare,
    quarter_figure_spread: s.quarterFigureSpread,
  };
}

/** Formats one variable as a DuckDB SET VARIABLE statement. */
export function setVariableSql(name: string, value: SqlValue): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad variable name ${name}`);
  const lit = (v: number | boolean | string): string => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`variable ${name} is not finite`);
      return Number.isInteger(v) ? `${v}` : `${v}::DOUBLE`;
    }
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (!/^[\p{L}\p{N}_-]*$/u.test(v)) throw new Error(`variable ${name} has an unsafe string`);
    return `'${v}'`;
  };
  let sql: string;
  if (Array.isArray(value)) {
    const isNum = value.every((v) => typeof v === 'number');
    sql = `[${(value as (number | string)[]).map((v) => (typeof v === 'number' ? `${v}` : lit(v))).join(', ')}]${isNum ? '::DOUBLE[]' : '::VARCHAR[]'}`;
    if (isNum && (value as number[]).some((v) => !Number.isFinite(v))) throw new Error(`variable ${name} is not finite`);
  } else if (name === 'start_date') {
    sql = `DATE ${lit(value as string)}`;
  } else {
    sql = lit(value);
  }
  return `SET VARIABLE ${name} = ${sql};`;
}
