/**
 * Payroll benchmark: cumulative withholding of wages for N employees × 12 months, side by side in one
 * run with a direct hand-written loop over the same data (the law's figures typed in as constants),
 * and with the explained JSON path on a sample. Both loops must give identical results, fen for fen.
 * Writes its section of docs/benchmarks.md.
 *
 *   npm run bench:payroll -- --employees 1000000 --runs 5
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { calculate } from '../src/calc/calculate.ts';
import { withholdPayroll } from '../src/calc/calculations/iitWages.ts';
import { LawAt, lawParameters } from '../src/calc/law.ts';
import { formatYuan } from '../src/calc/money.ts';
import { parsePeriod } from '../src/calc/period.ts';
import { DEFAULT_SETTINGS } from '../src/calc/settings.ts';

const { values } = parseArgs({
  options: { employees: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '5' }, sample: { type: 'string', default: '2000' } },
});
const N = Number(values.employees);
const RUNS = Number(values.runs);
const SAMPLE = Math.min(N, Number(values.sample));
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : n < 100 ? 1 : 0 });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const log = (s: string) => process.stderr.write(`${s}\n`);

// Seeded data: monthly wages spread like a city's payroll (most 5,000–30,000 yuan, a long tail),
// a December bonus month for some, social insurance about 10.5 % of the wage up to a cap, and the
// special additional deductions people commonly claim.
let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
log(`payroll: building ${fmt(N)} employees × 12 months`);
const wage = new Float64Array(N * 12);
const deductions = new Float64Array(N * 12);
const SAD = [0, 0, 100_000, 200_000, 300_000, 400_000, 500_000, 650_000];
for (let e = 0; e < N; e++) {
  const base = Math.round(300_000 * Math.exp(rand() * 2.6)); // 3,000 .. ~40,000 yuan, in fen
  const sad = SAD[Math.floor(rand() * SAD.length)] as number;
  const bonusMonth = rand() < 0.3 ? 11 : -1;
  for (let m = 0; m < 12; m++) {
    const w = m === bonusMonth ? base * 3 : base;
    wage[e * 12 + m] = w;
    deductions[e * 12 + m] = Math.min(Math.round(w * 0.105), 350_000) + sad;
  }
}

/** What a payroll programmer would write by hand: the 2019+ table as literals, integer fen, half up. */
function handWritten(n: number, wage: Float64Array, ded: Float64Array, out: Float64Array): void {
  for (let e = 0; e < n; e++) {
    let taxable = 0;
    let paid = 0;
    for (let m = 0; m < 12; m++) {
      const k = e * 12 + m;
      taxable += (wage[k] as number) - 500_000 - (ded[k] as number);
      let tax = 0;
      if (taxable > 0) {
        let r: number;
        let q: number;
        if (taxable <= 3_600_000) [r, q] = [3, 0];
        else if (taxable <= 14_400_000) [r, q] = [10, 252_000];
        else if (taxable <= 30_000_000) [r, q] = [20, 1_692_000];
        else if (taxable <= 42_000_000) [r, q] = [25, 3_192_000];
        else if (taxable <= 66_000_000) [r, q] = [30, 5_292_000];
        else if (taxable <= 96_000_000) [r, q] = [35, 8_592_000];
        else [r, q] = [45, 18_192_000];
        const p = taxable * r;
        const f = Math.floor(p / 100);
        tax = (2 * (p - f * 100) >= 100 ? f + 1 : f) - q;
      }
      const due = tax - paid;
      if (due > 0) {
        out[k] = due;
        paid += due;
      } else out[k] = 0;
    }
  }
}

const law = new LawAt(lawParameters(), parsePeriod('2026', 'period', ['year']), DEFAULT_SETTINGS);
const outLib = new Float64Array(N * 12);
const outHand = new Float64Array(N * 12);
const lib: number[] = [];
const hand: number[] = [];
for (let run = 0; run < RUNS; run++) {
  let t0 = performance.now();
  withholdPayroll(law, N, wage, deductions, outLib);
  lib.push(performance.now() - t0);
  t0 = performance.now();
  handWritten(N, wage, deductions, outHand);
  hand.push(performance.now() - t0);
  log(`payroll: run ${run + 1}/${RUNS}: Zhishu ${fmt(lib.at(-1) as number)} ms, hand-written ${fmt(hand.at(-1) as number)} ms`);
}
let total = 0;
for (let k = 0; k < N * 12; k++) {
  if (outLib[k] !== outHand[k]) throw new Error(`employee ${Math.floor(k / 12)} month ${(k % 12) + 1}: Zhishu ${outLib[k]} ≠ hand-written ${outHand[k]}`);
  total += outLib[k] as number;
}

// The explained path: one JSON request per employee (12 months, every line with its law).
const t0 = performance.now();
for (let e = 0; e < SAMPLE; e++) {
  const months = Array.from({ length: 12 }, (_, m) => ({
    month: m + 1,
    wage: formatYuan(wage[e * 12 + m] as number),
    otherDeductions: formatYuan(deductions[e * 12 + m] as number),
  }));
  const r = calculate({ calculation: 'iit.wages', period: '2026', inputs: { months } });
  const months12 = r.result.months as { withheld: string }[];
  if (months12[11]?.withheld !== formatYuan(outLib[e * 12 + 11] as number)) throw new Error(`explained path disagrees for employee ${e}`);
}
const explainedPerS = (SAMPLE * 12) / ((performance.now() - t0) / 1000);

const em = N * 12;
const libMs = median(lib);
const handMs = median(hand);
const libRate = em / (libMs / 1000);
const ratio = libMs / handMs;
const section = `<!-- payroll -->
## Payroll: cumulative withholding, ${fmt(N)} employees × 12 months

\`npm run bench:payroll -- --employees ${N} --runs ${RUNS}\`, ${new Date().toISOString().slice(0, 10)}. Seeded wages (3,000 to about 40,000 yuan a month, a
December bonus for 30 %), social insurance and special additional deductions; ${fmt(em)} employee-months, ${formatYuan(total)} yuan withheld in all.
Both loops give identical results for every employee-month (checked after the runs). Medians of ${RUNS} interleaved runs.

| path | median | employee-months/s | vs hand-written |
|---|---:|---:|---:|
| Zhishu \`withholdPayroll\` (law read once from law/parameters.yaml) | ${fmt(libMs)} ms | ${fmt(libRate / 1e6)} M | ${ratio.toFixed(2)}× |
| hand-written loop, the table typed in as constants | ${fmt(handMs)} ms | ${fmt(em / (handMs / 1000) / 1e6)} M | 1× |
| Zhishu \`calculate\` JSON request per employee, every line explained (${fmt(SAMPLE)} employees) | | ${fmt(explainedPerS / 1e3)} k | ${fmt(em / (handMs / 1000) / explainedPerS)}× slower |

Goals (issue: calculator): at least 1,000,000 employee-months per second (${libRate >= 1e6 ? 'met' : '**missed**'}) and within 3× of the
hand-written loop (${ratio <= 3 ? 'met' : '**missed**'}).
<!-- /payroll -->`;
const doc = existsSync('docs/benchmarks.md') ? readFileSync('docs/benchmarks.md', 'utf8') : '# Benchmarks\n';
writeFileSync(
  'docs/benchmarks.md',
  doc.includes('<!-- payroll -->') ? doc.replace(/<!-- payroll -->[\s\S]*<!-- \/payroll -->/, section) : `${doc.trimEnd()}\n\n${section}\n`,
);
log(section);
