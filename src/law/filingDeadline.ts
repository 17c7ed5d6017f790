import { FILING_DEADLINE, type LawParameter } from './parameters.ts';

/**
 * The filing deadline (申报纳税期限) of a return due within 15 days after a month or a quarter: VAT,
 * the surcharges, CIT and IIT prepayments, stamp duty and the other taxes filed that way.
 */
export interface FilingDeadline {
  /** The last day to file and pay, YYYY-MM-DD. */
  date: string;
  /**
   * The notice that set it, with its confidence mark. Null: the law data holds no published
   * calendar for that month, so the date is the 15th moved past a weekend (征管法实施细则 第一百零九条)
   * and a holiday may still move it later.
   */
  source: string | null;
}

/** The published deadlines by month ('YYYY-MM'), from the law's `filing.deadline` parameter. */
export type FilingCalendar = ReadonlyMap<string, FilingDeadline>;

/** No published deadlines: every month falls back to the weekend rule. */
export const NO_FILING_CALENDAR: FilingCalendar = new Map();

/**
 * The calendar of a law directory's parameters. Each value covers one calendar month and falls
 * inside it (parameters.ts checks this when the file is read), so a month is its key.
 */
export function filingCalendar(parameters: readonly LawParameter[]): FilingCalendar {
  const p = parameters.find((x) => x.name === FILING_DEADLINE);
  const out = new Map<string, FilingDeadline>();
  for (const v of p?.values ?? []) out.set(v.from.slice(0, 7), { date: v.value as string, source: `${v.source} [${v.confidence}]` });
  return out;
}

/**
 * The deadline of the return for a period ending on `periodEnd` (a month's or a quarter's last day):
 * the published one of the month after it, else the 15th of that month moved past a weekend. Article
 * 109 moves a last day that is a rest day to the next day, and adds the days of three or more holidays
 * in a row inside the window; only the weekend half can be known without the year's notice, and the
 * notices are published each December for the year after.
 */
export function filingDeadline(calendar: FilingCalendar, periodEnd: string): FilingDeadline {
  const [y, m] = periodEnd.split('-').map(Number) as [number, number];
  const next = new Date(Date.UTC(y, m, 15));
  const month = next.toISOString().slice(0, 7);
  const published = calendar.get(month);
  if (published) return published;
  // getUTCDay: 0 is Sunday, 6 Saturday.
  const shift = next.getUTCDay() === 6 ? 2 : next.getUTCDay() === 0 ? 1 : 0;
  return { date: new Date(next.getTime() + shift * 86_400_000).toISOString().slice(0, 10), source: null };
}
