import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import pg from 'pg';
import { tableTax } from '../src/calc/brackets.ts';
import { LawAt, lawParameters } from '../src/calc/law.ts';
import { formatYuan, parseYuan } from '../src/calc/money.ts';
import { parsePeriod } from '../src/calc/period.ts';
import { DEFAULT_SETTINGS } from '../src/calc/settings.ts';
import { loadParameters, paramsAt, tablesAt } from '../src/law/parameters.ts';
import { RuleError } from '../src/rules/compile.ts';
import { FACTS } from '../src/rules/facts.ts';
import { compileFormula, evaluateFormula, formulaSql } from '../src/rules/formula.ts';
import type { FactRow } from '../src/rules/interpret.ts';
import { Store } from '../src/store/store.ts';
import { createFactsTable, factRowParams, insertFactsSql, NAMES, rowArb } from './helpers/rules.ts';

const { parameters } = loadParameters('law/parameters.yaml');
const PARAMS = paramsAt(parameters, '2026-03-31');
const TABLES = tablesAt(parameters, '2026-03-31');
const NUMERIC = NAMES.filter((n) => FACTS[n]?.type === 'int' || FACTS[n]?.type === 'decimal');

// Formulas shaped like benefit formulas: sums of a fact (or a table's tax on it) times rates, with min/max.
const rate = fc.oneof(
  fc.constantFrom('0.05', '0.2', '0.0003', '1', '0.125', '3', '0.5', '-0.01'),
  fc.constantFrom(
    'param("cit.standardRate")',
    'param("sixTaxesTwoFees.reductionRate")',
    'param("vat.smallScaleReducedRate")',
    'param("stampDuty.loanContract")',
  ),
  fc.constantFrom('(param("cit.standardRate") - param("cit.highTechRate"))', '(0.07 + 0.03 + 0.02)'),
);
const base = fc.oneof(
  fc.constantFrom(...NUMERIC),
  fc.constantFrom(...NUMERIC).map((f) => `tax("iit.businessTable", ${f})`),
  fc.constantFrom(...NUMERIC).map((f) => `min(${f}, param("iit.individualBusinessReliefLimit"))`),
  fc.constantFrom(...NUMERIC).map((f) => `round(${f} * 0.5)`),
  fc.constantFrom(...NUMERIC).map((f) => `round(tax("iit.businessTable", ${f}) * param("iit.individualBusinessReliefShare"))`),
  fc.constantFrom('1000', '0.01', 'param("slpe.maxTaxableIncome")'),
);
const product = fc.tuple(base, fc.array(rate, { minLength: 0, maxLength: 2 })).map(([b, rs]) => [b, ...rs].join(' * '));
const formulaArb = fc.oneof(
  product,
  fc.tuple(product, fc.constantFrom('+', '-'), product).map(([a, op, b]) => `${a} ${op} ${b}`),
  fc.tuple(fc.constantFrom('min', 'max'), product, product).map(([fn, a, b]) => `${fn}(${a}, ${b})`),
  // The first known value: a fact missing in some rows, another in others, or a constant when both are.
  fc.tuple(product, product).map(([a, b]) => `coalesce(${a}, ${b})`),
  fc.tuple(product, product).map(([a, b]) => `max(0, ${a} - coalesce(${b}, 0))`),
);

const RUNS = 150;
const ROWS = 40;

describe('benefit formulas: TypeScript, DuckDB and PostgreSQL give the same figure to the fen', () => {
  let duck: Store;
  let pgc: pg.Client;
  before(async () => {
    duck = await Store.open(':memory:', { migrate: false });
    await duck.exec(createFactsTable('duckdb', '', 'facts_f'));
    pgc = new pg.Client({ connectionString: process.env.ZHISHU_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
    await pgc.connect();
    await pgc.query(createFactsTable('postgres', 'TEMP', 'facts_f'));
  });
  after(async () => {
    duck?.close();
    await pgc?.end();
  });

  it(`on ${RUNS} generated formulas × ${ROWS} generated rows (nulls, zero, negatives, huge values)`, async () => {
    // Moderate magnitudes: the fact columns are DECIMAL(18,2), and a benefit is stored as DECIMAL(18,2).
    const rows = fc.sample(
      rowArb.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [
            k,
            typeof v === 'string' && v.length > 14 && FACTS[k]?.type === 'decimal' ? '123456789.01' : v === 999999999999 ? 99999999 : v,
          ]),
        ),
      ),
      { numRuns: ROWS, seed: 11 },
    ) as FactRow[];
    await duck.exec(insertFactsSql('duckdb', rows.length, 'facts_f'), factRowParams(rows));
    await pgc.query(insertFactsSql('postgres', rows.length, 'facts_f'), factRowParams(rows));
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(formulaArb, async (source) => {
        const f = compileFormula('generated', source, PARAMS, TABLES);
        const mine = rows.map((r) => evaluateFormula(f, r));
        const d = formulaSql(f, 'duckdb');
        const dr = await duck.all<{ r: string | null }>(`SELECT (${d.sql})::VARCHAR AS r FROM facts_f ORDER BY id`, d.params);
        const p = formulaSql(f, 'postgres');
        const pr = await pgc.query<{ r: string | null }>(`SELECT (${p.sql})::TEXT AS r FROM facts_f ORDER BY id`, p.params);
        assert.deepEqual(
          dr.map((x) => x.r),
          mine,
          `DuckDB, ${source}`,
        );
        assert.deepEqual(
          pr.rows.map((x) => x.r),
          mine,
          `PostgreSQL, ${source}`,
        );
        compared += rows.length;
      }),
      { numRuns: RUNS, seed: 5 },
    );
    assert.equal(compared, RUNS * ROWS);
  });
});

describe('benefit formulas: checked at load time', () => {
  const bad = (source: string, reason: RegExp) =>
    assert.throws(
      () => compileFormula('p.x', source, PARAMS, TABLES),
      (e: unknown) => e instanceof RuleError && reason.test(e.reason),
    );
  it('refuses unknown facts and parameters, non-numeric facts, division and comparisons', () => {
    bad('employees * param("slpe.nope")', /unknown parameter 'slpe.nope'/);
    bad('staff * 2', /unknown fact 'staff'/);
    bad('district * 2', /fact 'district' is a string, not a number/);
    bad('quarterly_sales / 2', /'\/' is not allowed/);
    bad('quarterly_sales > 2', /'>' is not allowed/);
    bad('tax("iit.nope", quarterly_sales)', /unknown table parameter/);
    bad('coalesce(quarterly_sales)', /coalesce\(\) takes two or more values/);
  });

  it('coalesce() gives its first known value: a fact that is missing makes what is computed from it unknown, not 0', () => {
    const f = compileFormula('c', 'max(0, quarterly_sales - coalesce(employees * 1000, 0))', PARAMS, TABLES);
    assert.equal(evaluateFormula(f, { quarterly_sales: '5000.00', employees: 2 }), '3000.00');
    assert.equal(evaluateFormula(f, { quarterly_sales: '5000.00' }), '5000.00');
    assert.equal(evaluateFormula(f, { employees: 2 }), null);
  });

  it('tax() gives what the calculator’s bracket tables give, and a missing fact gives null', () => {
    const law = new LawAt(lawParameters(), parsePeriod('2026', 'period', ['year']), DEFAULT_SETTINGS);
    const rows = law.table('iit.businessTable').rows;
    const f = compileFormula('t', 'tax("iit.businessTable", business_income)', PARAMS, TABLES);
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 500_000_000 }), (fen) => {
        assert.equal(evaluateFormula(f, { business_income: formatYuan(fen) }), formatYuan(tableTax(rows, fen)));
      }),
    );
    assert.equal(evaluateFormula(f, {}), null);
    assert.equal(parseYuan(evaluateFormula(compileFormula('t', 'min(business_income, 5) * 0.333', PARAMS, TABLES), { business_income: '3' }) ?? ''), 100);
  });
});
