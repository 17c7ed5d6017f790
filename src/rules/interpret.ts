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

/**
 * The facts a rule reads, converted to exact values once per row (and checked: a value of the wrong
 * type names its fact). The conversions are kept with the row, so a taxpayer evaluated against many
 * rules pays for them once. A row must not be changed after it was first evaluated.
 */
const converted = new WeakMap<FactRow, Map<string, Value | null>>();
function prepareFacts(rule: Rule, row: FactRow): Map<string, Value | null> {
  let out = converted.get(row);
  if (!out) {
    out = new Map();
    converted.set(row, out);
  }
  for (const name of rule.facts) if (!out.has(name)) out.set(name, factValue(name, row));
  return out;
}

const show = (v: Value | null): string | boolean | null => (typeof v === 'bigint' ? formatHundredths(v) : v);
// Traces show values as text; a literal's text never changes and a fact's not within its row, so each is made once.
const shownConstants = new WeakMap<Expr, string | boolean | string[]>();
const shownFacts = new WeakMap<FactRow, Map<string, string | boolean | null>>();
function showConstant(e: Expr & { value: Value }): string | boolean {
  let s = shownConstants.get(e) as string | boolean | undefined;
  if (s === undefined) {
    s = show(e.value) as string | boolean;
    shownConstants.set(e, s);
  }
  return s;
}
function showFact(row: FactRow, name: string, v: Value | null): string | boolean | null {
  let m = shownFacts.get(row);
  if (!m) {
    m = new Map();
    shownFacts.set(row, m);
  }
  let s = m.get(name);
  if (s === undefined) {
    s = show(v);
    m.set(name, s);
  }
  return s;
}
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

interface Ctx {
  row: FactRow;
  facts: Map<string, Value | null>;
  conditions: ConditionTrace[];
}

function traceValue(ctx: Ctx, e: Expr): Value | null {
  switch (e.k) {
    case 'lit':
    case 'param':
      return e.value;
    case 'fact':
      return ctx.facts.get(e.name) ?? null;
    default:
      return traceTest(ctx, e);
  }
}

function observe(ctx: Ctx, x: Expr, observed: ConditionTrace['observed'], missing: string[]): void {
  if (x.k !== 'fact') return;
  const v = ctx.facts.get(x.name) ?? null;
  observed[x.name] = showFact(ctx.row, x.name, v);
  if (v === null) missing.push(x.name);
}

function traceLeaf(ctx: Ctx, e: Expr, result: boolean | null): ConditionTrace {
  const observed: ConditionTrace['observed'] = {};
  const missing: string[] = [];
  if (e.k === 'cmp') {
    observe(ctx, e.a, observed, missing);
    observe(ctx, e.b, observed, missing);
  } else if (e.k === 'in') observe(ctx, e.a, observed, missing);
  else observe(ctx, e, observed, missing);
  const trace: ConditionTrace = { condition: e.text, result: truth(result), observed, missing };
  ctx.conditions.push(trace);
  return trace;
}

const againstOf = new WeakMap<Expr, NonNullable<ConditionTrace['against']>>();
/** What a fact was compared with; the same object for every trace of the same literal (traces are read, not changed). */
function against(x: Expr): ConditionTrace['against'] | undefined {
  if (x.k !== 'param' && x.k !== 'lit') return undefined;
  let a = againstOf.get(x);
  if (!a) {
    a = x.k === 'param' ? { value: showConstant(x) as string, param: x.name, source: x.source } : { value: showConstant(x) as string };
    againstOf.set(x, a);
  }
  return a;
}

function traceTest(ctx: Ctx, e: Expr): boolean | null {
  switch (e.k) {
    case 'and':
    case 'or': {
      // Every argument is evaluated (the trace is whole); the Kleene answer is folded as we go.
      const decisive = e.k === 'or';
      let unknown = false;
      let decided = false;
      for (const a of e.args) {
        const v = traceTest(ctx, a);
        if (v === null) unknown = true;
        else if (v === decisive) decided = true;
      }
      return decided ? decisive : unknown ? null : !decisive;
    }
    case 'not': {
      const v = traceTest(ctx, e.a);
      return v === null ? null : !v;
    }
    case 'fact': {
      const v = traceValue(ctx, e) as boolean | null;
      traceLeaf(ctx, e, v);
      return v;
    }
    case 'lit':
    case 'param':
      return e.value as boolean;
    case 'in': {
      const a = traceValue(ctx, e.a);
      let r: boolean | null = a === null ? null : false;
      if (a !== null) for (const x of e.list) if ((x as { value: Value }).value === a) r = true;
      let listText = shownConstants.get(e) as string[] | undefined;
      if (!listText) {
        listText = e.list.map((x) => String(showConstant(x as Expr & { value: Value })));
        shownConstants.set(e, listText);
      }
      traceLeaf(ctx, e, r).against = { value: listText };
      return r;
    }
    case 'cmp': {
      const a = traceValue(ctx, e.a);
      const b = traceValue(ctx, e.b);
      const r = a === null || b === null ? null : compare(e.op, a, b);
      const trace = traceLeaf(ctx, e, r);
      const ref = e.a.k === 'fact' ? against(e.b) : against(e.a);
      if (ref) trace.against = ref;
      if (r === false && typeof a === 'bigint' && typeof b === 'bigint' && e.op !== '==' && e.op !== '!=') {
        // Oriented from the fact's side: "employees 320 <= 300" is 20 over.
        const [fact, limit, op] = e.a.k === 'fact' || e.b.k !== 'fact' ? [a, b, e.op] : [b, a, flip(e.op)];
        const diff = fact > limit ? fact - limit : limit - fact;
        trace.nearMiss = { by: formatHundredths(diff), direction: op.startsWith('<') ? 'over' : 'under' };
      }
      return r;
    }
  }
}

/**
 * Evaluates a rule for one taxpayer and explains it: every condition with the
 * values observed, what they were compared against, and for numeric misses by
 * how much. Every condition is evaluated (no short-circuit) so the trace is whole.
 */
export function explain(rule: Rule, row: FactRow): Explained {
  const ctx: Ctx = { row, facts: prepareFacts(rule, row), conditions: [] };
  const result = truth(traceTest(ctx, rule.expr));
  const missingFacts: string[] = [];
  for (const c of ctx.conditions) if (c.result === 'unknown') for (const m of c.missing) if (!missingFacts.includes(m)) missingFacts.push(m);
  missingFacts.sort();
  return { traceVersion: TRACE_VERSION, rule: rule.id, result, conditions: ctx.conditions, missingFacts };
}

const flip = (op: string) => ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' })[op] ?? op;

function plainValue(facts: Map<string, Value | null>, e: Expr): Value | null {
  return e.k === 'lit' || e.k === 'param' ? e.value : e.k === 'fact' ? (facts.get(e.name) ?? null) : plainTest(facts, e);
}

function plainTest(facts: Map<string, Value | null>, e: Expr): boolean | null {
  switch (e.k) {
    case 'and':
      return and3(e.args.map((a) => plainTest(facts, a)));
    case 'or':
      return or3(e.args.map((a) => plainTest(facts, a)));
    case 'not': {
      const v = plainTest(facts, e.a);
      return v === null ? null : !v;
    }
    case 'in': {
      const a = plainValue(facts, e.a);
      return a === null ? null : e.list.some((x) => plainValue(facts, x) === a);
    }
    case 'cmp': {
      const a = plainValue(facts, e.a);
      const b = plainValue(facts, e.b);
      return a === null || b === null ? null : compare(e.op, a, b);
    }
    default:
      return plainValue(facts, e) as boolean | null;
  }
}

/** The answer alone, without building a trace: for matching many taxpayers in JavaScript. */
export function evaluate(rule: Rule, row: FactRow): Truth {
  return truth(plainTest(prepareFacts(rule, row), rule.expr));
}
