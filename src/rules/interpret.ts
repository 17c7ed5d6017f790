import { formatHundredths, hundredths } from './compile.ts';
import { FACTS, type FactType } from './facts.ts';
import { type CmpOp, type Expr, isNumeric, type Rule, type Value } from './ir.ts';

export const TRACE_VERSION = 2;

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
  /**
   * Under a negation in the rule (`!(industry_section in [...])`): the rule asks for the condition
   * not to hold. `condition` is then written with its `!(...)` and `result` says whether the rule's
   * requirement holds, so a matched exclusion reads as met, not as a failed condition.
   */
  negated?: true;
}

/**
 * The rule's logic over its conditions: a condition (an index into `conditions`), or a group of
 * which all, or any one, must hold, with the group's answer. Stated as the rule asks, like the
 * conditions: under a negation `!(a || b)` is all of not-a and not-b. Nested groups of the same kind
 * are one group (`a && b && c` is all of three). A true/false constant of the rule stands as itself.
 */
export type TraceNode = { condition: number } | { constant: string; result: Truth } | { op: 'all' | 'any'; result: Truth; of: TraceNode[] };

export interface Explained {
  traceVersion: number;
  rule: string;
  result: Truth;
  conditions: ConditionTrace[];
  /** How the conditions combine into the result: all of, any one of, as deep as the rule goes. */
  tree: TraceNode;
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
  const domain = DOMAINS.get(name);
  if (domain && !domain.has(raw))
    throw new Error(`fact ${name}: ${JSON.stringify(raw)} is not one of its values (${[...domain].slice(0, 12).join(', ')}${domain.size > 12 ? ', …' : ''})`);
  return raw;
}

/** The closed string facts' values (facts.ts), for the check above. */
const DOMAINS = new Map(Object.entries(FACTS).flatMap(([name, spec]) => (spec.values ? [[name, new Set(spec.values)] as const] : [])));

// ---------------------------------------------------------------- facts of a row

/**
 * Inside the interpreter a number is hundredths as a JavaScript number when it is small enough for every
 * operation here to stay exact (at most 2^50, i.e. 11 trillion yuan) and as a bigint beyond: comparisons
 * of numbers are several times cheaper than of bigints, and `<` between a number and a bigint is exact in
 * JavaScript. The form is canonical (a value that fits is always a number), so `===` still means equal.
 */
type Exact = Value | number;
const SAFE = 2 ** 50;
const SAFE_N = BigInt(SAFE);
const exact = (v: Value): Exact => (typeof v === 'bigint' && v <= SAFE_N && v >= -SAFE_N ? Number(v) : v);

/** Formats hundredths like formatHundredths: 30000 -> "300", 5 -> "0.05", 150 -> "1.5". */
function formatExact(v: number | bigint): string {
  if (typeof v === 'bigint') return formatHundredths(v);
  const abs = v < 0 ? -v : v;
  const whole = Math.floor(abs / 100);
  const cents = abs - whole * 100;
  const sign = v < 0 ? '-' : '';
  if (cents === 0) return `${sign}${whole}`;
  return `${sign}${whole}.${cents % 10 === 0 ? cents / 10 : cents < 10 ? `0${cents}` : cents}`;
}

const FACT_NAMES = Object.keys(FACTS);
const FACT_SLOT = new Map(FACT_NAMES.map((n, i) => [n, i]));
const FACT_TYPES = FACT_NAMES.map((n) => (FACTS[n] as { type: FactType }).type);
const FACT_DOMAIN = FACT_NAMES.map((n) => DOMAINS.get(n));
type Shown = string | boolean | null;
const DECIMAL_TEXT = /^-?\d+(?:\.\d{1,2})?$/;

/** A fact of a row in the interpreter's exact form: the common cases here, the rest (and every error) by factValue. */
function factExact(slot: number, row: FactRow): Exact | null {
  const name = FACT_NAMES[slot] as string;
  const raw = row[name];
  if (raw === null || raw === undefined) return null;
  const type = FACT_TYPES[slot] as FactType;
  if (type === 'string' && typeof raw === 'string') {
    const domain = FACT_DOMAIN[slot];
    if (domain === undefined || domain.has(raw)) return raw;
  }
  if (type === 'bool' && typeof raw === 'boolean') return raw;
  if ((type === 'int' || type === 'decimal') && (typeof raw === 'number' || typeof raw === 'string')) {
    // The common case without bigints: a number, or its text, of modest size (below 10^13, so that rounding
    // the double times 100 gives the hundredths exactly). Anything else takes factValue's path.
    const text = typeof raw === 'string' ? raw.trim() : String(raw);
    if (DECIMAL_TEXT.test(text)) {
      const x = Number(text);
      if (x < 1e13 && x > -1e13) {
        const h = Math.round(x * 100) + 0; // + 0: no negative zero
        if (type === 'decimal' || h % 100 === 0) return h;
      }
    }
  }
  const v = factValue(name, row);
  return v === null ? null : exact(v);
}

/**
 * A row's facts, converted to exact values once (and checked: a value of the wrong type names its fact), by the
 * fact's slot in the schema. Kept with the row, so a taxpayer evaluated against many rules pays for each
 * conversion once. A row must not be changed after it was first evaluated.
 */
interface RowFacts {
  row: FactRow;
  /** Exact values; undefined until converted. */
  values: (Exact | null | undefined)[];
  /** The values as traces show them (numbers as exact decimal text). */
  shown: (Shown | undefined)[];
  /** `{ fact: shown value }`: what a condition that reads this fact alone observed, shared by all such traces of the row. */
  observed: (Readonly<Record<string, Shown>> | undefined)[];
}
const rowFacts = new WeakMap<FactRow, RowFacts>();

// A taxpayer is usually evaluated against many rules in a row: the last row's facts are kept at hand.
let lastFacts: RowFacts | undefined;
function factsOf(slots: readonly number[], row: FactRow): RowFacts {
  let f = lastFacts?.row === row ? lastFacts : rowFacts.get(row);
  if (!f) {
    const n = FACT_NAMES.length;
    f = { row, values: new Array(n).fill(undefined), shown: new Array(n).fill(undefined), observed: new Array(n).fill(undefined) };
    rowFacts.set(row, f);
  }
  lastFacts = f;
  // In the order of the rule's sorted fact names, so a row with two bad values names the same fact every time.
  for (const i of slots) if (f.values[i] === undefined) f.values[i] = factExact(i, row);
  return f;
}

const show = (v: Exact | null): Shown => (typeof v === 'number' || typeof v === 'bigint' ? formatExact(v) : v);
function shownFact(f: RowFacts, slot: number): Shown {
  let s = f.shown[slot];
  if (s === undefined) {
    s = show(f.values[slot] ?? null);
    f.shown[slot] = s;
  }
  return s;
}
function observedOne(f: RowFacts, slot: number): Readonly<Record<string, Shown>> {
  let o = f.observed[slot];
  if (!o) {
    o = Object.freeze({ [FACT_NAMES[slot] as string]: shownFact(f, slot) });
    f.observed[slot] = o;
  }
  return o;
}

// ---------------------------------------------------------------- rules compiled to JavaScript, once per rule

const truth = (v: boolean | null): Truth => (v === null ? 'unknown' : v ? 'true' : 'false');
const FLIP: Record<CmpOp, CmpOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const JS_OP: Record<CmpOp, string> = { '==': '===', '!=': '!==', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

// Traces are read, never changed, so the parts that do not depend on the row are made once and shared by every
// trace: what a condition is compared against, the list of a fact missing alone, an empty list.
const NONE: string[] = Object.freeze([]) as unknown as string[];
const NOTHING_OBSERVED: ConditionTrace['observed'] = Object.freeze({});
const missingAlone = FACT_NAMES.map((n) => Object.freeze([n]) as unknown as string[]);

/** What a condition's trace needs besides the row: fixed when the rule is compiled. */
interface Leaf {
  condition: string;
  /** Slots of the facts it reads (its operands that are facts, in order). */
  facts: number[];
  against: ConditionTrace['against'] | undefined;
  /** For an ordering comparison, the side a failed one misses on, seen from the fact. */
  direction: 'over' | 'under' | undefined;
  /** Under an odd number of negations: the requirement is that the condition does not hold. */
  negated: boolean;
}

function observedBy(f: RowFacts, facts: readonly number[]): ConditionTrace['observed'] {
  if (facts.length === 1) return observedOne(f, facts[0] as number);
  if (facts.length === 0) return NOTHING_OBSERVED;
  const observed: ConditionTrace['observed'] = {};
  for (const slot of facts) observed[FACT_NAMES[slot] as string] = shownFact(f, slot);
  return observed;
}
function missingOf(f: RowFacts, facts: readonly number[]): string[] {
  if (facts.length === 1) {
    const slot = facts[0] as number;
    return f.values[slot] === null ? (missingAlone[slot] as string[]) : NONE;
  }
  let missing = NONE;
  for (const slot of facts) {
    if (f.values[slot] !== null) continue;
    if (missing === NONE) missing = [];
    missing.push(FACT_NAMES[slot] as string);
  }
  return missing;
}
const isNumber = (x: Exact | null): x is number | bigint => typeof x === 'number' || typeof x === 'bigint';

/** Appends a condition's trace to `out` and passes its answer on. Called by the generated code. */
function record(f: RowFacts, out: ConditionTrace[], leaf: Leaf, r: boolean | null, x: Exact | null, y: Exact | null): boolean | null {
  const condition = leaf.condition;
  // The requirement's answer: the condition's own, or under a negation its opposite. The rule goes on
  // with the condition's own (r is returned unchanged).
  const held = leaf.negated && r !== null ? !r : r;
  const result = truth(held);
  const observed = observedBy(f, leaf.facts);
  const missing = missingOf(f, leaf.facts);
  const against = leaf.against;
  if (leaf.negated) {
    const t: ConditionTrace = { condition, result, observed, missing, negated: true };
    if (against) t.against = against;
    if (held === false && leaf.direction && isNumber(x) && isNumber(y)) t.nearMiss = { by: distance(x, y), direction: leaf.direction };
    out.push(t);
    return r;
  }
  // Each shape of trace written as one literal: one allocation, no change of shape after it.
  if (r === false && leaf.direction && isNumber(x) && isNumber(y)) {
    // Oriented from the fact's side: "employees 320 <= 300" is 20 over.
    const nearMiss = { by: distance(x, y), direction: leaf.direction };
    out.push(against ? { condition, result, observed, missing, against, nearMiss } : { condition, result, observed, missing, nearMiss });
  } else out.push(against ? { condition, result, observed, missing, against } : { condition, result, observed, missing });
  return r;
}

/** How far apart a fact and its limit are, as the rule's exact numbers are written. */
function distance(x: number | bigint, y: number | bigint): string {
  return typeof x === 'number' && typeof y === 'number'
    ? formatExact(x > y ? x - y : y - x)
    : formatHundredths(x > y ? BigInt(x) - BigInt(y) : BigInt(y) - BigInt(x));
}

const constant = (e: Expr): e is Extract<Expr, { k: 'lit' | 'param' }> => e.k === 'lit' || e.k === 'param';
function againstOf(x: Expr): ConditionTrace['against'] | undefined {
  if (!constant(x)) return undefined;
  const value = show(exact(x.value)) as string;
  return Object.freeze(x.k === 'param' ? { value, param: x.name, source: x.source } : { value });
}

type TraceFn = (f: RowFacts, out: ConditionTrace[]) => boolean | null;
type TestFn = (values: (Exact | null | undefined)[]) => boolean | null;

/**
 * Writes a rule as one straight-line JavaScript function: each condition a comparison on a slot of the row's
 * values, the Kleene logic folded in local variables. Each rule gets its own code, so V8 sees one type at
 * each comparison and inlines the trace helper, where a tree of closures shares one generic code for every
 * rule. Only slot numbers, operators and generated names enter the text: every constant, condition text and
 * trace part is passed in the arrays K and L, so nothing a rule says can change the code.
 * Traced, every condition is evaluated (no short-circuit) so the trace is whole.
 */
function generate(expr: Expr, traced: boolean): TraceFn | TestFn {
  const K: Exact[] = [];
  const L: Leaf[] = [];
  const body: string[] = [];
  let temps = 0;
  const temp = (js: string) => {
    const t = `t${temps++}`;
    body.push(`const ${t} = ${js};`);
    return t;
  };
  const konst = (v: Exact) => {
    K.push(v);
    return `k${K.length - 1}`;
  };
  // Odd while the conditions being written are under an odd number of negations.
  let negated = false;
  const leaf = (e: Expr, facts: Expr[], against: ConditionTrace['against'] | undefined, direction: Leaf['direction']) => {
    L.push({
      condition: negated ? `!(${e.text})` : e.text,
      facts: facts.filter((x) => x.k === 'fact').map((x) => slotOf((x as { name: string }).name)),
      against,
      // Under a negation a failed requirement is the condition holding: the miss is on the other side.
      direction: negated && direction ? (direction === 'over' ? 'under' : 'over') : direction,
      negated,
    });
    return `l${L.length - 1}`;
  };
  const settle = (e: Expr, facts: Expr[], r: string, x: string, y: string, against?: ConditionTrace['against'], direction?: Leaf['direction']) =>
    traced ? temp(`record(f, out, ${leaf(e, facts, against, direction)}, ${r}, ${x}, ${y})`) : temp(r);
  const value = (e: Expr): string => (constant(e) ? konst(exact(e.value)) : e.k === 'fact' ? temp(`v[${slotOf(e.name)}]`) : test(e));
  const test = (e: Expr): string => {
    switch (e.k) {
      case 'and':
      case 'or': {
        const args = e.args.map(test);
        const [decisive, other] = e.k === 'or' ? ['true', 'false'] : ['false', 'true'];
        return temp(
          `${args.map((a) => `${a} === ${decisive}`).join(' || ')} ? ${decisive} : ${args.map((a) => `${a} === null`).join(' || ')} ? null : ${other}`,
        );
      }
      case 'not': {
        negated = !negated;
        const a = test(e.a);
        negated = !negated;
        return temp(`${a} === null ? null : !${a}`);
      }
      case 'lit':
      case 'param':
        return konst(e.value as boolean);
      case 'fact': {
        const x = temp(`v[${slotOf(e.name)}]`);
        return settle(e, [e], x, 'null', 'null');
      }
      case 'in': {
        const x = value(e.a);
        const list = e.list.map((y) => konst(exact((y as { value: Value }).value)));
        const against = Object.freeze({ value: Object.freeze(e.list.map((y) => String(show(exact((y as { value: Value }).value))))) as string[] });
        return settle(e, [e.a], `${x} === null ? null : ${list.map((k) => `${x} === ${k}`).join(' || ')}`, x, 'null', against);
      }
      case 'cmp': {
        const x = value(e.a);
        const y = value(e.b);
        const against = e.a.k === 'fact' ? againstOf(e.b) : againstOf(e.a);
        const ordering = e.op !== '==' && e.op !== '!=';
        const factFirst = e.a.k === 'fact' || e.b.k !== 'fact';
        const direction = ordering ? ((factFirst ? e.op : FLIP[e.op]).startsWith('<') ? 'over' : 'under') : undefined;
        return settle(e, [e.a, e.b], `${x} === null || ${y} === null ? null : ${x} ${JS_OP[e.op]} ${y}`, x, y, against, direction);
      }
    }
  };
  const result = test(expr);
  const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(', ');
  const source = `"use strict";
const [${names('k', K.length)}] = K;
const [${names('l', L.length)}] = L;
return ${traced ? 'function (f, out) {\n  const v = f.values;' : 'function (v) {'}
  ${body.join('\n  ')}
  return ${result};
};`;
  return new Function('K', 'L', 'record', source)(K, L, record) as TraceFn | TestFn;
}

function slotOf(name: string): number {
  const slot = FACT_SLOT.get(name);
  if (slot === undefined) throw new Error(`unknown fact '${name}'`);
  return slot;
}

interface Compiled {
  /** The facts the rule reads, sorted by name. */
  names: string[];
  /** Slots of the facts the rule reads, in the order of their sorted names. */
  slots: number[];
  trace: TraceFn;
  test: TestFn;
  /** The rule's logic over its conditions, without the answers (TraceNode). */
  shape: Shape;
}

/** A TraceNode without the groups' answers: fixed when the rule is compiled. */
type Shape = Exclude<TraceNode, { op: string }> | { op: 'all' | 'any'; of: Shape[] };

/**
 * The logic of a rule over its conditions, numbered in the order `generate` records them (every
 * condition, operands before the comparison that reads them). Under a negation an `&&` asks for any
 * one of its parts not to hold and an `||` for all of them, as the conditions are stated (`negated`).
 * A comparison of true/false sub-expressions (`(a > 1) == b`) stands for the conditions inside it.
 */
function shapeOf(expr: Expr): Shape {
  let next = 0;
  let negated = false;
  const operand = (e: Expr) => {
    if (!constant(e) && e.k !== 'fact') walk(e);
  };
  const walk = (e: Expr): Shape => {
    switch (e.k) {
      case 'and':
      case 'or': {
        const op = (e.k === 'and') === !negated ? 'all' : 'any';
        const of = e.args.flatMap((a) => {
          const s = walk(a);
          return 'op' in s && s.op === op ? s.of : [s];
        });
        return { op, of };
      }
      case 'not': {
        negated = !negated;
        const s = walk(e.a);
        negated = !negated;
        return s;
      }
      case 'lit':
      case 'param':
        return Object.freeze({ constant: negated ? `!(${e.text})` : e.text, result: truth((e.value as boolean) !== negated) });
      case 'fact':
        return Object.freeze({ condition: next++ });
      case 'in':
        operand(e.a);
        return Object.freeze({ condition: next++ });
      case 'cmp':
        operand(e.a);
        operand(e.b);
        return Object.freeze({ condition: next++ });
    }
  };
  return walk(expr);
}

/** The shape with each group's answer, from its parts' (Kleene logic, as the rule is evaluated). */
function treeOf(s: Shape, conditions: readonly ConditionTrace[]): TraceNode {
  if (!('op' in s)) return s;
  const of = s.of.map((x) => treeOf(x, conditions));
  const [decisive, other]: Truth[] = s.op === 'any' ? ['true', 'false'] : ['false', 'true'];
  let result = other as Truth;
  for (const x of of) {
    const r = 'condition' in x ? (conditions[x.condition] as ConditionTrace).result : x.result;
    if (r === decisive) {
      result = r;
      break;
    }
    if (r === 'unknown') result = 'unknown';
  }
  return { op: s.op, result, of };
}

const compiledRules = new WeakMap<Rule, Compiled>();
/** A checked rule compiled once, the first time it is evaluated; the AST is not walked again. */
function compiled(rule: Rule): Compiled {
  let c = compiledRules.get(rule);
  if (!c) {
    const names = new Set<string>();
    const collect = (e: Expr): void => {
      if (e.k === 'fact') names.add(e.name);
      else if (e.k === 'and' || e.k === 'or') e.args.forEach(collect);
      else if (e.k === 'not') collect(e.a);
      else if (e.k === 'cmp') [e.a, e.b].forEach(collect);
      else if (e.k === 'in') collect(e.a);
    };
    collect(rule.expr);
    const sorted = [...names].sort();
    c = {
      names: sorted,
      slots: sorted.map(slotOf),
      trace: generate(rule.expr, true) as TraceFn,
      test: generate(rule.expr, false) as TestFn,
      shape: shapeOf(rule.expr),
    };
    compiledRules.set(rule, c);
  }
  return c;
}

/**
 * Evaluates a rule for one taxpayer and explains it: every condition with the
 * values observed, what they were compared against, and for numeric misses by
 * how much, and how they combine (all of, any one of). Every condition is evaluated (no
 * short-circuit) so the trace is whole.
 */
export function explain(rule: Rule, row: FactRow): Explained {
  const c = compiled(rule);
  const conditions: ConditionTrace[] = [];
  const result = truth(c.trace(factsOf(c.slots, row), conditions));
  let missingFacts = NONE;
  for (const t of conditions) {
    if (t.result !== 'unknown') continue;
    if (missingFacts === NONE) missingFacts = [];
    for (const m of t.missing) if (!missingFacts.includes(m)) missingFacts.push(m);
  }
  if (missingFacts !== NONE) missingFacts.sort();
  return { traceVersion: TRACE_VERSION, rule: rule.id, result, conditions, tree: treeOf(c.shape, conditions), missingFacts };
}

/** The facts a rule reads, sorted by name: what evaluate and explain look at in a row, and nothing else. */
export function factsRead(rule: Rule): readonly string[] {
  return compiled(rule).names;
}

/** The answer alone, without building a trace: for matching many taxpayers in JavaScript. */
export function evaluate(rule: Rule, row: FactRow): Truth {
  const c = compiled(rule);
  return truth(c.test(factsOf(c.slots, row).values));
}
