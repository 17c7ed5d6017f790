import { z } from 'zod';
import { type Explanation, y } from './explain.ts';
import { count, optionalYuan } from './input.ts';
import type { LawAt, ParamUse } from './law.ts';
import type { Fen } from './money.ts';

const shared = z
  .object({
    children: count().describe('number of children'),
    share: z.enum(['full', 'half']).default('full').describe('claimed in full by one parent, or half by each'),
  })
  .strict();

/** The special additional deductions (专项附加扣除) a person claims each month. */
export const specialDeductionsSchema = z
  .object({
    childEducation: shared.optional().describe("children's education, from age 3 through doctoral study"),
    infantCare: shared.optional().describe('infant care, children under 3 (from 2022)'),
    continuingEducation: z.boolean().default(false).describe('Degree continuing education (at most 48 months in all).'),
    housing: z
      .enum(['none', 'loanInterest', 'rentTier1', 'rentTier2', 'rentTier3'])
      .default('none')
      .describe('housing-loan interest, or rent: tier 1 municipalities, provincial capitals and Shenzhen; tier 2 cities over 1,000,000; tier 3 elsewhere'),
    elderlySupport: z
      .enum(['none', 'onlyChild', 'sibling'])
      .default('none')
      .describe('support of parents aged 60 or more, as an only child or sharing with siblings'),
    elderlySupportShare: optionalYuan().describe('For a sibling: the monthly amount agreed among the siblings (capped by law).'),
  })
  .strict();

export type SpecialDeductions = z.infer<typeof specialDeductionsSchema>;

const HOUSING = {
  loanInterest: 'iit.sadHousingLoanInterest',
  rentTier1: 'iit.sadHousingRentTier1',
  rentTier2: 'iit.sadHousingRentTier2',
  rentTier3: 'iit.sadHousingRentTier3',
} as const;

/** The monthly amount of a set of special additional deductions under the law of the period. */
export function monthlySpecialDeductions(law: LawAt, s: SpecialDeductions): { fen: Fen; parts: string[]; uses: ParamUse[] } {
  const parts: string[] = [];
  const uses: ParamUse[] = [];
  let fen = 0;
  const perChild = (name: string, label: string, c: z.infer<typeof shared> | undefined) => {
    if (!c || c.children === 0) return;
    const p = law.money(name);
    const amount = (c.share === 'half' ? p.fen / 2 : p.fen) * c.children;
    fen += amount;
    parts.push(`${label} ${c.children} × ${y(p.fen)}${c.share === 'half' ? ' × 50%' : ''} = ${y(amount)}`);
    uses.push(p.use);
  };
  perChild('iit.sadChildEducation', 'children’s education', s.childEducation);
  perChild('iit.sadInfantCare', 'infant care', s.infantCare);
  if (s.continuingEducation) {
    const p = law.money('iit.sadContinuingEducation');
    fen += p.fen;
    parts.push(`continuing education ${y(p.fen)}`);
    uses.push(p.use);
  }
  if (s.housing !== 'none') {
    const p = law.money(HOUSING[s.housing]);
    fen += p.fen;
    parts.push(`${s.housing === 'loanInterest' ? 'housing-loan interest' : `housing rent (${s.housing.slice(4).toLowerCase()})`} ${y(p.fen)}`);
    uses.push(p.use);
  }
  if (s.elderlySupport === 'onlyChild') {
    const p = law.money('iit.sadElderlySupport');
    fen += p.fen;
    parts.push(`elderly support (only child) ${y(p.fen)}`);
    uses.push(p.use);
  } else if (s.elderlySupport === 'sibling') {
    const cap = law.money('iit.sadElderlySupportShareLimit');
    const amount = Math.min(s.elderlySupportShare, cap.fen);
    fen += amount;
    parts.push(`elderly support (sibling share) min(${y(s.elderlySupportShare)}, ${y(cap.fen)}) = ${y(amount)}`);
    uses.push(cap.use);
  }
  return { fen, parts, uses };
}

export function explainSpecialDeductions(law: LawAt, s: SpecialDeductions, x: Explanation, id: string): Fen {
  const r = monthlySpecialDeductions(law, s);
  x.money(id, '专项附加扣除（每月）', 'special additional deductions a month', r.fen, r.parts.length > 0 ? r.parts.join(' + ') : 'none claimed', r.uses);
  return r.fen;
}
