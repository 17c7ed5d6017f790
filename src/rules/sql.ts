import { formatHundredths } from './compile.ts';
import { FACTS, type FactType } from './facts.ts';
import type { Expr, Rule, Value } from './ir.ts';

export type Dialect = 'duckdb' | 'postgres';

/** SQL column type of each fact type, per engine: the facts table has one column per fact. */
export const FACT_SQL_TYPES: Record<Dialect, Record<FactType, string>> = {
  duckdb: { int: 'BIGINT', decimal: 'DECIMAL(18,2)', string: 'VARCHAR', bool: 'BOOLEAN', date: 'DATE' },
  postgres: { int: 'BIGINT', decimal: 'NUMERIC(18,2)', string: 'TEXT', bool: 'BOOLEAN', date: 'DATE' },
};

/** Type a bound value is cast to, so both engines compare exactly (numbers as decimals). */
const BIND_TYPES: Record<Dialect, Record<FactType, string>> = {
  duckdb: { int: 'DECIMAL(38,2)', decimal: 'DECIMAL(38,2)', string: 'VARCHAR', bool: 'BOOLEAN', date: 'DATE' },
  postgres: { int: 'NUMERIC(38,2)', decimal: 'NUMERIC(38,2)', string: 'TEXT', bool: 'BOOLEAN', date: 'DATE' },
};

export interface CompiledSql {
  /** A boolean SQL expression over the facts table's columns; NULL means unknown. */
  sql: string;
  /** Values for the placeholders $offset+1 .. $offset+n, all passed as text. */
  params: string[];
}

/** Facts are columns named after the fact; the name is checked against the schema, then quoted. */
export function factColumn(name: string): string {
  if (!FACTS[name]) throw new Error(`unknown fact '${name}'`);
  return `"${name}"`;
}

/**
 * Compiles a checked rule to one SQL expression with the same three-valued
 * answer as the interpreter (SQL's NULL logic is Kleene's, like ours). Every
 * literal and parameter is bound, never spliced into the text, so quotes,
 * backslashes, comment markers or keywords in a rule's strings cannot change
 * the query.
 */
export function compileSql(rule: Rule, dialect: Dialect, offset = 0): CompiledSql {
  const params: string[] = [];
  return { sql: compileExpr(rule.expr, dialect, params, offset), params };
}

/** Compiles one checked expression, appending its bound values to params. */
function compileExpr(e: Expr, dialect: Dialect, params: string[], offset: number, leafColumn?: (e: Expr) => string | undefined): string {
  // A number compared with a fact is bound in the fact's own column type when it fits (BIGINT for a whole
  // number against an int fact, DECIMAL(18,2) against a decimal fact), so the engine compares 64-bit values
  // row by row instead of widening every value of the column to 128 bits. The answer is the same.
  const bind = (type: FactType, v: Value, against?: FactType): string => {
    params.push(typeof v === 'bigint' ? formatHundredths(v) : String(v));
    let sqlType = BIND_TYPES[dialect][type];
    if (typeof v === 'bigint' && against === 'int' && v % 100n === 0n && v / 100n < 2n ** 63n && v / 100n >= -(2n ** 63n)) sqlType = 'BIGINT';
    else if (typeof v === 'bigint' && against === 'decimal' && v < 10n ** 18n && v > -(10n ** 18n)) sqlType = FACT_SQL_TYPES[dialect].decimal;
    return `CAST($${offset + params.length} AS ${sqlType})`;
  };
  const factType = (x: Expr): FactType | undefined => (x.k === 'fact' ? x.type : undefined);
  const walk = (x: Expr, against?: FactType): string => {
    const shared = leafColumn?.(x);
    if (shared) return shared;
    switch (x.k) {
      case 'lit':
      case 'param':
        return bind(x.type, x.value, against);
      case 'fact':
        return factColumn(x.name);
      case 'cmp':
        return `(${walk(x.a, factType(x.b))} ${x.op === '==' ? '=' : x.op === '!=' ? '<>' : x.op} ${walk(x.b, factType(x.a))})`;
      case 'in':
        return `(${walk(x.a)} IN (${x.list.map((y) => walk(y, factType(x.a))).join(', ')}))`;
      case 'and':
      case 'or':
        return `(${x.args.map((y) => walk(y)).join(x.k === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `(NOT ${walk(x.a)})`;
    }
  };
  return walk(e);
}

/** Conditions: the leaves of the logic (comparisons, `in`, a true/false fact). */
const isCondition = (e: Expr) => e.k === 'cmp' || e.k === 'in' || (e.k === 'fact' && e.type === 'bool');

/** A condition's identity: the same comparison of the same fact with the same value, however it was written. */
function conditionKey(e: Expr): string {
  return JSON.stringify(e, (k, v) => (k === 'text' || k === 'source' ? undefined : typeof v === 'bigint' ? `${v}n` : v));
}

/**
 * Compiles many rules into one query over a facts relation with an `id`
 * column: every distinct condition is computed once, as a column of an inner
 * query, and each rule combines those columns. Rules that share conditions
 * (most policies test VAT status, kind or size) do not pay for them twice.
 * The result has `id` and one column `r0`, `r1`, ... per rule, in order.
 */
export function compilePopulation(rules: readonly Rule[], dialect: Dialect, facts: string): CompiledSql & { conditions: number } {
  const params: string[] = [];
  const columns = new Map<string, { name: string; sql: string }>();
  const visit = (e: Expr) => {
    if (isCondition(e)) {
      const key = conditionKey(e);
      if (!columns.has(key)) columns.set(key, { name: `c${columns.size}`, sql: compileExpr(e, dialect, params, 0) });
      return;
    }
    if (e.k === 'and' || e.k === 'or') e.args.forEach(visit);
    else if (e.k === 'not') visit(e.a);
  };
  for (const r of rules) visit(r.expr);
  const leafColumn = (e: Expr) => (isCondition(e) ? columns.get(conditionKey(e))?.name : undefined);
  const outer = rules.map((r, i) => `${compileExpr(r.expr, dialect, params, 0, leafColumn)} AS r${i}`);
  const inner = [...columns.values()].map((c) => `${c.sql} AS ${c.name}`);
  const sql = `SELECT id, ${outer.join(', ')} FROM (SELECT id${inner.length ? `, ${inner.join(', ')}` : ''} FROM ${facts}) conditions`;
  return { sql, params, conditions: columns.size };
}
