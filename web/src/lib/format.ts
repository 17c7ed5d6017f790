// Display of the API's values. Money arrives as exact decimal strings and is only regrouped as text;
// numbers are parsed only for charts and the rounded headline figures.

export type Lang = 'zh' | 'en';

/** "1234567.8" → "1,234,567.80"; null or empty → "—". */
export function formatYuan(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return amount;
  const [, sign, whole = '0', frac = ''] = m;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}.${frac.padEnd(2, '0').slice(0, Math.max(2, frac.length))}`;
}

/** Headline money: 亿元 / 万元 in Chinese, million / thousand yuan in English. */
export function compactYuan(amount: string | null | undefined, lang: Lang): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const n = Number(amount);
  if (!Number.isFinite(n)) return amount;
  const abs = Math.abs(n);
  const fixed = (v: number) => v.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
  if (lang === 'zh') {
    if (abs >= 1e8) return `${fixed(n / 1e8)} 亿元`;
    if (abs >= 1e4) return `${fixed(n / 1e4)} 万元`;
    return `${formatYuan(amount)} 元`;
  }
  if (abs >= 1e9) return `¥${fixed(n / 1e9)} bn`;
  if (abs >= 1e6) return `¥${fixed(n / 1e6)} m`;
  return `¥${formatYuan(amount)}`;
}

/** The exact amount under a rounded headline figure, or undefined when the headline is exact already. */
export function exactUnder(amount: string | null | undefined, lang: Lang): string | undefined {
  const n = Math.abs(Number(amount ?? 0));
  return n >= (lang === 'zh' ? 1e4 : 1e6) ? formatYuan(amount) : undefined;
}

export function formatCount(n: number | null | undefined, lang: Lang): string {
  if (n === null || n === undefined) return '—';
  return n.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US');
}

/** An ISO time (or "YYYY-MM-DD hh:mm:ss") as local date and minute. */
export function formatTime(value: string | null | undefined, lang: Lang): string {
  if (!value) return '—';
  const d = new Date(value.includes('T') || value.endsWith('Z') ? value : value.replace(' ', 'T'));
  if (Number.isNaN(d.getTime())) return value;
  return d.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
}

/** Money for charts (yuan as a number; exactness does not matter for bar heights). */
export function toNumber(amount: string | null | undefined): number {
  const n = Number(amount ?? 0);
  return Number.isFinite(n) ? n : 0;
}
