/**
 * Reduction codes (减免性质代码) the generator claims on returns.
 *
 * PLACEHOLDERS. The real codes are ten digits from the STA's 减免性质代码 list;
 * these values only have the right shape (10 digits). The policy catalogue
 * (law/) lists them beside the official codes it has (the surcharge reliefs':
 * one code per levy, where the synthetic city claims one for all three), and
 * alone where it has none yet. Do not show them to a taxpayer as real codes.
 */
export const REDUCTION_CODES = {
  /** Small-scale VAT exemption, sales ≤ 100,000 a month / 300,000 a quarter (财政部 税务总局公告2023年第19号). */
  vatSmallScaleExemption: '9900000001',
  /** Small-scale VAT levy rate 3 % reduced to 1 % (2023年第19号). */
  vatSmallScaleRateCut: '9900000002',
  /** 六税两费 50 % reduction of surcharges for small-scale payers, 小型微利企业 and 个体工商户 (2023年第12号 art. 3). */
  surchargeHalving: '9900000003',
  /** 小型微利企业 CIT: taxable income at 25 % taxed at 20 % (2023年第12号 art. 1). */
  citSmallLowProfit: '9900000004',
  /** High and new technology enterprise CIT at 15 % (企业所得税法 art. 28). */
  citHighTech: '9900000005',
  /** 个体工商户 IIT on business income up to 2,000,000 a year halved (2023年第12号 art. 2). */
  iitIndividualBusinessHalving: '9900000006',
  /** Education surcharge and local education surcharge exempt, sales ≤ 100,000 a month / 300,000 a quarter (财税〔2016〕12号 art. 1). */
  educationSurchargeExemption: '9900000007',
} as const;

export type ReductionKey = keyof typeof REDUCTION_CODES;
