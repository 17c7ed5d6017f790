import { z } from 'zod';
import type { ResultValue } from './calculation.ts';
import { CalcError } from './errors.ts';
import { Explanation, type Line, RESULT_VERSION } from './explain.ts';
import { DEFAULT_LAW_DIR, LawAt, lawParameters } from './law.ts';
import { MoneyError } from './money.ts';
import { parsePeriod } from './period.ts';
import { CALCULATIONS } from './registry.ts';
import { type Settings, settingsSchema } from './settings.ts';

/** A calculation request, as integrators send it (JSON). Amounts are decimal strings in yuan. */
export interface CalcRequest {
  calculation: string;
  period: string;
  inputs: Record<string, unknown>;
  settings?: Partial<Settings>;
}

export interface CalcResponse {
  version: number;
  calculation: string;
  title: { zh: string; en: string };
  period: { text: string; from: string; to: string };
  settings: Settings;
  result: Record<string, ResultValue>;
  lines: Line[];
  notes: string[];
}

const requestSchema = z
  .object({
    calculation: z.string({ error: 'calculation is required: the name of a calculation, e.g. "vat.smallScale"' }),
    period: z.union([z.string(), z.number()], { error: 'period is required, e.g. "2026-Q1"' }),
    inputs: z.record(z.string(), z.unknown(), { error: 'inputs is required: an object of the calculation’s input fields' }),
    settings: z.unknown().optional(),
  })
  .strict();

/**
 * Runs one request against the law under `lawDir`. Returns the result with every line explained, or
 * throws a CalcError that names the offending field.
 */
export function calculate(request: unknown, lawDir: string = DEFAULT_LAW_DIR): CalcResponse {
  const r = requestSchema.safeParse(request);
  if (!r.success) throw fromZod(r.error, '', 'request.invalid');
  const calc = CALCULATIONS.get(r.data.calculation);
  if (!calc) {
    throw new CalcError(
      'request.unknownCalculation',
      'calculation',
      `unknown calculation '${r.data.calculation}'; known: ${[...CALCULATIONS.keys()].join(', ')}`,
    );
  }
  const period = parsePeriod(r.data.period, 'period', calc.periodKinds);
  const s = settingsSchema.safeParse(r.data.settings ?? {});
  if (!s.success) throw fromZod(s.error, 'settings', 'request.invalid');
  const inputs = calc.inputs.safeParse(r.data.inputs);
  if (!inputs.success) throw fromZod(inputs.error, 'inputs', 'input.invalid');
  const law = new LawAt(lawParameters(lawDir), period, s.data);
  const x = new Explanation();
  let result: Record<string, ResultValue>;
  try {
    result = calc.run(inputs.data, law, x);
  } catch (e) {
    if (e instanceof MoneyError) throw new CalcError('input.invalid', 'inputs', e.message);
    throw e;
  }
  return {
    version: RESULT_VERSION,
    calculation: calc.name,
    title: calc.title,
    period: { text: period.text, from: period.from, to: period.to },
    settings: s.data,
    result,
    lines: x.lines,
    notes: x.notes,
  };
}

function fromZod(error: z.ZodError, prefix: string, code: 'request.invalid' | 'input.invalid'): CalcError {
  const issue = error.issues[0] as z.core.$ZodIssue;
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  else if (issue.code === 'invalid_type' && message.startsWith('Invalid input: expected'))
    message = `${field || 'value'} is required or has the wrong type (${message})`;
  return new CalcError(code, field, `${field ? `${field}: ` : ''}${message}`);
}
