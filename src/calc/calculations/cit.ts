import { z } from 'zod';
import { defineCalculation, type ResultValue } from '../calculation.ts';
import { HALF_UP_FEN, y } from '../explain.ts';
import { count, optionalYuan, yuan } from '../input.ts';
import { applyRate, applyRates, type Fen, formatYuan, fractionText, mulRatio, percent, type Ratio, subRatio } from '../money.ts';

const quarter = z
  .object({
    employeesStart: count().describe('employees (labour-dispatch workers included) at the start of the quarter'),
    employeesEnd: count().describe('employees at the end of the quarter'),
    assetsStart: yuan().describe('total assets at the start of the quarter'),
    assetsEnd: yuan().describe('total assets at the end of the quarter'),
  })
  .strict();

const inputs = z
  .object({
    taxableIncomeBeforeRnd: yuan({ min: 'any' }).describe('Taxable income after tax adjustments, before the R&D super deduction (may be a loss).'),
    rndExpensed: optionalYuan().describe('R&D cost expensed in the year'),
    rndAmortised: optionalYuan().describe('amortisation of capitalised R&D (intangible assets) for the year'),
    rndCategory: z
      .enum(['general', 'manufacturing', 'techSme', 'chipsAndMachines'])
      .default('general')
      .describe(
        'which R&D super-deduction rate applies: enterprises in general, manufacturing, technology-based SMEs, or listed chip and industrial mother-machine enterprises',
      ),
    industry: z
      .string()
      .regex(/^[A-T]\d{0,4}$/, 'must be a GB/T 4754 code: section letter then division digits, e.g. "C39"')
      .optional()
      .describe('GB/T 4754 industry, section letter and division (e.g. "C39"); needed when claiming R&D'),
    highTech: z.boolean().default(false).describe('holds a high and new technology enterprise certificate'),
    restrictedIndustry: z.boolean().default(false).describe('In an industry the State restricts or prohibits (excluded from the small low-profit relief).'),
    quarters: z
      .array(quarter)
      .min(1, 'give 1 to 4 quarters')
      .max(4, 'give 1 to 4 quarters')
      .optional()
      .describe('Head count and total assets at the start and end of each quarter operated in the year (1 to 4).'),
  })
  .strict();

/**
 * Annual corporate income tax: R&D super deduction, then the standard rate and the two reduced
 * regimes (small low-profit enterprise, high and new technology enterprise). The reduced regimes do
 * not stack; the one with the larger relief is chosen, as the taxpayer may.
 */
export const citAnnual = defineCalculation({
  name: 'cit.annual',
  description:
    'Annual corporate income tax: the R&D super deduction (75 % before 2023, 100 % for manufacturers from 2021 and for all from 2023, 120 % for listed chip and mother-machine enterprises 2023-2027; not for the excluded industries), the standard 25 %, the small low-profit enterprise test (taxable income ≤ 3,000,000, quarter-averaged employees ≤ 300 and assets ≤ 50,000,000, industry not restricted) with the relief of its year (5 %/10 % slices in 2019-2020, 2.5 %/10 % in 2021, 2.5 %/5 % in 2022, 5 % from 2023; failing any test taxes the whole income at 25 %), and the 15 % high-tech rate; the two reliefs do not stack and the larger applies.',
  outputs: {
    rndSuperDeduction: 'R&D super deduction',
    taxableIncome: 'taxable income after it (0 for a loss)',
    taxAtStandardRate: 'tax at 25 %',
    smallLowProfit: 'whether the small low-profit enterprise test holds (false when no quarters are given)',
    averageEmployees: 'quarter-averaged employees of the year (with quarters)',
    averageAssets: 'quarter-averaged total assets of the year (with quarters)',
    regime: '`standard`, `smallLowProfit` or `highTech`',
    relief: 'tax relieved by the regime',
    citPayable: 'CIT payable for the year (before prepayments)',
  },
  title: { zh: '企业所得税（年度）', en: 'Corporate income tax, annual' },
  periodKinds: ['year'],
  inputs,
  run(i, law, x) {
    // R&D super deduction.
    let superDeduction = 0;
    const rndBase = i.rndExpensed + i.rndAmortised;
    if (rndBase > 0) {
      const excluded = law.text('cit.rndExcludedIndustries');
      const prefixes = excluded.value.split(',').map((s) => s.trim());
      if (!i.industry) {
        x.note('R&D cost given without an industry: the exclusion list could not be checked; no super deduction');
      } else if (prefixes.some((p) => i.industry?.startsWith(p))) {
        x.fact(
          'cit.rndExcluded',
          '不适用研发费用加计扣除的行业',
          'industry excluded from the R&D super deduction',
          'yes',
          `${i.industry} is in ${excluded.value}`,
          [excluded.use],
        );
      } else {
        const general = law.ratio('cit.rndSuperDeductionRate');
        let rate = general;
        if (i.rndCategory === 'manufacturing') rate = law.ratio('cit.rndSuperDeductionRateManufacturing');
        if (i.rndCategory === 'techSme') rate = law.ratio('cit.rndSuperDeductionRateTechSme');
        if (law.period.from === '2022-01-01' && i.rndCategory === 'general') {
          x.note(
            '2022: R&D incurred from 2022-10-01 had 100 % (财政部 税务总局 科技部公告2022年第28号); this figure applies 75 % to all of it, so claim the fourth quarter’s R&D separately',
          );
        }
        if (i.rndCategory === 'chipsAndMachines') {
          const special = law.ratio('cit.rndSuperDeductionRateChipsAndMachines');
          if (special.ratio.num * general.ratio.den > general.ratio.num * special.ratio.den) rate = special;
        }
        superDeduction = applyRate(rndBase, rate.ratio);
        x.money(
          'cit.rndSuperDeduction',
          '研发费用加计扣除',
          'R&D super deduction',
          superDeduction,
          `(${y(i.rndExpensed)} expensed + ${y(i.rndAmortised)} amortised) × ${percent(rate.ratio)}`,
          [excluded.use, rate.use],
          HALF_UP_FEN,
        );
      }
    }
    const afterRnd = i.taxableIncomeBeforeRnd - superDeduction;
    const income = Math.max(0, afterRnd);
    x.money('cit.taxableIncome', '应纳税所得额', 'taxable income', income, `max(0, ${y(i.taxableIncomeBeforeRnd)} − ${y(superDeduction)})`);
    if (afterRnd < 0) x.note(`a loss of ${y(-afterRnd)} yuan may be carried forward (up to 5 years); no tax this year`);

    const standard = law.ratio('cit.standardRate');
    const tax = applyRate(income, standard.ratio);
    x.money(
      'cit.taxAtStandardRate',
      '应纳所得税额（25%）',
      'tax at the standard rate',
      tax,
      `${y(income)} × ${percent(standard.ratio)}`,
      [standard.use],
      HALF_UP_FEN,
    );

    // Small low-profit enterprise test.
    const maxIncome = law.money('slpe.maxTaxableIncome');
    const maxAssets = law.money('slpe.maxAssets');
    const maxEmployeesParam = law.int('slpe.maxEmployees');
    let slpe = false;
    let slpeRelief = 0;
    const averages: Record<string, ResultValue> = {};
    if (!i.quarters) {
      x.note('no quarterly head count and assets given: the small low-profit enterprise test was not made');
    } else {
      const n = i.quarters.length;
      const empSum = i.quarters.reduce((s, q) => s + q.employeesStart + q.employeesEnd, 0);
      const assetSum = i.quarters.reduce((s, q) => s + q.assetsStart + q.assetsEnd, 0);
      // average = Σ (start + end) / 2 / n, compared exactly without dividing.
      const empOk = empSum <= 2 * n * maxEmployeesParam.value;
      const assetsOk = assetSum <= 2 * n * maxAssets.fen;
      const incomeOk = income <= maxIncome.fen;
      averages.averageEmployees = fractionText(empSum, 2 * n);
      averages.averageAssets = fractionText(assetSum, 2 * n * 100);
      x.fact(
        'slpe.employees',
        '从业人数季度平均值',
        'employees, average of quarterly averages',
        String(averages.averageEmployees),
        `${empOk ? '≤' : '>'} ${maxEmployeesParam.value}`,
        [maxEmployeesParam.use],
      );
      x.fact(
        'slpe.assets',
        '资产总额季度平均值',
        'total assets, average of quarterly averages',
        String(averages.averageAssets),
        `${assetsOk ? '≤' : '>'} ${y(maxAssets.fen)}`,
        [maxAssets.use],
      );
      x.fact('slpe.income', '年度应纳税所得额', 'taxable income of the year', y(income), `${incomeOk ? '≤' : '>'} ${y(maxIncome.fen)}`, [maxIncome.use]);
      x.fact('slpe.industry', '非限制和禁止行业', 'not a restricted or prohibited industry', i.restrictedIndustry ? 'no' : 'yes', '');
      slpe = empOk && assetsOk && incomeOk && !i.restrictedIndustry;
      x.fact(
        'slpe.qualifies',
        '符合小型微利企业条件',
        'small low-profit enterprise',
        slpe ? 'yes' : 'no',
        slpe ? 'all four conditions hold' : 'a condition fails: the whole income is taxed at the standard rate (no marginal relief)',
      );
      if (slpe) {
        const table = law.table('cit.slpeBrackets');
        const terms: [Fen, Ratio][] = [];
        const parts: string[] = [];
        let lower = 0;
        for (const row of table.rows) {
          const upper = row.upTo === null ? income : Math.min(income, row.upTo);
          if (upper <= lower) break;
          const effective = mulRatio(row.share ?? { num: 1, den: 1, text: '1' }, row.rate);
          const cut = subRatio(standard.ratio, effective);
          terms.push([upper - lower, cut]);
          parts.push(`${y(upper - lower)} × (${percent(standard.ratio)} − ${percent(row.share ?? standard.ratio)} × ${percent(row.rate)})`);
          lower = upper;
        }
        slpeRelief = applyRates(terms);
        x.money('cit.slpeRelief', '小型微利企业减免所得税额', 'small low-profit enterprise relief', slpeRelief, parts.join(' + '), [table.use], HALF_UP_FEN);
      }
    }

    let highTechRelief = 0;
    if (i.highTech) {
      const rate = law.ratio('cit.highTechRate');
      highTechRelief = applyRate(income, subRatio(standard.ratio, rate.ratio));
      x.money(
        'cit.highTechRelief',
        '高新技术企业减免所得税额',
        'high-tech enterprise relief',
        highTechRelief,
        `${y(income)} × (${percent(standard.ratio)} − ${percent(rate.ratio)})`,
        [rate.use],
        HALF_UP_FEN,
      );
    }
    const regime = highTechRelief > slpeRelief ? 'highTech' : slpe ? 'smallLowProfit' : 'standard';
    if (slpe && i.highTech) x.note('the small low-profit and high-tech reliefs do not stack; the larger one is applied');
    const relief: Fen = Math.max(slpeRelief, highTechRelief);
    const payable = tax - relief;
    x.money('cit.payable', '应纳所得税额', 'CIT payable', payable, `${y(tax)} − ${y(relief)}`);
    return {
      rndSuperDeduction: formatYuan(superDeduction),
      taxableIncome: formatYuan(income),
      taxAtStandardRate: formatYuan(tax),
      smallLowProfit: slpe,
      ...averages,
      regime,
      relief: formatYuan(relief),
      citPayable: formatYuan(payable),
    };
  },
  example: {
    period: '2026',
    inputs: {
      taxableIncomeBeforeRnd: '2300000.00',
      rndExpensed: '300000.00',
      industry: 'I65',
      quarters: [
        { employeesStart: 40, employeesEnd: 44, assetsStart: '8000000.00', assetsEnd: '8200000.00' },
        { employeesStart: 44, employeesEnd: 47, assetsStart: '8200000.00', assetsEnd: '8600000.00' },
        { employeesStart: 47, employeesEnd: 50, assetsStart: '8600000.00', assetsEnd: '9000000.00' },
        { employeesStart: 50, employeesEnd: 52, assetsStart: '9000000.00', assetsEnd: '9400000.00' },
      ],
    },
  },
});

const limitsInputs = z
  .object({
    revenue: yuan().describe('Sales (operating) revenue of the year (销售（营业）收入).'),
    entertainment: optionalYuan().describe('entertainment spending of the year (业务招待费)'),
    advertising: optionalYuan().describe('advertising and promotion spending of the year'),
    advertisingCarriedForward: optionalYuan().describe('Advertising beyond the cap carried forward from earlier years.'),
  })
  .strict();

/** The deduction caps for entertainment and advertising expenses, with the tax adjustment they cause. */
export const citDeductionLimits = defineCalculation({
  name: 'cit.deductionLimits',
  description:
    'The deduction caps of two common expenses: entertainment at the lower of 60 % of the spending and 0.5 % of the sales revenue; advertising and promotion up to 15 % of the sales revenue, the excess carried forward to later years.',
  outputs: {
    entertainmentDeductible: 'entertainment deductible this year',
    advertisingDeductible: 'advertising deductible this year (including amounts carried forward)',
    advertisingCarriedForward: 'advertising carried to later years',
    adjustment: 'tax adjustment: added to taxable income (negative: deducted)',
  },
  title: { zh: '企业所得税扣除限额（业务招待费、广告费）', en: 'CIT deduction limits: entertainment and advertising' },
  periodKinds: ['year'],
  inputs: limitsInputs,
  run(i, law, x) {
    const shareActual = law.ratio('cit.entertainmentShareOfActual');
    const shareRevenue = law.ratio('cit.entertainmentShareOfRevenue');
    const a = applyRate(i.entertainment, shareActual.ratio);
    const b = applyRate(i.revenue, shareRevenue.ratio);
    const entertainment = Math.min(a, b);
    x.money(
      'cit.entertainmentByActual',
      '业务招待费发生额×60%',
      'entertainment × share of actual',
      a,
      `${y(i.entertainment)} × ${percent(shareActual.ratio)}`,
      [shareActual.use],
      HALF_UP_FEN,
    );
    x.money(
      'cit.entertainmentByRevenue',
      '销售收入×5‰',
      'revenue × share of revenue',
      b,
      `${y(i.revenue)} × ${percent(shareRevenue.ratio)}`,
      [shareRevenue.use],
      HALF_UP_FEN,
    );
    x.money('cit.entertainmentDeductible', '业务招待费准予扣除额', 'entertainment deductible', entertainment, `min(${y(a)}, ${y(b)})`);
    const adShare = law.ratio('cit.advertisingShareOfRevenue');
    const adCap = applyRate(i.revenue, adShare.ratio);
    x.money(
      'cit.advertisingCap',
      '广告费和业务宣传费扣除限额',
      'advertising cap',
      adCap,
      `${y(i.revenue)} × ${percent(adShare.ratio)}`,
      [adShare.use],
      HALF_UP_FEN,
    );
    const adClaim = i.advertising + i.advertisingCarriedForward;
    const advertising = Math.min(adClaim, adCap);
    const adForward = adClaim - advertising;
    x.money(
      'cit.advertisingDeductible',
      '广告费准予扣除额',
      'advertising deductible',
      advertising,
      `min(${y(i.advertising)} + ${y(i.advertisingCarriedForward)} carried forward, ${y(adCap)})`,
    );
    x.money('cit.advertisingCarriedForward', '结转以后年度扣除额', 'advertising carried forward', adForward, `${y(adClaim)} − ${y(advertising)}`);
    // Negative when advertising carried forward from earlier years is deducted now (纳税调减).
    const adjustment = i.entertainment - entertainment + (i.advertising - advertising);
    x.money(
      'cit.adjustment',
      '纳税调整额',
      'tax adjustment (added back; negative: deducted)',
      adjustment,
      `${y(i.entertainment)} − ${y(entertainment)} + ${y(i.advertising)} − ${y(advertising)}`,
    );
    return {
      entertainmentDeductible: formatYuan(entertainment),
      advertisingDeductible: formatYuan(advertising),
      advertisingCarriedForward: formatYuan(adForward),
      adjustment: formatYuan(adjustment),
    };
  },
  example: { period: '2026', inputs: { revenue: '10000000.00', entertainment: '100000.00', advertising: '1200000.00' } },
});
