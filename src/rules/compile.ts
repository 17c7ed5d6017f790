import { ParseError, parse } from '@marcbachmann/cel-js';
import { FACTS, type FactType, type Params } from './facts.ts';
import { type CmpOp, type Expr, isNumeric, type Rule, typeOf, type Value } from './ir.ts';

/** A rule refused at load time: which rule, where in its expression, and why. */
export class RuleError extends Error {
  constructor(
    public readonly ruleId: string,
    public readonly position: number,
    public readonly reason: string,
  ) {
    super(`rule ${ruleId}, position ${position}: ${reason}`);
  }
}

interface Node {
  op: string;
  args: unknown;
  start?: number;
  end?: number;
}

const CMP: Record<string, CmpOp> = { '==': '==', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const MAX_HUNDREDTHS = 10n ** 20n;

/** Exact hundredths from the number as written, e.g. "1.5" -> 150n; null if it has more than two decimals. */
export function hundredths(text: string): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  const v = BigInt(m[2] as string) * 100n + BigInt((m[3] ?? '').padEnd(2, '0') || '0');
  return m[1] ? -v : v;
}

/** Formats hundredths back as a decimal string: 30000n -> "300", 5n -> "0.05". */
export function formatHundredths(v: bigint): string {
  const sign = v < 0n ? '-' : '';
  const abs = v < 0n ? -v : v;
  const cents = abs % 100n;
  return `${sign}${abs / 100n}${cents === 0n ? '' : `.${cents.toString().padStart(2, '0').replace(/0$/, '')}`}`;
}

const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;

/** Converts a parameter's value to the rule's exact representation. */
function paramValue(type: FactType, value: string | number | boolean): Value | null {
  if (isNumeric(type)) return hundredths(String(value));
  if (type === 'bool') return typeof value === 'boolean' ? value : null;
  if (type === 'date') return typeof value === 'string' && isDate(value) ? value : null;
  return typeof value === 'string' ? value : null;
}

/**
 * Parses a CEL expression and checks it against the fact schema and the
 * parameters in force: unknown facts or parameters, mixed types and
 * unsupported constructs are refused here, never at match time.
 */
export function compileRule(id: string, source: string, params: Params): Rule {
  let root: Node;
  try {
    root = parse(source).ast as unknown as Node;
  } catch (err) {
    // The parser marks the position with a caret under the source line; turn it into an offset.
    const lines = (err as Error).message.split('\n');
    const caret = lines.findIndex((l) => /^\s*\^\s*$/.test(l));
    const marked = caret > 0 ? (lines[caret - 1] as string) : '';
    const pos = err instanceof ParseError && caret > 0 ? (lines[caret] as string).indexOf('^') - marked.indexOf(source.split('\n')[0] as string) : 0;
    throw new RuleError(id, Math.max(0, pos), `cannot parse: ${lines[0]}`);
  }
  const facts = new Set<string>();
  const fail = (n: Node, reason: string): never => {
    throw new RuleError(id, n.start ?? 0, reason);
  };
  const textOf = (n: Node) => source.slice(n.start ?? 0, n.end ?? source.length);

  const literal = (n: Node, negate = false): Expr => {
    const v = n.args;
    const text = textOf(n);
    if (typeof v === 'bigint' || typeof v === 'number') {
      const h = hundredths(text);
      if (h === null) fail(n, `number ${text} has more than two decimals`);
      const value = negate ? -(h as bigint) : (h as bigint);
      if (value >= MAX_HUNDREDTHS || value <= -MAX_HUNDREDTHS) fail(n, `number ${text} is too large`);
      return { k: 'lit', type: typeof v === 'bigint' ? 'int' : 'decimal', value, text: negate ? `-${text}` : text };
    }
    if (negate) fail(n, 'only a number can be negated');
    if (typeof v === 'string') return { k: 'lit', type: 'string', value: v, text };
    if (typeof v === 'boolean') return { k: 'lit', type: 'bool', value: v, text };
    return fail(n, 'null is not a value in rules: a missing fact is unknown by itself');
  };

  // A closed string fact (facts.ts `values`) compared with a string it can never hold: refused, as a
  // misspelt value would make the condition silently false (or, negated, silently true) for everyone.
  const inDomain = (fact: Expr, value: Expr, n: Node) => {
    const values = fact.k === 'fact' ? FACTS[fact.name]?.values : undefined;
    if (!values || (value.k !== 'lit' && value.k !== 'param') || typeof value.value !== 'string' || values.includes(value.value)) return;
    const of = value.k === 'param' ? ` (the value of parameter '${value.name}')` : '';
    const known = values.length <= 12 ? `one of ${values.join(', ')}` : `${values.length} values such as ${values.slice(0, 3).join(', ')}`;
    fail(n, `${(fact as { name: string }).name} is never '${value.value}'${of}: it is ${known}`);
  };

  const walk = (n: Node): Expr => {
    const text = textOf(n);
    switch (n.op) {
      case 'value':
        return literal(n);
      case '-_': {
        const inner = n.args as Node;
        if (inner.op !== 'value') fail(n, 'only a number can be negated');
        return literal(inner, true);
      }
      case 'id': {
        const name = n.args as string;
        const spec = FACTS[name];
        if (!spec) fail(n, `unknown fact '${name}' (known: ${Object.keys(FACTS).join(', ')})`);
        facts.add(name);
        return { k: 'fact', type: (spec as { type: FactType }).type, name, text };
      }
      case 'call': {
        const [fn, args] = n.args as [string, Node[]];
        const arg = args[0];
        if (args.length !== 1 || !arg || arg.op !== 'value' || typeof arg.args !== 'string') fail(n, `${fn}() takes one string literal`);
        const s = (arg as Node).args as string;
        if (fn === 'param') {
          const p = params[s];
          if (!p) fail(n, `unknown parameter '${s}'`);
          const value = paramValue((p as Params[string]).type, (p as Params[string]).value);
          if (value === null) fail(n, `parameter '${s}' has a value that is not a ${(p as Params[string]).type}`);
          return { k: 'param', type: (p as Params[string]).type, name: s, value: value as Value, source: (p as Params[string]).source, text };
        }
        if (fn === 'date') {
          if (!isDate(s)) fail(n, `date("${s}") is not a date (YYYY-MM-DD)`);
          return { k: 'lit', type: 'date', value: s, text };
        }
        return fail(n, `unknown function '${fn}' (known: param, date)`);
      }
      case '&&':
      case '||': {
        const args = (n.args as Node[]).map(walk);
        for (const [i, a] of args.entries())
          if (typeOf(a) !== 'bool') fail((n.args as Node[])[i] as Node, `'${n.op}' needs true/false on both sides, got ${typeOf(a)}`);
        return { k: n.op === '&&' ? 'and' : 'or', args, text };
      }
      case '!_': {
        const a = walk(n.args as Node);
        if (typeOf(a) !== 'bool') fail(n, `'!' needs true/false, got ${typeOf(a)}`);
        return { k: 'not', a, text };
      }
      case 'in': {
        const [left, right] = n.args as [Node, Node];
        const a = walk(left);
        if (right.op !== 'list') fail(right, '\'in\' needs a list of values, e.g. ["futian", "nanshan"]');
        const list = (right.args as Node[]).map((x) => (x.op === '-_' ? literal(x.args as Node, true) : x.op === 'value' ? literal(x) : walk(x)));
        if (list.length === 0) fail(right, "'in' needs at least one value");
        for (const [i, x] of list.entries()) {
          if (x.k !== 'lit' && x.k !== 'param') fail((right.args as Node[])[i] as Node, "the list of 'in' holds values, not facts");
          if (!sameFamily(typeOf(a), typeOf(x))) fail((right.args as Node[])[i] as Node, `cannot compare ${typeOf(a)} with ${typeOf(x)}`);
          inDomain(a, x, (right.args as Node[])[i] as Node);
        }
        if (typeOf(a) === 'bool') fail(n, "'in' is for strings, numbers and dates");
        return { k: 'in', a, list, text };
      }
      default: {
        const op = CMP[n.op];
        if (!op) return fail(n, `'${n.op}' is not supported in rules (comparisons, &&, ||, !, in, param(), date())`);
        const [l, r] = n.args as [Node, Node];
        const a = walk(l);
        const b = walk(r);
        const ta = typeOf(a);
        const tb = typeOf(b);
        if (!sameFamily(ta, tb)) fail(n, `cannot compare ${ta} with ${tb}`);
        if (ta === 'bool' && op !== '==' && op !== '!=') fail(n, `'${op}' does not order true/false`);
        if (ta === 'string' && op !== '==' && op !== '!=') fail(n, `'${op}' does not order strings (collations differ); use == or in`);
        inDomain(a, b, r);
        inDomain(b, a, l);
        return { k: 'cmp', op, a, b, text };
      }
    }
  };

  const expr = walk(root);
  if (typeOf(expr) !== 'bool') throw new RuleError(id, 0, `a rule must be true or false, this one is a ${typeOf(expr)}`);
  return { id, source, expr, facts: [...facts].sort() };
}

const sameFamily = (a: FactType, b: FactType) => a === b || (isNumeric(a) && isNumeric(b));
