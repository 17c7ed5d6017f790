import { z } from 'zod';
import type { Params } from '../rules/facts.ts';
import { type LawFileError, readYaml } from './yamlFile.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)');
const valueSchema = z
  .object({
    from: isoDate,
    to: isoDate,
    value: z.union([z.string(), z.number(), z.boolean()]),
    source: z.string().min(1, 'a value needs its legal source'),
    confidence: z.enum(['C', 'R', 'U']),
  })
  .strict()
  .refine((v) => v.from <= v.to, { message: 'from is after to', path: ['to'] });

const parameterSchema = z
  .object({
    name: z.string().regex(/^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/, 'must be dotted camelCase, e.g. slpe.maxEmployees'),
    type: z.enum(['int', 'decimal', 'string', 'bool', 'date']),
    unit: z.string().min(1),
    doc: z.string().min(1),
    values: z.array(valueSchema).min(1),
  })
  .strict()
  .superRefine((p, ctx) => {
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

export function loadParameters(file: string): { parameters: LawParameter[]; errors: LawFileError[] } {
  const { value, errors } = readYaml(file, z.array(parameterSchema));
  return { parameters: value ?? [], errors };
}

/** The parameters in force on a date, each with its legal source. A parameter without a value on that date is left out. */
export function paramsAt(parameters: readonly LawParameter[], date: string): Params {
  const out: Params = {};
  for (const p of parameters) {
    const v = p.values.find((x) => x.from <= date && date <= x.to);
    if (v) out[p.name] = { type: p.type, value: v.value, source: `${v.source} [${v.confidence}], ${v.from}..${v.to}` };
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
