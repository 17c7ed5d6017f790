import { ParseError, parse } from '@marcbachmann/cel-js';
import { RuleError } from './compile.ts';
import { FACTS, type FactType, type Params } from './facts.ts';
import { type FactRow, factValue } from './interpret.ts';
import { isNumeric } from './ir.ts';
import type { Dialect } from './sql.ts';

/**
 * Benefit formulas: the arithmetic side of the rules language. A formula reads numeric facts and
 * law parameters and says what a policy is worth to a taxpayer for a period, in yuan, e.g.
 *
 *   quarterly_taxable_income * (param("cit.standardRate") - 0.05)
 *
 * Constructs: numbers (any number of decimals), numeric facts, param("...") of a decimal or int
 * parameter, + - *, min(a, b, ...), max(a, b, ...), round(a) (to the fen, half away from zero: where the
 * law rounds a figure before using it), coalesce(a, b, ...) (the first value that is known: where a
 * missing fact means none, as hires not reported mean no quota to share a cap with), and
 * tax("table", base): the tax a bracket table of the law
 * (base × rate − quick deduction, rounded to the fen) gives on a base. There is no
 * division, so every intermediate value is an exact decimal; the result is rounded once, half up,
 * to the fen. A formula is evaluated in TypeScript (one taxpayer) and compiled to SQL (a whole
 * city); both give the same figure (test/formula.test.ts). A missing fact makes the result null.
 */

/** An exact decimal: v / 10^s. */
export interface Dec {
  v: bigint;
  s: number;
}

export interface TableRowValue {
  upTo: string | null;
  rate: string;
  quickDeduction?: string;
}

/** Bracket tables of the law in force, by parameter name. */
export type Tables = Record<string, { rows: TableRowValue[]; source: string }>;

interface Bracket {
  upTo: Dec | null;
  rate: Dec;
  quickDeduction: Dec;
}

export type FExpr =
  | { k: 'num'; value: Dec; text: string }
  | { k: 'fact'; name: string; type: FactType; text: string }
  | { k: 'param'; name: string; value: Dec; source: string; text: string }
  | { k: 'add' | 'sub' | 'mul'; a: FExpr; b: FExpr; text: string }
  | { k: 'min' | 'max' | 'coalesce'; args: FExpr[]; text: string }
  | { k: 'round'; a: FExpr; text: string }
  | { k: 'tax'; table: string; rows: Bracket[]; source: string; base: FExpr; text: string };

export interface Formula {
  id: string;
  source: string;
  expr: FExpr;
  /** Facts the formula reads. */
  facts: string[];
}

interface Node {
  op: string;
  args: unknown;
  start?: number;
  end?: number;
}

export function parseDec(text: string): Dec | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return null;
  const frac = m[3] ?? '';
  const v = BigInt(`${m[2]}${frac}`);
  return { v: m[1] ? -v : v, s: frac.length };
}

const scaleTo = (d: Dec, s: number): bigint => d.v * 10n ** BigInt(s - d.s);
const add = (a: Dec, b: Dec): Dec => {
  const s = Math.max(a.s, b.s);
  return { v: scaleTo(a, s) + scaleTo(b, s), s };
};
const neg = (a: Dec): Dec => ({ v: -a.v, s: a.s });
const mul = (a: Dec, b: Dec): Dec => ({ v: a.v * b.v, s: a.s + b.s });
const cmp = (a: Dec, b: Dec): number => {
  const s = Math.max(a.s, b.s);
  const d = scaleTo(a, s) - scaleTo(b, s);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};

/** Rounds half away from zero to `s` decimals (四舍五入). */
export function roundDec(a: Dec, s: number): Dec {
  if (a.s <= s) return { v: scaleTo(a, s), s };
  const f = 10n ** BigInt(a.s - s);
  const abs = a.v < 0n ? -a.v : a.v;
  const q = (2n * abs + f) / (2n * f);
  return { v: a.v < 0n ? -q : q, s };
}

export function formatDec(a: Dec): string {
  const sign = a.v < 0n ? '-' : '';
  const digits = (a.v < 0n ? -a.v : a.v).toString().padStart(a.s + 1, '0');
  return a.s === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -a.s)}.${digits.slice(-a.s)}`;
}

/** Parses and checks a benefit formula; problems are RuleErrors with the position, at load time. */
export function compileFormula(id: string, source: string, params: Params, tables: Tables): Formula {
  let root: Node;
  try {
    root = parse(source).ast as unknown as Node;
  } catch (err) {
    throw new RuleError(id, 0, `cannot parse the benefit formula: ${(err instanceof ParseError ? err.message : String(err)).split('\n')[0]}`);
  }
  const facts = new Set<string>();
  const fail = (n: Node, reason: string): never => {
    throw new RuleError(id, n.start ?? 0, `benefit formula: ${reason}`);
  };
  const textOf = (n: Node) => source.slice(n.start ?? 0, n.end ?? source.length);
  const literal = (n: Node): Dec => {
    if (typeof n.args !== 'bigint' && typeof n.args !== 'number') fail(n, 'only numbers, numeric facts and parameters can be computed with');
    return parseDec(textOf(n)) ?? fail(n, `'${textOf(n)}' is not a number`);
  };
  const stringArg = (n: Node, fn: string): string => {
    if (n.op !== 'value' || typeof n.args !== 'string') fail(n, `${fn}() takes a string literal naming a law parameter`);
    return n.args as string;
  };
  const walk = (n: Node): FExpr => {
    const text = textOf(n);
    switch (n.op) {
      case 'value':
        return { k: 'num', value: literal(n), text };
      case '-_': {
        const inner = n.args as Node;
        if (inner.op === 'value') return { k: 'num', value: neg(literal(inner)), text };
        return { k: 'sub', a: { k: 'num', value: { v: 0n, s: 0 }, text: '0' }, b: walk(inner), text };
      }
      case 'id': {
        const name = n.args as string;
        const spec = FACTS[name];
        if (!spec) fail(n, `unknown fact '${name}'`);
        if (!isNumeric((spec as { type: FactType }).type)) fail(n, `fact '${name}' is a ${(spec as { type: FactType }).type}, not a number`);
        facts.add(name);
        return { k: 'fact', name, type: (spec as { type: FactType }).type, text };
      }
      case '+':
      case '-':
      case '*': {
        const [l, r] = n.args as [Node, Node];
        return { k: n.op === '+' ? 'add' : n.op === '-' ? 'sub' : 'mul', a: walk(l), b: walk(r), text };
      }
      case 'call': {
        const [fn, args] = n.args as [string, Node[]];
        if (fn === 'param') {
          if (args.length !== 1) fail(n, 'param() takes one parameter name');
          const name = stringArg(args[0] as Node, 'param');
          const p = params[name];
          if (!p) fail(n, `unknown parameter '${name}'`);
          const value = isNumeric((p as Params[string]).type) ? parseDec(String((p as Params[string]).value)) : null;
          if (!value) fail(n, `parameter '${name}' is not a number`);
          return { k: 'param', name, value: value as Dec, source: (p as Params[string]).source, text };
        }
        if (fn === 'min' || fn === 'max' || fn === 'coalesce') {
          if (args.length < 2) fail(n, `${fn}() takes two or more values`);
          return { k: fn, args: args.map(walk), text };
        }
        if (fn === 'round') {
          if (args.length !== 1) fail(n, 'round() takes one value, which it rounds to the fen');
          return { k: 'round', a: walk(args[0] as Node), text };
        }
        if (fn === 'tax') {
          if (args.length !== 2) fail(n, 'tax() takes a table parameter and a base, e.g. tax("iit.businessTable", business_income)');
          const name = stringArg(args[0] as Node, 'tax');
          const t = tables[name];
          if (!t) fail(n, `unknown table parameter '${name}'`);
          const rows = (t as Tables[string]).rows.map((r) => ({
            upTo: r.upTo === null ? null : (parseDec(r.upTo) as Dec),
            rate: parseDec(r.rate) as Dec,
            quickDeduction: parseDec(r.quickDeduction ?? '0') as Dec,
          }));
          if (rows.at(-1)?.upTo !== null) fail(n, `table '${name}' has no open last row, so tax() is not defined above it`);
          return { k: 'tax', table: name, rows, source: (t as Tables[string]).source, base: walk(args[1] as Node), text };
        }
        return fail(n, `unknown function '${fn}' (known: param, min, max, round, coalesce, tax)`);
      }
      default:
        return fail(n, `'${n.op}' is not allowed in a benefit formula (numbers, facts, param(), + - *, min, max, round, coalesce, tax)`);
    }
  };
  const expr = walk(root);
  return { id, source, expr, facts: [...facts].sort() };
}

const ZERO: Dec = { v: 0n, s: 0 };

function taxOf(rows: Bracket[], base: Dec): Dec {
  if (cmp(base, ZERO) <= 0) return ZERO;
  const row = rows.find((r) => r.upTo === null || cmp(base, r.upTo) <= 0) as Bracket;
  return add(roundDec(mul(base, row.rate), 2), neg(row.quickDeduction));
}

function evalExpr(e: FExpr, row: FactRow): Dec | null {
  switch (e.k) {
    case 'num':
    case 'param':
      return e.value;
    case 'fact': {
      const v = factValue(e.name, row);
      return v === null ? null : { v: v as bigint, s: 2 };
    }
    case 'add':
    case 'sub':
    case 'mul': {
      const a = evalExpr(e.a, row);
      const b = evalExpr(e.b, row);
      if (a === null || b === null) return null;
      return e.k === 'add' ? add(a, b) : e.k === 'sub' ? add(a, neg(b)) : mul(a, b);
    }
    case 'min':
    case 'max': {
      const vs = e.args.map((x) => evalExpr(x, row));
      if (vs.some((v) => v === null)) return null;
      return (vs as Dec[]).reduce((a, b) => ((e.k === 'min' ? cmp(b, a) < 0 : cmp(b, a) > 0) ? b : a));
    }
    case 'coalesce': {
      for (const x of e.args) {
        const v = evalExpr(x, row);
        if (v !== null) return v;
      }
      return null;
    }
    case 'round': {
      const a = evalExpr(e.a, row);
      return a === null ? null : roundDec(a, 2);
    }
    case 'tax': {
      const base = evalExpr(e.base, row);
      return base === null ? null : taxOf(e.rows, base);
    }
  }
}

/** The formula's value for one row of facts: yuan with two decimals, or null when a fact it reads is missing. */
export function evaluateFormula(f: Formula, row: FactRow): string | null {
  const v = evalExpr(f.expr, row);
  return v === null ? null : formatDec(roundDec(v, 2));
}

/** The formula as one SQL expression over the facts table (DECIMAL(18,2) yuan; NULL when a fact is missing). */
export function formulaSql(f: Formula, dialect: Dialect, offset = 0): { sql: string; params: string[] } {
  const params: string[] = [];
  const dec = dialect === 'duckdb' ? 'DECIMAL' : 'NUMERIC';
  const bind = (d: Dec): string => {
    params.push(formatDec(d));
    // The narrowest exact type: products of several factors stay within DECIMAL(38).
    const digits = (d.v < 0n ? -d.v : d.v).toString().length;
    return `CAST($${offset + params.length} AS ${dec}(${Math.max(digits, d.s + 1, 1)},${d.s}))`;
  };
  const walk = (e: FExpr): string => {
    switch (e.k) {
      case 'num':
      case 'param':
        return bind(e.value);
      case 'fact':
        return `"${e.name}"`;
      case 'add':
        return `(${walk(e.a)} + ${walk(e.b)})`;
      case 'sub':
        return `(${walk(e.a)} - ${walk(e.b)})`;
      case 'mul':
        return `(${walk(e.a)} * ${walk(e.b)})`;
      case 'min':
      case 'max': {
        // LEAST and GREATEST skip NULLs in both engines; a missing fact must make the result NULL.
        const args = e.args.map(walk);
        return `(CASE WHEN ${args.map((a) => `${a} IS NULL`).join(' OR ')} THEN NULL ELSE ${e.k === 'min' ? 'LEAST' : 'GREATEST'}(${args.join(', ')}) END)`;
      }
      case 'coalesce':
        return `COALESCE(${e.args.map(walk).join(', ')})`;
      case 'round':
        // Half away from zero, as roundDec and both engines' ROUND of a decimal.
        return `ROUND(${walk(e.a)}, 2)`;
      case 'tax': {
        const b = walk(e.base);
        const arms = e.rows.map((r) => {
          const t = `ROUND(${b} * ${bind(r.rate)}, 2) - ${bind(r.quickDeduction)}`;
          return r.upTo === null ? `ELSE ${t}` : `WHEN ${b} <= ${bind(r.upTo)} THEN ${t}`;
        });
        return `(CASE WHEN ${b} IS NULL THEN NULL WHEN ${b} <= 0 THEN 0 ${arms.join(' ')} END)`;
      }
    }
  };
  return { sql: `CAST(ROUND(${walk(f.expr)}, 2) AS ${dec}(18,2))`, params };
}
