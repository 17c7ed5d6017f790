import { z } from 'zod';
import { bracketOf, tableFormula, tableTax } from '../brackets.ts';
import { defineCalculation } from '../calculation.ts';
import { HALF_UP_FEN, y } from '../explain.ts';
import { optionalYuan, yuan } from '../input.ts';
import type { LawAt } from '../law.ts';
import { applyRate, divRound, type Fen, formatYuan, mulRatio, ONE_RATIO, percent, subRatio } from '../money.ts';

/** Income amount of a labour, author's or royalty receipt under the annual rules: receipt × (1 − 20 %), author's × 70 % more. */
function annualIncomeAmount(law: LawAt, receipt: Fen, author: boolean): { fen: Fen; formula: string; uses: ReturnType<LawAt['ratio']>['use'][] } {
  const expense = law.ratio('iit.paymentExpenseShare');
  const keep = subRatio(ONE_RATIO, expense.ratio);
  if (!author) return { fen: applyRate(receipt, keep), formula: `${y(receipt)} × ${percent(keep)}`, uses: [expense.use] };
  const share = law.ratio('iit.authorIncomeShare');
  const both = mulRatio(keep, share.ratio);
  return { fen: applyRate(receipt, both), formula: `${y(receipt)} × ${percent(keep)} × ${percent(share.ratio)}`, uses: [expense.use, share.use] };
}

const annualInputs = z
  .object({
    wages: optionalYuan().describe('wages and salaries of the year'),
    labour: optionalYuan().describe('labour remuneration received in the year (gross)'),
    authorRemuneration: optionalYuan().describe("author's remuneration received in the year (gross)"),
    royalties: optionalYuan().describe('royalties received in the year (gross)'),
    socialInsurance: optionalYuan().describe('social insurance and housing fund contributions of the year'),
    specialAdditionalDeductions: optionalYuan().describe('Special additional deductions of the year in total, except serious illness.'),
    seriousIllnessCost: optionalYuan().describe('Out-of-pocket medical cost within the insured catalogue (the serious-illness deduction is derived).'),
    continuingEducationCertificate: z.boolean().default(false).describe('A vocational or professional qualification certificate was obtained this year.'),
    otherDeductions: optionalYuan().describe('other deductions allowed by law (private pension, ...)'),
    taxWithheld: optionalYuan().describe('tax withheld during the year'),
  })
  .strict();

/** Annual reconciliation of comprehensive income (综合所得汇算清缴). */
export const iitAnnual = defineCalculation({
  name: 'iit.annual',
  description:
    "Annual reconciliation of comprehensive income: wages, plus labour remuneration and royalties at 80 % and author's remuneration at 80 % × 70 %, less 60,000, social insurance, special additional deductions (the serious-illness deduction derived from the out-of-pocket cost; the certificate amount), other deductions; tax by the annual table; compared with what was withheld. Tax still due needs no filing when the income is at most 120,000 or the tax due at most 400.",
  outputs: {
    comprehensiveIncome: 'comprehensive income (income amounts)',
    deductions: 'all deductions',
    taxableIncome: 'taxable income',
    tax: 'tax for the year',
    taxDue: 'tax still due',
    refund: 'refund due',
    filingRequired: '`yes`, `no` or `optional (refund)`',
  },
  title: { zh: '综合所得年度汇算', en: 'IIT annual reconciliation of comprehensive income' },
  periodKinds: ['year'],
  inputs: annualInputs,
  run(i, law, x) {
    const labour = annualIncomeAmount(law, i.labour, false);
    const author = annualIncomeAmount(law, i.authorRemuneration, true);
    const royalty = annualIncomeAmount(law, i.royalties, false);
    if (i.labour) x.money('iit.labourIncome', '劳务报酬收入额', 'labour remuneration income amount', labour.fen, labour.formula, labour.uses, HALF_UP_FEN);
    if (i.authorRemuneration)
      x.money('iit.authorIncome', '稿酬收入额', 'author’s remuneration income amount', author.fen, author.formula, author.uses, HALF_UP_FEN);
    if (i.royalties) x.money('iit.royaltyIncome', '特许权使用费收入额', 'royalty income amount', royalty.fen, royalty.formula, royalty.uses, HALF_UP_FEN);
    const income = i.wages + labour.fen + author.fen + royalty.fen;
    x.money(
      'iit.comprehensiveIncome',
      '综合所得收入额',
      'comprehensive income',
      income,
      `${y(i.wages)} wages + ${y(labour.fen)} + ${y(author.fen)} + ${y(royalty.fen)}`,
    );

    const basic = law.money('iit.basicDeductionMonthly');
    const basicYear = basic.fen * 12;
    x.money('iit.basicDeduction', '减除费用', 'basic deduction', basicYear, `12 × ${y(basic.fen)}`, [basic.use]);
    let illness = 0;
    if (i.seriousIllnessCost > 0) {
      const floor = law.money('iit.sadSeriousIllnessFloor');
      const cap = law.money('iit.sadSeriousIllnessCap');
      illness = Math.min(cap.fen, Math.max(0, i.seriousIllnessCost - floor.fen));
      x.money('iit.seriousIllness', '大病医疗扣除', 'serious illness deduction', illness, `min(${y(cap.fen)}, ${y(i.seriousIllnessCost)} − ${y(floor.fen)})`, [
        floor.use,
        cap.use,
      ]);
    }
    let certificate = 0;
    if (i.continuingEducationCertificate) {
      const p = law.money('iit.sadContinuingEducationCertificate');
      certificate = p.fen;
      x.money('iit.certificate', '继续教育（职业资格证书）', 'continuing education certificate', certificate, y(p.fen), [p.use]);
    }
    const deductions = basicYear + i.socialInsurance + i.specialAdditionalDeductions + illness + certificate + i.otherDeductions;
    x.money(
      'iit.deductions',
      '扣除合计',
      'deductions in total',
      deductions,
      `${y(basicYear)} + ${y(i.socialInsurance)} social insurance + ${y(i.specialAdditionalDeductions)} special additional + ${y(illness + certificate)} + ${y(i.otherDeductions)} other`,
    );
    const taxable = Math.max(0, income - deductions);
    x.money('iit.taxableIncome', '应纳税所得额', 'taxable income', taxable, `max(0, ${y(income)} − ${y(deductions)})`);
    const table = law.table('iit.comprehensiveTable');
    const tax = tableTax(table.rows, taxable);
    x.money('iit.tax', '应纳税额', 'tax for the year', tax, tableFormula(table.rows, taxable), [table.use], HALF_UP_FEN);
    const due = tax - i.taxWithheld;
    x.money(
      'iit.due',
      due >= 0 ? '应补税额' : '应退税额',
      due >= 0 ? 'tax still due' : 'refund due',
      Math.abs(due),
      `${y(tax)} − ${y(i.taxWithheld)} withheld`,
    );
    const exemptIncome = law.money('iit.annualFilingExemptIncome');
    const exemptTax = law.money('iit.annualFilingExemptTax');
    // The exemption looks at the year's comprehensive income received (收入), before the 20 % expense cut.
    const gross = i.wages + i.labour + i.authorRemuneration + i.royalties;
    const noFiling = due <= 0 ? null : gross <= exemptIncome.fen || due <= exemptTax.fen;
    if (noFiling !== null) {
      x.fact(
        'iit.filingExempt',
        '免予办理汇算',
        'exempt from filing the reconciliation',
        noFiling ? 'yes' : 'no',
        `income received ${y(gross)} ${gross <= exemptIncome.fen ? '≤' : '>'} ${y(exemptIncome.fen)}, or tax due ${y(due)} ${due <= exemptTax.fen ? '≤' : '>'} ${y(exemptTax.fen)}: ${noFiling ? 'either is enough' : 'neither holds'}`,
        [exemptIncome.use, exemptTax.use],
      );
    }
    return {
      comprehensiveIncome: formatYuan(income),
      deductions: formatYuan(deductions),
      taxableIncome: formatYuan(taxable),
      tax: formatYuan(tax),
      taxDue: formatYuan(Math.max(0, due)),
      refund: formatYuan(Math.max(0, -due)),
      filingRequired: due < 0 ? 'optional (refund)' : noFiling ? 'no' : due === 0 ? 'no' : 'yes',
    };
  },
  example: { period: '2025', inputs: { wages: '180000.00', socialInsurance: '12000.00', specialAdditionalDeductions: '12000.00', taxWithheld: '6000.00' } },
});

const bonusInputs = z
  .object({
    bonus: yuan().describe('the annual one-off bonus'),
    otherTaxableIncome: yuan({ min: 'any' })
      .default(0)
      .describe("The year's comprehensive taxable income without the bonus, after all deductions (negative: deductions left unused)."),
  })
  .strict();

/** Annual one-off bonus: taxed separately on the monthly-converted table, compared with merging it into comprehensive income. */
export const iitAnnualBonus = defineCalculation({
  name: 'iit.annualBonus',
  description:
    'The annual one-off bonus taxed separately (bonus × rate − quick deduction, the rate found by bonus ÷ 12 on the monthly-converted table; allowed to 2027-12-31) compared with merging it into comprehensive income. The quick deduction is a monthly figure applied once, hence the cliffs at 36,000, 144,000, 300,000, 420,000, 660,000 and 960,000.',
  outputs: {
    separate: 'tax on the bonus and the rest of the income, the bonus taxed separately (null when not allowed)',
    merged: 'tax with the bonus merged into comprehensive income',
    recommended: '`separate` or `merged`, the cheaper',
    saving: 'how much the cheaper way saves',
  },
  title: { zh: '全年一次性奖金（单独计税与并入综合所得比较）', en: 'IIT on the annual one-off bonus: separate versus merged' },
  periodKinds: ['year'],
  inputs: bonusInputs,
  run(i, law, x) {
    const annual = law.table('iit.comprehensiveTable');
    const allowed = law.bool('iit.annualBonusSeparateAllowed');
    if (i.otherTaxableIncome === 0)
      x.note('otherTaxableIncome was not given and counts as 0: the comparison assumes the bonus is the only taxable comprehensive income of the year');
    const rest = Math.max(0, i.otherTaxableIncome);
    const restTax = tableTax(annual.rows, rest);
    const merged = tableTax(annual.rows, Math.max(0, i.otherTaxableIncome + i.bonus));
    x.money(
      'iit.merged',
      '并入综合所得计税',
      'tax with the bonus merged',
      merged,
      tableFormula(annual.rows, Math.max(0, i.otherTaxableIncome + i.bonus)),
      [annual.use],
      HALF_UP_FEN,
    );
    let separate: Fen | null = null;
    if (allowed.value) {
      const table = law.table('iit.annualBonusTable');
      // The bracket is found by bonus ÷ 12; compare bonus with 12 × upTo to stay exact.
      const row = table.rows.find((r) => r.upTo === null || i.bonus <= r.upTo * 12) ?? bracketOf(table.rows, i.bonus);
      const bonusTax = Math.max(0, applyRate(i.bonus, row.rate) - row.quickDeduction);
      x.money(
        'iit.bonusTax',
        '全年一次性奖金单独计税',
        'tax on the bonus taxed separately',
        bonusTax,
        `${y(i.bonus)} ÷ 12 = ${y(divRound(i.bonus, 12))} → ${percent(row.rate)}; ${y(i.bonus)} × ${percent(row.rate)} − ${y(row.quickDeduction)}`,
        [table.use, allowed.use],
        HALF_UP_FEN,
      );
      x.money(
        'iit.restTax',
        '其余综合所得应纳税额',
        'tax on the rest of comprehensive income',
        restTax,
        tableFormula(annual.rows, rest),
        [annual.use],
        HALF_UP_FEN,
      );
      separate = bonusTax + restTax;
      x.money('iit.separate', '单独计税合计', 'tax with the bonus separate', separate, `${y(bonusTax)} + ${y(restTax)}`);
    } else x.note('separate taxation of the annual bonus is not in force for this year');
    const better = separate !== null && separate < merged ? 'separate' : 'merged';
    x.fact('iit.bonusChoice', '建议计税方式', 'the cheaper way', better, separate === null ? 'merged only' : `${y(separate)} separate vs ${y(merged)} merged`);
    return {
      separate: separate === null ? null : formatYuan(separate),
      merged: formatYuan(merged),
      recommended: better,
      saving: formatYuan(separate === null ? 0 : Math.abs(merged - separate)),
    };
  },
  example: { period: '2026', inputs: { bonus: '60000.00', otherTaxableIncome: '90000.00' } },
});

const paymentInputs = z
  .object({
    kind: z.enum(['labour', 'authorRemuneration', 'royalty']).describe("labour remuneration, author's remuneration or royalty"),
    amount: yuan().describe('The receipt of one payment (每次收入).'),
  })
  .strict();

/** Withholding on one labour, author's or royalty payment (预扣预缴). */
export const iitPayment = defineCalculation({
  name: 'iit.payment',
  description:
    "Withholding on one payment of labour remuneration, author's remuneration or royalties: income amount = payment − 800 up to 4,000, otherwise payment × 80 %; author's remuneration counted at 70 % of that; labour by its withholding table (20 %, 30 % − 2,000, 40 % − 7,000), the others at 20 %.",
  outputs: {
    incomeAmount: 'the income amount the rate applies to',
    withheld: 'tax to withhold',
  },
  title: { zh: '劳务报酬、稿酬、特许权使用费预扣预缴', en: 'IIT withheld on labour, author’s remuneration or royalty payments' },
  periodKinds: ['day', 'month'],
  inputs: paymentInputs,
  run(i, law, x) {
    const fixed = law.money('iit.paymentExpenseFixed');
    const limit = law.money('iit.paymentExpenseLimit');
    const share = law.ratio('iit.paymentExpenseShare');
    let amount: Fen;
    if (i.amount <= limit.fen) {
      amount = Math.max(0, i.amount - fixed.fen);
      x.money('iit.incomeAmount', '收入额', 'income amount', amount, `${y(i.amount)} ≤ ${y(limit.fen)}: ${y(i.amount)} − ${y(fixed.fen)}`, [
        limit.use,
        fixed.use,
      ]);
    } else {
      const keep = subRatio(ONE_RATIO, share.ratio);
      amount = applyRate(i.amount, keep);
      x.money(
        'iit.incomeAmount',
        '收入额',
        'income amount',
        amount,
        `${y(i.amount)} > ${y(limit.fen)}: ${y(i.amount)} × ${percent(keep)}`,
        [limit.use, share.use],
        HALF_UP_FEN,
      );
    }
    if (i.kind === 'authorRemuneration') {
      const authorShare = law.ratio('iit.authorIncomeShare');
      const before = amount;
      amount = applyRate(amount, authorShare.ratio);
      x.money(
        'iit.authorIncomeAmount',
        '稿酬收入额减按70%',
        'author’s remuneration counted at 70 %',
        amount,
        `${y(before)} × ${percent(authorShare.ratio)}`,
        [authorShare.use],
        HALF_UP_FEN,
      );
    }
    let tax: Fen;
    if (i.kind === 'labour') {
      const table = law.table('iit.labourWithholdingTable');
      tax = tableTax(table.rows, amount);
      x.money('iit.withheld', '应预扣预缴税额', 'tax withheld', tax, tableFormula(table.rows, amount), [table.use], HALF_UP_FEN);
    } else {
      const rate = law.ratio('iit.authorRoyaltyWithholdingRate');
      tax = applyRate(amount, rate.ratio);
      x.money('iit.withheld', '应预扣预缴税额', 'tax withheld', tax, `${y(amount)} × ${percent(rate.ratio)}`, [rate.use], HALF_UP_FEN);
    }
    return { incomeAmount: formatYuan(amount), withheld: formatYuan(tax) };
  },
  example: { period: '2026-03-15', inputs: { kind: 'labour', amount: '30000.00' } },
});

const businessInputs = z
  .object({
    taxableIncome: yuan().describe('Taxable business income of the year (经营所得应纳税所得额).'),
    individualBusiness: z
      .boolean()
      .default(true)
      .describe('An individual business (个体工商户); sole proprietorships and partnerships do not get the halving.'),
    otherRelief: optionalYuan().describe('Other reliefs on this business income, before the halving.'),
  })
  .strict();

/** Business income (经营所得) with the individual-business halving. */
export const iitBusiness = defineCalculation({
  name: 'iit.business',
  description:
    'Tax on business income by the five-bracket table, with the individual-business halving (2021-2022 on income up to 1,000,000; 2023-2027 up to 2,000,000): relief = (tax on the part within the limit − other reliefs × that part ÷ the income) × 50 %. Sole proprietorships and partnerships do not get the halving.',
  outputs: {
    tax: 'tax by the table',
    relief: 'individual-business relief',
    taxPayable: 'tax payable after all reliefs',
  },
  title: { zh: '经营所得个人所得税（含个体工商户减半）', en: 'IIT on business income, with the individual-business halving' },
  periodKinds: ['year'],
  inputs: businessInputs,
  run(i, law, x) {
    const table = law.table('iit.businessTable');
    const tax = tableTax(table.rows, i.taxableIncome);
    x.money('iit.tax', '应纳税额', 'tax on business income', tax, tableFormula(table.rows, i.taxableIncome), [table.use], HALF_UP_FEN);
    let relief = 0;
    if (i.individualBusiness) {
      const share = law.ratio('iit.individualBusinessReliefShare');
      const limit = law.money('iit.individualBusinessReliefLimit');
      if (share.ratio.num === 0 || i.taxableIncome === 0) {
        x.fact('iit.halving', '个体工商户减半征收', 'individual-business halving', 'no', share.ratio.num === 0 ? 'not in force in this year' : 'no income', [
          share.use,
        ]);
      } else {
        const within = Math.min(i.taxableIncome, limit.fen);
        const taxWithin = tableTax(table.rows, within);
        // (tax on the part within the limit − other reliefs × within ÷ income) × share, rounded once.
        const num = BigInt(taxWithin) * BigInt(i.taxableIncome) - BigInt(i.otherRelief) * BigInt(within);
        relief = Number(
          (2n * num * BigInt(share.ratio.num) + BigInt(i.taxableIncome) * BigInt(share.ratio.den)) / (2n * BigInt(i.taxableIncome) * BigInt(share.ratio.den)),
        );
        relief = Math.max(0, relief);
        x.money(
          'iit.halving',
          '个体工商户减免税额',
          'individual-business relief',
          relief,
          `(${y(taxWithin)} tax on ${y(within)} − ${y(i.otherRelief)} × ${y(within)} ÷ ${y(i.taxableIncome)}) × ${percent(share.ratio)}`,
          [share.use, limit.use, table.use],
          HALF_UP_FEN,
        );
      }
    }
    const payable = Math.max(0, tax - i.otherRelief - relief);
    x.money('iit.payable', '应缴税额', 'tax payable', payable, `${y(tax)} − ${y(i.otherRelief)} − ${y(relief)}`);
    return { tax: formatYuan(tax), relief: formatYuan(relief), taxPayable: formatYuan(payable) };
  },
  example: { period: '2026', inputs: { taxableIncome: '120000.00' } },
});
