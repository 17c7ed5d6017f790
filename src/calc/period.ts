import { CalcError } from './errors.ts';

/** The span of time a calculation covers; the law is read on `to` and must hold from `from`. */
export interface Period {
  kind: 'day' | 'month' | 'quarter' | 'year';
  from: string;
  to: string;
  /** As the request wrote it: "2026-03-15", "2026-03", "2026-Q1", "2026". */
  text: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

function lastDay(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Parses a period; `allowed` lists the kinds the calculation accepts. */
export function parsePeriod(text: unknown, field: string, allowed: readonly Period['kind'][]): Period {
  const s = typeof text === 'number' ? String(text) : text;
  if (typeof s !== 'string') throw new CalcError('input.invalid', field, `${field} is required (${allowedText(allowed)})`);
  const year = /^(\d{4})$/.exec(s);
  const quarter = /^(\d{4})-Q([1-4])$/.exec(s);
  const month = /^(\d{4})-(\d{2})$/.exec(s);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  let p: Period | null = null;
  if (year) p = { kind: 'year', from: `${year[1]}-01-01`, to: `${year[1]}-12-31`, text: s };
  else if (quarter) {
    const y = Number(quarter[1]);
    const q = Number(quarter[2]);
    p = { kind: 'quarter', from: `${y}-${pad(q * 3 - 2)}-01`, to: `${y}-${pad(q * 3)}-${pad(lastDay(y, q * 3))}`, text: s };
  } else if (month && Number(month[2]) >= 1 && Number(month[2]) <= 12) {
    const y = Number(month[1]);
    const mo = Number(month[2]);
    p = { kind: 'month', from: `${y}-${pad(mo)}-01`, to: `${y}-${pad(mo)}-${pad(lastDay(y, mo))}`, text: s };
  } else if (day) {
    const d = new Date(`${s}T00:00:00Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s) p = { kind: 'day', from: s, to: s, text: s };
  }
  if (!p) throw new CalcError('input.invalid', field, `${field} '${s}' is not a period (${allowedText(allowed)})`);
  if (!allowed.includes(p.kind)) throw new CalcError('input.invalid', field, `${field} '${s}' is a ${p.kind}; this calculation takes ${allowedText(allowed)}`);
  return p;
}

function allowedText(allowed: readonly Period['kind'][]): string {
  const examples = { day: 'a day, e.g. "2026-03-15"', month: 'a month, e.g. "2026-03"', quarter: 'a quarter, e.g. "2026-Q1"', year: 'a year, e.g. "2026"' };
  return allowed.map((k) => examples[k]).join(' or ');
}
