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
  const bind = (type: FactType, v: Value): string => {
    params.push(typeof v === 'bigint' ? formatHundredths(v) : String(v));
    return `CAST($${offset + params.length} AS ${BIND_TYPES[dialect][type]})`;
  };
  const walk = (e: Expr): string => {
    switch (e.k) {
      case 'lit':
      case 'param':
        return bind(e.type, e.value);
      case 'fact':
        return factColumn(e.name);
      case 'cmp':
        return `(${walk(e.a)} ${e.op === '==' ? '=' : e.op === '!=' ? '<>' : e.op} ${walk(e.b)})`;
      case 'in':
        return `(${walk(e.a)} IN (${e.list.map(walk).join(', ')}))`;
      case 'and':
      case 'or':
        return `(${e.args.map(walk).join(e.k === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `(NOT ${walk(e.a)})`;
    }
  };
  return { sql: walk(rule.expr), params };
}
