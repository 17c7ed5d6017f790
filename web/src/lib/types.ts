// The HTTP API's JSON, as the web app uses it (src/api). Money amounts are decimal strings in yuan.
// Names follow the code: src/match/explain.ts (PolicyExplanation), src/ledger/ledger.ts
// (TaxpayerLedger, PolicyReport), src/calc/calculate.ts (CalcResponse).

export type BureauRole = 'bureauAdmin' | 'bureauAnalyst' | 'bureauOfficer';
export type CompanyRole = 'legalRepresentative' | 'financeOfficer' | 'taxHandler';
export type UserRole = BureauRole | CompanyRole;

export const BUREAU_ROLES: readonly UserRole[] = ['bureauAdmin', 'bureauAnalyst', 'bureauOfficer'];

export function isBureau(role: UserRole): boolean {
  return BUREAU_ROLES.includes(role);
}

/** May plan a push campaign (POST /api/campaigns/plan). */
export function canPlan(role: UserRole): boolean {
  return role === 'bureauOfficer' || role === 'bureauAdmin';
}

export interface User {
  username: string;
  displayName: string;
  role: UserRole;
  creditCode: string | null;
  taxpayerName: string | null;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export interface Labelled {
  code: string;
  zh: string;
  en: string;
}

export interface Meta {
  periods: string[];
  /** null before the first city-wide match. */
  latestPeriod: string | null;
  years: number[];
  districts: Labelled[];
  industrySections: Labelled[];
  categories: Labelled[];
}

export interface Bilingual {
  zh: string;
  en: string;
}

export interface Taxpayer {
  creditCode: string;
  name: string;
  kind: string;
  vatStatus: string;
  industry: string;
  district: string;
  registeredOn: string;
  employees: number | null;
  totalAssets: string | null;
  collectionMode: string;
  highTech: boolean;
  highTechUntil: string | null;
  creditLevel: string | null;
  people: { role: CompanyRole; name: string }[];
}

export interface TaxpayerRow {
  creditCode: string;
  name: string;
  kind: string;
  vatStatus: string;
  industry: string;
  district: string;
  employees: number | null;
  creditLevel: string | null;
}

export type MatchStatus = 'matched' | 'nearMiss' | 'unknown' | 'notEligible';

export interface MatchRow {
  policyId: string;
  title: Bilingual;
  category: string;
  status: MatchStatus;
  benefit: string | null;
  period: string;
  /** Of reliefs that do not stack: the one of its group the company would take instead. */
  takenInstead: { policyId: string; title: Bilingual } | null;
}

export interface Source {
  document: string;
  /** The document as Chinese text reads it: an English note given in Chinese, or left out. */
  documentZh: string;
  confidence: string;
}

export interface PolicyExplanation {
  policy: string;
  title: Bilingual;
  category: string;
  status: MatchStatus;
  benefit: string | null;
  sources: Source[];
  text: { zh: string[]; en: string[] };
  /** Reliefs of its group (不得叠加享受) the company matches too, and which is worth most. */
  stacking: { with: string[]; best: string; beaten: boolean; text: Bilingual } | null;
  /** What the company must mind, for a matched relief (a relief had provisionally, for one). */
  notices: Bilingual[];
  /** A relief settled on the year: the later quarter that takes it back, or the earlier quarters this one takes back. */
  year: { lapsedBy: string | null; takesBack: { period: string; status: 'matched' | 'unknown'; benefit: string | null }[] } | null;
  trace: unknown;
}

export interface TaxpayerLedger {
  creditCode: string;
  year: number;
  rows: {
    period: string;
    month: string;
    policyId: string;
    title?: Bilingual;
    status: string;
    enjoyed: string;
    missed: string | null;
    /** What a claim row claimed, enjoyed or not (claimedNotEligible). */
    claimed: string | null;
    /** What the match said of the policy for the quarter; null: not judged. */
    matchStatus: string | null;
    /** lapsedInYear: what the quarter's relief was worth before a later quarter of the year took it back; claimedOnAnnualReturn: when the annual return claimed it; returnNotFiled: what it is worth, to claim when the return is filed. */
    lapsed: string | null;
    /** A relief of a group that does not stack: what the company enjoyed of another of its group in the quarter, which missed (or lapsed) is net of. */
    groupClaimed?: string | null;
  }[];
  enjoyed: string;
  /** Of enjoyed, the claims the match could not verify. */
  enjoyedUnverified: string;
  missed: string;
  /** Reliefs missed of unknown amount: counted, not summed. */
  missedAmountUnknown: number;
  returnNotFiled: number;
  /** Claims the match contradicts: not in enjoyed. */
  claimedNotEligible: string;
  /** Unclaimed reliefs a later quarter of the year took back: not in missed. */
  lapsed: string;
  /** Claims a later quarter of the year took back, to be repaid: not in enjoyed. */
  claimedLapsed: string;
  byMonth: { month: string; enjoyed: string; missed: string }[];
}

export interface InboxMessage {
  messageId: string;
  role: CompanyRole;
  subject: string;
  body: string;
  deliveredAt: string;
  readAt: string | null;
}

export interface Policy {
  id: string;
  title: Bilingual;
  category: string;
  /** The taxes or fees it is of, where the category (other) does not name them. */
  taxes: Bilingual | null;
  sources: Source[];
  effectiveFrom: string;
  effectiveTo: string | null;
}

export interface ReportRow {
  key: string;
  taxpayers: number;
  enjoyed: string;
  missed: string;
}

export interface PolicyReport {
  year: number;
  taxpayersMatched: number;
  taxpayersMatchedWithReductionData: number;
  enjoyed: string;
  enjoyedUnverified: string;
  taxpayersEnjoyedUnverified: number;
  missed: string;
  taxpayersMissing: number;
  taxpayersMissingAmountUnknown: number;
  taxpayersReturnNotFiled: number;
  reliefsReturnNotFiled: number;
  /** Claims the match contradicts, not in enjoyed, and their taxpayers. */
  claimedNotEligible: string;
  taxpayersClaimedNotEligible: number;
  /** Unclaimed reliefs a later quarter of the year took back, not in missed, and their taxpayers. */
  lapsed: string;
  taxpayersLapsed: number;
  /** Claims a later quarter of the year took back, to be repaid, and their taxpayers. */
  claimedLapsed: string;
  taxpayersClaimedLapsed: number;
  /** What a later quarter of the year took back, by policy. */
  lapsedByPolicy: { policyId: string; lapsed: string; taxpayersLapsed: number; claimedLapsed: string; taxpayersClaimedLapsed: number }[];
  claimsNotEligible: { policyId: string; matchStatus: string; taxpayers: number; claims: number; claimed: string }[];
  byDistrict: ReportRow[];
  byIndustry: ReportRow[];
  byPolicy: ReportRow[];
  byMonth: ReportRow[];
}

/** Which figure of the city report to drill into (src/ledger/taxpayers.ts DrillFilter), all optional. */
export interface DrillFilter {
  district?: string;
  industrySection?: string;
  policyId?: string;
  month?: string;
  has?: DrillStatus;
}
export type DrillStatus = 'missed' | 'missedAmountUnknown' | 'enjoyed' | 'claimedNotEligible' | 'lapsedInYear' | 'claimedLapsedInYear';

export interface DrillTaxpayer {
  creditCode: string;
  name: string;
  district: string;
  industry: string;
  enjoyed: string;
  missed: string;
  claimedNotEligible: string;
  lapsed: string;
  claimedLapsed: string;
  policiesMissed: number;
  policiesMissedAmountUnknown: number;
}

export interface DrillPage extends Page<DrillTaxpayer> {
  year: number;
  totals: { taxpayers: number; enjoyed: string; missed: string; claimedNotEligible: string; lapsed: string; claimedLapsed: string };
}

export type CampaignStatus = 'matched' | 'nearMiss';

export interface CampaignRequest {
  period: string;
  policyIds: string[];
  statuses: CampaignStatus[];
  districts?: string[];
  industrySections?: string[];
}

export interface CampaignPreview {
  taxpayers: number;
  people: Record<CompanyRole, number>;
  messages: number;
  byPolicy: { policyId: string; taxpayers: number }[];
  byDistrict: { key: string; taxpayers: number }[];
}

export interface CampaignPlan {
  planned: number;
  skipped: number;
  /** Results left out (matched reliefs or near misses): a matched relief they do not stack with is worth as much or more. */
  notStacked: number;
}

/** A row of the outbox (push_message); the API may send more fields than the page shows. */
export interface OutboxMessage {
  messageId: string;
  creditCode: string;
  role: string;
  kind: string;
  period: string;
  policyId: string | null;
  category: string;
  benefit: string | null;
  channel: string;
  status: string;
  subject: string;
  scheduledAt: string;
  sentAt: string | null;
  attempts?: number;
  lastError?: string | null;
}

export interface AuditEntry {
  at: string;
  username: string;
  role: string;
  action: string;
  creditCode: string | null;
  path: string;
}

export interface Worklist {
  id?: string;
  name?: string;
  title?: Bilingual | string;
  description?: Bilingual | string;
  count?: number;
  total?: number;
  items?: unknown[];
}

/** A JSON Schema node, as z.toJSONSchema writes the calculations' inputs. */
export interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: (string | number | boolean)[];
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
}

export type PeriodKind = 'day' | 'month' | 'quarter' | 'year';

export interface CalculationInfo {
  name: string;
  title: Bilingual;
  description?: string;
  periodKinds: PeriodKind[];
  inputs: JsonSchema;
  /** A complete request, to fill the form with. */
  example?: { period: string; inputs: Record<string, unknown> };
}

export interface ParamUse {
  name: string;
  value: string;
  unit: string;
  from: string;
  to: string;
  source: string;
  confidence: string;
}

export interface CalcLine {
  id: string;
  label: Bilingual;
  amount?: string;
  value?: string;
  formula: string;
  rounding?: string;
  parameters: ParamUse[];
}

export type ResultValue = string | number | boolean | null | ResultValue[] | { [k: string]: ResultValue };

export interface CalcResponse {
  version: number;
  calculation: string;
  title: Bilingual;
  period: { text: string; from: string; to: string };
  settings: Record<string, boolean>;
  result: Record<string, ResultValue>;
  lines: CalcLine[];
  notes: string[];
}
