import { z } from 'zod';
import { defineCalculation, type ResultValue } from '../calculation.ts';
import { HALF_UP_FEN, y } from '../explain.ts';
import { optionalYuan } from '../input.ts';
import { applyRate, type Fen, formatYuan, isZero, percent, type Ratio, ZERO_RATIO } from '../money.ts';
import { SURCHARGE_OUTPUTS, surchargeFields, surchargesOnVat } from './surcharges.ts';

const ADDITIONAL_DEDUCTION = {
  productionServices: 'vat.additionalDeductionProductionServices',
  livingServices: 'vat.additionalDeductionLivingServices',
  advancedManufacturing: 'vat.additionalDeductionAdvancedManufacturing',
  integratedCircuit: 'vat.additionalDeductionIntegratedCircuit',
  motherMachine: 'vat.additionalDeductionMotherMachine',
} as const;

const inputs = z
  .object({
    salesStandardRate: optionalYuan().describe('sales excluding VAT at the standard rate (13 %; 16 % before 2019-04)'),
    salesLowRate: optionalYuan().describe('sales excluding VAT at the low rate (9 %; 10 % before 2019-04)'),
    salesServicesRate: optionalYuan().describe('sales excluding VAT at the services rate (6 %)'),
    salesZeroRate: optionalYuan().describe('zero-rated sales (exports)'),
    inputTax: optionalYuan().describe("Input tax on the period's deductible invoices."),
    inputTaxTransferredOut: optionalYuan().describe('Input tax transferred out (进项税额转出): no longer deductible.'),
    retainedCreditOpening: optionalYuan().describe('Retained input credit carried forward from the previous period (上期留抵税额).'),
    additionalDeduction: z
      .enum(['none', ...Object.keys(ADDITIONAL_DEDUCTION)] as ['none', ...(keyof typeof ADDITIONAL_DEDUCTION)[]])
      .default('none')
      .describe('Which additional input-tax deduction (加计抵减) the taxpayer may claim, if any.'),
    additionalDeductionOpening: optionalYuan().describe('additional deduction balance brought forward'),
    ...surchargeFields,
  })
  .strict();

/**
 * VAT of a general taxpayer under the general method for a month or quarter: output tax by rate,
 * deductible input tax, the retained credit carried forward, the input-tax additional deduction where
 * in force (it only offsets positive VAT payable), and optionally the surcharges.
 */
export const vatGeneral = defineCalculation({
  name: 'vat.general',
  description:
    'VAT of a general taxpayer for a month or quarter: output tax at 13 %, 9 % and 6 % (16 % and 10 % before 2019-04), deductible input tax net of transfers out, the retained credit carried forward, and the input-tax additional deduction (加计抵减) where in force: 10 %/15 % for production and living services 2019-2022, 5 %/10 % in 2023, 5 % advanced manufacturing and 15 % chips and industrial mother machines 2023-2025 (2026-2027 only with the setting vat2026AdditionalDeduction); with a location the surcharges too.',
  outputs: {
    outputTax: 'output tax',
    deductibleInputTax: 'input tax net of transfers out',
    vatPayable: 'VAT payable',
    retainedCreditClosing: 'retained input credit carried to the next period',
    additionalDeductionUsed: "additional deduction used against this period's VAT",
    additionalDeductionClosing: 'additional deduction balance carried forward',
    ...SURCHARGE_OUTPUTS,
  },
  title: { zh: '增值税（一般计税方法）', en: 'VAT, general method' },
  periodKinds: ['month', 'quarter'],
  inputs,
  run(i, law, x) {
    const rates = [
      ['Standard', law.ratio('vat.rateStandard'), i.salesStandardRate],
      ['Low', law.ratio('vat.rateLow'), i.salesLowRate],
      ['Services', law.ratio('vat.rateServices'), i.salesServicesRate],
    ] as const;
    let output = 0;
    for (const [name, rate, sales] of rates) {
      if (sales === 0) continue;
      const t = applyRate(sales, rate.ratio);
      x.money(
        `vat.outputTax${name}`,
        `销项税额（${percent(rate.ratio)}）`,
        `output tax at ${percent(rate.ratio)}`,
        t,
        `${y(sales)} × ${percent(rate.ratio)}`,
        [rate.use],
        HALF_UP_FEN,
      );
      output += t;
    }
    if (i.salesZeroRate > 0) x.money('vat.zeroRatedSales', '零税率销售额', 'zero-rated sales (no output tax)', i.salesZeroRate, `${y(i.salesZeroRate)} × 0%`);
    x.money('vat.outputTax', '销项税额合计', 'output tax', output, 'sum of the output tax lines');
    const deductible = i.inputTax - i.inputTaxTransferredOut;
    x.money('vat.inputTax', '可抵扣进项税额', 'deductible input tax', deductible, `${y(i.inputTax)} − ${y(i.inputTaxTransferredOut)} transferred out`);
    const before = output - deductible - i.retainedCreditOpening;
    x.money(
      'vat.beforeAdditionalDeduction',
      '抵减前应纳税额',
      'VAT before the additional deduction',
      Math.max(0, before),
      `${y(output)} − ${y(deductible)} − ${y(i.retainedCreditOpening)} retained credit`,
    );
    const retainedClosing = before < 0 ? -before : 0;
    if (retainedClosing > 0)
      x.money(
        'vat.retainedCreditClosing',
        '期末留抵税额',
        'retained credit carried forward',
        retainedClosing,
        `${y(deductible + i.retainedCreditOpening)} − ${y(output)}`,
      );

    // Additional deduction: accrues on the period's input tax, is reduced for input transferred out,
    // and offsets only positive VAT payable; the rest carries forward.
    let rate: Ratio = ZERO_RATIO;
    let accrued = 0;
    let used = 0;
    let additionalClosing = i.additionalDeductionOpening;
    if (i.additionalDeduction !== 'none') {
      const p = law.ratio(ADDITIONAL_DEDUCTION[i.additionalDeduction]);
      rate = p.ratio;
      if (p.use.confidence === 'U' && !law.settings.vat2026AdditionalDeduction) {
        rate = ZERO_RATIO;
        x.note(`${p.use.name} is unconfirmed for this period (${p.use.source}); not applied unless the setting vat2026AdditionalDeduction is on`);
      }
      if (isZero(rate)) {
        x.fact('vat.additionalDeductionRate', '加计抵减比例', 'additional deduction rate', '0', 'not in force for this taxpayer in this period', [p.use]);
      } else {
        accrued = applyRate(i.inputTax, rate) - applyRate(i.inputTaxTransferredOut, rate);
        x.money(
          'vat.additionalDeductionAccrued',
          '本期加计抵减额',
          'additional deduction accrued',
          accrued,
          `(${y(i.inputTax)} − ${y(i.inputTaxTransferredOut)}) × ${percent(rate)}`,
          [p.use],
          HALF_UP_FEN,
        );
      }
      const available = i.additionalDeductionOpening + accrued;
      used = Math.max(0, Math.min(available, Math.max(0, before)));
      additionalClosing = available - used;
      x.money(
        'vat.additionalDeductionUsed',
        '本期实际抵减额',
        'additional deduction used',
        used,
        `min(${y(available)} available, ${y(Math.max(0, before))} payable)`,
      );
      x.money('vat.additionalDeductionClosing', '期末加计抵减余额', 'additional deduction carried forward', additionalClosing, `${y(available)} − ${y(used)}`);
    }
    const vat: Fen = Math.max(0, before) - used;
    x.money('vat.payable', '应纳增值税额', 'VAT payable', vat, `${y(Math.max(0, before))} − ${y(used)}`);

    const result: Record<string, ResultValue> = {
      outputTax: formatYuan(output),
      deductibleInputTax: formatYuan(deductible),
      vatPayable: formatYuan(vat),
      retainedCreditClosing: formatYuan(retainedClosing),
      additionalDeductionUsed: formatYuan(used),
      additionalDeductionClosing: formatYuan(additionalClosing),
    };
    if (i.location) {
      Object.assign(
        result,
        surchargesOnVat(law, x, vat, {
          sales: i.salesStandardRate + i.salesLowRate + i.salesServicesRate + i.salesZeroRate,
          location: i.location,
          taxpayer: { vatStatus: 'general', kind: i.kind, smallLowProfit: i.smallLowProfit },
        }),
      );
    }
    return result;
  },
  example: { period: '2026-05', inputs: { salesStandardRate: '200000.00', inputTax: '21000.00', location: 'city' } },
});
