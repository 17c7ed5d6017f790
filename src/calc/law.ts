import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LawParameter, loadParameters, type TableRow } from '../law/parameters.ts';
import { CalcError } from './errors.ts';
import { type Fen, parseRatio, type Ratio, ratioToFen } from './money.ts';
import type { Period } from './period.ts';
import type { Settings } from './settings.ts';

/** The repository's law directory, found from this file so the CLI works from any directory. */
export const DEFAULT_LAW_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'law');

/** A parameter as one line of a computation used it: what it is, its value and where it comes from. */
export interface ParamUse {
  name: string;
  value: string;
  unit: string;
  from: string;
  to: string;
  source: string;
  confidence: 'C' | 'R' | 'U';
}

/** One bracket of a table, in fen and exact ratios. upTo null: no upper end. */
export interface Bracket {
  upTo: Fen | null;
  rate: Ratio;
  quickDeduction: Fen;
  share: Ratio | null;
}

export interface LawTable {
  rows: Bracket[];
  use: ParamUse;
}

const cache = new Map<string, Map<string, LawParameter>>();

/** The parameters of a law directory, loaded and checked once per process. */
export function lawParameters(dir: string = DEFAULT_LAW_DIR): Map<string, LawParameter> {
  let byName = cache.get(dir);
  if (!byName) {
    const { parameters, errors } = loadParameters(join(dir, 'parameters.yaml'));
    if (errors.length > 0) {
      throw new Error(`law parameters are invalid:\n${errors.map((e) => `${e.file}:${e.line}: ${e.field}: ${e.message}`).join('\n')}`);
    }
    byName = new Map(parameters.map((p) => [p.name, p]));
    cache.set(dir, byName);
  }
  return byName;
}

/**
 * The law in force for one period. Every value is looked up on the last day of the period and must
 * hold for the whole period: a value that changed inside it would make the result depend on which
 * day is asked, so that is an error telling the caller to split the period.
 */
export class LawAt {
  private readonly memo = new Map<string, { value: LawParameter['values'][number]['value']; use: ParamUse }>();

  constructor(
    private readonly parameters: Map<string, LawParameter>,
    readonly period: Period,
    readonly settings: Settings,
  ) {}

  private lookup(name: string, type: LawParameter['type']): { value: LawParameter['values'][number]['value']; use: ParamUse } {
    const hit = this.memo.get(name);
    if (hit) return hit;
    const p = this.parameters.get(name);
    if (!p) throw new Error(`unknown law parameter '${name}'`);
    if (p.type !== type) throw new Error(`law parameter '${name}' is a ${p.type}, read as a ${type}`);
    const { from, to } = this.period;
    const v = p.values.find((x) => x.from <= to && to <= x.to);
    if (!v) {
      const covered = p.values.map((x) => `${x.from}..${x.to}`).join(', ');
      throw new CalcError('law.noValue', 'period', `law parameter '${name}' has no value on ${to} (covered: ${covered})`);
    }
    if (v.from > from) {
      throw new CalcError(
        'law.changesInPeriod',
        'period',
        `law parameter '${name}' changes on ${v.from}, inside the period ${from}..${to}; calculate the parts before and after separately`,
      );
    }
    const shown = Array.isArray(v.value) ? tableText(v.value) : String(v.value);
    const use: ParamUse = { name, value: shown, unit: p.unit, from: v.from, to: v.to, source: v.source, confidence: v.confidence };
    const entry = { value: v.value, use };
    this.memo.set(name, entry);
    return entry;
  }

  ratio(name: string): { ratio: Ratio; use: ParamUse } {
    const { value, use } = this.lookup(name, 'decimal');
    return { ratio: parseRatio(value as string), use };
  }

  /** A decimal parameter in yuan, as fen. */
  money(name: string): { fen: Fen; use: ParamUse } {
    const { ratio, use } = this.ratio(name);
    return { fen: ratioToFen(ratio), use };
  }

  int(name: string): { value: number; use: ParamUse } {
    const { value, use } = this.lookup(name, 'int');
    return { value: value as number, use };
  }

  bool(name: string): { value: boolean; use: ParamUse } {
    const { value, use } = this.lookup(name, 'bool');
    return { value: value as boolean, use };
  }

  text(name: string): { value: string; use: ParamUse } {
    const { value, use } = this.lookup(name, 'string');
    return { value: value as string, use };
  }

  table(name: string): LawTable {
    const { value, use } = this.lookup(name, 'table');
    const rows = (value as TableRow[]).map((r) => ({
      upTo: r.upTo === null ? null : ratioToFen(parseRatio(r.upTo)),
      rate: parseRatio(r.rate),
      quickDeduction: r.quickDeduction === undefined ? 0 : ratioToFen(parseRatio(r.quickDeduction)),
      share: r.share === undefined ? null : parseRatio(r.share),
    }));
    return { rows, use };
  }
}

function tableText(rows: TableRow[]): string {
  return rows
    .map((r) => {
      const parts = [
        `≤${r.upTo ?? '∞'}`,
        r.share ? `share ${r.share}` : null,
        `rate ${r.rate}`,
        r.quickDeduction ? `quick deduction ${r.quickDeduction}` : null,
      ];
      return parts.filter(Boolean).join(' ');
    })
    .join('; ');
}
