import { z } from 'zod';
import { creditCodeProblem } from '../model/creditCode.ts';

/** Amounts are decimal strings in yuan, exact to the fen, as everywhere in Zhishu. */
export const yuan = z
  .string()
  .regex(/^-?\d+(\.\d{1,2})?$/)
  .describe('yuan, exact decimal string');
// The check character too (GB 32100): a code mistyped by one character names no taxpayer, and
// answering it with an empty ledger would read as a company that has none.
export const creditCode = z
  .string()
  .regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/, 'must be an 18-character unified social credit code')
  .superRefine((code, ctx) => {
    const problem = /^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code) ? creditCodeProblem(code) : null;
    if (problem !== null) ctx.addIssue({ code: 'custom', message: `not a unified social credit code: ${problem}` });
  });
export const period = z
  .string()
  .regex(/^\d{4}-Q[1-4]$/, 'must be a quarter, e.g. 2026-Q1')
  .describe('a quarter, e.g. 2026-Q1');
export const title = z.object({ zh: z.string(), en: z.string() });

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});

export const pageQuery = {
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
  order: z.enum(['asc', 'desc']).default('asc'),
};

export const paged = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() });

export const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

/** Pages a list held in memory (a taxpayer's results are a few dozen rows). */
export function pageOf<T>(items: T[], page: number, pageSize: number) {
  return { items: items.slice((page - 1) * pageSize, page * pageSize), page, pageSize, total: items.length };
}

/** Sorts by a key; nulls last; numbers as numbers, decimal strings as numbers. */
export function sortBy<T>(items: T[], key: (t: T) => string | number | null, order: 'asc' | 'desc'): T[] {
  const sign = order === 'asc' ? 1 : -1;
  const num = (v: string | number) => (typeof v === 'number' ? v : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : Number.NaN);
  return [...items].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    const nx = num(x);
    const ny = num(y);
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return sign * (nx - ny);
    return sign * String(x).localeCompare(String(y));
  });
}
