/**
 * The hand-written columnar loop of the rules benchmark: the practical limit for evaluating rules in
 * TypeScript. Each fact is a typed array (numbers in hundredths and dates in days as doubles, NaN when
 * missing; strings as dictionary codes and booleans as 1/0, -1 when missing), and one straight-line
 * JavaScript loop over those arrays tests every rule for each taxpayer in turn, writing the pairs that
 * match into a preallocated Int32Array of (taxpayer, rule) pairs. The code is generated from the rules
 * because 200 random rules are too many to type, but it is what one would write by hand: no interpreter,
 * no allocation, one comparison per condition, short-circuit `&&` and `||`.
 *
 * Only "true" is a match, so each rule is written as two-valued "certainly true" / "certainly false"
 * tests (Kleene logic: `a && b` is certainly false when either is; `!a` is certainly true when `a` is
 * certainly false). A comparison with a missing value is neither, which NaN gives for free (every
 * comparison with NaN is false) and the codes' -1 gives by a test.
 */
import { FACTS, type FactType } from '../src/rules/facts.ts';
import type { CmpOp, Expr, Rule } from '../src/rules/ir.ts';
import { factColumn } from '../src/rules/sql.ts';
import type { Store } from '../src/store/store.ts';

export type Column = Float64Array | Int32Array | Int8Array;

export interface Columns {
  rows: number;
  /** One array per fact, in the order of `names`. */
  columns: Column[];
  names: string[];
  /** Dictionary of every string fact (one code space, so two string facts can be compared). */
  codes: Map<string, number>;
}

const DAY_MS = 86_400_000;
const days = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const kind = (t: FactType) => (t === 'int' || t === 'decimal' || t === 'date' ? 'double' : t === 'string' ? 'code' : 'bool');

/** Reads a facts table with ids 0..rows-1 into one typed array per fact (the load is not part of the loop's time). */
export async function loadColumns(store: Store, table: string, names: string[]): Promise<Columns> {
  const { n } = await store.one<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  const rows = Number(n);
  const types = names.map((name) => (FACTS[name] as { type: FactType }).type);
  const columns: Column[] = types.map((t) => {
    const k = kind(t);
    return k === 'double' ? new Float64Array(rows).fill(Number.NaN) : k === 'code' ? new Int32Array(rows).fill(-1) : new Int8Array(rows).fill(-1);
  });
  const codes = new Map<string, number>();
  const select = names.map((name, i) => {
    const c = factColumn(name);
    const t = types[i] as FactType;
    if (t === 'int') return `CAST(${c} AS DOUBLE) * 100`;
    if (t === 'decimal') return `CAST(${c} * 100 AS DOUBLE)`;
    if (t === 'date') return `CAST(${c} - DATE '1970-01-01' AS DOUBLE)`;
    return c;
  });
  const result = await store.connection.stream(`SELECT CAST(id AS INTEGER), ${select.join(', ')} FROM ${table}`);
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const ids = chunk.getColumnValues(0) as number[];
    for (const [i, column] of columns.entries()) {
      const values = chunk.getColumnValues(i + 1);
      for (const [r, v] of values.entries()) {
        if (v === null) continue;
        const id = ids[r] as number;
        if (column instanceof Float64Array) column[id] = v as number;
        else if (column instanceof Int8Array) column[id] = v ? 1 : 0;
        else column[id] = codeOf(codes, v as string);
      }
    }
  }
  return { rows, columns, names, codes };
}

function codeOf(codes: Map<string, number>, s: string): number {
  let c = codes.get(s);
  if (c === undefined) {
    c = codes.size;
    codes.set(s, c);
  }
  return c;
}

/**
 * Appends (taxpayer, rule index) to `out` from position `n` for every pair of taxpayers `from`..`to` - 1 and rules
 * where the rule is true; returns the new position.
 */
export type RuleLoop = (columns: Column[], out: Int32Array, n: number, from: number, to: number) => number;

const NEGATED: Record<CmpOp, CmpOp> = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

/**
 * One function for all rules, row by row: the facts of a taxpayer read once into locals, then one `if` per
 * rule (twice as fast as a pass over the columns per rule, which reads each column again for every rule
 * that tests it). Only numbers, slot indices and operators are written into the code; strings become
 * their dictionary codes.
 */
export function compileColumnar(rules: readonly Rule[], data: Columns): RuleLoop {
  const used = new Set<number>();
  const col = (name: string) => {
    const slot = data.names.indexOf(name);
    if (slot < 0) throw new Error(`no column for fact ${name}`);
    used.add(slot);
    return `v${slot}`;
  };
  const constant = (e: Expr): string => {
    if (e.k !== 'lit' && e.k !== 'param') throw new Error(`not a constant: ${e.text}`);
    const v = e.value;
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${e.text} does not fit a double exactly`);
      return `(${Number(v)})`;
    }
    if (typeof v === 'boolean') return v ? '1' : '0';
    return e.type === 'date' ? `(${days(v)})` : String(codeOf(data.codes, v));
  };
  const operand = (e: Expr) => (e.k === 'fact' ? col(e.name) : constant(e));
  const coded = (e: Expr) => (e.k !== 'lit' && e.k !== 'param' && e.k !== 'fact' ? false : kind(e.type) !== 'double');
  // A comparison certainly holding: doubles compare as they are (NaN fails every test); codes must be known (>= 0).
  const cmp = (a: Expr, op: CmpOp, b: Expr): string => {
    const x = operand(a);
    const y = operand(b);
    if (!coded(a)) {
      if (op === '==') return `${x} === ${y}`;
      if (op === '!=') return `(${x} < ${y} || ${x} > ${y})`;
      return `${x} ${op} ${y}`;
    }
    const known = [a, b].filter((e) => e.k === 'fact').map((e) => `${operand(e)} >= 0`);
    return `(${[op === '==' ? `${x} === ${y}` : `${x} !== ${y}`, ...known].join(' && ')})`;
  };
  const certain = (e: Expr, truth: boolean): string => {
    switch (e.k) {
      case 'and':
      case 'or': {
        const all = (e.k === 'and') === truth;
        return `(${e.args.map((a) => certain(a, truth)).join(all ? ' && ' : ' || ')})`;
      }
      case 'not':
        return certain(e.a, !truth);
      case 'lit':
      case 'param':
        return e.value === truth ? 'true' : 'false';
      case 'fact':
        return `${col(e.name)} === ${truth ? 1 : 0}`;
      case 'cmp':
        if (e.a.k !== 'fact' && e.b.k !== 'fact') throw new Error(`the loop compares facts with values: ${e.text}`);
        return cmp(e.a, truth ? e.op : NEGATED[e.op], e.b);
      case 'in': {
        const x = operand(e.a);
        const values = e.list.map(constant);
        if (truth) return `(${values.map((v) => `${x} === ${v}`).join(' || ')})`;
        return `(${[coded(e.a) ? `${x} >= 0` : `${x} === ${x}`, ...values.map((v) => `${x} !== ${v}`)].join(' && ')})`;
      }
    }
  };
  const tests = rules.map((r, i) => `if (${certain(r.expr, true)}) { out[n] = i; out[n + 1] = ${i}; n += 2; }`);
  const slots = [...used].sort((a, b) => a - b);
  const source = `${slots.map((s) => `const c${s} = columns[${s}];`).join('\n')}
for (let i = from; i < to; i++) {
  ${slots.map((s) => `const v${s} = c${s}[i];`).join('\n  ')}
  ${tests.join('\n  ')}
}
return n;`;
  return new Function('columns', 'out', 'n', 'from', 'to', source) as RuleLoop;
}

/**
 * Runs the loop over every taxpayer, a block of taxpayers at a time, writing into the preallocated pair buffer;
 * a buffer without room for every pair a block could add is replaced by a bigger one between blocks.
 */
export function runColumnar(loop: RuleLoop, data: Columns, rules: number, buffer: Int32Array): { pairs: Int32Array; n: number } {
  const BLOCK = 16_384;
  let out = buffer;
  let n = 0;
  for (let from = 0; from < data.rows; from += BLOCK) {
    const to = Math.min(data.rows, from + BLOCK);
    if (out.length - n < 2 * rules * (to - from)) {
      const bigger = new Int32Array(Math.max(2 * out.length, n + 2 * rules * (to - from)));
      bigger.set(out.subarray(0, n));
      out = bigger;
    }
    n = loop(data.columns, out, n, from, to);
  }
  return { pairs: out, n };
}
