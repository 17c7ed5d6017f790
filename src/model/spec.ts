import { z } from 'zod';
import { creditCodeProblem } from './creditCode.ts';
import { industryProblem } from './enums.ts';

/**
 * A table of the domain model, described once. The zod validator (for single
 * records: CLI, API) and the set-wise SQL checks (for bulk ingest) are both
 * derived from this description, so they cannot drift apart.
 */
export type ColumnType =
  | { kind: 'creditCode' }
  | { kind: 'industry' }
  | { kind: 'text'; max: number; pattern?: string; patternHint?: string }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'date' }
  | { kind: 'timestamp' }
  | { kind: 'int'; min: number; max?: number }
  /** Money in yuan with at most two decimals (integer fen), never negative. DECIMAL(18,2). */
  | { kind: 'money' }
  /** Credit points, one decimal, never negative. DECIMAL(5,1). */
  | { kind: 'points' }
  | { kind: 'bool' }
  | { kind: 'json' };

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  required: boolean;
  /** The value must be the credit code of a taxpayer already in the store. */
  refTaxpayer?: boolean;
  /**
   * Empty means the source did not say, not that there is none (unlike a consumer invoice's empty
   * buyer, or an outstanding return's filing date): a record of the same key sent again with a value,
   * equal in everything else, fills a stored empty one in (ingest).
   */
  fillable?: boolean;
  doc: string;
}

/** A condition between fields of one record. Checked only when the fields it reads are present. */
export interface RowCheck {
  field: string;
  reason: string;
  /** SQL over the typed columns; true when the record is fine. */
  sql: string;
  holds(row: Record<string, unknown>): boolean;
}

export interface TableSpec {
  name: string;
  zh: string;
  doc: string;
  naturalKey: readonly string[];
  columns: readonly ColumnSpec[];
  checks: readonly RowCheck[];
}

export const SQL_TYPES: Record<ColumnType['kind'], string> = {
  creditCode: 'VARCHAR',
  industry: 'VARCHAR',
  text: 'VARCHAR',
  enum: 'VARCHAR',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  int: 'BIGINT',
  money: 'DECIMAL(18,2)',
  points: 'DECIMAL(5,1)',
  bool: 'BOOLEAN',
  json: 'JSON',
};

export const MIN_DATE = '1949-10-01';
export const MAX_DATE = '2099-12-31';
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
// Zeros after the fen change nothing (an export of a NUMBER(18,4) column writes 100000.0000).
const MONEY_RE = /^\d{1,16}(\.\d{1,2}0*)?$/;
const POINTS_RE = /^\d{1,4}(\.\d)?$/;

function isRealDate(s: string): boolean {
  if (!DATE_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function isRealTimestamp(s: string): boolean {
  if (!TIMESTAMP_RE.test(s) || !isRealDate(s.slice(0, 10))) return false;
  const [h, m, sec] = s.slice(11).split(':').map(Number);
  return (h as number) < 24 && (m as number) < 60 && (sec ?? 0) < 60;
}

function columnSchema(col: ColumnSpec): z.ZodType {
  const t = col.type;
  switch (t.kind) {
    case 'creditCode':
      return z.string().superRefine((v, ctx) => {
        const p = creditCodeProblem(v);
        if (p) ctx.addIssue({ code: 'custom', message: `invalid credit code: ${p}` });
      });
    case 'industry':
      return z.string().superRefine((v, ctx) => {
        const p = industryProblem(v);
        if (p) ctx.addIssue({ code: 'custom', message: `invalid industry code: ${p}` });
      });
    case 'text': {
      let s = z.string().min(1, 'required').max(t.max, `longer than ${t.max} characters`);
      if (t.pattern) s = s.regex(new RegExp(`^(?:${t.pattern})$`), t.patternHint ?? `must match ${t.pattern}`);
      return s;
    }
    case 'enum':
      return z.enum(t.values as [string, ...string[]], { error: `not one of: ${t.values.join(', ')}` });
    case 'date':
      return z
        .string()
        .refine(isRealDate, 'not a real date in YYYY-MM-DD form')
        .refine((v) => v >= MIN_DATE && v <= MAX_DATE, `date outside ${MIN_DATE}..${MAX_DATE}`);
    case 'timestamp':
      return z
        .string()
        .refine(isRealTimestamp, 'not a timestamp (YYYY-MM-DD HH:MM:SS)')
        .refine((v) => v.slice(0, 10) >= MIN_DATE && v.slice(0, 10) <= MAX_DATE, `date outside ${MIN_DATE}..${MAX_DATE}`);
    case 'int': {
      let n = z.number({ error: 'not an integer' }).int('not an integer').min(t.min, `must be at least ${t.min}`);
      if (t.max !== undefined) n = n.max(t.max, `must be at most ${t.max}`);
      return n;
    }
    case 'money':
      return z
        .string()
        .refine((v) => !v.startsWith('-'), 'negative amount')
        .refine((v) => v.startsWith('-') || MONEY_RE.test(v), 'not an amount in yuan with at most 2 decimals');
    case 'points':
      return z
        .string()
        .refine((v) => !v.startsWith('-'), 'negative points')
        .refine((v) => v.startsWith('-') || POINTS_RE.test(v), 'not points with at most 1 decimal');
    case 'bool':
      return z.boolean({ error: 'not a boolean' });
    case 'json':
      return z.string().refine((v) => {
        try {
          JSON.parse(v);
          return true;
        } catch {
          return false;
        }
      }, 'not valid JSON');
  }
}

export interface FieldProblem {
  field: string;
  reason: string;
}

const schemas = new WeakMap<TableSpec, z.ZodType<Record<string, unknown>>>();

/** A record validator for one table: the single-record twin of the ingest SQL checks. Built once per table. */
export function recordSchema(spec: TableSpec): z.ZodType<Record<string, unknown>> {
  let schema = schemas.get(spec);
  if (!schema) {
    schema = buildRecordSchema(spec);
    schemas.set(spec, schema);
  }
  return schema;
}

function buildRecordSchema(spec: TableSpec): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const col of spec.columns) {
    const s = columnSchema(col);
    // An empty string is an absent value, as in a CSV file.
    const absentIfEmpty = (v: unknown) => (v === '' ? undefined : v);
    shape[col.name] = z.preprocess(absentIfEmpty, col.required ? s : s.nullable().optional());
  }
  return z
    .object(shape)
    .strict()
    .superRefine((row, ctx) => {
      for (const check of spec.checks) {
        if (!check.holds(row)) ctx.addIssue({ code: 'custom', path: [check.field], message: check.reason });
      }
    }) as unknown as z.ZodType<Record<string, unknown>>;
}

/** Validates one record; returns every problem with its field, or an empty list. */
export function validateRecord(spec: TableSpec, record: unknown): FieldProblem[] {
  const result = recordSchema(spec).safeParse(record);
  if (result.success) return [];
  const fields = (record ?? {}) as Record<string, unknown>;
  return result.error.issues.map((i) => {
    const field = i.path.length > 0 ? String(i.path[0]) : i.code === 'unrecognized_keys' ? i.keys.join(',') : '';
    const absent = fields[field] === undefined || fields[field] === null || fields[field] === '';
    return { field, reason: i.code === 'invalid_type' && absent ? 'required' : i.message };
  });
}

/** Helper for row checks: both values present. */
export function present(...values: unknown[]): boolean {
  return values.every((v) => v !== null && v !== undefined);
}

/**
 * An amount of money as whole fen, exactly (a 16-digit amount is beyond a double's integers), or null
 * when it is not one: its column's own check reports that.
 */
export function fenOf(v: unknown): bigint | null {
  const text = String(v);
  if (!MONEY_RE.test(text)) return null;
  const [whole = '0', decimals = ''] = text.split('.');
  return BigInt(whole) * 100n + BigInt(decimals.slice(0, 2).padEnd(2, '0'));
}

/** A tax period (period_start, period_end) that does not end before it starts: a return and what it reports. */
export const PERIOD_IN_ORDER: RowCheck = {
  field: 'period_end',
  reason: 'period ends before it starts',
  sql: 'period_end >= period_start',
  holds: (r) => !present(r.period_start, r.period_end) || String(r.period_end) >= String(r.period_start),
};
