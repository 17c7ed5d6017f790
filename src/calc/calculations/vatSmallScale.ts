import { z } from 'zod';
import { defineCalculation, type ResultValue } from '../calculation.ts';
import { HALF_UP_FEN, y } from '../explain.ts';
import { optionalYuan, yuan } from '../input.ts';
import { applyRate, excludeTax, type Fen, formatYuan, isZero, percent } from '../money.ts';
import { SURCHARGE_OUTPUTS, surchargeFields, surchargesOnVat } from './surcharges.ts';

const inputs = z
  .object({
    sales: yuan().describe('Sales at the 3 % levy rate (goods, services, intangibles) on ordinary invoices or none.'),
    specialInvoiceSales: optionalYuan().describe('Sales at the 3 % levy rate invoiced on special VAT invoices: never exempt.'),
    realEstateSales: optionalYuan().describe('Sales of real property (5 % levy rate, never reduced).'),
    taxInclusive: z.boolean().default(false).describe('The amounts include VAT and are converted: amount ÷ (1 + rate).'),
    ...surchargeFields,
  })
  .strict();

/**
 * VAT of a small-scale taxpayer under the simplified method for a month or a quarter: the exemption
 * line (起征点 from 2026) with its edge setting, the reduced rate in force, the tax-inclusive
 * conversion, the real-estate carve-out where in force, and optionally the surcharges.
 */
export const vatSmallScale = defineCalculation({
  name: 'vat.smallScale',
  description:
    'VAT of a small-scale taxpayer for a month or quarter: the exemption line (100,000 a month or 300,000 a quarter; 150,000 / 450,000 from 2021-04 to 2022-12; a threshold taxing the whole amount from 2026), the reduced rate in force (1 % from 2020-03, 0 = exempt from 2022-04 to 2022-12, 1 % from 2023), special-invoice sales that are never exempt, real-property sales at 5 % with the carve-out of 2019-2025, the tax-inclusive conversion, and with a location the surcharges on the VAT.',
  outputs: {
    sales: 'sales of the period excluding VAT',
    threshold: 'the exemption line of the period',
    belowThreshold: 'true when the sales are below the line (the sales are exempt)',
    exemptSales: 'sales exempt from VAT',
    vatPayable: 'VAT payable',
    vatRelief: 'VAT relieved compared with the levy rates without any relief (for the benefit ledger)',
    ...SURCHARGE_OUTPUTS,
  },
  title: { zh: '增值税（小规模纳税人）', en: 'VAT, small-scale taxpayer' },
  periodKinds: ['month', 'quarter'],
  inputs,
  run(i, law, x) {
    const quarterly = law.period.kind === 'quarter';
    const is2026 = law.period.from >= '2026-01-01';
    const levy = law.ratio('vat.levyRate');
    const reduced = law.ratio('vat.smallScaleReducedRate');
    const realEstateRate = law.ratio('vat.realEstateLevyRate');
    // A reduced rate of 0 means the 3 % sales were exempt outright (2022-04..12); special-invoice
    // sales then give the exemption up and pay the levy rate.
    const ordinaryRate = isZero(reduced.ratio) ? levy : reduced;
    const specialRate = ordinaryRate;

    const convert = (id: string, zh: string, en: string, amount: Fen, rate: typeof levy): Fen => {
      if (!i.taxInclusive || amount === 0) return amount;
      const ex = excludeTax(amount, rate.ratio);
      x.money(id, zh, en, ex, `${y(amount)} ÷ (1 + ${percent(rate.ratio)})`, [rate.use], HALF_UP_FEN);
      return ex;
    };
    const ordinary = convert('vat.salesExcludingTax', '不含税销售额', 'sales excluding VAT', i.sales, ordinaryRate);
    const special = convert('vat.specialSalesExcludingTax', '专用发票不含税销售额', 'special-invoice sales excluding VAT', i.specialInvoiceSales, specialRate);
    const realEstate = convert(
      'vat.realEstateSalesExcludingTax',
      '销售不动产不含税销售额',
      'real-property sales excluding VAT',
      i.realEstateSales,
      realEstateRate,
    );
    const total = ordinary + special + realEstate;
    x.money('vat.sales', '销售额合计', 'sales in total', total, `${y(ordinary)} + ${y(special)} + ${y(realEstate)}`);

    const line = law.money(quarterly ? 'vat.smallScaleQuarterlyThreshold' : 'vat.smallScaleMonthlyThreshold');
    const inclusiveParam = law.bool('vat.thresholdInclusive');
    const inclusive = is2026 && law.settings.vat2026ExactThresholdExempt ? true : inclusiveParam.value;
    if (is2026 && law.settings.vat2026ExactThresholdExempt) x.note('setting vat2026ExactThresholdExempt: sales exactly at the line are treated as exempt');
    const carveParam = law.bool('vat.realEstateCarveOut');
    const carveOut = is2026 && law.settings.vat2026RealEstateCarveOut ? true : carveParam.value;
    if (is2026 && law.settings.vat2026RealEstateCarveOut) x.note('setting vat2026RealEstateCarveOut: real-property sales are left out when testing the line');
    const below = (amount: Fen) => (inclusive ? amount <= line.fen : amount < line.fen);

    let ordinaryExempt: boolean;
    let realEstateExempt: boolean;
    const cmp = (amount: Fen) => `${y(amount)} ${below(amount) ? (inclusive ? '≤' : '<') : inclusive ? '>' : '≥'} ${y(line.fen)}`;
    if (below(total)) {
      ordinaryExempt = true;
      realEstateExempt = true;
      x.fact('vat.belowThreshold', '未达到起征点/免征标准', 'below the exemption line', 'yes', cmp(total), [line.use, inclusiveParam.use]);
    } else if (carveOut && realEstate > 0 && below(total - realEstate)) {
      ordinaryExempt = true;
      realEstateExempt = false;
      x.fact(
        'vat.belowThreshold',
        '扣除不动产销售额后未超过免征标准',
        'below the line once real-property sales are left out',
        'yes, except real property',
        `${y(total)} − ${y(realEstate)} = ${cmp(total - realEstate)}`,
        [line.use, inclusiveParam.use, carveParam.use],
      );
    } else {
      ordinaryExempt = isZero(reduced.ratio);
      realEstateExempt = false;
      x.fact('vat.belowThreshold', '未达到起征点/免征标准', 'below the exemption line', 'no', cmp(total), [line.use, inclusiveParam.use]);
    }
    if (isZero(reduced.ratio)) x.note('in this period sales at the 3 % levy rate were exempt whatever their amount; special-invoice sales pay 3 %');

    let vat = 0;
    const taxLine = (id: string, zh: string, en: string, amount: Fen, rate: typeof levy): Fen => {
      if (amount === 0) return 0;
      const t = applyRate(amount, rate.ratio);
      x.money(id, zh, en, t, `${y(amount)} × ${percent(rate.ratio)}`, [rate.use], HALF_UP_FEN);
      return t;
    };
    if (ordinaryExempt) {
      if (ordinary > 0) {
        // Exempt by the line, or (reduced rate 0) by the outright exemption of the period.
        const why = below(total) || carveOut ? [line.use] : [reduced.use];
        x.money('vat.exemptSales', '免税销售额', 'exempt sales', ordinary, `${y(ordinary)} exempt`, why);
      }
    } else vat += taxLine('vat.tax', '应纳税额', 'VAT on sales', ordinary, ordinaryRate);
    vat += taxLine('vat.specialTax', '专用发票销售额应纳税额', 'VAT on special-invoice sales (not exempt)', special, specialRate);
    if (realEstateExempt) {
      if (realEstate > 0) x.money('vat.exemptRealEstate', '不动产免税销售额', 'exempt real-property sales', realEstate, `${y(realEstate)} exempt`, [line.use]);
    } else vat += taxLine('vat.realEstateTax', '销售不动产应纳税额', 'VAT on real-property sales', realEstate, realEstateRate);
    x.money('vat.payable', '应纳增值税额', 'VAT payable', vat, 'sum of the taxed lines');

    // What the sales would owe at the levy rates with no relief at all: the relief is the difference.
    const unrelieved = applyRate(ordinary + special, levy.ratio) + (realEstate > 0 ? applyRate(realEstate, realEstateRate.ratio) : 0);
    const relief = unrelieved - vat;
    x.money(
      'vat.relief',
      '减免税额',
      'VAT relieved (against the levy rates without reliefs)',
      relief,
      `${y(ordinary + special)} × ${percent(levy.ratio)}${realEstate > 0 ? ` + ${y(realEstate)} × ${percent(realEstateRate.ratio)}` : ''} − ${y(vat)}`,
      realEstate > 0 ? [levy.use, realEstateRate.use] : [levy.use],
      HALF_UP_FEN,
    );

    const result: Record<string, ResultValue> = {
      sales: formatYuan(total),
      threshold: formatYuan(line.fen),
      belowThreshold: below(total),
      exemptSales: formatYuan((ordinaryExempt ? ordinary : 0) + (realEstateExempt ? realEstate : 0)),
      vatPayable: formatYuan(vat),
      vatRelief: formatYuan(relief),
    };
    if (i.location) {
      Object.assign(
        result,
        surchargesOnVat(law, x, vat, {
          sales: total,
          location: i.location,
          taxpayer: { vatStatus: 'smallScale', kind: i.kind, smallLowProfit: i.smallLowProfit },
        }),
      );
    }
    return result;
  },
  example: { period: '2026-Q1', inputs: { sales: '450000.00', taxInclusive: true, location: 'city' } },
});
