import type { FactType } from './facts.ts';

/**
 * The checked form of a rule. Numbers are exact: every int and decimal is a
 * bigint in hundredths (fen), so 300 is 30000n and 0.05 is 5n.
 */
export type Value = bigint | string | boolean;

export type Expr =
  | { k: 'lit'; type: FactType; value: Value; text: string }
  | { k: 'fact'; type: FactType; name: string; text: string }
  | { k: 'param'; type: FactType; name: string; value: Value; source: string; text: string }
  | { k: 'cmp'; op: CmpOp; a: Expr; b: Expr; text: string }
  | { k: 'in'; a: Expr; list: Expr[]; text: string }
  | { k: 'and' | 'or'; args: Expr[]; text: string }
  | { k: 'not'; a: Expr; text: string };

export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface Rule {
  id: string;
  source: string;
  expr: Expr;
  /** Facts the rule reads. */
  facts: string[];
}

export const isNumeric = (t: FactType) => t === 'int' || t === 'decimal';

/** Type of a value-producing node (comparison, logic and `in` are bool). */
export function typeOf(e: Expr): FactType {
  switch (e.k) {
    case 'lit':
    case 'fact':
    case 'param':
      return e.type;
    default:
      return 'bool';
  }
}
