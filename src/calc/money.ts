/**
 * Exact money and rates. An amount is a whole number of fen (分) held in a JavaScript number, kept
 * within the safe-integer range (±90 trillion yuan); a rate is a finite decimal held as a fraction
 * of two whole numbers. Every tax figure in the law is a whole number of fen and every rate a finite
 * decimal, so a product is an exact fraction and the only inexact step is the one rounding the rule
 * asks for. Products that would leave the safe range are computed with BigInt.
 */

/** A whole number of fen. */
export type Fen = number;

/** A finite decimal as num / den, den a power of ten (or any positive whole number for derived rates). */
export interface Ratio {
  readonly num: number;
  readonly den: number;
  /** The decimal as written in the law, e.g. "0.03". */
  readonly text: string;
}

export class MoneyError extends Error {}

const YUAN = /^(-)?(\d{1,14})(?:\.(\d{1,2}))?$/;

/** Parses a yuan amount written as a decimal string ("1234.5", "-3", "0.07") into fen. */
export function parseYuan(text: string): Fen {
  const m = YUAN.exec(text);
  if (!m) throw new MoneyError(`'${text}' is not an amount in yuan (a decimal string with at most 2 decimals, e.g. "1234.56")`);
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] && fen !== 0 ? -fen : fen;
}

/** Formats fen as a yuan decimal string with two decimals. */
export function formatYuan(fen: Fen): string {
  const sign = fen < 0 ? '-' : '';
  const a = Math.abs(fen);
  const cents = a % 100;
  return `${sign}${(a - cents) / 100}.${cents < 10 ? '0' : ''}${cents}`;
}

/** Parses a decimal string ("0.03", "1.2", "50000000") into an exact ratio. */
export function parseRatio(text: string): Ratio {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new MoneyError(`'${text}' is not a decimal number`);
  const decimals = (m[3] ?? '').length;
  const den = 10 ** decimals;
  const num = Number(`${m[2]}${m[3] ?? ''}`) * (m[1] ? -1 : 1);
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den)) throw new MoneyError(`'${text}' has too many digits`);
  return { num, den, text };
}

export const ZERO_RATIO: Ratio = { num: 0, den: 1, text: '0' };
export const ONE_RATIO: Ratio = { num: 1, den: 1, text: '1' };

/** The product of two ratios, exact (used for 25 % × 20 %). */
export function mulRatio(a: Ratio, b: Ratio): Ratio {
  const num = a.num * b.num;
  const den = a.den * b.den;
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den)) throw new MoneyError(`${a.text} × ${b.text} has too many digits`);
  const text = decimalText(num, den);
  return { num, den, text };
}

export function isZero(r: Ratio): boolean {
  return r.num === 0;
}

/** Ratio as a decimal string when den is a power of ten, otherwise num/den. */
function decimalText(num: number, den: number): string {
  const decimals = Math.log10(den);
  if (!Number.isInteger(decimals)) return `${num}/${den}`;
  const sign = num < 0 ? '-' : '';
  const digits = String(Math.abs(num)).padStart(decimals + 1, '0');
  const int = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${sign}${int}${frac ? `.${frac}` : ''}`;
}

/** Percent text for explanations: 0.03 → "3%", 0.0003 → "0.03%". */
export function percent(r: Ratio): string {
  return `${decimalText(r.num * 100, r.den)}%`;
}

/**
 * Rounds num / den to a whole number, half away from zero (what tax rules call 四舍五入, "half up").
 * den must be positive.
 */
export function divRound(num: number, den: number): number {
  if (Number.isSafeInteger(num)) {
    const a = Math.abs(num);
    let q = Math.floor(a / den);
    let r = a - q * den;
    // The float quotient can be one off for large a; the remainder puts it right.
    if (r < 0) {
      q -= 1;
      r += den;
    } else if (r >= den) {
      q += 1;
      r -= den;
    }
    if (2 * r >= den) q += 1;
    // No negative zero: it would print as "-0.00" nowhere but compares unequal in tests and JSON.
    return num < 0 && q !== 0 ? -q : q;
  }
  return Number(divRoundBig(BigInt(num), BigInt(den)));
}

function divRoundBig(num: bigint, den: bigint): bigint {
  const neg = num < 0n;
  const a = neg ? -num : num;
  const q = (2n * a + den) / (2n * den);
  return neg ? -q : q;
}

/** amount × rate, rounded half up to the fen. */
export function applyRate(amount: Fen, rate: Ratio): Fen {
  const p = amount * rate.num;
  if (Number.isSafeInteger(p)) return divRound(p, rate.den);
  return safe(Number(divRoundBig(BigInt(amount) * BigInt(rate.num), BigInt(rate.den))));
}

/** amount × rate, rounded half up to a unit of `unit` fen (10 = to the jiao). */
export function applyRateTo(amount: Fen, rate: Ratio, unit: number): Fen {
  const p = BigInt(amount) * BigInt(rate.num);
  return safe(Number(divRoundBig(p, BigInt(rate.den) * BigInt(unit))) * unit);
}

/** amount ÷ (1 + rate), rounded half up to the fen: converting a tax-inclusive amount. */
export function excludeTax(amount: Fen, rate: Ratio): Fen {
  const p = amount * rate.den;
  if (Number.isSafeInteger(p)) return divRound(p, rate.den + rate.num);
  return safe(Number(divRoundBig(BigInt(amount) * BigInt(rate.den), BigInt(rate.den + rate.num))));
}

/** Compares an amount in fen with a ratio in yuan (a threshold written "100000"). */
export function ratioToFen(r: Ratio): Fen {
  return safe(divRound(r.num * 100, r.den));
}

function safe(n: number): number {
  if (!Number.isSafeInteger(n)) throw new MoneyError('amount out of range');
  return n;
}

export function sum(values: readonly Fen[]): Fen {
  let s = 0;
  for (const v of values) s += v;
  return safe(s);
}

/** a − b, exact. */
export function subRatio(a: Ratio, b: Ratio): Ratio {
  const den = a.den * b.den;
  const num = a.num * b.den - b.num * a.den;
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den)) throw new MoneyError(`${a.text} − ${b.text} has too many digits`);
  return { num, den, text: decimalText(num, den) };
}

/** Σ amount × rate over the terms, rounded half up to the fen once (no rounding per term). */
export function applyRates(terms: readonly (readonly [Fen, Ratio])[]): Fen {
  let den = 1n;
  for (const [, r] of terms) den = lcm(den, BigInt(r.den));
  let num = 0n;
  for (const [a, r] of terms) num += BigInt(a) * BigInt(r.num) * (den / BigInt(r.den));
  return safe(Number(divRoundBig(num, den)));
}

function lcm(a: bigint, b: bigint): bigint {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return (a / x) * b;
}

/** num / den as a decimal string with `decimals` places, half up (for averages shown to people). */
export function fractionText(num: number, den: number, decimals = 2): string {
  const scale = 10 ** decimals;
  const v = divRound(num * scale, den);
  const sign = v < 0 ? '-' : '';
  const a = Math.abs(v);
  const int = Math.floor(a / scale);
  const frac = String(a - int * scale).padStart(decimals, '0');
  return `${sign}${int}.${frac}`;
}
