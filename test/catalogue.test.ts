import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { calculate } from '../src/calc/calculate.ts';
import { formatYuan, parseYuan } from '../src/calc/money.ts';
import { type CatalogueEntry, entriesAt, loadCatalogue, sourcesAt } from '../src/law/catalogue.ts';
import { paramAt } from '../src/law/parameters.ts';
import { evaluateFormula, type Formula } from '../src/rules/formula.ts';
import { explain, type FactRow } from '../src/rules/interpret.ts';
import type { Rule } from '../src/rules/ir.ts';

/** One hand-built taxpayer of law/tests/policies.yaml and what the law says of it. */
interface PolicyCase {
  name: string;
  source: string;
  date: string;
  facts: FactRow;
  expect: Record<string, boolean | 'unknown'>;
  benefit?: Record<string, string>;
  notInForce?: string[];
}

const catalogue = loadCatalogue('law');
const cases = parse(readFileSync('law/tests/policies.yaml', 'utf8')) as PolicyCase[];

/** The entries in force on a date, by id, compiled against that date's law. */
function inForce(date: string): Map<string, { entry: CatalogueEntry; rule: Rule; benefit: Formula | null }> {
  return new Map(entriesAt(catalogue, date).map((x) => [x.entry.id, x]));
}

function at(date: string, id: string): { entry: CatalogueEntry; rule: Rule; benefit: Formula | null } {
  const x = inForce(date).get(id);
  assert.ok(x, `${id} is not in force on ${date}`);
  return x;
}

/** The benefit formula of an entry on a date, evaluated for one row of facts. */
function benefit(date: string, id: string, facts: FactRow): string | null {
  const f = at(date, id).benefit;
  assert.ok(f, `${id} has no benefit formula`);
  return evaluateFormula(f, facts);
}

const overlaps2023to2027 = (e: CatalogueEntry) => e.effective.from <= '2027-12-31' && e.effective.to >= '2023-01-01';

describe('policy catalogue: law cases (law/tests/policies.yaml)', () => {
  it('the catalogue loads without problems', () => {
    assert.deepEqual(catalogue.errors, []);
  });

  it('at least 30 cases, each citing its legal basis on a quarter end, and every policy of the catalogue is exercised', () => {
    assert.ok(cases.length >= 30, `${cases.length} cases`);
    for (const c of cases) {
      assert.ok(c.source && c.source.length > 5, `${c.name}: no source`);
      assert.match(c.date, /^\d{4}-(03-31|06-30|09-30|12-31)$/, `${c.name}: ${c.date} is not the last day of a quarter`);
    }
    const tested = new Set(cases.flatMap((c) => Object.keys(c.expect)));
    const untested = catalogue.entries.filter((e) => e.kind === 'policy' && !tested.has(e.id)).map((e) => e.id);
    assert.deepEqual(untested, [], 'policies no case is about');
    // The edge cases the brief names: each threshold exactly, and across the 2025 → 2026 change.
    const names = cases.map((c) => c.name).join('\n');
    for (const edge of ['exactly 300,000', '300 employees', '3,000,000', '50,000,000', '2026']) assert.ok(names.includes(edge), `no case mentions ${edge}`);
    assert.ok(
      cases.some((c) => Object.values(c.expect).includes('unknown')),
      'no case with missing facts',
    );
  });

  for (const c of cases) {
    it(`${c.date}: ${c.name}`, () => {
      const entries = inForce(c.date);
      for (const [id, want] of Object.entries(c.expect)) {
        const x = entries.get(id);
        assert.ok(x, `${id} is not in force on ${c.date}`);
        const r = explain(x.rule, c.facts);
        assert.equal(r.result, String(want), `${id}: ${JSON.stringify(r.conditions.map((k) => [k.condition, k.result]))}`);
        // An unknown answer names the facts that would decide it; a decided one needs none.
        if (want === 'unknown') assert.ok(r.missingFacts.length > 0, `${id}: unknown without missing facts`);
      }
      for (const [id, yuan] of Object.entries(c.benefit ?? {})) assert.equal(benefit(c.date, id, c.facts), yuan, `${id}: benefit`);
      for (const id of c.notInForce ?? []) assert.ok(!entries.has(id), `${id} should not be in force on ${c.date}`);
    });
  }
});

describe('policy catalogue: content', () => {
  it('(a) at least 40 policies are in force at some time in 2023-2027, each with a legal source', () => {
    const policies = catalogue.entries.filter((e) => e.kind === 'policy' && overlaps2023to2027(e));
    assert.ok(policies.length >= 40, `${policies.length} policies`);
    for (const e of policies) {
      assert.ok(e.sources.length >= 1, `${e.id}: no source`);
      for (const s of e.sources) assert.ok(s.document.trim().length > 3, `${e.id}: empty source`);
    }
    for (const category of ['vat', 'surcharges', 'cit', 'iit', 'stampDuty', 'other'])
      assert.ok(
        policies.some((e) => e.category === category),
        `no ${category} policy`,
      );
  });

  it('the generator’s placeholder reduction codes sit on exactly the seven kinds of entry that claim them, the surcharge reliefs with their official codes beside', () => {
    const codes = Object.fromEntries(catalogue.entries.filter((e) => e.reductionCodes).map((e) => [e.id, e.reductionCodes]));
    assert.deepEqual(codes, {
      'vat.smallScaleExemption2023': ['9900000001'],
      'vat.smallScaleThreshold2026': ['9900000001'],
      'vat.smallScaleReducedRate2023': ['9900000002'],
      'vat.smallScaleReducedRate2026': ['9900000002'],
      'surcharges.sixTaxesTwoFees': ['9900000003', '0007049901', '0061049901', '0099049901'],
      'cit.smallLowProfit': ['9900000004'],
      'cit.highTech': ['9900000005'],
      'iit.individualBusinessHalving': ['9900000006'],
      'surcharges.educationSmallSales': ['9900000007', '0061042802', '0099042802'],
    });
  });

  it('groups the reliefs that do not stack: the CIT rates on one income, the R&D super deductions and the VAT additional deductions of one base, the latter two ranked by rate', () => {
    const groups = new Map<string, string[]>();
    for (const e of catalogue.entries)
      if (e.exclusiveGroup) groups.set(e.exclusiveGroup, [...(groups.get(e.exclusiveGroup) ?? []), `${e.id}${e.groupRank ? ` #${e.groupRank}` : ''}`]);
    assert.deepEqual(Object.fromEntries(groups), {
      citRate: ['cit.highTech', 'cit.qianhai', 'cit.smallLowProfit'],
      rndSuperDeduction: ['cit.rndSuperDeduction #2', 'cit.rndSuperDeductionChipsMachines #1'],
      vatAdditionalDeduction: [
        'vat.advancedManufacturingAdditionalDeduction #3',
        'vat.chipsAndMachinesAdditionalDeduction #1',
        'vat.livingServicesAdditionalDeduction2023 #2',
        'vat.productionServicesAdditionalDeduction2023 #4',
      ],
    });
  });

  it('a better groupRank is a rate at least as high, on every day two ranked reliefs of a group are both in force (parameters.yaml)', () => {
    // The rate each ranked relief gives on the group's one base, and the days it and its peers are in force.
    const rate: Record<string, string[]> = {
      'cit.rndSuperDeductionChipsMachines': ['cit.rndSuperDeductionRateChipsAndMachines'],
      'cit.rndSuperDeduction': ['cit.rndSuperDeductionRate'],
      'vat.chipsAndMachinesAdditionalDeduction': ['vat.additionalDeductionIntegratedCircuit', 'vat.additionalDeductionMotherMachine'],
      'vat.livingServicesAdditionalDeduction2023': ['vat.additionalDeductionLivingServices'],
      'vat.advancedManufacturingAdditionalDeduction': ['vat.additionalDeductionAdvancedManufacturing'],
      'vat.productionServicesAdditionalDeduction2023': ['vat.additionalDeductionProductionServices'],
    };
    const ranked = catalogue.entries.filter((e) => e.groupRank !== undefined);
    assert.deepEqual(ranked.map((e) => e.id).sort(), Object.keys(rate).sort(), 'every ranked relief has its rate named here');
    const at = (id: string, date: string) => Math.min(...(rate[id] as string[]).map((n) => Number(paramAt(catalogue.parameters, n, date).value)));
    let compared = 0;
    for (const a of ranked)
      for (const b of ranked) {
        if (a.exclusiveGroup !== b.exclusiveGroup || (a.groupRank as number) >= (b.groupRank as number)) continue;
        // The days both are in force: the later start, the earlier end (ISO dates sort as text); the
        // rates can change only on the first day of one of their values, so those days are all to check.
        const from = [a.effective.from, b.effective.from].sort()[1] as string;
        const to = [a.effective.to, b.effective.to].sort()[0] as string;
        const changes = catalogue.parameters
          .filter((p) => [...(rate[a.id] as string[]), ...(rate[b.id] as string[])].includes(p.name))
          .flatMap((p) => p.values.map((v) => v.from))
          .filter((d) => d > from && d <= to);
        for (const date of from <= to ? [from, ...new Set(changes)] : []) {
          assert.ok(
            at(a.id, date) >= at(b.id, date),
            `${a.id} (#${a.groupRank}) ${at(a.id, date)} against ${b.id} (#${b.groupRank}) ${at(b.id, date)} on ${date}`,
          );
          compared++;
        }
      }
    assert.ok(compared >= 7, `${compared} comparisons (seven pairs in force together)`);
  });

  it('a source whose part of a relief ended is cited up to its end only, and every quarter in force has a source to cite', () => {
    const slpe = catalogue.entries.find((e) => e.id === 'cit.smallLowProfit') as CatalogueEntry;
    const cited = (date: string) => sourcesAt(slpe, date).map((s) => s.document.split(' (')[0]);
    assert.ok(cited('2024-12-31').includes('财政部 税务总局公告2023年第6号'), '2024: the 1,000,000 part of 2023年第6号');
    assert.deepEqual(cited('2025-03-31'), ['财政部 税务总局公告2023年第12号 第一条', '国家税务总局公告2023年第6号 第二条至第四条']);
    const equipment = catalogue.entries.find((e) => e.id === 'cit.equipmentOneOffDeduction') as CatalogueEntry;
    assert.deepEqual(
      sourcesAt(equipment, '2026-06-30').map((s) => s.document),
      ['财政部 税务总局公告2023年第37号 (2024-01-01 to 2027-12-31)'],
    );
    for (const e of catalogue.entries)
      for (let y = Number(e.effective.from.slice(0, 4)); y <= Number(e.effective.to.slice(0, 4)); y++)
        for (const end of ['03-31', '06-30', '09-30', '12-31']) {
          const date = `${y}-${end}`;
          if (date >= e.effective.from && date <= e.effective.to) assert.ok(sourcesAt(e, date).length > 0, `${e.id} on ${date}`);
        }
  });

  it('an entry that replaces another starts the day after the other ends, in the same category', () => {
    const byId = new Map(catalogue.entries.map((e) => [e.id, e]));
    const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const pairs = catalogue.entries.filter((e) => e.replaces);
    assert.ok(pairs.length >= 5, `${pairs.length} replacements`);
    for (const e of pairs) {
      const old = byId.get(e.replaces as string) as CatalogueEntry;
      assert.equal(e.effective.from, nextDay(old.effective.to), `${e.id} replaces ${old.id}`);
      assert.equal(e.category, old.category, e.id);
    }
  });

  it('(c) no VAT preference in force on 2026-03-31 rests only on pre-2026 documents (财政部 税务总局公告2026年第10号 第六条)', () => {
    // 第六条 stopped every domestic VAT preference issued before 2025-12-31 unless the announcement
    // itself, the VAT Law, its Implementing Regulations or 2025年第17号 re-enacted it.
    const reenacting = /2026年第\d+号|增值税法|国务院令第826号|2025年第17号/;
    const vat2026 = entriesAt(catalogue, '2026-03-31').filter(({ entry }) => entry.category === 'vat');
    assert.ok(vat2026.length >= 4);
    for (const { entry } of vat2026)
      assert.ok(
        entry.sources.some((s) => reenacting.test(s.document) && s.confidence !== 'U'),
        `${entry.id} is in force in 2026 on ${entry.sources.map((s) => s.document).join('; ')}`,
      );
    // Conversely, every VAT entry on pre-2026 documents alone ends by 2025-12-31.
    for (const e of catalogue.entries.filter((x) => x.category === 'vat' && !x.sources.some((s) => reenacting.test(s.document))))
      assert.ok(e.effective.to <= '2025-12-31', `${e.id} runs to ${e.effective.to} on pre-2026 documents`);
  });

  it('every benefit formula evaluates to whole fen, and to null when a fact it reads is missing', () => {
    for (const date of ['2023-03-31', '2025-12-31', '2026-03-31', '2027-12-31']) {
      for (const { entry, benefit: f } of entriesAt(catalogue, date)) {
        if (!f) continue;
        const row = Object.fromEntries(f.facts.map((n) => [n, n.endsWith('hires') ? 3 : '123456.78']));
        assert.match(evaluateFormula(f, row) ?? '', /^-?\d+\.\d{2}$/, `${entry.id} on ${date}`);
        assert.equal(evaluateFormula(f, {}), null, `${entry.id} with no facts`);
      }
    }
  });
});

const fen = (yuan: string) => parseYuan(yuan);
const result = (r: ReturnType<typeof calculate>, field: string) => String(r.result[field]);

describe('(b) benefit formulas agree with the calculator', () => {
  it('small-scale VAT exemption: the formula equals the calculator’s relief, the whole VAT at 3 %, to the fen; a near miss’s, the VAT at 1 % it pays over the line', () => {
    const runs: [string, string, string, string[], string[]][] = [
      [
        '2025-12-31',
        '2025-Q4',
        'vat.smallScaleExemption2023',
        ['0.01', '0.50', '1.49', '123456.78', '250000.05', '285633.19', '300000.00'],
        ['300000.01', '310000.00'],
      ],
      ['2026-03-31', '2026-Q1', 'vat.smallScaleThreshold2026', ['0.01', '0.50', '1.49', '123456.78', '250000.05', '299999.99'], ['300000.00', '310000.00']],
    ];
    for (const [date, period, id, under, over] of runs) {
      for (const sales of under) {
        const exempt = calculate({ calculation: 'vat.smallScale', period, inputs: { sales } });
        assert.equal(result(exempt, 'vatPayable'), '0.00');
        // As the returns may show it: the whole VAT paid at 3 % and nothing claimed, or nothing paid and the
        // exemption claimed; or 1 % paid (special invoices, the exemption waived), of which no more comes back.
        const paidAtOne = result(calculate({ calculation: 'vat.smallScale', period, inputs: { sales: '0.00', specialInvoiceSales: sales } }), 'vatPayable');
        for (const [paid, claimed, worth] of [
          [result(exempt, 'vatRelief'), '0.00', result(exempt, 'vatRelief')],
          ['0.00', result(exempt, 'vatRelief'), result(exempt, 'vatRelief')],
          [paidAtOne, '0.00', paidAtOne],
        ]) {
          const facts = {
            vat_status: 'smallScale',
            vat_monthly_filer: false,
            quarterly_sales: sales,
            small_scale_exemption_sales: sales,
            small_scale_taxed_sales: '0.00',
            small_scale_exemption_vat_payable: paid,
            small_scale_exemption_claimed: claimed,
            // the returns do not say which sales went on special invoices (none, as read)
            small_scale_special_sales: '0.00',
          };
          assert.equal(explain(at(date, id).rule, facts).result, 'true', `${id} ${sales}`);
          assert.equal(benefit(date, id, facts), worth, `${id} ${sales}, ${paid} paid, ${claimed} claimed`);
        }
      }
      // Over the line (a near miss): the 1 % reduced rate is paid on the whole quarter, and coming under the
      // line would save exactly that.
      for (const sales of over) {
        const facts = {
          vat_status: 'smallScale',
          vat_monthly_filer: false,
          quarterly_sales: sales,
          small_scale_exemption_sales: sales,
          small_scale_taxed_sales: sales,
          small_scale_exemption_vat_payable: result(calculate({ calculation: 'vat.smallScale', period, inputs: { sales } }), 'vatPayable'),
          small_scale_exemption_claimed: '0.00',
          small_scale_special_sales: '0.00',
        };
        assert.equal(explain(at(date, id).rule, facts).result, 'false', `${id} ${sales}`);
        const taxed = calculate({ calculation: 'vat.smallScale', period, inputs: { sales } });
        assert.equal(benefit(date, id, facts), result(taxed, 'vatPayable'), `${id} ${sales}: a near miss`);
      }
    }
  });

  it('small-scale VAT under the line with sales on special invoices: the exemption on the rest and the reduced rate on them add up to the calculator’s relief, to the fen, however the returns paid', () => {
    // 国家税务总局公告2023年第1号 第四条、第五条; 2026年第4号: the exemption waived for the sales on special
    // invoices, which pay 1 %. The calculator takes them apart (specialInvoiceSales); the returns say them
    // (filing.special_invoice_sales), and the facts take them out of the exempt sales.
    const runs: [string, string, string, string, [string, string][]][] = [
      [
        '2025-12-31',
        '2025-Q4',
        'vat.smallScaleExemption2023',
        'vat.smallScaleReducedRate2023',
        [
          ['200000.00', '50000.00'],
          ['300000.00', '0.01'],
          ['123456.78', '123456.78'],
        ],
      ],
      [
        '2026-03-31',
        '2026-Q1',
        'vat.smallScaleThreshold2026',
        'vat.smallScaleReducedRate2026',
        [
          ['200000.00', '50000.00'],
          ['299999.99', '12345.67'],
          ['1.49', '0.50'],
        ],
      ],
    ];
    for (const [date, period, exemptId, reducedId, cases] of runs) {
      for (const [sales, special] of cases) {
        const rest = formatYuan(fen(sales) - fen(special));
        const law = calculate({ calculation: 'vat.smallScale', period, inputs: { sales: rest, specialInvoiceSales: special } });
        const atLevy = result(
          calculate({ calculation: 'vat.smallScale', period: '2019-Q1', inputs: { sales: '0.00', specialInvoiceSales: sales } }),
          'vatPayable',
        );
        // As a claimer's returns show it (1 % on the special invoices, the exemption on the rest claimed), and as a
        // company that paid the levy rate on everything and claimed nothing: the worth is the same.
        const exemptPart = formatYuan(Math.floor((fen(rest) * 3) / 100) + ((fen(rest) * 3) % 100 >= 50 ? 1 : 0));
        for (const [paid, claimed] of [
          [result(law, 'vatPayable'), exemptPart],
          [atLevy, '0.00'],
        ]) {
          const facts = {
            vat_status: 'smallScale',
            vat_monthly_filer: false,
            quarterly_sales: sales,
            small_scale_exemption_sales: sales,
            small_scale_special_sales: special,
            small_scale_taxed_sales: special,
            small_scale_exemption_vat_payable: paid,
            small_scale_exemption_claimed: claimed,
          };
          assert.equal(explain(at(date, exemptId).rule, facts).result, 'true', `${exemptId} ${sales}`);
          assert.equal(explain(at(date, reducedId).rule, facts).result, 'true', `${reducedId} ${sales}: on the special-invoice sales`);
          const worth = fen(benefit(date, exemptId, facts) as string) + fen(benefit(date, reducedId, facts) as string);
          // The reduced rate's formula rounds its two points once, the calculator the 3 % and the 1 % apart.
          assert.ok(
            Math.abs(worth - fen(result(law, 'vatRelief'))) <= 1,
            `${sales} with ${special} on special invoices, ${paid} paid: ${formatYuan(worth)} against ${result(law, 'vatRelief')}`,
          );
          assert.equal(benefit(date, exemptId, facts), exemptPart, `${exemptId}: the 3 % of the sales not on special invoices`);
        }
      }
    }
  });

  it('small-scale VAT of a monthly filer: each month judged on its own line; the exemption’s formula equals the calculator’s 3 % on its months taken together, the reduced rate’s within a fen, and both the month-by-month sum within a fen a month', () => {
    const runs: [string, string, string, string, string[]][] = [
      ['2025-09-30', '2025', 'vat.smallScaleExemption2023', 'vat.smallScaleReducedRate2023', ['100000.00', '60000.03', '150000.01']],
      ['2026-03-31', '2026', 'vat.smallScaleThreshold2026', 'vat.smallScaleReducedRate2026', ['99999.99', '100000.00', '123456.78']],
    ];
    for (const [date, year, exemptId, reducedId, months] of runs) {
      const firstMonth = Number(date.slice(5, 7)) - 2;
      // Month by month, as the returns are filed: which months the line exempts (the calculator's own
      // judgement), what the exemption relieves there (the VAT at 3 %), and what the reduced rate relieves
      // in the others (against 3 %). Each return rounds its VAT to the fen.
      const exempt: number[] = [];
      const taxedMonths: number[] = [];
      let exemptByMonth = 0;
      let reducedByMonth = 0;
      months.forEach((sales, i) => {
        const period = `${year}-${String(firstMonth + i).padStart(2, '0')}`;
        const month = calculate({ calculation: 'vat.smallScale', period, inputs: { sales } });
        if (month.result.belowThreshold === true) {
          exempt.push(fen(sales));
          exemptByMonth += fen(result(month, 'vatRelief'));
        } else {
          taxedMonths.push(fen(sales));
          reducedByMonth += fen(result(month, 'vatRelief'));
        }
      });
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const all = months.map(fen);
      const facts = {
        vat_status: 'smallScale',
        vat_monthly_filer: true,
        quarterly_sales: formatYuan(sum(all)),
        lowest_monthly_sales: formatYuan(Math.min(...all)),
        highest_monthly_sales: formatYuan(Math.max(...all)),
        small_scale_exemption_sales: formatYuan(sum(exempt)),
        small_scale_taxed_sales: formatYuan(sum(taxedMonths)),
        // No cap from what was paid here: the formula alone against the calculator.
        small_scale_exemption_vat_payable: '999999999.00',
        small_scale_exemption_claimed: '0.00',
        small_scale_special_sales: '0.00',
      };
      assert.equal(explain(at(date, exemptId).rule, facts).result, 'true', exemptId);
      assert.equal(explain(at(date, reducedId).rule, facts).result, 'true', reducedId);
      // The same sales taken together, on special invoices (never exempt, at 1 %): the exemption's formula is
      // exactly their VAT at 3 % (what is paid and what the 1 % relieves), the reduced rate's within a fen.
      const together = (fenSales: number) =>
        calculate({
          calculation: 'vat.smallScale',
          period: `${year}-${String(firstMonth + 2).padStart(2, '0')}`,
          inputs: { sales: '0.00', specialInvoiceSales: formatYuan(fenSales) },
        });
      const exemptWorth = benefit(date, exemptId, facts) as string;
      const reducedWorth = benefit(date, reducedId, facts) as string;
      const t = together(sum(exempt));
      assert.equal(fen(exemptWorth), fen(result(t, 'vatPayable')) + fen(result(t, 'vatRelief')), exemptId);
      // The reduced rate's formula rounds the two points once; the calculator rounds the tax at 3 % and
      // at 1 % apart, so the two may differ by a fen.
      assert.ok(Math.abs(fen(reducedWorth) - fen(result(together(sum(taxedMonths)), 'vatRelief'))) <= 1, reducedId);
      assert.ok(Math.abs(fen(exemptWorth) - exemptByMonth) <= exempt.length, `${exemptId}: ${exemptWorth} against ${formatYuan(exemptByMonth)} month by month`);
      assert.ok(
        Math.abs(fen(reducedWorth) - reducedByMonth) <= taxedMonths.length + 1,
        `${reducedId}: ${reducedWorth} against ${formatYuan(reducedByMonth)} month by month`,
      );
    }
  });

  it('small low-profit CIT: the formula on a quarter’s income equals the calculator’s relief on the same income (the relief is proportional to it)', () => {
    for (const [year, date] of [
      ['2023', '2023-12-31'],
      ['2026', '2026-12-31'],
    ] as const) {
      for (const income of ['0.01', '0.03', '12345.67', '999999.99', '3000000.00']) {
        const r = calculate({
          calculation: 'cit.annual',
          period: year,
          inputs: {
            taxableIncomeBeforeRnd: income,
            quarters: [{ employeesStart: 10, employeesEnd: 12, assetsStart: '1000000.00', assetsEnd: '1200000.00' }],
          },
        });
        assert.equal(r.result.regime, 'smallLowProfit');
        // The quarter is the year's first: the year's income so far is the quarter's.
        assert.equal(
          benefit(date, 'cit.smallLowProfit', { quarterly_taxable_income: income, taxable_income: income }),
          result(r, 'relief'),
          `${year} ${income}`,
        );
      }
    }
  });

  it('high-tech CIT: the formula equals the calculator’s 25 % − 15 % relief, to the fen', () => {
    for (const income of ['0.05', '0.15', '12345.67', '10000000.00', '98765432.10']) {
      const r = calculate({ calculation: 'cit.annual', period: '2026', inputs: { taxableIncomeBeforeRnd: income, highTech: true } });
      assert.equal(r.result.regime, 'highTech');
      assert.equal(benefit('2026-09-30', 'cit.highTech', { quarterly_taxable_income: income }), result(r, 'relief'), income);
    }
  });

  it('six taxes and two fees on the surcharges: the calculator halves and rounds each levy, so it exceeds the formula by ⌊odd levies ÷ 2⌋ fen (0 or 1)', () => {
    // surcharges_payable = the levies as returned, before the halving; the halving works on what the
    // education surcharges' exemption leaves, claimed on the return or not. Half of an odd number of fen
    // rounds up once per levy in the calculator, once overall in the formula.
    const seen = new Set<number>();
    for (const [vatPaid, sales] of [
      ['4455.45', '445544.55'],
      ['0.30', '400000.00'],
      ['0.03', '400000.00'],
      ['1234.57', '500000.00'],
      ['5000.00', '300000.00'],
      ['0.03', '300000.00'],
      ['1234.57', '123456.78'],
      ['0.30', '299999.99'],
    ] as const) {
      const surcharges = (s: string) =>
        calculate({ calculation: 'surcharges', period: '2026-Q1', inputs: { vatPaid, sales: s, location: 'city', taxpayer: { vatStatus: 'smallScale' } } });
      const levies = (r: ReturnType<typeof calculate>) =>
        ['urbanConstructionTax.tax', 'educationSurcharge.tax', 'localEducationSurcharge.tax'].map((id) =>
          fen(r.lines.find((l) => l.id === id)?.amount ?? '0.00'),
        );
      const r = surcharges(sales);
      const after = levies(r);
      const levied = after.reduce((a, b) => a + b, 0);
      assert.equal(levied, fen(result(r, 'total')) + fen(result(r, 'reduction')), 'levies = payable + reduction');
      // The same VAT over the line: every levy due. What the exemption takes off is the difference.
      const full = levies(surcharges('999999999.00')).reduce((a, b) => a + b, 0);
      const exempted = full - levied;
      const exemptVat = fen(sales) <= fen('300000.00') ? vatPaid : '0.00';
      const exemption = (halvingClaimed: number) =>
        fen(
          benefit('2026-03-31', 'surcharges.educationSmallSales', {
            education_exempt_vat_payable: exemptVat,
            education_exemption_claimed: '0.00',
            surcharges_halving_claimed: formatYuan(halvingClaimed),
          }) ?? '',
        );
      assert.equal(exemption(0), exempted, `the exemption's formula, VAT ${vatPaid}`);
      // The halving claimed on all three levies, the exemption not: the exemption adds the half of it left.
      const halvedOnAll = Math.floor(full / 2);
      assert.ok(Math.abs(exemption(halvedOnAll) - (exempted - Math.floor(exempted / 2))) <= 1, `VAT ${vatPaid}: the exemption beside the halving claimed`);
      const halving = (surchargesPayable: number, claimed: number) =>
        fen(
          benefit('2026-03-31', 'surcharges.sixTaxesTwoFees', {
            surcharges_payable: formatYuan(surchargesPayable),
            education_exempt_vat_payable: exemptVat,
            education_exemption_claimed: formatYuan(claimed),
          }) ?? '',
        );
      const formula = halving(levied, exempted);
      assert.equal(halving(full, 0), formula, `VAT ${vatPaid}: the exemption not claimed, the halving is the same`);
      const odd = after.filter((l) => l % 2 === 1).length;
      const difference = fen(result(r, 'reduction')) - formula;
      assert.equal(difference, Math.floor(odd / 2), `VAT ${vatPaid}, levies ${after.join(', ')}`);
      seen.add(difference);
    }
    assert.deepEqual([...seen].sort(), [0, 1], 'both the agreeing and the differing case are exercised');
  });

  it('individual-business halving: for a quarter holding the year’s whole income the formula equals the calculator’s iit.business relief, and the quarters add up to it', () => {
    for (const income of ['0.01', '30000.00', '30000.01', '120000.00', '1234567.89', '2000000.00', '2500000.00']) {
      const r = calculate({ calculation: 'iit.business', period: '2026', inputs: { taxableIncome: income } });
      const year = result(r, 'relief');
      assert.equal(benefit('2026-12-31', 'iit.individualBusinessHalving', { business_income: income, quarterly_business_income: income }), year, income);
      // The same income earned over four quarters (cumulative prepayments): the quarters' reliefs sum to the year's.
      const cents = BigInt(Math.round(Number(income) * 100));
      const parts = [cents / 4n, cents / 4n, cents / 4n, cents - 3n * (cents / 4n)];
      let ytd = 0n;
      let sum = 0n;
      for (const [q, part] of parts.entries()) {
        ytd += part;
        const yuan = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;
        const b = benefit(['2026-03-31', '2026-06-30', '2026-09-30', '2026-12-31'][q] as string, 'iit.individualBusinessHalving', {
          business_income: yuan(ytd),
          quarterly_business_income: yuan(part),
        });
        sum += BigInt(Math.round(Number(b) * 100));
      }
      assert.equal(sum, BigInt(Math.round(Number(year) * 100)), `${income} over four quarters`);
    }
  });
});
