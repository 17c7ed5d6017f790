import { z } from 'zod';
import type { Params } from '../rules/facts.ts';
import type { Tables } from '../rules/formula.ts';
import { type LawFileError, readYaml } from './yamlFile.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)');
const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal number in a string, e.g. "0.03"');

/** One row of a bracket table: the slice of the base up to `upTo` (null: no upper end). */
const tableRowSchema = z
  .object({
    upTo: decimalString.nullable(),
    rate: decimalString,
    quickDeduction: decimalString.optional(),
    share: decimalString.optional(),
  })
  .strict();
export type TableRow = z.infer<typeof tableRowSchema>;

/** The published filing deadlines, one value per calendar month (filingDeadline.ts reads them). */
export const FILING_DEADLINE = 'filing.deadline';

const valueSchema = z
  .object({
    from: isoDate,
    to: isoDate,
    value: z.union([z.string(), z.number(), z.boolean(), z.array(tableRowSchema).min(1)]),
    source: z.string().min(1, 'a value needs its legal source'),
    confidence: z.enum(['C', 'R', 'U']),
  })
  .strict()
  .refine((v) => v.from <= v.to, { message: 'from is after to', path: ['to'] });

const parameterSchema = z
  .object({
    name: z.string().regex(/^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/, 'must be dotted camelCase, e.g. slpe.maxEmployees'),
    type: z.enum(['int', 'decimal', 'string', 'bool', 'date', 'table']),
    unit: z.string().min(1),
    doc: z.string().min(1),
    values: z.array(valueSchema).min(1),
  })
  .strict()
  .superRefine((p, ctx) => {
    p.values.forEach((v, i) => {
      const problem = valueProblem(p.type, v.value);
      if (problem) ctx.addIssue({ code: 'custom', path: ['values', i, 'value'], message: problem });
      const misplaced = p.name === FILING_DEADLINE && !problem ? deadlineProblem(v) : null;
      if (misplaced) ctx.addIssue({ code: 'custom', path: ['values', i, misplaced.field], message: misplaced.message });
    });
    const sorted = [...p.values].sort((a, b) => a.from.localeCompare(b.from));
    for (let i = 1; i < sorted.length; i++) {
      if ((sorted[i] as { from: string }).from <= (sorted[i - 1] as { to: string }).to) {
        ctx.addIssue({
          code: 'custom',
          path: ['values', p.values.indexOf(sorted[i] as (typeof p.values)[number]), 'from'],
          message: 'overlaps an earlier period',
        });
      }
    }
  });

export type LawParameter = z.infer<typeof parameterSchema>;

function valueProblem(type: LawParameter['type'], value: LawParameter['values'][number]['value']): string | null {
  switch (type) {
    case 'table': {
      if (!Array.isArray(value)) return 'a table parameter needs a list of rows';
      for (let i = 0; i < value.length; i++) {
        const row = value[i] as TableRow;
        const last = i === value.length - 1;
        if (row.upTo === null && !last) return `row ${i + 1}: only the last row may have no upper end`;
        const prev = i > 0 ? (value[i - 1] as TableRow).upTo : null;
        if (prev !== null && row.upTo !== null && Number(row.upTo) <= Number(prev)) return `row ${i + 1}: upTo must rise from row to row`;
      }
      return null;
    }
    case 'decimal':
      return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? null : 'a decimal parameter needs a decimal number in a string, e.g. "0.03"';
    case 'int':
      return Number.isSafeInteger(value) ? null : 'an int parameter needs a whole number';
    case 'bool':
      return typeof value === 'boolean' ? null : 'a bool parameter needs true or false';
    case 'string':
      return typeof value === 'string' ? null : 'a string parameter needs a string';
    case 'date':
      // Through a Date and back, since Date.parse takes 30 February.
      return typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}$/.test(value) &&
        !Number.isNaN(Date.parse(value)) &&
        new Date(value).toISOString().startsWith(value)
        ? null
        : 'a date parameter needs a date (YYYY-MM-DD)';
  }
}

/**
 * A published filing deadline is the deadline of the month it falls in: its value covers exactly
 * that calendar month, and the day is the 15th or later (the law's window is 15 days, and a notice
 * only ever extends it).
 */
function deadlineProblem(v: { from: string; to: string; value: unknown }): { field: string; message: string } | null {
  const [y, m] = v.from.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  if (!v.from.endsWith('-01') || v.to !== last)
    return { field: 'to', message: `a filing deadline covers one calendar month: from ${v.from.slice(0, 7)}-01 to ${last}` };
  const value = v.value as string;
  if (value.slice(0, 7) !== v.from.slice(0, 7) || value.slice(8) < '15')
    return { field: 'value', message: `the deadline must fall in ${v.from.slice(0, 7)}, on the 15th or later` };
  return null;
}

export function loadParameters(file: string): { parameters: LawParameter[]; errors: LawFileError[] } {
  const { value, errors } = readYaml(file, z.array(parameterSchema));
  return { parameters: value ?? [], errors };
}

/** The parameters in force on a date, each with its legal source. A parameter without a value on that date is left out. */
export function paramsAt(parameters: readonly LawParameter[], date: string): Params {
  const out: Params = {};
  for (const p of parameters) {
    // Tables are read by the calculator only; the rules language has no table type.
    if (p.type === 'table') continue;
    const v = p.values.find((x) => x.from <= date && date <= x.to);
    if (v) out[p.name] = { type: p.type, value: v.value as string | number | boolean, source: `${v.source} [${v.confidence}], ${v.from}..${v.to}` };
  }
  return out;
}

/** The value of one parameter on a date; asking outside its coverage is an error naming both. */
export function paramAt(parameters: readonly LawParameter[], name: string, date: string): Params[string] {
  const p = parameters.find((x) => x.name === name);
  if (!p) throw new Error(`unknown parameter '${name}'`);
  const v = paramsAt([p], date)[name];
  if (!v) throw new Error(`parameter '${name}' has no value on ${date} (covered: ${p.values.map((x) => `${x.from}..${x.to}`).join(', ')})`);
  return v;
}

/** The bracket tables in force on a date (read by benefit formulas' tax()), each with its source. */
export function tablesAt(parameters: readonly LawParameter[], date: string): Tables {
  const out: Tables = {};
  for (const p of parameters) {
    if (p.type !== 'table') continue;
    const v = p.values.find((x) => x.from <= date && date <= x.to);
    if (v) out[p.name] = { rows: v.value as TableRow[], source: `${v.source} [${v.confidence}], ${v.from}..${v.to}` };
  }
  return out;
}
