/** A quarter as matching uses it: "2026-Q1" with its first and last day. */
export interface Quarter {
  period: string;
  start: string;
  end: string;
}

export function parseQuarter(text: string): Quarter {
  const m = /^(\d{4})-Q([1-4])$/.exec(text);
  if (!m) throw new Error(`'${text}' is not a quarter (e.g. 2026-Q1)`);
  const y = Number(m[1]);
  const q = Number(m[2]);
  const last = new Date(Date.UTC(y, q * 3, 0)).getUTCDate();
  const pad = (n: number) => String(n).padStart(2, '0');
  return { period: text, start: `${y}-${pad(q * 3 - 2)}-01`, end: `${y}-${pad(q * 3)}-${pad(last)}` };
}

/** The quarter a date falls in. */
export function quarterOf(date: string): Quarter {
  const y = Number(date.slice(0, 4));
  const q = Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1;
  return parseQuarter(`${y}-Q${q}`);
}
