import type { Calculation } from './calculation.ts';
import { citAnnual, citDeductionLimits } from './calculations/cit.ts';
import { iitAnnual, iitAnnualBonus, iitBusiness, iitPayment } from './calculations/iitOther.ts';
import { iitWages } from './calculations/iitWages.ts';
import { propertyTax, stampDuty } from './calculations/stampDuty.ts';
import { surcharges } from './calculations/surcharges.ts';
import { vatGeneral } from './calculations/vatGeneral.ts';
import { vatSmallScale } from './calculations/vatSmallScale.ts';

/** Every calculation of the calculator, by the name requests use. */
export const CALCULATIONS: ReadonlyMap<string, Calculation> = new Map(
  (
    [
      vatSmallScale,
      vatGeneral,
      surcharges,
      citAnnual,
      citDeductionLimits,
      iitWages,
      iitAnnual,
      iitAnnualBonus,
      iitPayment,
      iitBusiness,
      stampDuty,
      propertyTax,
    ] as Calculation[]
  ).map((c) => [c.name, c]),
);
