import type { Lang } from './format.ts';

// Shared chart colours and number formats, so every chart reads the same way.

export const ENJOYED_COLOR = '#2f7d5b';
export const MISSED_COLOR = '#d9822b';
export const NEUTRAL_COLOR = '#3b6ea8';

/** Axis ticks: 万/亿 in Chinese, k/m in English. */
export function yuanAxisLabel(v: number, lang: Lang): string {
  const abs = Math.abs(v);
  if (lang === 'zh') {
    if (abs >= 1e8) return `${trim(v / 1e8)}亿`;
    if (abs >= 1e4) return `${trim(v / 1e4)}万`;
    return String(v);
  }
  if (abs >= 1e6) return `${trim(v / 1e6)}m`;
  if (abs >= 1e3) return `${trim(v / 1e3)}k`;
  return String(v);
}

function trim(n: number): string {
  return String(Number(n.toFixed(2)));
}

/** Tooltip values: yuan with two decimals and thousands separators. */
export function yuanTooltip(value: unknown): string {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return String(value ?? '—');
  return `¥${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Shortens long category names on an axis; the tooltip shows them whole. */
export function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
