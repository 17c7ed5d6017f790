import { readFileSync } from 'node:fs';
import { Store } from './src/store/store.ts';
import { parseSettings, setVariableSql, sqlVariables } from './src/generate/settings.ts';
import { REDUCTION_CODES } from './src/generate/reductionCodes.ts';
const s = await Store.open(':memory:', { migrate: false, settings: { threads: '2', memory_limit: '3GB', preserve_insertion_order: 'true' } });
const st = parseSettings({ taxpayers: 300000, months: 2 });
const statements = Object.entries(sqlVariables(st)).map(([k, v]) => setVariableSql(k, v));
statements.push(setVariableSql('code_vat_exempt', REDUCTION_CODES.vatSmallScaleExemption), setVariableSql('code_vat_rate_cut', REDUCTION_CODES.vatSmallScaleRateCut), setVariableSql('code_surcharge_halving', REDUCTION_CODES.surchargeHalving), setVariableSql('code_cit_slpe', REDUCTION_CODES.citSmallLowProfit), setVariableSql('code_cit_high_tech', REDUCTION_CODES.citHighTech), setVariableSql('month', 1));
await s.exec(statements.join('\n'));
let t0 = Date.now();
await s.exec(readFileSync('src/generate/sql/setup.sql', 'utf8'));
console.log('setup', Date.now() - t0);
const q = readFileSync('src/generate/sql/invoice.sql', 'utf8').trim().replace(/;\s*$/, '');
t0 = Date.now(); await s.exec(`CREATE TEMP TABLE x AS ${q}`); console.log('ctas', Date.now() - t0, (await s.all('select count(*) n from x'))[0]);
for (const opt of ['(FORMAT parquet, COMPRESSION zstd)', '(FORMAT parquet, COMPRESSION snappy, DICTIONARY_SIZE_LIMIT 1)', '(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)']) {
  t0 = Date.now(); await s.exec(`COPY x TO '/tmp/x.parquet' ${opt}`); console.log('copy table', opt, Date.now() - t0);
}
t0 = Date.now(); await s.exec(`COPY (${q}) TO '/tmp/x.parquet' (FORMAT parquet, COMPRESSION zstd)`); console.log('copy query', Date.now() - t0);
await s.exec(`SET preserve_insertion_order = false`);
t0 = Date.now(); await s.exec(`COPY x TO '/tmp/x.parquet' (FORMAT parquet, COMPRESSION zstd)`); console.log('copy table, no order', Date.now() - t0);
