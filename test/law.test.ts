import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { entriesAt, loadCatalogue } from '../src/law/catalogue.ts';
import { filingCalendar, filingDeadline, NO_FILING_CALENDAR } from '../src/law/filingDeadline.ts';
import { loadParameters, paramAt } from '../src/law/parameters.ts';
import { FACTS } from '../src/rules/facts.ts';
import { explain } from '../src/rules/interpret.ts';
import { tempDir } from './helpers/tmp.ts';

const GOOD = `id: test.good
kind: tag
title: { zh: 测试, en: Test }
category: other
sources: [{ document: 测试文件, confidence: U }]
effective: { from: 2024-01-01, to: 2025-12-31 }
audience: everyone
eligibility: employees <= param("slpe.maxEmployees")
notify: [taxHandler]
`;

describe('law catalogue', () => {
  it('the shipped law directory is valid', () => {
    const c = loadCatalogue('law');
    assert.deepEqual(c.errors, []);
    assert.ok(c.entries.length >= 3);
    assert.ok(c.parameters.length >= 5);
  });

  it('reports file, line and field for each problem, and still checks the other files', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'policies'));
    copyFileSync('law/parameters.yaml', join(dir, 'parameters.yaml'));
    writeFileSync(join(dir, 'policies', 'a-good.yaml'), GOOD);
    writeFileSync(
      join(dir, 'policies', 'b-fields.yaml'),
      GOOD.replace('test.good', 'test.fields').replace('category: other', 'category: others').replace('notify: [taxHandler]\n', ''),
    );
    writeFileSync(join(dir, 'policies', 'c-rule.yaml'), GOOD.replace('test.good', 'test.rule').replace('employees <=', 'employes <='));
    writeFileSync(join(dir, 'policies', 'd-syntax.yaml'), 'id: [unclosed\n');
    writeFileSync(join(dir, 'policies', 'e-param.yaml'), GOOD.replace('test.good', 'test.param').replace('from: 2024-01-01', 'from: 2015-01-01'));
    // A group of reliefs that do not stack needs two members: one alone is a misspelt name.
    writeFileSync(join(dir, 'policies', 'f-group.yaml'), `${GOOD.replace('test.good', 'test.group')}exclusiveGroup: citRates\n`);
    // A notice's condition is checked as the eligibility is; a good one compiles with the entry.
    const notice = (when: string) => `notices:\n  - when: "${when}"\n    zh: 注意\n    en: Mind\n`;
    writeFileSync(join(dir, 'policies', 'g-notice.yaml'), `${GOOD.replace('test.good', 'test.notice')}${notice('high_tech_lapsd')}`);
    writeFileSync(join(dir, 'policies', 'h-notice.yaml'), `${GOOD.replace('test.good', 'test.noticed')}${notice('!high_tech && high_tech_lapsed_this_year')}`);
    const c = loadCatalogue(dir);
    assert.deepEqual(
      c.entries.map((e) => e.id),
      ['test.good', 'test.group', 'test.noticed'],
    );
    assert.deepEqual(
      entriesAt(c, '2025-06-30')
        .find((x) => x.entry.id === 'test.noticed')
        ?.notices.map((n) => [n.rule.source, n.zh]),
      [['!high_tech && high_tech_lapsed_this_year', '注意']],
    );
    const byFile = (f: string) => c.errors.filter((e) => e.file.endsWith(f)).map((e) => `${e.line} ${e.field}: ${e.message}`);
    assert.deepEqual(byFile('b-fields.yaml'), [
      '4 category: Invalid option: expected one of "vat"|"surcharges"|"cit"|"iit"|"stampDuty"|"other"',
      '1 notify: Invalid input: expected array, received undefined',
    ]);
    assert.deepEqual(byFile('c-rule.yaml'), [`8 eligibility: position 0: unknown fact 'employes' (known: ${Object.keys(FACTS).join(', ')})`]);
    assert.equal(byFile('d-syntax.yaml').length, 1);
    assert.match(byFile('d-syntax.yaml')[0] as string, /^\d+ : /);
    assert.deepEqual(byFile('e-param.yaml'), ["8 eligibility: position 13: unknown parameter 'slpe.maxEmployees' on 2015-01-01"]);
    assert.deepEqual(byFile('f-group.yaml'), [
      "10 exclusiveGroup: no other entry is in group 'citRates': a group names reliefs that do not stack with one another",
    ]);
    assert.deepEqual(byFile('g-notice.yaml'), [
      `10 notices: notice 1, when, position 0: unknown fact 'high_tech_lapsd' (known: ${Object.keys(FACTS).join(', ')})`,
    ]);
  });

  it('refuses a group whose reliefs without an estimate it cannot rank, and a rank without a group', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'policies'));
    copyFileSync('law/parameters.yaml', join(dir, 'parameters.yaml'));
    const member = (id: string, extra: string) => `${GOOD.replace('test.good', id)}exclusiveGroup: rates\n${extra}`;
    // Ranked apart, or with an estimate: nothing to say. An estimate beats a missing one whatever the rank.
    writeFileSync(join(dir, 'policies', 'a-first.yaml'), member('test.first', 'groupRank: 1\n'));
    writeFileSync(join(dir, 'policies', 'b-second.yaml'), member('test.second', 'groupRank: 2\n'));
    writeFileSync(join(dir, 'policies', 'c-priced.yaml'), member('test.priced', 'benefit: employees\n'));
    // The same rank as another without an estimate, and no rank at all: which is told would be the id's choice.
    writeFileSync(join(dir, 'policies', 'd-tie.yaml'), member('test.tie', 'groupRank: 2\n'));
    writeFileSync(join(dir, 'policies', 'e-unranked.yaml'), member('test.unranked', ''));
    writeFileSync(join(dir, 'policies', 'f-alone.yaml'), `${GOOD.replace('test.good', 'test.alone')}groupRank: 1\n`);
    writeFileSync(join(dir, 'policies', 'g-zero.yaml'), member('test.zero', 'groupRank: 0\n'));
    // The same rank as test.second, but never in force on the same day: nothing to tell apart.
    writeFileSync(
      join(dir, 'policies', 'h-later.yaml'),
      member('test.later', 'groupRank: 2\n').replace('{ from: 2024-01-01, to: 2025-12-31 }', '{ from: 2026-01-01, to: 2027-12-31 }'),
    );
    const c = loadCatalogue(dir);
    const byFile = (f: string) => c.errors.filter((e) => e.file.endsWith(f)).map((e) => `${e.line} ${e.field}: ${e.message}`);
    for (const f of ['a-first.yaml', 'c-priced.yaml', 'h-later.yaml']) assert.deepEqual(byFile(f), [], f);
    assert.deepEqual(byFile('b-second.yaml'), [
      "11 groupRank: test.tie in group 'rates' has groupRank 2 too, and no benefit estimate either: give each a different rank",
    ]);
    assert.deepEqual(byFile('d-tie.yaml'), [
      "11 groupRank: test.second in group 'rates' has groupRank 2 too, and no benefit estimate either: give each a different rank",
    ]);
    assert.deepEqual(byFile('e-unranked.yaml'), [
      "10 groupRank: no benefit estimate, nor have test.first, test.second, test.tie in group 'rates': give each a different groupRank (1 is worth most)",
    ]);
    assert.deepEqual(byFile('f-alone.yaml'), ['10 groupRank: a rank orders the reliefs of an exclusiveGroup: name the group']);
    assert.equal(byFile('g-zero.yaml').length, 1);
    assert.match(byFile('g-zero.yaml')[0] as string, /^11 groupRank: Too small/);
  });

  it('zhishu rules check exits 1 and prints file:line: field: message', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'policies'));
    copyFileSync('law/parameters.yaml', join(dir, 'parameters.yaml'));
    writeFileSync(join(dir, 'policies', 'x.yaml'), GOOD.replace('employees <=', 'employees <'.repeat(1)).replace('confidence: U', 'confidence: X'));
    const r = spawnSync(process.execPath, ['bin/zhishu.js', 'rules', 'check', '--law', dir], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /x\.yaml:5: sources\.0\.confidence: Invalid option/);
    const ok = spawnSync(process.execPath, ['bin/zhishu.js', 'rules', 'check'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
  });

  it('parameters are resolved by date; a date without a value is an error naming both', () => {
    const { parameters, errors } = loadParameters('law/parameters.yaml');
    assert.deepEqual(errors, []);
    assert.equal(paramAt(parameters, 'vat.smallScaleMonthlyThreshold', '2022-06-30').value, '150000');
    assert.equal(paramAt(parameters, 'vat.smallScaleMonthlyThreshold', '2023-01-01').value, '100000');
    assert.throws(
      () => paramAt(parameters, 'slpe.maxEmployees', '2030-01-01'),
      /parameter 'slpe.maxEmployees' has no value on 2030-01-01 \(covered: 2019-01-01..2021-12-31, 2022-01-01..2022-12-31, 2023-01-01..2027-12-31\)/,
    );
  });

  it('every parameter covers 2019-01-01..2027-12-31 without a gap, each value with its source and confidence; the filing deadlines every month of the years published', () => {
    const { parameters } = loadParameters('law/parameters.yaml');
    const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    assert.ok(parameters.length >= 70, `${parameters.length} parameters`);
    for (const p of parameters) {
      const values = [...p.values].sort((a, b) => a.from.localeCompare(b.from));
      // The filing deadlines are published a year at a time, each December for the next year: the
      // months of 2023 to 2026 are in, and a month without one falls back to the weekend rule.
      const [first, last] = p.name === 'filing.deadline' ? ['2023-01-01', '2026-12-31'] : ['2019-01-01', '2027-12-31'];
      assert.ok((values[0]?.from ?? '') <= first, `${p.name} starts ${values[0]?.from}`);
      assert.ok((values.at(-1)?.to ?? '') >= last, `${p.name} ends ${values.at(-1)?.to}`);
      for (let i = 1; i < values.length; i++)
        assert.equal(values[i]?.from, nextDay(values[i - 1]?.to ?? ''), `${p.name}: gap or overlap before ${values[i]?.from}`);
    }
  });

  it('the published filing deadlines: one per month, in their month, the 15th or later; read by month, the weekend rule where none is published', () => {
    const { parameters } = loadParameters('law/parameters.yaml');
    const calendar = filingCalendar(parameters);
    assert.equal(calendar.size, 48, 'every month of 2023 to 2026');
    // Each year's notice, its holidays: 2023 National Day 1 to 6 October, 2024 Spring Festival 10 to 17
    // February, 2025 National Day and Mid-Autumn 1 to 8 October, 2026 Labour Day 1 to 5 May.
    for (const [end, due] of [
      ['2023-09-30', '2023-10-23'],
      ['2024-01-31', '2024-02-23'],
      ['2025-09-30', '2025-10-27'],
      ['2026-04-30', '2026-05-22'],
      ['2026-09-30', '2026-10-26'],
      ['2025-12-31', '2026-01-20'],
      ['2026-05-31', '2026-06-15'],
    ] as const)
      assert.equal(filingDeadline(calendar, end).date, due, `the return of the period ending ${end}`);
    assert.match(filingDeadline(calendar, '2026-03-31').source ?? '', /税总办征科函〔2025〕64号.*\[C\]/);
    // No notice for 2027 yet: the 15th, moved to Monday when it is a Saturday or a Sunday; 2022 likewise.
    assert.deepEqual(filingDeadline(calendar, '2027-04-30'), { date: '2027-05-17', source: null }, 'Saturday 15 May 2027');
    assert.deepEqual(filingDeadline(calendar, '2027-07-31'), { date: '2027-08-16', source: null }, 'Sunday 15 August 2027');
    assert.deepEqual(filingDeadline(calendar, '2027-03-31'), { date: '2027-04-15', source: null }, 'a Thursday stays');
    assert.deepEqual(filingDeadline(NO_FILING_CALENDAR, '2026-09-30'), { date: '2026-10-15', source: null });

    const dir = tempDir();
    writeFileSync(
      join(dir, 'p.yaml'),
      `- name: filing.deadline
  type: date
  unit: date
  doc: filing deadlines
  values:
    - { from: 2026-01-01, to: 2026-01-31, value: 2026-02-03, source: a, confidence: C }
    - { from: 2026-02-01, to: 2026-02-28, value: 2026-02-10, source: a, confidence: C }
    - { from: 2026-03-01, to: 2026-04-30, value: 2026-03-16, source: a, confidence: C }
    - { from: 2026-05-01, to: 2026-05-31, value: 2026-05-32, source: a, confidence: C }
    - { from: 2026-06-01, to: 2026-06-30, value: 2026-06-15, source: a, confidence: C }
`,
    );
    const { errors } = loadParameters(join(dir, 'p.yaml'));
    assert.deepEqual(
      errors.map((e) => `${e.line} ${e.field}: ${e.message}`),
      [
        '6 0.values.0.value: the deadline must fall in 2026-01, on the 15th or later',
        '7 0.values.1.value: the deadline must fall in 2026-02, on the 15th or later',
        '8 0.values.2.to: a filing deadline covers one calendar month: from 2026-03-01 to 2026-03-31',
        '9 0.values.3.value: a date parameter needs a date (YYYY-MM-DD)',
      ],
    );
  });

  it('a bracket table whose rows do not rise, or a decimal that is not a string, is refused with its line', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'p.yaml'),
      `- name: iit.badTable
  type: table
  unit: yuan
  doc: a broken table
  values:
    - from: 2019-01-01
      to: 2027-12-31
      value: [{ upTo: "100", rate: "0.1" }, { upTo: "50", rate: "0.2" }, { upTo: null, rate: "0.3" }]
      source: none
      confidence: U
- name: iit.badDecimal
  type: decimal
  unit: yuan
  doc: a number that is not a string
  values:
    - { from: 2019-01-01, to: 2027-12-31, value: 0.03, source: none, confidence: U }
`,
    );
    const { errors } = loadParameters(join(dir, 'p.yaml'));
    assert.deepEqual(
      errors.map((e) => [e.line, e.field, e.message]),
      [
        [8, '0.values.0.value', 'row 2: upTo must rise from row to row'],
        [16, '1.values.0.value', 'a decimal parameter needs a decimal number in a string, e.g. "0.03"'],
      ],
    );
  });

  it('a 2026 period uses the 2026 rule: exactly 300,000 a quarter is exempt in 2025, taxed in 2026', () => {
    const c = loadCatalogue('law');
    const facts = { vat_status: 'smallScale', vat_monthly_filer: false, quarterly_sales: '300000' };
    // The two regimes of the small-scale line; the catalogue holds other VAT entries beside them.
    const regimes = ['vat.smallScaleExemption2023', 'vat.smallScaleThreshold2026'];
    const vat = (date: string) => entriesAt(c, date).filter(({ entry }) => regimes.includes(entry.id));
    assert.deepEqual(
      vat('2025-12-31').map(({ entry, rule }) => [entry.id, explain(rule, facts).result]),
      [['vat.smallScaleExemption2023', 'true']],
    );
    assert.deepEqual(
      vat('2026-03-31').map(({ entry, rule }) => [entry.id, explain(rule, facts).result]),
      [['vat.smallScaleThreshold2026', 'false']],
    );
  });
});

describe('zhishu rules eval', () => {
  it('explains every entry in force on the date for one set of facts', () => {
    const facts = JSON.stringify({
      kind: 'enterprise',
      vat_status: 'general',
      slpe_status_employees: 320,
      slpe_status_total_assets: '1000000',
      taxable_income: '800000',
    });
    const r = spawnSync(process.execPath, ['bin/zhishu.js', 'rules', 'eval', '--facts', '-', '--date', '2026-03-31', '--rule', 'surcharges.sixTaxesTwoFees'], {
      input: facts,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      date: string;
      results: { id: string; result: string; conditions: { condition: string; nearMiss?: { by: string } }[] }[];
    };
    assert.equal(out.date, '2026-03-31');
    assert.deepEqual(
      out.results.map((x) => [x.id, x.result]),
      [['surcharges.sixTaxesTwoFees', 'false']],
    );
    const employees = out.results[0]?.conditions.find((c) => c.condition.startsWith('slpe_status_employees'));
    assert.deepEqual(employees?.nearMiss, { by: '20', direction: 'over' });
  });

  it('says clearly what is wrong with its input', () => {
    const bad = spawnSync(process.execPath, ['bin/zhishu.js', 'rules', 'eval', '--facts', '-', '--date', '2026-02-30x'], { input: '{}', encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--date '2026-02-30x' is not a date/);
    const json = spawnSync(process.execPath, ['bin/zhishu.js', 'rules', 'eval', '--facts', '-'], { input: '{"employees": ', encoding: 'utf8' });
    assert.equal(json.status, 2);
    assert.match(json.stderr, /--facts: /);
    const none = spawnSync(process.execPath, ['bin/zhishu.js', 'rules', 'eval', '--facts', '-', '--rule', 'no.such', '--date', '2026-01-01'], {
      input: '{}',
      encoding: 'utf8',
    });
    assert.match(none.stderr, /no entry 'no.such' in force on 2026-01-01/);
  });
});
