import type { Explanation } from './explain.ts';
import type { TaxpayerProfile } from './input.ts';
import type { LawAt, ParamUse } from './law.ts';
import { percent, type Ratio, ZERO_RATIO } from './money.ts';

export interface SixTaxesTwoFees {
  eligible: boolean;
  rate: Ratio;
  uses: ParamUse[];
}

/**
 * Whether the "six taxes and two fees" halving applies to this taxpayer in the period: small-scale
 * VAT taxpayers always (from 2019); small low-profit enterprises and individual businesses from 2022.
 */
export function sixTaxesTwoFees(law: LawAt, profile: TaxpayerProfile, x: Explanation): SixTaxesTwoFees {
  const covers = law.bool('sixTaxesTwoFees.coversSlpeAndIndividualBusiness');
  const rate = law.ratio('sixTaxesTwoFees.reductionRate');
  const reasons: string[] = [];
  if (profile.vatStatus === 'smallScale') reasons.push('small-scale VAT taxpayer');
  if (covers.value && profile.smallLowProfit) reasons.push('small low-profit enterprise');
  if (covers.value && profile.kind === 'individualBusiness') reasons.push('individual business');
  const eligible = reasons.length > 0;
  const uses = [covers.use, rate.use];
  x.fact(
    'sixTaxesTwoFees.eligible',
    '六税两费减半',
    'six taxes and two fees halving',
    eligible ? 'yes' : 'no',
    eligible
      ? `${reasons.join(', ')}: reduced by ${percent(rate.ratio)}`
      : covers.value
        ? 'neither small-scale VAT taxpayer, small low-profit enterprise nor individual business'
        : 'not a small-scale VAT taxpayer (the only group covered in this period)',
    uses,
  );
  return { eligible, rate: eligible ? rate.ratio : ZERO_RATIO, uses };
}
