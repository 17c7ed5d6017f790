import { type Expr, isNumeric, type Rule } from './ir.ts';

/**
 * The rule with every numeric limit loosened by `percent` (a fact compared with a number or a
 * parameter: a maximum raised, a minimum lowered, in the direction that makes the rule easier to
 * meet, negations included). A taxpayer who fails the rule but meets its loosened form is a near
 * miss: what it lacks is a matter of degree ("employees 320 against a limit of 300"), not of kind.
 * Used set-wise in SQL, where the full trace is too costly; `explain` then tells the company by how
 * much each condition failed.
 */
export function loosenRule(rule: Rule, percent = 10): Rule {
  const by = (v: bigint, up: boolean): bigint => {
    const delta = ((v < 0n ? -v : v) * BigInt(percent)) / 100n;
    return up ? v + delta : v - delta;
  };
  const walk = (e: Expr, positive: boolean): Expr => {
    switch (e.k) {
      case 'and':
      case 'or':
        return { ...e, args: e.args.map((a) => walk(a, positive)) };
      case 'not':
        return { ...e, a: walk(e.a, !positive) };
      case 'cmp': {
        const factLeft = e.a.k === 'fact' && isNumeric(e.a.type) && (e.b.k === 'lit' || e.b.k === 'param');
        const factRight = e.b.k === 'fact' && isNumeric(e.b.type) && (e.a.k === 'lit' || e.a.k === 'param');
        if (!factLeft && !factRight) return e;
        // Normalise to "fact OP bound": is the bound a maximum (fact < / <= bound)?
        const op = factLeft ? e.op : ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' } as const)[e.op];
        if (op === '==' || op === '!=') return e;
        const isMax = op === '<' || op === '<=';
        // Easier to meet: raise a maximum, lower a minimum; under a negation, the other way round.
        const up = isMax === positive;
        const bound = (factLeft ? e.b : e.a) as Extract<Expr, { k: 'lit' | 'param' }>;
        const loosened = { ...bound, value: by(bound.value as bigint, up) };
        return factLeft ? { ...e, b: loosened } : { ...e, a: loosened };
      }
      default:
        return e;
    }
  };
  return { ...rule, id: `${rule.id}~`, expr: walk(rule.expr, true) };
}
