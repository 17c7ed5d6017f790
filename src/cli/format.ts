/** Terminal output helpers: numbers, durations, aligned tables and bar charts. */

export const fmtInt = (n: number | bigint | string) => Number(n).toLocaleString('en-US');
export const fmtMs = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
/**
 * A progress callback that writes a line on stderr for the first step, then at most every two seconds,
 * and always for the last one (done === total), so long work shows it is moving without flooding the terminal.
 */
export function progressLines(line: (done: number, total: number) => string): (p: { done: number; total: number }) => void {
  let last = 0;
  return ({ done, total }) => {
    if (total > 0 && (Date.now() - last > 2000 || done === total)) {
      last = Date.now();
      process.stderr.write(`${line(done, total)}\n`);
    }
  };
}
export const fmtRate = (rows: number, ms: number) => (ms <= 0 ? '-' : `${(rows / (ms / 1000) / 1e6).toFixed(2)} M rows/s`);

/** Columns left-aligned for text, right-aligned for numbers. Width counts CJK characters as two. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u2E80-\uFFEF]/.test(ch) ? 2 : 1), 0);
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmtInt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => width(r[i] ?? ''))));
  const numeric = headers.map((_, i) => rows.every((r) => typeof r[i] === 'number'));
  return cells
    .map((r) =>
      r
        .map((c, i) => {
          const pad = ' '.repeat((widths[i] ?? 0) - width(c));
          return numeric[i] ? pad + c : c + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A horizontal bar chart: one labelled bar per row, scaled to the largest value. */
export function barChart(rows: { label: string; value: number }[], barWidth = 40): string {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const total = rows.reduce((s, r) => s + r.value, 0) || 1;
  const labelled = rows.map((r) => ({ ...r, bar: '█'.repeat(Math.round((r.value / max) * barWidth)) }));
  return table(
    ['', '', '', ''],
    labelled.map((r) => [r.label, r.bar, r.value, `${((r.value / total) * 100).toFixed(1)}%`]),
  )
    .split('\n')
    .slice(1)
    .join('\n');
}
