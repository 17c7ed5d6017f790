import { z } from 'zod';
import { defineCalculation, type ResultValue } from '../calculation.ts';
import { type Explanation, HALF_UP_FEN, y } from '../explain.ts';
import { taxpayerProfile, yuan } from '../input.ts';
import type { LawAt } from '../law.ts';
import { applyRate, applyRateTo, divRound, type Fen, formatYuan, ONE_RATIO, parseRatio, percent, subRatio } from '../money.ts';
import { sixTaxesTwoFees } from '../sixTaxesTwoFees.ts';

export const CONTRACT_TYPES = {
  purchase: 'stampDuty.purchaseContract',
  work: 'stampDuty.workContract',
  construction: 'stampDuty.constructionContract',
  transport: 'stampDuty.transportContract',
  technology: 'stampDuty.technologyContract',
  loan: 'stampDuty.loanContract',
  financialLease: 'stampDuty.loanContract',
  lease: 'stampDuty.leaseContract',
  custody: 'stampDuty.warehousingContract',
  warehousing: 'stampDuty.warehousingContract',
  propertyInsurance: 'stampDuty.propertyInsuranceContract',
  propertyTransfer: 'stampDuty.propertyTransfer',
  intellectualPropertyTransfer: 'stampDuty.intellectualPropertyTransfer',
  accountBooks: 'stampDuty.accountBooks',
} as const;

const inputs = z
  .object({
    documents: z
      .array(
        z
          .object({
            type: z
              .enum(Object.keys(CONTRACT_TYPES) as [keyof typeof CONTRACT_TYPES, ...(keyof typeof CONTRACT_TYPES)[]])
              .describe(
                'the document: purchase, work, construction, transport, technology, loan, financial lease, lease, custody, warehousing, property insurance contract; property or intellectual-property transfer; account books',
              ),
            amount: yuan().describe('The amount the document states (price, rent, loan, ...; VAT excluded when stated separately).'),
          })
          .strict(),
      )
      .min(1, 'give at least one document')
      .describe('the documents of the period'),
    taxpayer: taxpayerProfile.optional(),
  })
  .strict();

/** Rounds a duty to the unit of the period; before 2022-07-01 a duty under one jiao was not levied. */
function roundDuty(law: LawAt, amount: Fen, rate: ReturnType<LawAt['ratio']>): { fen: Fen; rounding: string } {
  const unit = law.money('stampDuty.roundingUnit');
  if (unit.fen === 1) return { fen: applyRate(amount, rate.ratio), rounding: HALF_UP_FEN };
  const exact = applyRateTo(amount, rate.ratio, 1);
  if (exact < unit.fen) return { fen: 0, rounding: `under ${y(unit.fen)} yuan: not levied` };
  return { fen: applyRateTo(amount, rate.ratio, unit.fen), rounding: `half up to ${y(unit.fen)} yuan` };
}

/** Stamp duty on contracts and other documents, with the six-taxes-two-fees halving. */
export const stampDuty = defineCalculation({
  name: 'stampDuty',
  description:
    "Stamp duty on each document at the rate of its type (the Interim Regulations' table before 2022-07-01, the Stamp Duty Law's after), rounded as the period requires, with the six-taxes-two-fees halving when the taxpayer profile qualifies.",
  outputs: {
    documents: 'one entry per document: type, duty, reduction, payable',
    reduction: 'six-taxes-two-fees reduction in all',
    stampDutyPayable: 'stamp duty payable',
  },
  title: { zh: '印花税', en: 'Stamp duty' },
  periodKinds: ['day', 'month', 'quarter'],
  inputs,
  run(i, law, x: Explanation) {
    const halving = i.taxpayer ? sixTaxesTwoFees(law, i.taxpayer, x) : null;
    let total = 0;
    let reductionTotal = 0;
    const documents: ResultValue[] = [];
    for (const [k, d] of i.documents.entries()) {
      const rate = law.ratio(CONTRACT_TYPES[d.type]);
      const unit = law.money('stampDuty.roundingUnit');
      const { fen: duty, rounding } = roundDuty(law, d.amount, rate);
      x.money(
        `stampDuty.${k}`,
        `应纳税额（${d.type}）`,
        `duty on document ${k + 1} (${d.type})`,
        duty,
        `${y(d.amount)} × ${percent(rate.ratio)}`,
        [rate.use, unit.use],
        rounding,
      );
      let reduction = 0;
      if (halving?.eligible) {
        reduction = applyRate(duty, halving.rate);
        x.money(
          `stampDuty.${k}.reduction`,
          '六税两费减征额',
          'six taxes and two fees reduction',
          reduction,
          `${y(duty)} × ${percent(halving.rate)}`,
          halving.uses,
          HALF_UP_FEN,
        );
      }
      total += duty - reduction;
      reductionTotal += reduction;
      documents.push({ type: d.type, duty: formatYuan(duty), reduction: formatYuan(reduction), payable: formatYuan(duty - reduction) });
    }
    x.money('stampDuty.payable', '应缴印花税', 'stamp duty payable', total, 'sum of the documents');
    return { documents, reduction: formatYuan(reductionTotal), stampDutyPayable: formatYuan(total) };
  },
  example: {
    period: '2026-04-20',
    inputs: {
      documents: [
        { type: 'purchase', amount: '100000.00' },
        { type: 'lease', amount: '36000.00' },
      ],
      taxpayer: { vatStatus: 'smallScale' },
    },
  },
});

const propertyInputs = z
  .object({
    basis: z.enum(['cost', 'rent']).describe('owner-used property on its value, or let property on its rent'),
    originalValue: yuan().optional().describe('Cost basis: the original value of the property.'),
    deductionShare: z
      .string()
      .regex(/^0(\.\d+)?$|^1$/, 'must be a fraction between 0 and 1 written as a decimal string, e.g. "0.3"')
      .optional()
      .describe('the local deduction from the original value when not the law file\'s value (e.g. "0.3")'),
    rent: yuan().optional().describe('Rent basis: the rent of the period.'),
    housingLetToIndividuals: z.boolean().default(false).describe('Housing let to individuals (4 % instead of 12 %).'),
    months: z.number().int().min(1).max(12).default(12).describe('months of the period the property was held (cost basis; at most the months of the period)'),
    taxpayer: taxpayerProfile.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.basis === 'cost' && v.originalValue === undefined) ctx.addIssue({ code: 'custom', path: ['originalValue'], message: 'required for the cost basis' });
    if (v.basis === 'rent' && v.rent === undefined) ctx.addIssue({ code: 'custom', path: ['rent'], message: 'required for the rent basis' });
  });

/** Property tax on the cost basis (original value less the local deduction, 1.2 % a year) or the rent basis. */
export const propertyTax = defineCalculation({
  name: 'propertyTax',
  description:
    'Property tax on the cost basis (original value less the local deduction, × 1.2 % a year, pro rata for months held) or the rent basis (12 %, or 4 % for housing let to individuals), with the six-taxes-two-fees halving when the taxpayer profile qualifies.',
  outputs: {
    tax: 'property tax before the halving',
    reduction: 'six-taxes-two-fees reduction',
    propertyTaxPayable: 'property tax payable',
  },
  title: { zh: '房产税', en: 'Property tax' },
  periodKinds: ['year', 'quarter', 'month'],
  inputs: propertyInputs,
  run(i, law, x) {
    const halving = i.taxpayer ? sixTaxesTwoFees(law, i.taxpayer, x) : null;
    let tax: Fen;
    if (i.basis === 'cost') {
      const param = law.ratio('propertyTax.originalValueDeduction');
      const deduction = i.deductionShare ? { ratio: parseRatio(i.deductionShare), use: null } : { ratio: param.ratio, use: param.use };
      if (!i.deductionShare && param.use.confidence === 'U')
        x.note(`the local deduction ${param.ratio.text} is unconfirmed (${param.use.source}); pass deductionShare to use your own`);
      const residual = applyRate(i.originalValue ?? 0, subRatio(ONE_RATIO, deduction.ratio));
      x.money(
        'propertyTax.residual',
        '计税余值',
        'residual value',
        residual,
        `${y(i.originalValue ?? 0)} × (1 − ${percent(deduction.ratio)})`,
        deduction.use ? [deduction.use] : [],
        HALF_UP_FEN,
      );
      const rate = law.ratio('propertyTax.costBasisRate');
      const yearly = applyRate(residual, rate.ratio);
      // The annual tax is due for the months of the period the property was held.
      const periodMonths = law.period.kind === 'quarter' ? 3 : law.period.kind === 'month' ? 1 : 12;
      const months = Math.min(i.months, periodMonths);
      tax = months === 12 ? yearly : divRound(yearly * months, 12);
      x.money(
        'propertyTax.tax',
        '应纳税额',
        'property tax',
        tax,
        `${y(residual)} × ${percent(rate.ratio)}${months === 12 ? '' : ` × ${months} / 12`}`,
        [rate.use],
        HALF_UP_FEN,
      );
    } else {
      const rate = law.ratio(i.housingLetToIndividuals ? 'propertyTax.housingRentalRate' : 'propertyTax.rentalRate');
      tax = applyRate(i.rent ?? 0, rate.ratio);
      x.money('propertyTax.tax', '应纳税额', 'property tax', tax, `${y(i.rent ?? 0)} × ${percent(rate.ratio)}`, [rate.use], HALF_UP_FEN);
    }
    let reduction = 0;
    if (halving?.eligible) {
      reduction = applyRate(tax, halving.rate);
      x.money(
        'propertyTax.reduction',
        '六税两费减征额',
        'six taxes and two fees reduction',
        reduction,
        `${y(tax)} × ${percent(halving.rate)}`,
        halving.uses,
        HALF_UP_FEN,
      );
    }
    x.money('propertyTax.payable', '应缴房产税', 'property tax payable', tax - reduction, `${y(tax)} − ${y(reduction)}`);
    return { tax: formatYuan(tax), reduction: formatYuan(reduction), propertyTaxPayable: formatYuan(tax - reduction) };
  },
  example: { period: '2026', inputs: { basis: 'cost', originalValue: '1000000.00', deductionShare: '0.3' } },
});
