/**
 * GoRules ZEN in the rules benchmark: the rules as one JDM decision (input → one expression node with an
 * expression per rule → output), evaluated per taxpayer. ZEN's expression language has no three-valued
 * logic, so each rule computes it explicitly, as 0 (false), 1 (unknown) or 2 (true): a condition on a
 * missing fact is 1, `&&` is the minimum, `||` the maximum and `!` is 2 minus its argument, which is
 * Kleene's logic exactly.
 *
 * Inputs are what a ZEN user would pass: numbers as JSON numbers in yuan (ZEN computes with exact
 * decimals), strings and booleans as they are, missing facts as null. Dates are day numbers: ZEN orders
 * numbers, not date strings.
 */
import { formatHundredths } from '../src/rules/compile.ts';
import { FACTS, type FactType } from '../src/rules/facts.ts';
import type { FactRow, Truth } from '../src/rules/interpret.ts';
import type { Expr, Rule } from '../src/rules/ir.ts';

const days = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
const ZEN_OP = { '==': '==', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' } as const;

/** ZEN has no escapes in string literals: a string goes between whichever quote it does not contain. */
function zenString(s: string): string {
  if (!s.includes('"')) return `"${s}"`;
  if (!s.includes("'")) return `'${s}'`;
  throw new Error(`a ZEN string literal cannot hold both quotes: ${s}`);
}

function zenConstant(e: Expr): string {
  if (e.k !== 'lit' && e.k !== 'param') throw new Error(`not a constant: ${e.text}`);
  const v = e.value;
  if (typeof v === 'bigint') return formatHundredths(v);
  if (typeof v === 'boolean') return String(v);
  return e.type === 'date' ? String(days(v)) : zenString(v);
}

/** A ZEN expression giving 0, 1 or 2 for the rule. */
export function zenExpression(e: Expr): string {
  const operand = (x: Expr) => (x.k === 'fact' ? x.name : zenConstant(x));
  const unknownIf = (facts: Expr[], test: string) => {
    const missing = facts.filter((x) => x.k === 'fact').map((x) => `${(x as { name: string }).name} == null`);
    return missing.length ? `(${missing.join(' or ')} ? 1 : (${test} ? 2 : 0))` : `(${test} ? 2 : 0)`;
  };
  switch (e.k) {
    case 'and':
    case 'or':
      return `${e.k === 'and' ? 'min' : 'max'}([${e.args.map(zenExpression).join(', ')}])`;
    case 'not':
      return `(2 - ${zenExpression(e.a)})`;
    case 'lit':
    case 'param':
      return e.value ? '2' : '0';
    case 'fact':
      return unknownIf([e], e.name);
    case 'in':
      return unknownIf([e.a], `${operand(e.a)} in [${e.list.map(zenConstant).join(', ')}]`);
    case 'cmp':
      if (e.a.k !== 'fact' && e.a.k !== 'lit' && e.a.k !== 'param') throw new Error(`ZEN translation compares values only: ${e.text}`);
      if (e.b.k !== 'fact' && e.b.k !== 'lit' && e.b.k !== 'param') throw new Error(`ZEN translation compares values only: ${e.text}`);
      return unknownIf([e.a, e.b], `${operand(e.a)} ${ZEN_OP[e.op]} ${operand(e.b)}`);
  }
}

/** The JDM graph of all rules: one expression node, output `{ r0: 0|1|2, r1: ..., ... }`. */
export function zenDecision(rules: readonly Rule[]): object {
  const position = { x: 0, y: 0 };
  return {
    nodes: [
      { id: 'facts', type: 'inputNode', name: 'facts', position },
      {
        id: 'rules',
        type: 'expressionNode',
        name: 'rules',
        position,
        content: { expressions: rules.map((r, i) => ({ id: `e${i}`, key: `r${i}`, value: zenExpression(r.expr) })) },
      },
      { id: 'answers', type: 'outputNode', name: 'answers', position },
    ],
    edges: [
      { id: 'in', type: 'edge', sourceId: 'facts', targetId: 'rules' },
      { id: 'out', type: 'edge', sourceId: 'rules', targetId: 'answers' },
    ],
  };
}

/** A fact row as ZEN input. */
export function zenInput(row: FactRow, names: readonly string[]): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const name of names) {
    const v = row[name];
    const t = (FACTS[name] as { type: FactType }).type;
    out[name] = v === null || v === undefined ? null : t === 'int' || t === 'decimal' ? Number(v) : t === 'date' ? days(String(v)) : (v as string | boolean);
  }
  return out;
}

export function zenTruth(v: unknown): Truth {
  if (v === 2) return 'true';
  if (v === 1) return 'unknown';
  if (v === 0) return 'false';
  throw new Error(`ZEN answered ${JSON.stringify(v)}, not 0, 1 or 2`);
}
