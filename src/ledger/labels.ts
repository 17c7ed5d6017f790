import type { LedgerStatus } from './ledger.ts';

/**
 * The ledger's statuses in words, Chinese and English, for people rather than programs: `zhishu
 * ledger` shows these where it used to show the codes (its JSON keeps the codes). Short, as a table
 * column; the note beside them says the rest. The web app words them in its own locales (ledgerStatus).
 */
export const LEDGER_STATUS_LABELS: Record<LedgerStatus, { zh: string; en: string }> = {
  enjoyed: { zh: '已享受', en: 'enjoyed' },
  claimedNotEligible: { zh: '不符合条件的申报', en: 'claimed without eligibility' },
  claimedLapsedInYear: { zh: '已申报，应补缴', en: 'claimed, to be repaid' },
  missed: { zh: '应享未享', en: 'missed' },
  missedAmountUnknown: { zh: '应享未享（金额未知）', en: 'missed, amount unknown' },
  nothingToClaim: { zh: '本期无可享金额', en: 'nothing to claim this quarter' },
  lapsedInYear: { zh: '年内后续季度不再符合', en: 'no longer due after a later quarter' },
  claimedOnAnnualReturn: { zh: '汇算清缴时申报享受', en: 'claimed on the annual return' },
  notStacked: { zh: '不叠加（计入同组另一项）', en: 'not stacked (another of its group counts)' },
  matchedNoCode: { zh: '符合（无减免性质代码）', en: 'matched, no reduction code' },
  returnNotFiled: { zh: '待申报（申报表未报送）', en: 'return not filed yet' },
};
