/** Shenzhen's districts (区) with the labels the UI shows. 大鹏 and 深汕 are functional areas, kept as districts as the bureau does. */
export const DISTRICTS = {
  futian: '福田区',
  luohu: '罗湖区',
  nanshan: '南山区',
  yantian: '盐田区',
  baoan: '宝安区',
  longgang: '龙岗区',
  longhua: '龙华区',
  pingshan: '坪山区',
  guangming: '光明区',
  dapeng: '大鹏新区',
  shenshan: '深汕特别合作区',
} as const;
export type District = keyof typeof DISTRICTS;
export const DISTRICT_IDS = Object.keys(DISTRICTS) as District[];

/** Taxpayer kind: 企业 / 个体工商户 / 个人独资企业 / 合伙企业. */
export const TAXPAYER_KINDS = ['enterprise', 'individualBusiness', 'soleProprietorship', 'partnership'] as const;
/** 一般纳税人 / 小规模纳税人. */
export const VAT_STATUSES = ['general', 'smallScale'] as const;
/** 查账征收 / 核定征收. */
export const COLLECTION_MODES = ['actualAccounts', 'deemed'] as const;
export const CREDIT_LEVELS = ['A', 'B', 'M', 'C', 'D'] as const;
/** 法定代表人 / 财务负责人 / 办税人员. */
export const ROLES = ['legalRepresentative', 'financeOfficer', 'taxHandler'] as const;
export const CHANNELS = ['inApp', 'email', 'sms'] as const;
/**
 * Tax types a filing or payment is for. Surcharges (附加税费) are declared together on the VAT return;
 * iit is the IIT an employer withholds, iitBusiness the IIT on business income (经营所得) that an
 * individual business, or a sole proprietorship's or partnership's investor, prepays each quarter.
 * cit is the quarterly prepayment, citAnnual the annual CIT return (企业所得税年度纳税申报, 汇算清缴) of
 * a calendar year, due by 31 May of the next: kept apart because a return from January to December
 * cannot otherwise be told from the prepayments, and because it decides small low-profit status for
 * the "six taxes and two fees" (国家税务总局公告2022年第3号).
 */
export const TAX_TYPES = ['vat', 'surcharges', 'cit', 'iit', 'stampDuty', 'iitBusiness', 'citAnnual'] as const;
/** 增值税专用发票 / 普通发票. */
export const INVOICE_KINDS = ['special', 'ordinary'] as const;
/** normal, red-letter (reversing, 红字) or voided (作废). */
export const INVOICE_STATUSES = ['normal', 'red', 'void'] as const;
export const HALL_BUSINESS_TYPES = ['invoicePickup', 'filing', 'payment', 'registration', 'certificate', 'consultation', 'socialInsurance', 'other'] as const;
export const APPLICATION_TYPES = [
  'invoiceQuotaIncrease',
  'singleLimitIncrease',
  'generalTaxpayerRegistration',
  'taxCertificate',
  'creditRepair',
  'retainedCreditRefund',
] as const;
export const APPLICATION_STATUSES = ['submitted', 'approved', 'rejected', 'pendingReview'] as const;
/**
 * What an employment report counts, each reported by the body that knows it: disabled employees with
 * the disabled persons' employment security fund (残疾人就业保障金) declaration the bureau collects;
 * key-group people hired (重点群体: poverty-relief population, registered unemployed) as the human
 * resources and social security department confirms them; retired soldiers hired (退役士兵) as the
 * veterans affairs department confirms them.
 */
export const EMPLOYMENT_REPORT_KINDS = ['disabledEmployees', 'keyGroupHires', 'veteranHires'] as const;
/** Lists of enterprises a relief names (名单/清单): integrated-circuit enterprises and industrial mother-machine (工业母机) enterprises. */
export const ENTERPRISE_LISTS = ['integratedCircuit', 'industrialMotherMachine'] as const;

/**
 * GB/T 4754-2017 sections (门类) and the divisions (大类, two digits) each spans.
 * An industry code in Zhishu is the section letter followed by the division, e.g. F51 (wholesale).
 */
export const INDUSTRY_SECTIONS = {
  A: { divisions: [1, 5], en: 'Agriculture, forestry, animal husbandry and fishery', zh: '农、林、牧、渔业' },
  B: { divisions: [6, 12], en: 'Mining', zh: '采矿业' },
  C: { divisions: [13, 43], en: 'Manufacturing', zh: '制造业' },
  D: { divisions: [44, 46], en: 'Electricity, heat, gas and water', zh: '电力、热力、燃气及水生产和供应业' },
  E: { divisions: [47, 50], en: 'Construction', zh: '建筑业' },
  F: { divisions: [51, 52], en: 'Wholesale and retail', zh: '批发和零售业' },
  G: { divisions: [53, 60], en: 'Transport, storage and post', zh: '交通运输、仓储和邮政业' },
  H: { divisions: [61, 62], en: 'Accommodation and catering', zh: '住宿和餐饮业' },
  I: { divisions: [63, 65], en: 'Information transmission, software and IT services', zh: '信息传输、软件和信息技术服务业' },
  J: { divisions: [66, 69], en: 'Finance', zh: '金融业' },
  K: { divisions: [70, 70], en: 'Real estate', zh: '房地产业' },
  L: { divisions: [71, 72], en: 'Leasing and business services', zh: '租赁和商务服务业' },
  M: { divisions: [73, 75], en: 'Scientific research and technical services', zh: '科学研究和技术服务业' },
  N: { divisions: [76, 79], en: 'Water, environment and public facilities', zh: '水利、环境和公共设施管理业' },
  O: { divisions: [80, 82], en: 'Resident, repair and other services', zh: '居民服务、修理和其他服务业' },
  P: { divisions: [83, 83], en: 'Education', zh: '教育' },
  Q: { divisions: [84, 85], en: 'Health and social work', zh: '卫生和社会工作' },
  R: { divisions: [86, 90], en: 'Culture, sports and entertainment', zh: '文化、体育和娱乐业' },
  S: { divisions: [91, 96], en: 'Public administration and social organisations', zh: '公共管理、社会保障和社会组织' },
  T: { divisions: [97, 97], en: 'International organisations', zh: '国际组织' },
} as const;
export type IndustrySection = keyof typeof INDUSTRY_SECTIONS;
export const INDUSTRY_SECTION_IDS = Object.keys(INDUSTRY_SECTIONS) as IndustrySection[];
/** Every industry code industryProblem accepts (section letter and division), in order: A01 … T97. */
export const INDUSTRY_CODES: readonly string[] = INDUSTRY_SECTION_IDS.flatMap((s) => {
  const [from, to] = INDUSTRY_SECTIONS[s].divisions;
  return Array.from({ length: to - from + 1 }, (_, i) => `${s}${String(from + i).padStart(2, '0')}`);
});

export function industryProblem(code: string): string | null {
  const m = /^([A-T])(\d{2})$/.exec(code);
  if (!m) return 'must be a GB/T 4754 section letter and two-digit division, e.g. F51';
  const section = INDUSTRY_SECTIONS[m[1] as IndustrySection];
  const division = Number(m[2]);
  if (division < section.divisions[0] || division > section.divisions[1]) {
    return `division ${m[2]} is not in section ${m[1]} (${String(section.divisions[0]).padStart(2, '0')}-${String(section.divisions[1]).padStart(2, '0')})`;
  }
  return null;
}
