/**
 * One measured phase of the foundation benchmark, run in its own process so
 * that its peak RSS (DuckDB's native memory included) is its own.
 * Prints one JSON line: { ms, maxRssMiB, ... }.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ingestDirectory } from '../src/ingest/ingest.ts';
import { tableForFile } from '../src/ingest/sources.ts';
import { tableSpec, validateRecord } from '../src/model/index.ts';
import { literal, Store } from '../src/store/store.ts';

const [phase, dir, db, arg] = process.argv.slice(2) as [string, string, string, string | undefined];
const started = Date.now();
let extra: Record<string, unknown> = {};

if (phase === 'generate') {
  const { generateCity } = await import('../src/generate/city.ts');
  const { parseSettings } = await import('../src/generate/settings.ts');
  const result = await generateCity(parseSettings({ taxpayers: Number(arg), months: 12, seed: 1 }), dir);
  extra = { files: result.files };
} else if (phase === 'ingest') {
  const store = await Store.open(db);
  const report = await ingestDirectory(store, dir);
  extra = { tables: report.tables, files: report.files.map((f) => ({ file: f.file, table: f.table, read: f.read, ms: f.ms })) };
} else if (phase === 'raw') {
  // What a user would do without Zhishu: DuckDB's own Parquet reader straight into tables, no checks.
  const store = await Store.open(db, { migrate: false });
  const byTable = new Map<string, string[]>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.parquet'))) {
    const t = tableForFile(f)?.name;
    if (t) byTable.set(t, [...(byTable.get(t) ?? []), join(dir, f)]);
  }
  const tables: Record<string, { rows: number; ms: number }> = {};
  for (const [t, files] of byTable) {
    const t0 = Date.now();
    await store.exec(`CREATE TABLE ${t} AS SELECT * FROM read_parquet([${files.map(literal).join(', ')}])`);
    const n = await store.one<{ n: string }>(`SELECT count(*) AS n FROM ${t}`);
    tables[t] = { rows: Number(n.n), ms: Date.now() - t0 };
  }
  await store.checkpoint();
  extra = { tables };
} else if (phase === 'zod') {
  // The other alternative: validate record by record in JavaScript with the same rules (zod), on a sample.
  const store = await Store.open(':memory:', { migrate: false });
  const file = readdirSync(dir).find((n) => n.startsWith('invoice-'));
  const rows = await store.all<Record<string, unknown>>(
    `SELECT * REPLACE (amount::VARCHAR AS amount, tax::VARCHAR AS tax, issued_on::VARCHAR AS issued_on) FROM read_parquet(${literal(join(dir, file ?? ''))}) LIMIT ${Number(arg)}`,
  );
  const spec = tableSpec('invoice');
  const t0 = Date.now();
  let bad = 0;
  for (const r of rows) if (validateRecord(spec, r).length > 0) bad++;
  extra = { rows: rows.length, bad, validateMs: Date.now() - t0 };
} else {
  throw new Error(`unknown phase ${phase}`);
}
console.log(JSON.stringify({ ms: Date.now() - started, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), ...extra }));
