import { z } from 'zod';
import { defineCalculation } from '../calculation.ts';
import { type Explanation, HALF_UP_FEN, y } from '../explain.ts';
import { location, optionalYuan, type TaxpayerProfile, taxpayerKind, taxpayerProfile, yuan } from '../input.ts';
import type { LawAt } from '../law.ts';
import { applyRate, type Fen, formatYuan, percent } from '../money.ts';
import type { Period } from '../period.ts';
import { sixTaxesTwoFees } from '../sixTaxesTwoFees.ts';

export interface SurchargesIn {
  vatPaid: Fen;
  consumptionTaxPaid: Fen;
  /** Sales of the period, for the education surcharges' small-sales exemption. */
  sales: Fen;
  location: z.infer<typeof location>;
  taxpayer: TaxpayerProfile;
}

export interface SurchargesOut {
  urbanConstructionTax: Fen;
  educationSurcharge: Fen;
  localEducationSurcharge: Fen;
  total: Fen;
  reduction: Fen;
}

const UMCT_RATE = {
  city: 'surcharges.urbanConstructionRateCity',
  county: 'surcharges.urbanConstructionRateCounty',
  other: 'surcharges.urbanConstructionRateOther',
};
const LOCATION_TEXT = { city: 'city district (市区)', county: 'county town or town (县城、镇)', other: 'elsewhere' };

/**
 * Urban maintenance and construction tax, education surcharge and local education surcharge on the
 * VAT and consumption tax actually paid. Each levy is rounded to the fen, then its six-taxes-two-fees
 * reduction is rounded to the fen, as the surcharges return lays them out.
 */
export function computeSurcharges(period: Period, law: LawAt, x: Explanation, s: SurchargesIn): SurchargesOut {
  const base = s.vatPaid + s.consumptionTaxPaid;
  x.money('surcharges.base', '计税（费）依据', 'base: VAT and consumption tax paid', base, `${y(s.vatPaid)} + ${y(s.consumptionTaxPaid)}`);
  const halving = sixTaxesTwoFees(law, s.taxpayer, x);

  const quarterly = period.kind === 'quarter';
  const exemptLine = law.money(quarterly ? 'surcharges.educationExemptQuarterlySales' : 'surcharges.educationExemptMonthlySales');
  const educationExempt = s.sales <= exemptLine.fen;
  x.fact(
    'surcharges.educationExempt',
    '教育费附加、地方教育附加免征',
    'education surcharges exempt for small sales',
    educationExempt ? 'yes' : 'no',
    `${quarterly ? 'quarterly' : 'monthly'} sales ${y(s.sales)} ${educationExempt ? '≤' : '>'} ${y(exemptLine.fen)}`,
    [exemptLine.use],
  );

  const levy = (id: string, zh: string, en: string, paramName: string, exempt: boolean): { payable: Fen; reduction: Fen } => {
    const rate = law.ratio(paramName);
    if (exempt) {
      x.money(id, zh, en, 0, `exempt (sales ${y(s.sales)} ≤ ${y(exemptLine.fen)})`, [rate.use, exemptLine.use]);
      return { payable: 0, reduction: 0 };
    }
    const tax = applyRate(base, rate.ratio);
    x.money(`${id}.tax`, zh, `${en}, before reliefs`, tax, `${y(base)} × ${percent(rate.ratio)}`, [rate.use], HALF_UP_FEN);
    const reduction = applyRate(tax, halving.rate);
    if (halving.eligible)
      x.money(
        `${id}.reduction`,
        `${zh}减征额`,
        `${en}, six taxes and two fees reduction`,
        reduction,
        `${y(tax)} × ${percent(halving.rate)}`,
        halving.uses,
        HALF_UP_FEN,
      );
    const payable = tax - reduction;
    x.money(id, `${zh}应纳额`, `${en} payable`, payable, `${y(tax)} − ${y(reduction)}`);
    return { payable, reduction };
  };

  const umctRate = law.ratio(UMCT_RATE[s.location]);
  x.fact('surcharges.location', '纳税人所在地', 'location', s.location, `${LOCATION_TEXT[s.location]}: ${percent(umctRate.ratio)}`, [umctRate.use]);
  const u = levy('urbanConstructionTax', '城市维护建设税', 'urban maintenance and construction tax', UMCT_RATE[s.location], false);
  const e = levy('educationSurcharge', '教育费附加', 'education surcharge', 'surcharges.educationRate', educationExempt);
  const l = levy('localEducationSurcharge', '地方教育附加', 'local education surcharge', 'surcharges.localEducationRate', educationExempt);
  const total = u.payable + e.payable + l.payable;
  x.money(
    'surcharges.total',
    '附加税费合计',
    'surcharges payable in total',
    total,
    `${formatYuan(u.payable)} + ${formatYuan(e.payable)} + ${formatYuan(l.payable)}`,
  );
  return {
    urbanConstructionTax: u.payable,
    educationSurcharge: e.payable,
    localEducationSurcharge: l.payable,
    total,
    reduction: u.reduction + e.reduction + l.reduction,
  };
}

/**
 * The surcharges on a VAT return's VAT, as the fields a VAT calculation adds to its result when
 * given a location (税费综合: VAT and surcharges on one return).
 */
export function surchargesOnVat(law: LawAt, x: Explanation, vat: Fen, s: Omit<SurchargesIn, 'vatPaid' | 'consumptionTaxPaid'>): Record<string, string> {
  const out = computeSurcharges(law.period, law, x, { ...s, vatPaid: vat, consumptionTaxPaid: 0 });
  return {
    urbanConstructionTax: formatYuan(out.urbanConstructionTax),
    educationSurcharge: formatYuan(out.educationSurcharge),
    localEducationSurcharge: formatYuan(out.localEducationSurcharge),
    surcharges: formatYuan(out.total),
    surchargesReduction: formatYuan(out.reduction),
    totalPayable: formatYuan(vat + out.total),
  };
}

/** The inputs a VAT calculation takes to compute the surcharges on the same return. */
export const surchargeFields = {
  location: location.optional().describe('given a location, the surcharges on the VAT are computed as well'),
  kind: taxpayerKind.default('enterprise'),
  smallLowProfit: z.boolean().default(false).describe('a small low-profit enterprise (小型微利企业), for the surcharge halving'),
};

/** The result fields surchargesOnVat adds. */
export const SURCHARGE_OUTPUTS = {
  urbanConstructionTax: 'urban maintenance and construction tax payable, after the six-taxes-two-fees reduction (with a location)',
  educationSurcharge: 'education surcharge payable (with a location)',
  localEducationSurcharge: 'local education surcharge payable (with a location)',
  surcharges: 'surcharges in total (with a location)',
  surchargesReduction: 'six-taxes-two-fees reduction of the surcharges (with a location)',
  totalPayable: 'VAT and surcharges (with a location)',
};

export const surchargesInputs = z
  .object({
    vatPaid: yuan().describe('VAT actually paid for the period (after reliefs and the additional deduction)'),
    consumptionTaxPaid: optionalYuan().describe('consumption tax actually paid'),
    sales: yuan().describe("sales of the period, for the education surcharges' small-sales exemption"),
    location,
    taxpayer: taxpayerProfile,
  })
  .strict();

export const surcharges = defineCalculation({
  name: 'surcharges',
  description:
    'Urban maintenance and construction tax (7 % city district, 5 % county town or town, 1 % elsewhere), education surcharge (3 %) and local education surcharge (2 %) on the VAT and consumption tax actually paid; the education surcharges are exempt when the sales of the month (quarter) do not exceed 100,000 (300,000); the six-taxes-two-fees reduction for small-scale VAT taxpayers and, from 2022, small low-profit enterprises and individual businesses.',
  outputs: {
    urbanConstructionTax: 'urban maintenance and construction tax payable, after the six-taxes-two-fees reduction',
    educationSurcharge: 'education surcharge payable',
    localEducationSurcharge: 'local education surcharge payable',
    total: 'the three together',
    reduction: 'six-taxes-two-fees reduction on the three together',
  },
  title: { zh: '附加税费', en: 'Surcharges on VAT' },
  periodKinds: ['month', 'quarter'],
  inputs: surchargesInputs,
  run(i, law, x) {
    const out = computeSurcharges(law.period, law, x, i);
    return {
      urbanConstructionTax: formatYuan(out.urbanConstructionTax),
      educationSurcharge: formatYuan(out.educationSurcharge),
      localEducationSurcharge: formatYuan(out.localEducationSurcharge),
      total: formatYuan(out.total),
      reduction: formatYuan(out.reduction),
    };
  },
  example: {
    period: '2026-05',
    inputs: { vatPaid: '5000.00', sales: '200000.00', location: 'city', taxpayer: { vatStatus: 'general', kind: 'enterprise', smallLowProfit: false } },
  },
});
