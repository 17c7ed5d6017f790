import type { ParamUse } from './law.ts';
import { type Fen, formatYuan } from './money.ts';

/** Version of the result format; bumped on any incompatible change (docs/calculator.md). */
export const RESULT_VERSION = 1;

export const HALF_UP_FEN = 'half up to 0.01 yuan';

/** One line of a computation, as a person would check it by hand. */
export interface Line {
  id: string;
  label: { zh: string; en: string };
  /** A money line: the amount in yuan. */
  amount?: string;
  /** A line that is not money (a rate, a count, a yes/no): its value as text. */
  value?: string;
  /** How the line was computed, with the figures filled in. */
  formula: string;
  rounding?: string;
  /** The law parameters the line used, each with its value, dates and legal source. */
  parameters: ParamUse[];
}

/** Collects the lines and notes of one computation. */
export class Explanation {
  readonly lines: Line[] = [];
  readonly notes: string[] = [];

  money(id: string, zh: string, en: string, fen: Fen, formula: string, parameters: ParamUse[] = [], rounding?: string): Fen {
    this.lines.push({ id, label: { zh, en }, amount: formatYuan(fen), formula, ...(rounding ? { rounding } : {}), parameters });
    return fen;
  }

  fact(id: string, zh: string, en: string, value: string, formula: string, parameters: ParamUse[] = []): void {
    this.lines.push({ id, label: { zh, en }, value, formula, parameters });
  }

  note(text: string): void {
    this.notes.push(text);
  }
}

/** Yuan text for formulas. */
export const y = formatYuan;
