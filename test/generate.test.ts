import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { calibrationReport, generatedSource } from '../src/generate/calibration.ts';
import { generateCity, prepareGenerator } from '../src/generate/city.ts';
import { REDUCTION_CODES } from '../src/generate/reductionCodes.ts';
import { parseSettings } from '../src/generate/settings.ts';
import { entriesAt, loadCatalogue } from '../src/law/catalogue.ts';
import { SQL_TYPES, TABLES, type TableSpec, validateRecord } from '../src/model/index.ts';
import { evaluateFormula } from '../src/rules/formula.ts';
import { ident, literal, Store } from '../src/store/store.ts';

const N = 2000;
const M = 3;
const root = mkdtempSync(join(tmpdir(), 'zhishu-generate-test-'));
const dirA = join(root, 'a');
const dirB = join(root, 'b');
const dirC = join(root, 'c');
// a year that starts mid-quarter: the first quarterly return reads a month before the window
const dirY = join(root, 'y');
let store: Store;

function sha256s(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .sort()
      .map((f) => [
        f,
        createHash('sha256')
          .update(readFileSync(join(dir, f)))
          .digest('hex'),
      ]),
  );
}

/** A column as it appears in a JSON-form record: money and points as decimal strings, dates and timestamps as text, ints as numbers. */
function jsonExpr(spec: TableSpec, name: string): string {
  const col = spec.columns.find((c) => c.name === name);
  const q = ident(name);
  switch (col?.type.kind) {
    case 'date':
      return `strftime(${q}, '%Y-%m-%d') AS ${q}`;
    case 'timestamp':
      return `strftime(${q}, '%Y-%m-%d %H:%M:%S') AS ${q}`;
    case 'money':
    case 'points':
      return `${q}::VARCHAR AS ${q}`;
    case 'int':
      return `${q}::INTEGER AS ${q}`;
    default:
      return q;
  }
}

function filesOf(table: string): string[] {
  return readdirSync(dirA).filter((f) => (table === 'invoice' ? /^invoice-\d{4}-\d{2}\.parquet$/.test(f) : f === `${table}.parquet`));
}

before(async () => {
  await generateCity({ taxpayers: N, months: M, seed: 7 }, dirA);
  await generateCity({ taxpayers: N, months: M, seed: 7 }, dirB);
  await generateCity({ taxpayers: 3000, months: 12, seed: 3, start: '2025-11' }, dirY);
  await generateCity({ taxpayers: N, months: M, seed: 8 }, dirC);
  store = await Store.open(':memory:', { migrate: false, settings: { threads: '2' } });
});

after(() => {
  store?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('generateCity', () => {
  it('writes one file per table and one invoice file per month, named after the table', () => {
    const names = readdirSync(dirA).sort();
    assert.deepEqual(names, [
      'application.parquet',
      'cit_annual_info.parquet',
      'cit_quarter_info.parquet',
      'company_person.parquet',
      'credit_event.parquet',
      'employment_report.parquet',
      'enterprise_list.parquet',
      'filing.parquet',
      'filing_reduction.parquet',
      'hall_visit.parquet',
      'invoice-2025-10.parquet',
      'invoice-2025-11.parquet',
      'invoice-2025-12.parquet',
      'invoice_pickup.parquet',
      'invoice_quota.parquet',
      'payment.parquet',
      'taxpayer.parquet',
    ]);
  });

  it('is deterministic: the same seed gives byte-identical files, another seed different ones', () => {
    const a = sha256s(dirA);
    const b = sha256s(dirB);
    const c = sha256s(dirC);
    assert.deepEqual([...a.entries()], [...b.entries()]);
    for (const [file, hash] of a) assert.notEqual(c.get(file), hash, `${file} should differ with another seed`);
  });

  it('writes plausible row counts for a small city', async () => {
    const count = async (t: string) => Number((await store.one<{ n: string }>(`SELECT count(*) AS n FROM ${generatedSource(dirA, t)}`)).n);
    assert.equal(await count('taxpayer'), N);
    const persons = await count('company_person');
    assert.ok(persons >= 2 * N && persons <= 3 * N, `company_person ${persons}`);
    const taxpayerMonths = await count('invoice_quota');
    assert.ok(taxpayerMonths > 0.95 * N * M && taxpayerMonths <= N * M, `invoice_quota ${taxpayerMonths}`);
    const perMonth = (await count('invoice')) / taxpayerMonths;
    assert.ok(perMonth > 4 && perMonth < 14, `invoices per taxpayer-month ${perMonth}`);
    const filings = await count('filing');
    assert.ok(filings > 1.2 * N * M && filings < 4 * N * M, `filing ${filings}`);
    const payments = await count('payment');
    assert.ok(payments > 0.2 * filings && payments < filings, `payment ${payments}`);
    const visits = await count('hall_visit');
    assert.ok(visits > 0.02 * N * M && visits < 0.08 * N * M, `hall_visit ${visits}`);
    for (const t of ['filing_reduction', 'invoice_pickup', 'credit_event', 'application']) assert.ok((await count(t)) > 0, `${t} is empty`);
  });

  it('writes the columns of 001_domain.sql in order, with its types', async () => {
    for (const spec of TABLES) {
      for (const file of filesOf(spec.name)) {
        const cols = await store.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet(${literal(join(dirA, file))})`);
        assert.deepEqual(
          cols.map((c) => c.column_name),
          spec.columns.map((c) => c.name),
          `${file} columns`,
        );
        for (const [i, c] of spec.columns.entries()) {
          const expected = c.type.kind === 'json' ? 'VARCHAR' : SQL_TYPES[c.type.kind];
          assert.equal(cols[i]?.column_type, expected, `${file}.${c.name} type`);
        }
      }
    }
  });

  it('passes every column rule, row check and natural key of the model, in SQL over all rows', async () => {
    for (const spec of TABLES) {
      const src = generatedSource(dirA, spec.name);
      const problems: string[] = [];
      for (const col of spec.columns) {
        const q = ident(col.name);
        const t = col.type;
        const conds: string[] = [];
        if (col.required) conds.push(`${q} IS NULL`);
        if (t.kind === 'creditCode') conds.push(`credit_code_problem(${q}) IS NOT NULL`);
        if (t.kind === 'industry') conds.push(`industry_problem(${q}) IS NOT NULL`);
        if (t.kind === 'enum') conds.push(`${q} NOT IN (${t.values.map(literal).join(', ')})`);
        if (t.kind === 'text') {
          conds.push(`length(${q}) NOT BETWEEN 1 AND ${t.max}`);
          if (t.pattern) conds.push(`NOT regexp_full_match(${q}, ${literal(t.pattern)})`);
        }
        if (t.kind === 'int') {
          conds.push(`${q} < ${t.min}`);
          if (t.max !== undefined) conds.push(`${q} > ${t.max}`);
        }
        if (t.kind === 'money' || t.kind === 'points') conds.push(`${q} < 0`);
        if (t.kind === 'json') conds.push(`NOT json_valid(${q})`);
        if (t.kind === 'date') conds.push(`${q} NOT BETWEEN DATE '1949-10-01' AND DATE '2099-12-31'`);
        if (conds.length === 0) continue;
        const bad = await store.one<{ n: string }>(`SELECT count(*) AS n FROM ${src} WHERE ${conds.map((c) => `coalesce(${c}, false)`).join(' OR ')}`);
        if (Number(bad.n) > 0) problems.push(`${spec.name}.${col.name}: ${bad.n} bad values`);
      }
      for (const check of spec.checks) {
        const bad = await store.one<{ n: string }>(`SELECT count(*) AS n FROM ${src} WHERE NOT coalesce((${check.sql}), true)`);
        if (Number(bad.n) > 0) problems.push(`${spec.name} check on ${check.field}: ${bad.n} rows (${check.reason})`);
      }
      const key = spec.naturalKey.map(ident).join(', ');
      const dup = await store.one<{ n: string }>(`SELECT count(*) - count(DISTINCT (${key})) AS n FROM ${src}`);
      if (Number(dup.n) > 0) problems.push(`${spec.name}: ${dup.n} duplicate natural keys (${spec.naturalKey.join(', ')})`);
      for (const col of spec.columns.filter((c) => c.refTaxpayer)) {
        const orphan = await store.one<{ n: string }>(
          `SELECT count(*) AS n FROM ${src} x WHERE ${ident(col.name)} NOT IN (SELECT credit_code FROM ${generatedSource(dirA, 'taxpayer')})`,
        );
        if (Number(orphan.n) > 0) problems.push(`${spec.name}.${col.name}: ${orphan.n} codes not on the taxpayer roll`);
      }
      assert.deepEqual(problems, [], problems.join('\n'));
    }
  });

  it('passes validateRecord on a sample of every file, as JSON-form records', async () => {
    for (const spec of TABLES) {
      for (const file of filesOf(spec.name)) {
        const select = spec.columns.map((c) => jsonExpr(spec, c.name)).join(', ');
        const sample = await store.all(`SELECT ${select} FROM read_parquet(${literal(join(dirA, file))}) USING SAMPLE 200 ROWS (reservoir, 42)`);
        assert.ok(sample.length > 0, `${file} sample is empty`);
        for (const record of sample) {
          const clean = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null));
          const problems = validateRecord(spec, clean);
          assert.deepEqual(problems, [], `${file}: ${JSON.stringify(record)}`);
        }
      }
    }
  });

  it('dues returns on the published deadline of the month where the settings give one, else on the 15th moved past a weekend', async () => {
    const s = await Store.open(':memory:', { migrate: false, settings: { threads: '1' } });
    try {
      // 2029-03 lies beyond the calendar lists (m = 40 > months + 13): computed, not looked up.
      await prepareGenerator(s, parseSettings({ taxpayers: 10, months: 12, start: '2025-10', filingDeadlines: ['2026-10-26', '2026-01-20', '2029-03-19'] }));
      const rows = await s.all<{ m: number; due: string }>(
        `SELECT m::INTEGER AS m, mdue(m)::VARCHAR AS due FROM (VALUES (0), (2), (3), (11), (39), (40)) v(m) ORDER BY m`,
      );
      assert.deepEqual(
        rows.map((r) => [r.m, r.due]),
        [
          [0, '2025-11-17'],
          [2, '2026-01-20'],
          [3, '2026-02-16'],
          [11, '2026-10-26'],
          [39, '2029-02-15'],
          [40, '2029-03-19'],
        ],
        'October 2025 is due on Monday 17 November (the 15th a Saturday), December on the published 20 January, January 2026 on Monday 16 February (none published here)',
      );
    } finally {
      s.close();
    }
    assert.throws(() => parseSettings({ filingDeadlines: ['2026-10-14'] }), /on the 15th or later/);
    assert.throws(() => parseSettings({ filingDeadlines: ['2026-10-26', '2026-10-27'] }), /one deadline per month/);
  });

  it('looks months up in its calendar lists exactly as it computes them, inside and outside the lists', async () => {
    const s = await Store.open(':memory:', { migrate: false, settings: { threads: '1' } });
    try {
      await prepareGenerator(s, parseSettings({ taxpayers: 10, months: 5, start: '2025-11' }));
      const bad = await s.all<{ m: string }>(`
        SELECT m FROM range(-40, 45) r(m)
        WHERE mstart(m) <> mstart_of(m) OR mend(m) <> (mstart_of(m + 1) - 1)::DATE
          OR mdays(m) <> datediff('day', mstart_of(m), mstart_of(m + 1))
          OR mmonth(m) <> month(mstart_of(m)) OR myear(m) <> year(mstart_of(m))
          OR mdue(m) <> due_after((mstart_of(m + 1) - 1)::DATE)
          OR mstart(m) IS NULL OR mdue(m) IS NULL`);
      assert.deepEqual(bad, []);
      // the lists cover m = -12 .. months + 13; the months outside were computed, not looked up
      assert.equal(Number((await s.one<{ n: string }>(`SELECT len(getvariable('cal_start')) AS n`)).n), 12 + 5 + 15);
    } finally {
      s.close();
    }
  });

  it('halves the surcharges of a general-taxpayer enterprise by the annual return that counts for the quarter, its income, head count and assets, not the year so far', async () => {
    // The reference reads the generated annual returns as the facts do (国家税务总局公告2022年第3号;
    // 财政部 税务总局公告2022年第10号 第三条): from the second quarter the return of the year before, in the
    // first that of two years before, with the head count and assets it reports (cit_annual_info); an
    // enterprise registered in that year or later by its first return once filed by the quarter's end,
    // until then on head count and assets at the quarter's end, as the latest prepayment return reports them.
    const info = generatedSource(dirY, 'cit_annual_info');
    const rows = await store.all<{ halved: boolean; within: boolean | null; n: string }>(`
      WITH s0 AS (
        SELECT credit_code, period_end, (date_trunc('quarter', period_end) + INTERVAL 3 MONTH - INTERVAL 1 DAY)::DATE AS qend
        FROM ${generatedSource(dirY, 'filing')} WHERE tax_type = 'surcharges' AND filed_on IS NOT NULL AND tax_base > 0
      ), s AS (
        SELECT *, make_date(year(qend) - CASE WHEN month(qend) >= 6 THEN 1 ELSE 2 END, 12, 31) AS annual_end FROM s0
      ), a AS (
        SELECT credit_code, r.period_end AS annual_end, filed_on, tax_base, i.employees AS ae, i.total_assets AS aa
        FROM ${generatedSource(dirY, 'filing')} r LEFT JOIN ${info} i USING (credit_code, period_start, period_end) WHERE tax_type = 'citAnnual'
      ), f AS (
        SELECT credit_code, annual_end AS period_end, filed_on, tax_base, ae, aa FROM a
      ), qe AS (
        SELECT s.credit_code, s.period_end, arg_max(q.employees_end, q.period_end) AS qe, arg_max(q.assets_end, q.period_end) AS qa
        FROM s JOIN ${generatedSource(dirY, 'cit_quarter_info')} q ON q.credit_code = s.credit_code AND q.period_end <= s.qend
          AND q.period_end >= make_date(year(s.annual_end), 1, 1)
        GROUP BY ALL
      ), red AS (
        SELECT DISTINCT credit_code, period_end FROM ${generatedSource(dirY, 'filing_reduction')}
        WHERE tax_type = 'surcharges' AND reduction_code = ${literal(REDUCTION_CODES.surchargeHalving)}
      ), claimers AS (SELECT DISTINCT credit_code FROM ${generatedSource(dirY, 'filing_reduction')})
      SELECT red.credit_code IS NOT NULL AS halved,
        CASE WHEN t.registered_on < make_date(year(s.annual_end), 1, 1) OR (t.registered_on <= s.annual_end AND a.filed_on <= s.qend)
               -- a return not filed (an abnormal taxpayer's) reports nothing: the registered figures stand in
               THEN coalesce(a.ae, t.employees) <= 300 AND coalesce(a.aa, t.total_assets) <= 50000000 AND a.tax_base <= 3000000
             WHEN f.credit_code IS NOT NULL THEN f.ae <= 300 AND f.aa <= 50000000 AND f.tax_base <= 3000000
             ELSE coalesce(qe.qe, t.employees) <= 300 AND coalesce(qe.qa, t.total_assets) <= 50000000 END AS within,
        count(*) AS n
      FROM s JOIN ${generatedSource(dirY, 'taxpayer')} t USING (credit_code) JOIN claimers USING (credit_code)
      LEFT JOIN a USING (credit_code, annual_end) LEFT JOIN red USING (credit_code, period_end) LEFT JOIN qe USING (credit_code, period_end)
      LEFT JOIN f ON f.credit_code = s.credit_code AND f.period_end > s.annual_end AND f.period_end < date_trunc('year', s.qend)
        AND f.filed_on <= s.qend
      WHERE t.kind = 'enterprise' AND t.vat_status = 'general'
      GROUP BY ALL ORDER BY ALL`);
    const count = (halved: boolean, within: boolean | null) => Number(rows.find((r) => r.halved === halved && r.within === within)?.n ?? 0);
    assert.equal(count(true, null) + count(false, null), 0, `every return has the annual return it is judged by: ${JSON.stringify(rows)}`);
    assert.ok(count(true, true) > 100, `halved returns: ${JSON.stringify(rows)}`);
    assert.ok(count(false, false) > 0, `some general enterprises are not small low-profit by their annual return: ${JSON.stringify(rows)}`);
    assert.equal(count(true, false), 0, 'halved beyond the limits');
    assert.equal(count(false, true), 0, 'within the limits but not halved');
  });

  it("exempts a claimer's education surcharges exactly in its months within 100,000 and quarters within 300,000, and halves what the exemption leaves", async () => {
    // 财税〔2016〕12号 第一条 (the amount itself included), then 财政部 税务总局公告2023年第12号 第三条 on the rest:
    // the surcharges return's base is the VAT payable, each levy rounded on its own (7 % + 3 % + 2 %).
    const rows = await store.all<{ exempt: boolean; within: boolean; n: string; wrong: string }>(`
      WITH s AS (
        SELECT f.credit_code, f.period_start, f.period_end, f.tax_base AS vat, f.tax_payable AS paid,
          -- small-scale taxpayers file by the quarter, even the quarter they register in, whose return may
          -- cover its last month alone (since their returns under the line carry the VAT of their special
          -- invoices, such returns are among these)
          v.tax_base AS sales, t.vat_status <> 'general' AS quarterly
        FROM ${generatedSource(dirY, 'filing')} f
        JOIN ${generatedSource(dirY, 'filing')} v ON v.credit_code = f.credit_code AND v.tax_type = 'vat' AND v.period_end = f.period_end
        JOIN ${generatedSource(dirY, 'taxpayer')} t ON t.credit_code = f.credit_code
        WHERE f.tax_type = 'surcharges' AND f.filed_on IS NOT NULL AND f.tax_base > 0
      ), red AS (
        SELECT credit_code, period_end, sum(amount) FILTER (WHERE reduction_code = ${literal(REDUCTION_CODES.educationSurchargeExemption)}) AS edu,
          sum(amount) FILTER (WHERE reduction_code = ${literal(REDUCTION_CODES.surchargeHalving)}) AS halved
        FROM ${generatedSource(dirY, 'filing_reduction')} WHERE tax_type = 'surcharges' GROUP BY ALL
      ), claimers AS (SELECT DISTINCT credit_code FROM ${generatedSource(dirY, 'filing_reduction')})
      SELECT red.edu IS NOT NULL AS exempt, s.sales <= CASE WHEN quarterly THEN 300000 ELSE 100000 END AS within, count(*) AS n,
        count(*) FILTER (WHERE red.edu IS NOT NULL AND (
          red.edu <> round(vat * 0.03, 2) + round(vat * 0.02, 2)
          OR paid <> CASE WHEN red.halved IS NULL THEN round(vat * 0.07, 2) ELSE round(round(vat * 0.07, 2) * 0.5, 2) END)) AS wrong
      FROM s JOIN claimers USING (credit_code) LEFT JOIN red USING (credit_code, period_end)
      GROUP BY ALL ORDER BY ALL`);
    const count = (exempt: boolean, within: boolean) => Number(rows.find((r) => r.exempt === exempt && r.within === within)?.n ?? 0);
    assert.ok(count(true, true) > 100, `exempt returns: ${JSON.stringify(rows)}`);
    assert.ok(count(false, false) > 100, `returns over the line: ${JSON.stringify(rows)}`);
    assert.equal(count(true, false), 0, 'exempt over the line');
    assert.equal(count(false, true), 0, 'within the line but not exempt');
    assert.equal(
      rows.reduce((a, r) => a + Number(r.wrong), 0),
      0,
      `the exemption is the two levies, and what is paid the urban maintenance tax, halved or not: ${JSON.stringify(rows)}`,
    );
  });

  it("puts part of a small-scale return's sales on special invoices, which a claimer under the line pays 1 % on and claims no exemption for", async () => {
    // 国家税务总局公告2023年第1号 第四条、第五条 (2026年第4号 the same): the exemption waived for the sales put on
    // special invoices, which pay the 1 % rate; the rest exempt, the exemption worth the 3 % levy on it.
    const rows = await store.all<{ claims: boolean; within: boolean; n: string; with_special: string; wrong: string }>(`
      WITH v AS (
        SELECT f.*, t.vat_status FROM ${generatedSource(dirY, 'filing')} f JOIN ${generatedSource(dirY, 'taxpayer')} t USING (credit_code)
        WHERE f.tax_type = 'vat' AND f.filed_on IS NOT NULL
      ), red AS (
        SELECT credit_code, period_end, sum(amount) FILTER (WHERE reduction_code = ${literal(REDUCTION_CODES.vatSmallScaleExemption)}) AS exempt,
          sum(amount) FILTER (WHERE reduction_code = ${literal(REDUCTION_CODES.vatSmallScaleRateCut)}) AS cut
        FROM ${generatedSource(dirY, 'filing_reduction')} WHERE tax_type = 'vat' GROUP BY ALL
      ), claimers AS (SELECT DISTINCT credit_code, true AS claims FROM ${generatedSource(dirY, 'filing_reduction')})
      SELECT coalesce(claims, false) AS claims, tax_base <= 300000 AS within, count(*) AS n,
        count(*) FILTER (WHERE special_invoice_sales > 0) AS with_special,
        count(*) FILTER (WHERE special_invoice_sales IS NULL OR special_invoice_sales > tax_base
          OR (claims AND tax_base <= 300000 AND (tax_payable <> round(special_invoice_sales * 0.01, 2)
            OR coalesce(red.exempt, 0) <> round((tax_base - special_invoice_sales) * 0.03, 2)
            OR coalesce(red.cut, 0) <> round(special_invoice_sales * 0.02, 2)))
          OR (claims AND tax_base > 300000 AND (tax_payable <> round(tax_base * 0.01, 2) OR red.exempt IS NOT NULL))) AS wrong
      FROM v LEFT JOIN claimers USING (credit_code) LEFT JOIN red USING (credit_code, period_end)
      WHERE vat_status = 'smallScale' AND tax_base > 0
      GROUP BY ALL ORDER BY ALL`);
    const row = (claims: boolean, within: boolean) => rows.find((r) => r.claims === claims && r.within === within);
    assert.ok(Number(row(true, true)?.with_special ?? 0) > 100, `claimers' returns under the line with special invoices: ${JSON.stringify(rows)}`);
    assert.ok(Number(row(true, false)?.n ?? 0) > 10, `claimers' returns over the line: ${JSON.stringify(rows)}`);
    assert.equal(
      rows.reduce((a, r) => a + Number(r.wrong), 0),
      0,
      `special-invoice sales within the sales; under the line 1 % on them and the exemption on the rest: ${JSON.stringify(rows)}`,
    );
    const others = await store.one<{
      n: string;
    }>(`SELECT count(*) AS n FROM ${generatedSource(dirY, 'filing')} f JOIN ${generatedSource(dirY, 'taxpayer')} t USING (credit_code)
      WHERE special_invoice_sales IS NOT NULL AND (f.tax_type <> 'vat' OR t.vat_status = 'general')`);
    assert.equal(Number(others.n), 0, 'only small-scale VAT returns say what went on special invoices');
  });

  it('charges CIT at the small low-profit rate exactly when the profit of the year so far is within the limit', async () => {
    // The reference is a window over the generated returns, as the rule reads (国家税务总局公告2023年第6号):
    // income from the start of the year (or of the window) to the end of the quarter, with head count and
    // assets averaged over the same quarters as the returns report them (cit_quarter_info), as the facts do.
    const rows = await store.all<{ claimed: boolean; within: boolean; n: string }>(`
      WITH cit AS (
        SELECT credit_code, period_end, tax_base, tax_payable,
          sum(tax_base) OVER (PARTITION BY credit_code, year(period_end) ORDER BY period_end) AS ytd
        FROM ${generatedSource(dirY, 'filing')} WHERE tax_type = 'cit' AND filed_on IS NOT NULL AND tax_base > 0
      ), avg AS (
        SELECT credit_code, period_end, sum(employees_start) OVER w + sum(employees_end) OVER w AS e,
          sum(assets_start) OVER w + sum(assets_end) OVER w AS a, count(*) OVER w AS k
        FROM ${generatedSource(dirY, 'cit_quarter_info')}
        WINDOW w AS (PARTITION BY credit_code, year(period_end) ORDER BY period_end)
      ), red AS (
        SELECT credit_code, period_end, bool_or(reduction_code = ${literal(REDUCTION_CODES.citSmallLowProfit)}) AS slpe
        FROM ${generatedSource(dirY, 'filing_reduction')} WHERE tax_type = 'cit' GROUP BY ALL
      ), claimers AS (SELECT DISTINCT credit_code FROM ${generatedSource(dirY, 'filing_reduction')})
      SELECT coalesce(red.slpe, false) AS claimed,
        avg.e <= 600 * avg.k AND avg.a <= 100000000 * avg.k AND cit.ytd <= 3000000 AS within, count(*) AS n
      FROM cit JOIN avg USING (credit_code, period_end) JOIN ${generatedSource(dirY, 'taxpayer')} t USING (credit_code) JOIN claimers USING (credit_code)
      LEFT JOIN red USING (credit_code, period_end)
      WHERE t.kind = 'enterprise' AND NOT t.high_tech
      GROUP BY ALL ORDER BY ALL`);
    const count = (claimed: boolean, within: boolean) => Number(rows.find((r) => r.claimed === claimed && r.within === within)?.n ?? 0);
    assert.ok(count(true, true) > 100, `returns at the reduced rate: ${JSON.stringify(rows)}`);
    assert.ok(count(false, false) > 0, `some claiming enterprises must pass the limits in the year: ${JSON.stringify(rows)}`);
    assert.equal(count(true, false), 0, 'claimed the small low-profit rate beyond the limits');
    assert.equal(count(false, true), 0, 'within the limits but not at the small low-profit rate');
  });

  it('files an annual CIT return for every enterprise and year before the window’s last, claimed and paid on the prepayments', async () => {
    // The window of dirY starts in 2025-10: the returns of 2024 (filed in 2025, before it) and 2025.
    const rows = await store.all<{ y: number; n: string; bad: string; unfiled: string; over: string }>(`
      WITH a AS (SELECT * FROM ${generatedSource(dirY, 'filing')} WHERE tax_type = 'citAnnual'),
      t AS (SELECT * FROM ${generatedSource(dirY, 'taxpayer')})
      SELECT year(a.period_end) AS y, count(*) AS n,
        count(*) FILTER (WHERE t.kind <> 'enterprise' OR t.registered_on > a.period_end OR month(a.period_end) <> 12 OR day(a.period_end) <> 31
          OR a.period_start <> greatest(make_date(year(a.period_end), 1, 1), t.registered_on) OR a.tax_base < 0
          OR (a.filed_on IS NOT NULL AND a.filed_on <= a.period_end)) AS bad,
        count(*) FILTER (WHERE a.filed_on IS NULL) AS unfiled,
        count(*) FILTER (WHERE a.tax_base > 3000000) AS over
      FROM a JOIN t USING (credit_code) GROUP BY ALL ORDER BY 1`);
    assert.deepEqual(
      rows.map((r) => Number(r.y)),
      [2024, 2025],
    );
    for (const r of rows) assert.equal(Number(r.bad), 0, `${r.y}: returns of enterprises registered by the year's end, for the year from registration`);
    const expected = await store.all<{ y: number; n: string }>(`
      SELECT y, count(*) AS n FROM ${generatedSource(dirY, 'taxpayer')}, (VALUES (2024), (2025)) v(y)
      WHERE kind = 'enterprise' AND registered_on <= make_date(y, 12, 31) GROUP BY y ORDER BY y`);
    assert.deepEqual(
      rows.map((r) => Number(r.n)),
      expected.map((r) => Number(r.n)),
      'one return per enterprise and year',
    );
    assert.ok(
      rows.every((r) => Number(r.over) > 0),
      'some enterprises are over 3,000,000 on their annual return',
    );
    // A window that starts in the first quarter reads, for it, the return of two years before: it is generated too.
    const early = join(root, 'early');
    await generateCity({ taxpayers: 200, months: 2, seed: 4, start: '2026-02' }, early);
    const years = await store.all<{ y: number }>(
      `SELECT DISTINCT year(period_end) AS y FROM ${generatedSource(early, 'filing')} WHERE tax_type = 'citAnnual' ORDER BY 1`,
    );
    assert.deepEqual(
      years.map((r) => Number(r.y)),
      [2024, 2025],
    );
    const extra = await store.one<{ red: string; pay: string }>(`
      SELECT (SELECT count(*) FROM ${generatedSource(dirY, 'filing_reduction')} WHERE tax_type = 'citAnnual') AS red,
        (SELECT count(*) FROM ${generatedSource(dirY, 'payment')} WHERE tax_type = 'citAnnual') AS pay`);
    assert.deepEqual([Number(extra.red), Number(extra.pay)], [0, 0], 'the year is claimed and paid on the prepayments');
  });

  it('prepays IIT on business income quarterly and claims exactly the individual-business halving the catalogue computes', async () => {
    // The year so far as the facts read it: the business-income returns of the calendar year (in the window) to this one.
    const rows = await store.all<{ kind: string; period_end: string; ytd: string; q: string; claimed: string | null; filed: boolean }>(`
      WITH r AS (
        SELECT credit_code, period_end, tax_base, filed_on IS NOT NULL AS filed,
          sum(tax_base) OVER (PARTITION BY credit_code, year(period_end) ORDER BY period_end) AS ytd
        FROM ${generatedSource(dirY, 'filing')} WHERE tax_type = 'iitBusiness'
      ), red AS (
        SELECT credit_code, period_end, sum(amount) AS amount FROM ${generatedSource(dirY, 'filing_reduction')}
        WHERE tax_type = 'iitBusiness' AND reduction_code = ${literal(REDUCTION_CODES.iitIndividualBusinessHalving)} GROUP BY ALL
      )
      SELECT t.kind, r.period_end::VARCHAR AS period_end, r.ytd::VARCHAR AS ytd, r.tax_base::VARCHAR AS q, red.amount::VARCHAR AS claimed, r.filed
      FROM r JOIN ${generatedSource(dirY, 'taxpayer')} t USING (credit_code) LEFT JOIN red USING (credit_code, period_end)`);
    assert.ok(rows.length > 500, `${rows.length} business-income returns`);
    assert.ok(
      rows.every((r) => r.kind !== 'enterprise'),
      'only individual businesses, sole proprietorships and partnerships',
    );
    const catalogue = loadCatalogue('law');
    let claims = 0;
    for (const r of rows) {
      if (r.claimed === null) continue;
      claims++;
      assert.equal(r.kind, 'individualBusiness', 'only individual businesses are halved');
      const policy = entriesAt(catalogue, r.period_end).find((x) => x.entry.id === 'iit.individualBusinessHalving');
      assert.ok(policy?.benefit, `the halving is in force on ${r.period_end}`);
      const estimate = evaluateFormula(policy.benefit, { business_income: r.ytd, quarterly_business_income: r.q });
      assert.equal(r.claimed, estimate, `claimed on the return ending ${r.period_end} (${r.q} of ${r.ytd} in the year)`);
    }
    assert.ok(claims > 200, `${claims} quarters halved`);
    const unclaimed = rows.filter((r) => r.kind === 'individualBusiness' && r.filed && r.claimed === null && Number(r.q) > 0).length;
    assert.ok(unclaimed > 0, 'some individual businesses leave the halving unclaimed (the ledger counts it missed)');
  });

  it('reports other departments’ data for enterprises only, within their staff; listed enterprises are C39 or C34 and do R&D', async () => {
    const emp = await store.one<{ n: string; bad: string; kinds: string }>(`
      SELECT count(*) AS n, count(*) FILTER (WHERE NOT starts_with(e.credit_code, '91') OR e.headcount < 1 OR e.headcount > t.employees
          OR e.year NOT IN (2025, 2026) OR year(e.reported_on) <> e.year) AS bad,
        count(DISTINCT e.kind) AS kinds
      FROM ${generatedSource(dirY, 'employment_report')} e JOIN ${generatedSource(dirY, 'taxpayer')} t USING (credit_code)`);
    assert.ok(Number(emp.n) > 100, `${emp.n} employment reports`);
    assert.equal(Number(emp.kinds), 3, 'disabled employees, key-group and veteran hires');
    assert.equal(Number(emp.bad), 0);
    const listed = await store.one<{ n: string; bad: string }>(`
      SELECT count(*) AS n, count(*) FILTER (WHERE t.kind <> 'enterprise' OR t.rnd_expense <= 0
          OR (l.list = 'integratedCircuit') <> (t.industry = 'C39') OR (l.list = 'industrialMotherMachine') <> (t.industry = 'C34')
          OR l.valid_from < t.registered_on OR year(l.valid_from) <> year(l.valid_to)) AS bad
      FROM ${generatedSource(dirY, 'enterprise_list')} l JOIN ${generatedSource(dirY, 'taxpayer')} t USING (credit_code)`);
    assert.ok(Number(listed.n) > 0, 'some enterprises are listed');
    assert.equal(Number(listed.bad), 0);
  });

  it('reports head count and assets at the quarter’s start and end on every filed CIT return, one boundary one figure, near the registered ones', async () => {
    const info = generatedSource(dirY, 'cit_quarter_info');
    const filing = generatedSource(dirY, 'filing');
    const counts = await store.one<{ n: string; filed: string; orphans: string; stray: string; broken: string; moved: string }>(`
      SELECT (SELECT count(*) FROM ${info}) AS n,
        (SELECT count(*) FROM ${filing} WHERE tax_type = 'cit' AND filed_on IS NOT NULL) AS filed,
        (SELECT count(*) FROM ${info} i ANTI JOIN ${filing} f ON f.credit_code = i.credit_code AND f.tax_type = 'cit'
          AND f.period_start = i.period_start AND f.period_end = i.period_end AND f.filed_on IS NOT NULL) AS orphans,
        -- Within ± 5 % (half the default spread) of the registered figures, give or take the rounding.
        (SELECT count(*) FROM ${info} i JOIN ${generatedSource(dirY, 'taxpayer')} t USING (credit_code)
          WHERE abs(i.employees_start - t.employees) > t.employees * 0.05 + 0.5 OR abs(i.employees_end - t.employees) > t.employees * 0.05 + 0.5
            OR abs(i.assets_start - t.total_assets) > t.total_assets * 0.05 + 0.01 OR abs(i.assets_end - t.total_assets) > t.total_assets * 0.05 + 0.01) AS stray,
        -- A quarter's end and the next one's start are the same moment: the same figures.
        (SELECT count(*) FROM ${info} a JOIN ${info} b ON b.credit_code = a.credit_code AND b.period_start = a.period_end + 1
          WHERE b.employees_start <> a.employees_end OR b.assets_start <> a.assets_end) AS broken,
        (SELECT count(*) FROM ${info} i JOIN ${generatedSource(dirY, 'taxpayer')} t USING (credit_code)
          WHERE i.assets_start <> t.total_assets AND i.assets_end <> i.assets_start) AS moved`);
    assert.ok(Number(counts.n) > 1000, `${counts.n} quarters reported`);
    assert.equal(counts.n, counts.filed, 'one report for each filed CIT return');
    assert.equal(Number(counts.orphans), 0, 'no report without its filed return');
    assert.equal(Number(counts.stray), 0);
    assert.equal(Number(counts.broken), 0);
    assert.ok(Number(counts.moved) > Number(counts.n) / 2, `${counts.moved} quarters whose assets moved from the registered figure and within the quarter`);
  });

  it('reports on every filed annual CIT return the year’s quarter averages of the figures the prepayment returns report', async () => {
    const info = generatedSource(dirY, 'cit_annual_info');
    const filing = generatedSource(dirY, 'filing');
    const counts = await store.one<{ n: string; filed: string; orphans: string; stray: string; checked: string; differ: string }>(`
      SELECT (SELECT count(*) FROM ${info}) AS n,
        (SELECT count(*) FROM ${filing} WHERE tax_type = 'citAnnual' AND filed_on IS NOT NULL) AS filed,
        (SELECT count(*) FROM ${info} i ANTI JOIN ${filing} f ON f.credit_code = i.credit_code AND f.tax_type = 'citAnnual'
          AND f.period_start = i.period_start AND f.period_end = i.period_end AND f.filed_on IS NOT NULL) AS orphans,
        (SELECT count(*) FROM ${info} i JOIN ${generatedSource(dirY, 'taxpayer')} t USING (credit_code)
          WHERE abs(i.employees - t.employees) > t.employees * 0.05 + 1 OR abs(i.total_assets - t.total_assets) > t.total_assets * 0.05 + 0.01) AS stray,
        -- The window begins in 2025-10: of 2025, the prepayment return of the fourth quarter is in it, and for an
        -- enterprise registered in that quarter it is the year's one quarter, so the two must agree.
        (SELECT count(*) FROM ${info} i JOIN ${generatedSource(dirY, 'cit_quarter_info')} q
          ON q.credit_code = i.credit_code AND q.period_start = i.period_start AND q.period_end = i.period_end) AS checked,
        (SELECT count(*) FROM ${info} i JOIN ${generatedSource(dirY, 'cit_quarter_info')} q
          ON q.credit_code = i.credit_code AND q.period_start = i.period_start AND q.period_end = i.period_end
          WHERE i.employees <> (q.employees_start + q.employees_end + 1) // 2
             OR i.total_assets <> ceil((q.assets_start + q.assets_end) * 50) / 100) AS differ`);
    assert.ok(Number(counts.n) > 1000, `${counts.n} annual returns report figures`);
    assert.equal(counts.n, counts.filed, 'one report for each filed annual return');
    assert.equal(Number(counts.orphans), 0, 'no report without its filed return');
    assert.equal(Number(counts.stray), 0, 'the year’s averages stay within the spread of the registered figures');
    assert.ok(Number(counts.checked) > 0, 'some enterprises registered in the window’s first quarter filed their first annual return');
    assert.equal(Number(counts.differ), 0, 'the annual figures are the quarter averages, rounded up');
  });

  it('keeps cross-table stories consistent', async () => {
    const inv = generatedSource(dirA, 'invoice');
    const red = await store.one<{ n: string; bad: string }>(`
      SELECT count(*) AS n, count(*) FILTER (WHERE o.invoice_number IS NULL OR o.issuer_code <> r.issuer_code OR o.amount <> r.amount
        OR o.issued_on > r.issued_on OR o.status <> 'normal') AS bad
      FROM ${inv} r LEFT JOIN ${inv} o ON o.invoice_number = r.reverses_number WHERE r.status = 'red'`);
    assert.ok(Number(red.n) > 0, 'no red-letter invoices');
    assert.equal(Number(red.bad), 0, 'red-letter invoices must reverse an earlier normal invoice of the same issuer with the same amount');
    const pay = await store.one<{ bad: string }>(`
      SELECT count(*) AS bad FROM ${generatedSource(dirA, 'payment')} p
      LEFT JOIN ${generatedSource(dirA, 'filing')} f USING (credit_code, tax_type, period_start, period_end)
      WHERE f.filed_on IS NULL OR p.amount <> f.tax_payable OR p.paid_on < f.filed_on`);
    assert.equal(Number(pay.bad), 0, 'payments must match a filed return');
    const quota = await store.one<{ bad: string }>(`SELECT count(*) AS bad FROM ${generatedSource(dirA, 'invoice_quota')} WHERE day(month) <> 1`);
    assert.equal(Number(quota.bad), 0);
    const due = await store.one<{ bad: string }>(`
      SELECT count(*) AS bad FROM ${generatedSource(dirA, 'filing')}
      WHERE dayofweek(due_date) IN (0, 6) OR due_date <= period_end
        OR CASE WHEN tax_type = 'citAnnual' THEN due_date NOT BETWEEN make_date(year(period_end) + 1, 5, 31) AND make_date(year(period_end) + 1, 6, 2)
                ELSE day(due_date) NOT BETWEEN 15 AND 17 END`);
    assert.equal(Number(due.bad), 0, 'due dates are the 15th moved past a weekend; an annual CIT return is due 31 May, moved past a weekend');
    const hall = await store.one<{ bad: string }>(`
      SELECT count(*) AS bad FROM ${generatedSource(dirA, 'hall_visit')}
      WHERE dayofweek(arrived_at) IN (0, 6) OR hour(arrived_at) < 9 OR hour(arrived_at) >= 18
        OR (hour(arrived_at) = 12 OR (hour(arrived_at) = 13 AND minute(arrived_at) < 30))`);
    assert.equal(Number(hall.bad), 0, 'hall visits arrive on working days in opening hours');
  });

  it('hits its calibration targets within tolerance', async () => {
    const report = await calibrationReport(store, dirA, { taxpayers: N, months: M, seed: 7 });
    const value = (metric: string): [number, number] => {
      const row = report.find((r) => r.metric === metric);
      assert.ok(row, `no metric ${metric}`);
      const parse = (s: string) => Number(/-?\d+(\.\d+)?/.exec(s.replace('≈', ''))?.[0]);
      return [parse(row.target), parse(row.generated)];
    };
    const within = (metric: string, tolerance: number) => {
      const [target, generated] = value(metric);
      assert.ok(Math.abs(target - generated) <= tolerance, `${metric}: target ${target}, generated ${generated}`);
    };
    within('enterprise share of taxpayers (91… codes)', 3);
    within('general VAT share, enterprises', 3);
    within('general VAT share, individual businesses', 1.5);
    within('district 宝安区 share, enterprises', 3);
    within('district 龙岗区 share, individual businesses', 4);
    within('credit level A, enterprises', 2);
    within('credit level B, enterprises', 5);
    within('credit level M, enterprises', 4);
    within('on-time filing, enterprises (filed returns)', 1.5);
    within('on-time filing, individual businesses (filed returns)', 3);
    within('abnormal households (taxpayers with unfiled returns)', 1.5);
    within('small-scale quarterly VAT returns ≤ 300,000 (non-zero returns)', 6);
    within('hall visits in days 1–15', 8);
    within('invoices per taxpayer-month (since registration)', 2.5);
    within('red-letter share of invoices', 0.5);
    within('high-tech share of enterprises', 0.8);
    within('hall visits per 1,000 taxpayers per month', 12);
  });
});
