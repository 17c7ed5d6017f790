import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { tableTax } from '../src/calc/brackets.ts';
import { calculate } from '../src/calc/calculate.ts';
import { withholdPayroll } from '../src/calc/calculations/iitWages.ts';
import { calculatorMarkdown, inputFields } from '../src/calc/calculatorDoc.ts';
import { CalcError } from '../src/calc/errors.ts';
import { LawAt, lawParameters } from '../src/calc/law.ts';
import { applyRate, divRound, formatYuan, parseRatio, parseYuan } from '../src/calc/money.ts';
import { parsePeriod } from '../src/calc/period.ts';
import { CALCULATIONS } from '../src/calc/registry.ts';
import { DEFAULT_SETTINGS } from '../src/calc/settings.ts';

interface Case {
  name: string;
  source: string;
  calculation: string;
  period: string | number;
  inputs: Record<string, unknown>;
  settings?: Record<string, boolean>;
  expect?: Record<string, unknown>;
  error?: { code: string; field: string; message: string };
}

const TEST_DIR = 'law/tests';
// policies.yaml holds policy-matching cases, run by test/catalogue.test.ts.
const files = readdirSync(TEST_DIR).filter((f) => f.endsWith('.yaml') && f !== 'policies.yaml');
const cases: (Case & { file: string })[] = files.flatMap((f) => (parse(readFileSync(join(TEST_DIR, f), 'utf8')) as Case[]).map((c) => ({ ...c, file: f })));

function pick(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v === null || v === undefined ? undefined : (v as Record<string, unknown>)[k]), value);
}

const yuan = (n: number) => formatYuan(n);
const fen = (s: string) => parseYuan(s);

describe('calculator cases under law/tests (law tests as data)', () => {
  it('there are at least 30 cases, each citing its source, and every worked example of the reference notes is among them', () => {
    assert.ok(cases.length >= 30, `${cases.length} cases`);
    for (const c of cases) assert.ok(c.source && c.source.length > 5, `${c.file}: ${c.name} cites no source`);
    // The worked examples of the reference notes (section 8) that are calculations.
    const refs = new Set(cases.flatMap((c) => [...c.source.matchAll(/\[ref #(\w+)\]/g)].map((m) => m[1])));
    for (const n of ['1', '1b', '3', '4', '6', '8', '10', '11', '14', '17', '18', '19', '20', '23', '24', '26', '27'])
      assert.ok(refs.has(n), `worked example #${n} has no case`);
  });

  for (const c of cases) {
    it(`${c.file}: ${c.name}`, () => {
      const request = { calculation: c.calculation, period: String(c.period), inputs: c.inputs, ...(c.settings ? { settings: c.settings } : {}) };
      if (c.error) {
        const expected = c.error;
        assert.throws(
          () => calculate(request),
          (e: unknown) => {
            assert.ok(e instanceof CalcError, String(e));
            assert.equal(e.code, expected.code);
            assert.equal(e.field, expected.field);
            assert.ok(e.message.includes(expected.message), `message '${e.message}' lacks '${expected.message}'`);
            return true;
          },
        );
        return;
      }
      const r = calculate(request);
      for (const [path, want] of Object.entries(c.expect ?? {})) assert.deepEqual(pick(r.result, path), want, `${path}`);
      // Every money line is a whole number of fen, and every parameter it used carries its source.
      for (const l of r.lines) {
        if (l.amount !== undefined) assert.match(l.amount, /^-?\d+\.\d{2}$/);
        for (const p of l.parameters) assert.ok(p.source && p.from && p.to, `${l.id}: parameter ${p.name} without source or dates`);
      }
    });
  }
});

describe('calculator contract', () => {
  it('docs/calculator.md is generated from the calculations and up to date; every input and result field is described', () => {
    assert.equal(readFileSync('docs/calculator.md', 'utf8'), calculatorMarkdown(), 'run: zhishu docs calculator --write');
    for (const c of CALCULATIONS.values()) {
      for (const f of inputFields(c)) assert.ok(f.description, `${c.name}: input ${f.path} has no description`);
      const r = calculate({ calculation: c.name, period: c.example.period, inputs: c.example.inputs });
      for (const k of Object.keys(r.result)) assert.ok(k in c.outputs, `${c.name}: result field ${k} is not documented`);
    }
  });

  it('every calculation’s documented example runs', () => {
    for (const c of CALCULATIONS.values()) {
      const r = calculate({ calculation: c.name, period: c.example.period, inputs: c.example.inputs });
      assert.ok(r.lines.length > 0, c.name);
    }
  });

  it('zhishu calc reads a request from stdin and prints JSON; bad input exits 2 with a JSON error naming the field', () => {
    const run = (input: string, args: string[] = []) =>
      spawnSync(process.execPath, ['bin/zhishu.js', 'calc', '--input', '-', ...args], { input, encoding: 'utf8' });
    const ok = run(JSON.stringify({ calculation: 'iit.payment', period: '2026-03-15', inputs: { kind: 'labour', amount: '2000.00' } }));
    assert.equal(ok.status, 0, ok.stderr);
    const body = JSON.parse(ok.stdout);
    assert.equal(body.result.withheld, '240.00');
    assert.equal(body.version, 1);
    assert.ok(body.lines.some((l: { parameters: { source: string }[] }) => l.parameters.some((p) => p.source.includes('2018年第61号'))));
    const bad = run(JSON.stringify({ calculation: 'iit.payment', period: '2026-03-15', inputs: { kind: 'labour', amount: '-5.00' } }));
    assert.equal(bad.status, 2);
    assert.deepEqual(JSON.parse(bad.stdout).error.field, 'inputs.amount');
    assert.match(bad.stderr, /inputs\.amount: must not be negative/);
    const notJson = run('{"calculation": ');
    assert.equal(notJson.status, 2);
    assert.equal(JSON.parse(notJson.stdout).error.code, 'request.invalid');
    const text = run(JSON.stringify({ calculation: 'iit.payment', period: '2026-03-15', inputs: { kind: 'labour', amount: '2000.00' } }), ['--text']);
    assert.match(text.stdout, /应预扣预缴税额 tax withheld +240\.00/);
  });
});

describe('money', () => {
  it('parses and formats yuan exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 15), max: 10 ** 15 }), (n) => {
        assert.equal(parseYuan(formatYuan(n)), n);
      }),
    );
    assert.equal(parseYuan('0.1'), 10);
    assert.equal(parseYuan('-0.07'), -7);
    assert.throws(() => parseYuan('1e5'), /not an amount in yuan/);
  });

  it('rounds half away from zero like BigInt arithmetic does, for small and huge products', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.integer({ min: 1, max: 10 ** 7 }), (num, den) => {
        const a = BigInt(Math.abs(num));
        const q = (2n * a + BigInt(den)) / (2n * BigInt(den));
        assert.equal(divRound(num, den), Number(num < 0 ? -q : q));
      }),
      { numRuns: 5000 },
    );
    assert.equal(applyRate(25, parseRatio('0.5')), 13);
    assert.equal(applyRate(-25, parseRatio('0.5')), -13);
    assert.equal(applyRate(9_000_000_000_000_000 / 1000, parseRatio('0.45')), 1_800_000_000_000 * 2.25);
  });
});

describe('calculator properties', () => {
  const law = (period: string) => new LawAt(lawParameters(), parsePeriod(period, 'period', ['year', 'quarter', 'month', 'day']), DEFAULT_SETTINGS);
  const amount = fc.integer({ min: 0, max: 2_000_000_000 }); // up to 20,000,000 yuan, in fen

  it('every progressive table is continuous at its bracket edges (the quick deductions make it so)', () => {
    for (const name of ['iit.comprehensiveTable', 'iit.businessTable', 'iit.labourWithholdingTable', 'iit.annualBonusTable']) {
      const rows = law('2026').table(name).rows;
      for (let i = 0; i + 1 < rows.length; i++) {
        const edge = rows[i]?.upTo as number;
        const low = applyRate(edge, rows[i]!.rate) - rows[i]!.quickDeduction;
        const high = applyRate(edge, rows[i + 1]!.rate) - rows[i + 1]!.quickDeduction;
        assert.equal(low, high, `${name} at ${yuan(edge)}`);
      }
    }
  });

  it('tax never decreases when income rises: comprehensive income, business income, labour and author withholding', () => {
    const l = law('2026');
    const comprehensive = l.table('iit.comprehensiveTable').rows;
    const business = l.table('iit.businessTable').rows;
    const payment = (kind: string, a: number) =>
      fen(calculate({ calculation: 'iit.payment', period: '2026-03-01', inputs: { kind, amount: yuan(a) } }).result.withheld as string);
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        assert.ok(tableTax(comprehensive, lo) <= tableTax(comprehensive, hi));
        assert.ok(tableTax(business, lo) <= tableTax(business, hi));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.constantFrom('labour', 'authorRemuneration', 'royalty'),
        (a, b, kind) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          assert.ok(payment(kind, lo) <= payment(kind, hi));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the annual bonus is monotone between the documented cliffs, and each cliff is a real jump', () => {
    const bonus = (a: number) => fen(calculate({ calculation: 'iit.annualBonus', period: '2026', inputs: { bonus: yuan(a) } }).result.separate as string);
    const cliffs = law('2026')
      .table('iit.annualBonusTable')
      .rows.filter((r) => r.upTo !== null)
      .map((r) => (r.upTo as number) * 12);
    for (const c of cliffs) assert.ok(bonus(c + 1) > bonus(c) + 100_00, `cliff at ${yuan(c)}: ${yuan(bonus(c))} → ${yuan(bonus(c + 1))}`);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000_000 }), fc.integer({ min: 0, max: 200_000_000 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        if (cliffs.some((c) => lo <= c && c < hi)) return; // crosses a cliff: checked above
        assert.ok(bonus(lo) <= bonus(hi), `${yuan(lo)} → ${yuan(bonus(lo))}, ${yuan(hi)} → ${yuan(bonus(hi))}`);
      }),
      { numRuns: 300 },
    );
  });

  it('small-scale VAT is monotone on each side of the threshold, and the threshold is a cliff of the whole amount × 1 %', () => {
    const vat = (a: number, period: string) =>
      fen(calculate({ calculation: 'vat.smallScale', period, inputs: { sales: yuan(a) } }).result.vatPayable as string);
    const line = 100_000_00;
    assert.equal(vat(line - 1, '2026-03'), 0);
    assert.equal(vat(line, '2026-03'), 1000_00); // 2026: reaching the threshold taxes the whole amount
    assert.equal(vat(line, '2025-03'), 0);
    assert.equal(vat(line + 1, '2025-03'), 1000_00);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50_000_000 }), fc.integer({ min: 0, max: 50_000_000 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        if (lo < line && hi >= line) return;
        assert.ok(vat(lo, '2026-03') <= vat(hi, '2026-03'));
      }),
      { numRuns: 300 },
    );
  });

  it('the small low-profit relief ends in a cliff at 3,000,000 of taxable income', () => {
    const cit = (income: string) =>
      calculate({
        calculation: 'cit.annual',
        period: '2026',
        inputs: { taxableIncomeBeforeRnd: income, quarters: [{ employeesStart: 10, employeesEnd: 10, assetsStart: '100.00', assetsEnd: '100.00' }] },
      }).result.citPayable;
    assert.equal(cit('3000000.00'), '150000.00');
    assert.equal(cit('3000000.01'), '750000.00');
  });

  it('month-by-month cumulative withholding sums to the annual figure when nothing changes', () => {
    const l = law('2026');
    const table = l.table('iit.comprehensiveTable').rows;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), (wage, deduction) => {
        const months = Array.from({ length: 12 }, (_, k) => ({ month: k + 1, wage: yuan(wage), socialInsurance: yuan(deduction) }));
        const r = calculate({ calculation: 'iit.wages', period: '2026', inputs: { months } });
        const annual = tableTax(table, 12 * (wage - 500_000 - deduction));
        assert.equal(r.result.totalWithheld, yuan(annual));
      }),
      { numRuns: 200 },
    );
  });

  it('the payroll loop withholds exactly what the explained calculation does, month by month', () => {
    const l = law('2026');
    const month = fc.record({ wage: fc.integer({ min: 0, max: 10_000_000 }), deduction: fc.integer({ min: 0, max: 1_500_000 }) });
    fc.assert(
      fc.property(fc.array(month, { minLength: 12, maxLength: 12 }), (months) => {
        const wage = Float64Array.from(months, (m) => m.wage);
        const deductions = Float64Array.from(months, (m) => m.deduction);
        const out = new Float64Array(12);
        withholdPayroll(l, 1, wage, deductions, out);
        const r = calculate({
          calculation: 'iit.wages',
          period: '2026',
          inputs: { months: months.map((m, k) => ({ month: k + 1, wage: yuan(m.wage), otherDeductions: yuan(m.deduction) })) },
        });
        assert.deepEqual(
          Array.from(out, (v) => yuan(v)),
          (r.result.months as { withheld: string }[]).map((m) => m.withheld),
        );
      }),
      { numRuns: 300 },
    );
  });
});
