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

/** The exact sum of two amounts of yuan, to the fen ("113519.54" + "113519.54" → "227039.08"). */
export function addYuan(a: string, b: string): string {
  const fen = (s: string) => {
    const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(s.trim());
    if (!m) throw new Error(`not an amount of yuan: ${s}`);
    const v = BigInt(m[2] ?? '0') * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
    return m[1] === '-' ? -v : v;
  };
  const sum = fen(a) + fen(b);
  const abs = sum < 0n ? -sum : sum;
  return `${sum < 0n ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
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

const CHINA_TIME = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/**
 * A time as "2026-12-01 10:57", China time (the bureau's and its companies'), whatever the browser's
 * zone, in both languages (01/12/2026 reads as January to some and December to others). The API gives
 * times without an offset in the zone its table keeps them: the outbox and the inbox in China time,
 * accounts, sessions and the audit log in UTC (`zone`); a time with an offset or Z is read as written.
 * Until 2026-12-01 an offset-less time was read in the browser's zone, so a message read at 11:02 in
 * Shenzhen showed as read at 03:02 in a browser set to UTC, before the 10:57 it was delivered.
 */
export function formatTime(value: string | null | undefined, _lang: Lang, zone: 'china' | 'utc' = 'china'): string {
  if (!value) return '—';
  const iso = value.replace(' ', 'T');
  // A date alone has no time to place in a zone.
  if (!/T\d\d:\d\d/.test(iso)) return value;
  // An offset of hours alone (+08, as the databases print a TIMESTAMPTZ) is written out for Date.
  const offset = /(Z|[+-]\d\d(:?\d\d)?)$/.exec(iso)?.[0];
  const d = new Date(offset === undefined ? `${iso}${zone === 'china' ? '+08:00' : 'Z'}` : /^[+-]\d\d$/.test(offset) ? `${iso}:00` : iso);
  if (Number.isNaN(d.getTime())) return value;
  const part = Object.fromEntries(CHINA_TIME.formatToParts(d).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
}

/** Money for charts (yuan as a number; exactness does not matter for bar heights). */
export function toNumber(amount: string | null | undefined): number {
  const n = Number(amount ?? 0);
  return Number.isFinite(n) ? n : 0;
}
