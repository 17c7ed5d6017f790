import { type ColumnSpec, MAX_DATE, MIN_DATE, SQL_TYPES, type TableSpec } from '../model/index.ts';
import { ident, literal } from '../store/store.ts';

/**
 * SQL twins of the record validator in model/spec.ts: the same table spec
 * becomes, for a staged file, one typed expression per column and a list of
 * (field, condition, reason) problems, evaluated set-wise by DuckDB.
 */
export interface Problem {
  field: string;
  /** True when the record has this problem. */
  when: string;
  /** SQL expression giving the reason text. */
  reason: string;
}

/** Name under which the raw (untyped) value of a column is kept in the staging table. */
export const raw = (column: string) => ident(`__raw_${column}`);

/** The typed value of a column, from its raw value: NULL when absent or unparsable. */
export function typedExpr(col: ColumnSpec, sourceType: string | undefined): string {
  if (sourceType === undefined) return `NULL::${SQL_TYPES[col.type.kind]}`;
  const r = raw(col.name);
  const target = SQL_TYPES[col.type.kind];
  if (sourceType === target) return target === 'VARCHAR' ? `NULLIF(${r}, '')` : r;
  const text = `NULLIF(${r}::VARCHAR, '')`;
  switch (col.type.kind) {
    case 'date':
      // A timestamp column of an export (a DATETIME of the source system) holds a date at midnight; a
      // zoned one (an instant, as Spark and pandas write a time with a zone), at midnight in China.
      if (sourceType === ZONED) return `CASE WHEN ${chinaTime(r)}::TIME = TIME '00:00:00' THEN ${chinaTime(r)}::DATE END`;
      if (isTimestamp(sourceType)) return `CASE WHEN ${r}::TIME = TIME '00:00:00' THEN ${r}::DATE END`;
      return `CASE WHEN regexp_full_match(${text}, '\\d{4}-\\d{2}-\\d{2}') THEN TRY_CAST(${text} AS DATE) END`;
    case 'timestamp':
      // The bureau's times are China's wall clock (a hall's opening hours, a pickup's): an instant is read so.
      if (sourceType === ZONED) return chinaTime(r);
      return `CASE WHEN regexp_full_match(${text}, '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?') THEN TRY_CAST(${text} AS TIMESTAMP) END`;
    case 'int':
      return `CASE WHEN regexp_full_match(${text}, '-?\\d{1,18}') THEN TRY_CAST(${text} AS BIGINT) END`;
    case 'money':
      // Zeros after the fen change nothing: a NUMBER(18,4) column of an export writes 100000.0000.
      return `CASE WHEN regexp_full_match(${text}, '-?\\d{1,16}(\\.\\d{1,2}0*)?') THEN TRY_CAST(${text} AS DECIMAL(18,2)) END`;
    case 'points':
      return `CASE WHEN regexp_full_match(${text}, '-?\\d{1,4}(\\.\\d)?') THEN TRY_CAST(${text} AS DECIMAL(5,1)) END`;
    case 'bool':
      return `CASE lower(${text}) WHEN 'true' THEN true WHEN 'false' THEN false END`;
    case 'json':
      return `TRY_CAST(${text} AS JSON)`;
    default:
      return text;
  }
}

/** A timestamp type of a typed source (Parquet), without a zone: its time of day is the source's. */
const isTimestamp = (sourceType: string | undefined) => sourceType !== undefined && /^TIMESTAMP(_[A-Z]+)?$/.test(sourceType);
/** A Parquet timestamp adjusted to UTC (isAdjustedToUTC): an instant, not a wall-clock time. */
const ZONED = 'TIMESTAMP WITH TIME ZONE';
/**
 * An instant as China's wall clock reads it: UTC+8. A fixed offset, not the zone Asia/Shanghai, whose
 * summer time of 1986 to 1991 would read a date of those summers written at midnight +08:00 as 01:00.
 */
const chinaTime = (instant: string) => `(timezone('UTC', ${instant}) + INTERVAL 8 HOUR)`;

function quoteList(values: readonly string[]): string {
  return values.map(literal).join(', ');
}

/**
 * Problems of one column, in the order a person would want to hear them.
 * A column whose source already has the target type (typed Parquet) needs no
 * parsing checks; text is parsed and checked as written.
 */
function columnProblems(col: ColumnSpec, sourceType: string | undefined): Problem[] {
  const f = col.name;
  const v = ident(f);
  const t = col.type;
  const target = SQL_TYPES[t.kind];
  const native = sourceType === target;
  const r = native ? v : `NULLIF(${raw(f)}::VARCHAR, '')`;
  const out: Problem[] = [];
  // A column the file does not have is NULL in every record: only whether it may be is a question.
  if (sourceType === undefined) return col.required ? [{ field: f, when: 'true', reason: `'required'` }] : [];
  if (col.required) out.push({ field: f, when: `${r} IS NULL`, reason: `'required'` });
  const unparsed = (reason: string) => {
    if (!native) out.push({ field: f, when: `${r} IS NOT NULL AND ${v} IS NULL`, reason: literal(reason) });
  };
  const negative = (reason: string, unparsedReason: string) => {
    if (native) {
      out.push({ field: f, when: `${v} < 0`, reason: literal(reason) });
      return;
    }
    out.push({ field: f, when: `${r} IS NOT NULL AND starts_with(ltrim(${r}), '-')`, reason: literal(reason) });
    out.push({ field: f, when: `${r} IS NOT NULL AND NOT starts_with(ltrim(${r}), '-') AND ${v} IS NULL`, reason: literal(unparsedReason) });
  };
  switch (t.kind) {
    case 'creditCode':
    case 'industry': {
      const what = t.kind === 'creditCode' ? 'credit code' : 'industry code';
      out.push({
        field: f,
        when: `${v} IN (SELECT v FROM ${lookupTable(f)} WHERE problem IS NOT NULL)`,
        reason: `'invalid ${what}: ' || (SELECT problem FROM ${lookupTable(f)} b WHERE b.v = ${v})`,
      });
      break;
    }
    case 'text':
      out.push({ field: f, when: `length(${v}) > ${t.max}`, reason: literal(`longer than ${t.max} characters`) });
      if (t.pattern) {
        out.push({ field: f, when: `NOT regexp_full_match(${v}, ${literal(t.pattern)})`, reason: literal(t.patternHint ?? `must match ${t.pattern}`) });
      }
      break;
    case 'enum':
      out.push({ field: f, when: `${v} NOT IN (${quoteList(t.values)})`, reason: literal(`not one of: ${t.values.join(', ')}`) });
      break;
    case 'date':
      unparsed(
        sourceType === ZONED
          ? 'a time of day in China time (UTC+8) where a date is expected'
          : isTimestamp(sourceType)
            ? 'a time of day where a date is expected'
            : 'not a real date in YYYY-MM-DD form',
      );
      out.push({ field: f, when: `${v} NOT BETWEEN DATE '${MIN_DATE}' AND DATE '${MAX_DATE}'`, reason: literal(`date outside ${MIN_DATE}..${MAX_DATE}`) });
      break;
    case 'timestamp':
      unparsed('not a timestamp (YYYY-MM-DD HH:MM:SS)');
      out.push({
        field: f,
        when: `${v}::DATE NOT BETWEEN DATE '${MIN_DATE}' AND DATE '${MAX_DATE}'`,
        reason: literal(`date outside ${MIN_DATE}..${MAX_DATE}`),
      });
      break;
    case 'int':
      unparsed('not an integer');
      out.push({ field: f, when: `${v} < ${t.min}`, reason: literal(`must be at least ${t.min}`) });
      if (t.max !== undefined) out.push({ field: f, when: `${v} > ${t.max}`, reason: literal(`must be at most ${t.max}`) });
      break;
    case 'money':
      negative('negative amount', 'not an amount in yuan with at most 2 decimals');
      break;
    case 'points':
      negative('negative points', 'not points with at most 1 decimal');
      break;
    case 'bool':
      unparsed('not a boolean');
      break;
    case 'json':
      unparsed('not valid JSON');
      break;
  }
  if (col.refTaxpayer) {
    // A taxpayer whose own record was refused says so: fixing that record is what loads these.
    out.push({
      field: f,
      when: `${v} IN (SELECT v FROM ${lookupTable(f)} WHERE problem IS NULL AND NOT known)`,
      reason: `'unknown taxpayer ' || ${v} || CASE WHEN ${v} IN (SELECT v FROM ${lookupTable(f)} WHERE quarantined) THEN ': its own record is in quarantine' ELSE '' END`,
    });
  }
  return out;
}

/**
 * Credit codes and industry codes repeat (an invoice file names a few
 * thousand issuers millions of times), and their check is the costly one, so
 * it runs once per distinct value. Only the values that fail (usually none)
 * are kept, in a small table the records are probed against.
 */
export const isLookupChecked = (col: ColumnSpec) => col.type.kind === 'creditCode' || col.type.kind === 'industry';
export const lookupTable = (column: string) => ident(`__ingest_bad_${column}`);

/** CREATE statements for the lookup tables of the columns present, over a relation of raw records. */
export function lookupSql(spec: TableSpec, present: ReadonlySet<string>, source: string): string[] {
  return spec.columns
    .filter((c) => isLookupChecked(c) && present.has(c.name))
    .map((col) => {
      const value = `NULLIF(${raw(col.name)}::VARCHAR, '')`;
      if (col.type.kind === 'industry') {
        return `CREATE TEMP TABLE ${lookupTable(col.name)} AS
          SELECT v, industry_problem(v) AS problem, true AS known, false AS quarantined
          FROM (SELECT DISTINCT ${value} AS v FROM ${source}) WHERE v IS NOT NULL AND industry_problem(v) IS NOT NULL`;
      }
      // A code already on the taxpayer roll was checked when its taxpayer was loaded: only the others need
      // the check character computed. The probe against the roll is cheaper than grouping every value.
      return `CREATE TEMP TABLE ${lookupTable(col.name)} AS
        SELECT v, credit_code_problem(v) AS problem, false AS known,
          v IN (SELECT json_extract_string(record, '$.credit_code') FROM quarantine WHERE table_name = 'taxpayer' AND json_valid(record)) AS quarantined
        FROM (SELECT DISTINCT v FROM (SELECT ${value} AS v FROM ${source}) WHERE v IS NOT NULL AND v NOT IN (SELECT credit_code FROM taxpayer))
        WHERE ${col.refTaxpayer ? 'true' : 'credit_code_problem(v) IS NOT NULL'}`;
    });
}

/** Every problem a record of this table can have: per column, then the row checks. */
export function problemsOf(spec: TableSpec, sourceTypes: ReadonlyMap<string, string>): Problem[] {
  const out = spec.columns.flatMap((c) => columnProblems(c, sourceTypes.get(c.name)));
  for (const check of spec.checks) out.push({ field: check.field, when: `NOT (${check.sql})`, reason: literal(check.reason) });
  return out;
}
