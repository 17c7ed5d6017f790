import fc from 'fast-check';
import { FACTS, type FactType, type Params } from '../../src/rules/facts.ts';
import type { FactRow } from '../../src/rules/interpret.ts';
import { type Dialect, factColumn, factSqlType, factTypesSql } from '../../src/rules/sql.ts';

/** Generators of rules (from the language's grammar) and fact rows, shared by the tests and the rules benchmark. */
export const NAMES = Object.keys(FACTS);
const ofType = (t: FactType) => NAMES.filter((n) => FACTS[n]?.type === t);

export const PARAMS: Params = {
  'slpe.maxEmployees': { type: 'int', value: 300, source: '财政部 税务总局公告2023年第12号' },
  'slpe.maxAssets': { type: 'decimal', value: '50000000', source: '财政部 税务总局公告2023年第12号' },
  'vat.smallScaleMonthlyThreshold': { type: 'decimal', value: '100000', source: '财政部 税务总局公告2023年第1号' },
  'test.district': { type: 'string', value: 'nanshan', source: 'test' },
  // Compared with literals only (a closed fact never holds it): quotes, comments and keywords must stay data.
  'test.note': { type: 'string', value: "fu'tian -- /* x */", source: 'test' },
  'test.since': { type: 'date', value: '2024-01-01', source: 'test' },
};

// ---------------------------------------------------------------- generated rules and rows

export const q = (s: string) => JSON.stringify(s); // a CEL string literal, escapes included
// Every string fact has a closed domain (facts.ts `values`): rules compare it with its own values only (the compiler
// refuses others), and rows hold those values. A few of each, so that rules and rows often meet.
export const valuesOf = (fact: string) => (FACTS[fact]?.values ?? []).slice(0, 5);
// Strings a rule may still hold: compared with each other and with a string parameter. Quotes, backslashes, comment
// markers, SQL keywords and non-ASCII must reach both engines as bound values.
const STRINGS = ['futian', '', '福田区', "fu'tian", 'x\\y', '-- c', '/* c */', "'; DROP TABLE facts_t; --", "fu'tian -- /* x */"];
const NUMBERS = ['0', '1', '-1', '300', '299', '301', '0.01', '100000', '99999.99', '100000.01', '50000000', '-0.5', '123456789012.34'];
const DATES = ['2019-12-31', '2020-01-01', '2024-01-01', '2025-06-30'];
const NUM_PARAMS = ['param("slpe.maxEmployees")', 'param("slpe.maxAssets")', 'param("vat.smallScaleMonthlyThreshold")'];

const numLit = fc.oneof(fc.constantFrom(...NUMBERS), fc.integer({ min: -100000, max: 100000 }).map(String), fc.constantFrom(...NUM_PARAMS));
const cmpOp = fc.constantFrom('==', '!=', '<', '<=', '>', '>=');
/** A condition on a fact, as eligibility rules are made of. */
export const factLeaf: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...ofType('int'), ...ofType('decimal')), cmpOp, numLit, fc.boolean())
    .map(([f, op, v, flip]) => (flip ? `${v} ${op} ${f}` : `${f} ${op} ${v}`)),
  fc
    .constantFrom(...ofType('string'))
    .chain((f) =>
      fc
        .tuple(
          fc.constantFrom('==', '!='),
          fc.oneof(fc.constantFrom(...valuesOf(f)).map(q), ...(f === 'district' ? [fc.constant('param("test.district")')] : [])),
        )
        .map(([op, v]) => `${f} ${op} ${v}`),
    ),
  fc
    .constantFrom(...ofType('string'))
    .chain((f) => fc.uniqueArray(fc.constantFrom(...valuesOf(f)), { minLength: 1, maxLength: 4 }).map((xs) => `${f} in [${xs.map(q).join(', ')}]`)),
  fc
    .tuple(fc.constantFrom(...ofType('int'), ...ofType('decimal')), fc.uniqueArray(fc.constantFrom(...NUMBERS), { minLength: 1, maxLength: 4 }))
    .map(([f, xs]) => `${f} in [${xs.join(', ')}]`),
  fc.tuple(fc.constantFrom(...ofType('bool')), fc.constantFrom('', ' == true', ' != false', ' == false')).map(([f, s]) => `${f}${s}`),
  fc
    .tuple(
      fc.constantFrom(...ofType('date')),
      cmpOp,
      fc.oneof(
        fc.constantFrom(...DATES).map((d) => `date("${d}")`),
        fc.constant('param("test.since")'),
      ),
    )
    .map(([f, op, d]) => `${f} ${op} ${d}`),
);
/** Any condition: one on a fact, or now and then strings compared with each other and with a string parameter. */
export const leaf: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: factLeaf, weight: 6 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...STRINGS.map(q), 'param("test.note")'), fc.constantFrom('==', '!='), fc.constantFrom(...STRINGS.map(q)))
      .map(([a, op, b]) => `${a} ${op} ${b}`),
    weight: 1,
  },
);
export const { rule: ruleSource } = fc.letrec<{ rule: string }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('rule'), tie('rule')).map(([a, b]) => `(${a} && ${b})`),
    fc.tuple(tie('rule'), tie('rule')).map(([a, b]) => `(${a} || ${b})`),
    tie('rule').map((a) => `!(${a})`),
  ),
}));

const factArb = (name: string): fc.Arbitrary<unknown> => {
  const t = FACTS[name]?.type as FactType;
  switch (t) {
    case 'int':
      return fc.oneof(fc.constantFrom(0, 1, -1, 299, 300, 301, 100000, 999999999999), fc.integer({ min: -100000, max: 100000 }));
    case 'decimal':
      return fc.oneof(
        fc.constantFrom(...NUMBERS, '9999999999999999.99'),
        fc.integer({ min: -10000000, max: 10000000 }).map((c) => (c / 100).toFixed(2)),
      );
    case 'string':
      return fc.constantFrom(...valuesOf(name));
    case 'bool':
      return fc.boolean();
    case 'date':
      return fc.constantFrom(...DATES, '2000-02-29', '2030-12-31');
  }
};
export const rowArb: fc.Arbitrary<FactRow> = fc.record(
  Object.fromEntries(NAMES.map((n) => [n, fc.option(factArb(n), { freq: 5, nil: null })])),
) as fc.Arbitrary<FactRow>;

// ---------------------------------------------------------------- a facts table on both engines

/**
 * A table with an `id` and one column per fact, in each engine's fact column types; on DuckDB the closed facts'
 * ENUM types are made first (a store has them from its migrations).
 */
export function createFactsTable(dialect: Dialect, temp: string, table: string): string {
  const types = dialect === 'duckdb' ? `${factTypesSql()}\n` : '';
  return `${types}CREATE ${temp} TABLE ${table} (id INTEGER, ${NAMES.map((n) => `${factColumn(n)} ${factSqlType(n, dialect)}`).join(', ')})`;
}

/** One INSERT of `rows` fact rows, every value bound (see factRowParams). */
export function insertFactsSql(dialect: Dialect, rows: number, table: string): string {
  const cols = NAMES.map((n) => factSqlType(n, dialect));
  const width = NAMES.length + 1;
  const tuples = Array.from(
    { length: rows },
    (_, r) => `(${[`CAST($${r * width + 1} AS INTEGER)`, ...cols.map((c, i) => `CAST($${r * width + i + 2} AS ${c})`)].join(', ')})`,
  );
  return `INSERT INTO ${table} VALUES ${tuples.join(', ')}`;
}

export const factRowParams = (rows: FactRow[]) =>
  rows.flatMap((row, i) => [String(i), ...NAMES.map((n) => (row[n] === null || row[n] === undefined ? null : String(row[n])))]);
