import { formatHundredths, hundredths } from './compile.ts';
import { FACTS, type FactType } from './facts.ts';
import { type Expr, isNumeric, type Rule, type Value } from './ir.ts';

export const TRACE_VERSION = 1;

/** Three-valued answer: missing facts make a condition unknown, reported apart from false. */
export type Truth = 'true' | 'false' | 'unknown';

export interface ConditionTrace {
  /** The condition as written in the rule. */
  condition: string;
  result: Truth;
  /** Facts read, with the values observed (null when missing). */
  observed: Record<string, string | boolean | null>;
  /** The value compared against, and the parameter and legal source it came from. */
  against?: { value: string | boolean | string[]; param?: string; source?: string };
  /** Facts whose absence makes this condition unknown. */
  missing: string[];
  /** For a failed numeric comparison: by how much, e.g. 20 over a limit. */
  nearMiss?: { by: string; direction: 'over' | 'under' };
}

export interface Explained {
  traceVersion: number;
  rule: string;
  result: Truth;
  conditions: ConditionTrace[];
  /** Facts that would decide an unknown answer. */
  missingFacts: string[];
}

export type FactRow = Record<string, unknown>;

/** Reads a fact from an input row into the rule's exact representation (null when missing). */
export function factValue(name: string, row: FactRow): Value | null {
  const raw = row[name];
  if (raw === null || raw === undefined) return null;
  const type = (FACTS[name] as { type: FactType }).type;
  const bad = () => new Error(`fact ${name}: ${JSON.stringify(raw)} is not ${type === 'int' ? 'an' : 'a'} ${type}`);
  if (isNumeric(type)) {
    const h = typeof raw === 'bigint' ? raw * 100n : typeof raw === 'number' || typeof raw === 'string' ? hundredths(String(raw)) : null;
    if (h === null || (type === 'int' && h % 100n !== 0n)) throw bad();
    return h;
  }
  if (type === 'bool') {
    if (typeof raw !== 'boolean') throw bad();
    return raw;
  }
  if (typeof raw !== 'string') throw bad();
  if (type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(raw)) throw bad();
  return raw;
}

const show = (v: Value | null): string | boolean | null => (typeof v === 'bigint' ? formatHundredths(v) : v);
const and3 = (xs: (boolean | null)[]) => (xs.includes(false) ? false : xs.includes(null) ? null : true);
const or3 = (xs: (boolean | null)[]) => (xs.includes(true) ? true : xs.includes(null) ? null : false);
const truth = (v: boolean | null): Truth => (v === null ? 'unknown' : v ? 'true' : 'false');

function compare(op: string, a: Value, b: Value): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

/**
 * Evaluates a rule for one taxpayer and explains it: every condition with the
 * values observed, what they were compared against, and for numeric misses by
 * how much. Every condition is evaluated (no short-circuit) so the trace is whole.
 */
export function explain(rule: Rule, row: FactRow): Explained {
  const conditions: ConditionTrace[] = [];
  const value = (e: Expr): Value | null => {
    switch (e.k) {
      case 'lit':
      case 'param':
        return e.value;
      case 'fact':
        return factValue(e.name, row);
      default:
        return test(e);
    }
  };
  const leaf = (e: Expr, result: boolean | null, extra: Partial<ConditionTrace>) => {
    const observed: ConditionTrace['observed'] = {};
    const missing: string[] = [];
    const visit = (x: Expr) => {
      if (x.k === 'fact') {
        const v = factValue(x.name, row);
        observed[x.name] = show(v);
        if (v === null) missing.push(x.name);
      }
    };
    if (e.k === 'cmp') [e.a, e.b].forEach(visit);
    else if (e.k === 'in') visit(e.a);
    else visit(e);
    conditions.push({ condition: e.text, result: truth(result), observed, missing, ...extra });
  };
  const against = (x: Expr): ConditionTrace['against'] | undefined =>
    x.k === 'param' ? { value: show(x.value) as string, param: x.name, source: x.source } : x.k === 'lit' ? { value: show(x.value) as string } : undefined;

  const test = (e: Expr): boolean | null => {
    switch (e.k) {
      case 'and':
        return and3(e.args.map(test));
      case 'or':
        return or3(e.args.map(test));
      case 'not': {
        const v = test(e.a);
        return v === null ? null : !v;
      }
      case 'fact': {
        const v = value(e) as boolean | null;
        leaf(e, v, {});
        return v;
      }
      case 'lit':
      case 'param':
        return e.value as boolean;
      case 'in': {
        const a = value(e.a);
        const r = a === null ? null : e.list.some((x) => value(x) === a);
        leaf(e, r, { against: { value: e.list.map((x) => String(show(value(x)))) } });
        return r;
      }
      case 'cmp': {
        const a = value(e.a);
        const b = value(e.b);
        const r = a === null || b === null ? null : compare(e.op, a, b);
        const extra: Partial<ConditionTrace> = {};
        const ref = e.a.k === 'fact' ? against(e.b) : against(e.a);
        if (ref) extra.against = ref;
        if (r === false && typeof a === 'bigint' && typeof b === 'bigint' && e.op !== '==' && e.op !== '!=') {
          // Oriented from the fact's side: "employees 320 <= 300" is 20 over.
          const [fact, limit, op] = e.a.k === 'fact' || e.b.k !== 'fact' ? [a, b, e.op] : [b, a, flip(e.op)];
          const diff = fact > limit ? fact - limit : limit - fact;
          extra.nearMiss = { by: formatHundredths(diff), direction: op.startsWith('<') ? 'over' : 'under' };
        }
        leaf(e, r, extra);
        return r;
      }
    }
  };
  const result = truth(test(rule.expr));
  const missingFacts = [...new Set(conditions.flatMap((c) => (c.result === 'unknown' ? c.missing : [])))].sort();
  return { traceVersion: TRACE_VERSION, rule: rule.id, result, conditions, missingFacts };
}

const flip = (op: string) => ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' })[op] ?? op;

/** The answer alone, without building a trace: for matching many taxpayers in JavaScript. */
export function evaluate(rule: Rule, row: FactRow): Truth {
  const value = (e: Expr): Value | null => (e.k === 'lit' || e.k === 'param' ? e.value : e.k === 'fact' ? factValue(e.name, row) : test(e));
  const test = (e: Expr): boolean | null => {
    switch (e.k) {
      case 'and':
        return and3(e.args.map(test));
      case 'or':
        return or3(e.args.map(test));
      case 'not': {
        const v = test(e.a);
        return v === null ? null : !v;
      }
      case 'in': {
        const a = value(e.a);
        return a === null ? null : e.list.some((x) => value(x) === a);
      }
      case 'cmp': {
        const a = value(e.a);
        const b = value(e.b);
        return a === null || b === null ? null : compare(e.op, a, b);
      }
      default:
        return value(e) as boolean | null;
    }
  };
  return truth(test(rule.expr));
}
