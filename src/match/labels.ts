/** Where a fact the bureau receives comes from: an explanation names it when the fact is missing. */
const FROM = {
  vatReturn: { zh: '增值税及附加税费申报表', en: 'the VAT and surcharges returns' },
  citReturn: { zh: '企业所得税预缴申报表', en: 'the CIT prepayment returns' },
  citAnnual: { zh: '企业所得税年度纳税申报表（汇算清缴）', en: 'the annual CIT returns' },
  iitWithholding: { zh: '个人所得税扣缴申报表', en: 'the IIT withholding returns' },
  iitBusiness: { zh: '个人所得税经营所得纳税申报表', en: 'the IIT business-income returns' },
  disabilityFund: { zh: '残疾人就业保障金申报', en: "the disabled persons' employment security fund declarations" },
  humanResources: { zh: '人力资源社会保障部门', en: 'the human resources and social security department' },
  veteranAffairs: { zh: '退役军人事务部门', en: 'the veterans affairs department' },
  lists: { zh: '集成电路和工业母机企业名单', en: 'the integrated-circuit and industrial mother-machine lists' },
  vatAndCitReturns: { zh: '增值税及附加税费申报表、企业所得税预缴申报表', en: 'the VAT, surcharges and CIT prepayment returns' },
} as const;

/**
 * What a number of a fact counts, so that it reads as people write it: yuan grouped by thousands with
 * 元 (43,573,960.44 元 rather than 43573960.44), people with 人 in Chinese.
 */
export type FactUnit = 'yuan' | 'people';

/**
 * How each fact is named to a person, in Chinese and English (rules use the identifiers), and where
 * the bureau gets it when that is a return or another department.
 */
export const FACT_LABELS: Record<string, { zh: string; en: string; from?: { zh: string; en: string }; unit?: FactUnit }> = {
  kind: { zh: '纳税人类型', en: 'kind of taxpayer' },
  vat_status: { zh: '增值税纳税人身份', en: 'VAT status' },
  industry: { zh: '行业', en: 'industry' },
  industry_section: { zh: '行业门类', en: 'industry section' },
  district: { zh: '所在区', en: 'district' },
  collection_mode: { zh: '征收方式', en: 'collection mode' },
  credit_level: { zh: '纳税信用级别', en: 'credit level' },
  registered_on: { zh: '登记日期', en: 'registration date' },
  employees: { zh: '从业人数', en: 'employees', unit: 'people' },
  total_assets: { zh: '资产总额', en: 'total assets', unit: 'yuan' },
  taxable_income: { zh: '本年累计应纳税所得额', en: 'taxable income of the year so far', from: FROM.citReturn, unit: 'yuan' },
  quarterly_taxable_income: { zh: '本季度应纳税所得额', en: 'taxable income of the quarter', from: FROM.citReturn, unit: 'yuan' },
  monthly_sales: { zh: '月销售额', en: 'sales of the month', from: FROM.vatReturn, unit: 'yuan' },
  quarterly_sales: { zh: '季度销售额', en: 'sales of the quarter', from: FROM.vatReturn, unit: 'yuan' },
  annual_sales: { zh: '年销售额', en: 'sales of the last 12 months', from: FROM.vatReturn, unit: 'yuan' },
  vat_payable: { zh: '本季度应纳增值税', en: 'VAT payable for the quarter', from: FROM.vatReturn, unit: 'yuan' },
  surcharges_payable: {
    zh: '本季度申报的应纳附加税费（“六税两费”减征前）',
    en: "surcharges levied for the quarter as returned, before the six taxes and two fees' halving",
    from: FROM.vatReturn,
    unit: 'yuan',
  },
  wages_paid: { zh: '本季度工资薪金', en: 'wages paid in the quarter', from: FROM.iitWithholding, unit: 'yuan' },
  rnd_expense: { zh: '研发费用', en: 'R&D expense', unit: 'yuan' },
  high_tech: { zh: '高新技术企业证书', en: 'high-tech enterprise certificate' },
  high_tech_lapsed_this_year: { zh: '高新技术企业资格本年期满、尚在重新认定前', en: 'high-tech certificate expired this year, re-recognition pending' },
  months_registered: { zh: '登记月数', en: 'months since registration' },
  business_income: { zh: '本年累计经营所得应纳税所得额', en: 'taxable business income of the year so far', from: FROM.iitBusiness, unit: 'yuan' },
  quarterly_business_income: { zh: '本季度经营所得应纳税所得额', en: 'taxable business income of the quarter', from: FROM.iitBusiness, unit: 'yuan' },
  disabled_employees: { zh: '残疾人职工人数', en: 'employees with a disability certificate', from: FROM.disabilityFund, unit: 'people' },
  key_group_hires: { zh: '本年招用重点群体人数', en: 'key-group people hired this year', from: FROM.humanResources, unit: 'people' },
  veteran_hires: { zh: '本年招用退役士兵人数', en: 'retired soldiers hired this year', from: FROM.veteranAffairs, unit: 'people' },
  retained_credit_increase: { zh: '增量留抵税额', en: 'increase of the retained VAT credit', unit: 'yuan' },
  chips_or_machines: { zh: '集成电路或工业母机企业清单', en: 'on the chip or industrial mother-machine list', from: FROM.lists },
  cit_annual_taxable_income: {
    zh: '适用的企业所得税年度汇算清缴应纳税所得额',
    en: 'taxable income on the annual CIT return that counts',
    from: FROM.citAnnual,
    unit: 'yuan',
  },
  before_first_cit_annual: { zh: '新设立企业、首次汇算清缴前', en: 'a new enterprise before its first annual CIT return' },
  vat_monthly_filer: { zh: '按月申报增值税', en: 'files VAT monthly', from: FROM.vatReturn },
  lowest_monthly_sales: { zh: '本季度最低月销售额', en: 'sales of the lowest month of the quarter', from: FROM.vatReturn, unit: 'yuan' },
  exempt_months_vat_payable: {
    zh: '月销售额不超过10万元各月的应纳增值税',
    en: 'VAT payable of the months with sales up to 100,000',
    from: FROM.vatReturn,
    unit: 'yuan',
  },
  education_exempt_vat_payable: {
    zh: '免征教育费附加的销售额对应的应纳增值税',
    en: 'VAT payable on the sales the education surcharges exemption covers',
    from: FROM.vatReturn,
    unit: 'yuan',
  },
  education_exemption_claimed: {
    zh: '已享受的教育费附加、地方教育附加减免额',
    en: 'education surcharges exemption claimed',
    from: FROM.vatReturn,
    unit: 'yuan',
  },
  small_scale_exemption_vat_payable: {
    zh: '适用起征点（免征额）的销售额已申报的应纳增值税',
    en: 'VAT payable on the sales the exemption line covers, as returned',
    from: FROM.vatReturn,
    unit: 'yuan',
  },
  small_scale_exemption_claimed: { zh: '已享受的小规模纳税人免征增值税额', en: 'small-scale VAT exemption claimed', from: FROM.vatReturn, unit: 'yuan' },
  surcharges_halving_claimed: {
    zh: '已享受的附加税费“六税两费”减征额',
    en: "six taxes and two fees' halving of the surcharges claimed",
    from: FROM.vatReturn,
    unit: 'yuan',
  },
  highest_monthly_sales: { zh: '本季度最高月销售额', en: 'sales of the highest month of the quarter', from: FROM.vatReturn, unit: 'yuan' },
  small_scale_exemption_sales: {
    zh: '适用起征点（免征额）的销售额（按季为季度销售额，按月为未达标准各月，均未达到时为最低月）',
    en: 'sales the exemption line covers (a quarterly filer: the quarter; a monthly filer: its months within the line, or its lowest month when none is)',
    from: FROM.vatReturn,
    unit: 'yuan',
  },
  small_scale_taxed_sales: {
    zh: '按减按征收率征税的销售额（达到起征点的销售额，及未达到时开具增值税专用发票的销售额）',
    en: 'sales taxed at the reduced rate (those the exemption line leaves taxed, and those under it invoiced on special invoices)',
    from: FROM.vatReturn,
    unit: 'yuan',
  },
  small_scale_special_sales: {
    zh: '适用起征点（免征额）的销售额中开具增值税专用发票的销售额（放弃免税，依法征税）',
    en: 'of the sales the exemption line covers, those invoiced on special VAT invoices (the exemption waived, so taxed)',
    from: FROM.vatReturn,
    unit: 'yuan',
  },
  hiring_deductible_tax: {
    zh: '本季度应纳增值税、附加税费和企业所得税（招用重点群体、退役士兵定额扣减的限额）',
    en: 'VAT, surcharges and CIT payable for the quarter (what the hiring reliefs can deduct from)',
    from: FROM.vatAndCitReturns,
    unit: 'yuan',
  },
  // 季度平均值 as the CIT prepayment return names it (截至本期末: the year's quarters so far).
  average_employees: { zh: '从业人数季度平均值', en: 'employees averaged over the quarters', from: FROM.citReturn, unit: 'people' },
  average_total_assets: { zh: '资产总额季度平均值', en: 'total assets averaged over the quarters', from: FROM.citReturn, unit: 'yuan' },
  quarter_figures_reported: { zh: '企业所得税预缴申报已填报从业人数和资产总额', en: 'head count and assets reported on the CIT returns', from: FROM.citReturn },
  restricted_industry: {
    zh: '从事国家限制或禁止行业（企业所得税预缴申报）',
    en: 'in an industry the State restricts or prohibits (as the CIT returns say)',
    from: FROM.citReturn,
  },
  slpe_status_restricted_industry: {
    zh: '从事国家限制或禁止行业（汇算清缴；新设立企业为预缴申报）',
    en: "in an industry the State restricts or prohibits (as the annual CIT return that counts says; a new enterprise's prepayment returns)",
    from: FROM.citAnnual,
  },
  // Small low-profit status for the six taxes and two fees: the annual return's figures (全年季度平均值), a
  // new enterprise's at the quarter's end (申报期上月末) until its first.
  slpe_status_employees: {
    zh: '汇算清缴从业人数（新设立企业为季末数）',
    en: "employees on the annual CIT return that counts (a new enterprise's at the quarter's end)",
    from: FROM.citAnnual,
    unit: 'people',
  },
  slpe_status_total_assets: {
    zh: '汇算清缴资产总额（新设立企业为季末数）',
    en: "total assets on the annual CIT return that counts (a new enterprise's at the quarter's end)",
    from: FROM.citAnnual,
    unit: 'yuan',
  },
  slpe_status_figures_reported: {
    zh: '企业所得税申报已填报判定小型微利企业的从业人数和资产总额',
    en: 'the head count and assets small low-profit status is judged on reported on the CIT returns',
    from: FROM.citAnnual,
  },
};

/**
 * Facts that hold the registered figure where no return reports their own, with the fact that says
 * whether one does and how the registered figure is named then: an explanation must not tell a company
 * that its returns report what they do not.
 */
export const STAND_INS: Record<string, { reportedBy: string; zh: string; en: string }> = {
  average_employees: {
    reportedBy: 'quarter_figures_reported',
    zh: '从业人数（登记信息：预缴申报未填报季度平均值）',
    en: 'employees (registered: no CIT return of the year reports the quarter averages)',
  },
  average_total_assets: {
    reportedBy: 'quarter_figures_reported',
    zh: '资产总额（登记信息：预缴申报未填报季度平均值）',
    en: 'total assets (registered: no CIT return of the year reports the quarter averages)',
  },
  slpe_status_employees: {
    reportedBy: 'slpe_status_figures_reported',
    zh: '从业人数（登记信息：适用的汇算清缴或新设立企业的预缴申报未报送）',
    en: 'employees (registered: neither the annual CIT return that counts nor, for a new enterprise, a prepayment return reports them)',
  },
  slpe_status_total_assets: {
    reportedBy: 'slpe_status_figures_reported',
    zh: '资产总额（登记信息：适用的汇算清缴或新设立企业的预缴申报未报送）',
    en: 'total assets (registered: neither the annual CIT return that counts nor, for a new enterprise, a prepayment return reports them)',
  },
};

/** How coded values read to a person. */
export const VALUE_LABELS: Record<string, { zh: string; en: string }> = {
  enterprise: { zh: '企业', en: 'enterprise' },
  individualBusiness: { zh: '个体工商户', en: 'individual business' },
  soleProprietorship: { zh: '个人独资企业', en: 'sole-proprietorship enterprise' },
  partnership: { zh: '合伙企业', en: 'partnership' },
  general: { zh: '一般纳税人', en: 'general VAT taxpayer' },
  smallScale: { zh: '小规模纳税人', en: 'small-scale VAT taxpayer' },
  actualAccounts: { zh: '查账征收', en: 'actual-accounts collection' },
  deemed: { zh: '核定征收', en: 'deemed collection' },
  // Shenzhen's districts, as the domain model names them (model/enums.ts DISTRICTS; test/match.test.ts holds them equal).
  futian: { zh: '福田区', en: 'Futian' },
  luohu: { zh: '罗湖区', en: 'Luohu' },
  nanshan: { zh: '南山区', en: 'Nanshan' },
  yantian: { zh: '盐田区', en: 'Yantian' },
  baoan: { zh: '宝安区', en: "Bao'an" },
  longgang: { zh: '龙岗区', en: 'Longgang' },
  longhua: { zh: '龙华区', en: 'Longhua' },
  pingshan: { zh: '坪山区', en: 'Pingshan' },
  guangming: { zh: '光明区', en: 'Guangming' },
  dapeng: { zh: '大鹏新区', en: 'Dapeng New District' },
  shenshan: { zh: '深汕特别合作区', en: 'Shenzhen-Shanwei Special Cooperation Zone' },
};

/**
 * The law files' notes on their sources (in parentheses after a document, in English), in Chinese:
 * Chinese explanations give a note in these words, or leave it out when it is not here
 * (test/match.test.ts holds every note a source of the catalogue carries to this list).
 */
export const SOURCE_NOTES_ZH: Record<string, string> = {
  conditions: '具体条件',
  "in the year the certificate expires, CIT is prepaid at 15 % until re-recognition; without a new certificate by the year's end the difference is paid back":
    '资格期满当年，在通过重新认定前暂按15%的税率预缴；年底前仍未取得资格的，补缴相应期间的税款',
  'extended to 2023-12-31': '延续至2023年12月31日',
  '2024-01-01 to 2027-12-31': '2024年1月1日至2027年12月31日',
  'industries that cannot claim it': '不适用的行业',
  '2023-2024 part up to 1,000,000': '2023—2024年，应纳税所得额不超过100万元的部分',
  'taxed on actual accounts or deemed, both qualify; claimed at the prepayments and at the annual return; prepayment on the year to date':
    '查账征收和核定征收均适用；预缴和汇算清缴时均可享受；预缴按当年度截至本期末的情况判断',
  'administration, formula': '征收管理及计算公式',
  'whether the VAT part continues from 2026 was not confirmed': '增值税部分2026年起是否延续尚未确认',
  'how small low-profit status is determined for it': '小型微利企业的判定',
  "from when an annual return's result counts; new enterprises": '汇算清缴结果的适用期间；新设立企业',
  'ploughing, irrigation, pest control and related services': '机耕、排灌、病虫害防治及相关服务',
  'integrated circuits': '集成电路',
  'industrial mother machines': '工业母机',
  'seven more industries': '扩大至另外七个行业',
  '含本数; administration': '含本数；征收管理',
  'invoices at 1 %': '按1%征收率开具发票',
  'administration; waiver of the exemption': '征收管理；放弃免税',
};

export const STATUS_LABELS = {
  matched: { zh: '符合', en: 'matched' },
  nearMiss: { zh: '接近符合', en: 'near miss' },
  notEligible: { zh: '不符合', en: 'not eligible' },
  unknown: { zh: '无法判断（缺少数据）', en: 'unknown (data missing)' },
} as const;

export type MatchStatus = keyof typeof STATUS_LABELS;
