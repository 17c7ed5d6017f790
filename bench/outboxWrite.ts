/**
 * What writing the outbox costs on DuckDB, and how much of it is DuckDB's compression: the push plan's
 * INSERTs write 5.4 million rows at a million taxpayers, and no change to how the plan decides can
 * make that part cheaper. On a database whose outbox a plan has filled, a sample of its rows (by
 * default about one batch's worth) is inserted into an empty copy of `push_message` in a fresh file,
 * four ways in turn: DuckDB's compression as it chooses (what Zhishu does), FSST off, FSST and
 * dictionaries off, and no compression at all. Prints a table of medians: wall time, process CPU time, and the
 * file's size after a CHECKPOINT, the price a bureau would pay on disk for the faster write.
 *
 *   node --import tsx bench/outboxWrite.ts <planned.duckdb> [rows] [rounds]
 */
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../src/store/store.ts';

const [db, rowsArg, roundsArg] = process.argv.slice(2);
if (!db) throw new Error('usage: bench/outboxWrite.ts <database with a planned outbox> [rows] [rounds]');
const ROWS = Number(rowsArg ?? 1_350_000);
const ROUNDS = Number(roundsArg ?? 3);
const store = await Store.open(db, { migrate: false });
const stored = Number((await store.one<{ n: string }>('SELECT count(*) AS n FROM push_message')).n);
if (stored === 0) throw new Error(`${db}: push_message is empty; plan a period first (zhishu push plan)`);
await store.exec(`CREATE OR REPLACE TEMP TABLE outbox_sample AS SELECT * FROM push_message USING SAMPLE ${Math.min(ROWS, stored)} ROWS`);
const ddl = (
  await store.one<{ sql: string }>(
    "SELECT sql FROM duckdb_tables() WHERE table_name = 'push_message' AND schema_name = 'main' AND database_name = current_database()",
  )
).sql;

// Each way is a setting of the instance while its INSERT runs, put back after it.
const ways: { name: string; set: string[] }[] = [
  { name: 'as DuckDB chooses (Zhishu)', set: [] },
  { name: 'FSST off', set: ["SET disabled_compression_methods = 'fsst'"] },
  { name: 'FSST and dictionaries off', set: ["SET disabled_compression_methods = 'fsst,dictionary'"] },
  { name: 'no compression', set: ["SET force_compression = 'uncompressed'"] },
];
const results = new Map<string, { ms: number[]; cpuMs: number[]; mib: number[] }>(ways.map((w) => [w.name, { ms: [], cpuMs: [], mib: [] }]));
const file = join(tmpdir(), `zhishu-outbox-write-${process.pid}.duckdb`);
for (let round = 0; round < ROUNDS; round++)
  for (const way of ways) {
    for (const f of [file, `${file}.wal`]) rmSync(f, { force: true });
    await store.exec(`ATTACH '${file}' AS outbox_copy`);
    try {
      // The outbox's own columns, its ENUMs as text (the fresh file has no types of its own).
      await store.exec(
        ddl
          .replace(/CREATE TABLE (main\.)?push_message/, 'CREATE TABLE outbox_copy.main.push_message')
          .replace(/"?push_(role|kind|channel|status)"?(?=\s|,)/g, 'VARCHAR'),
      );
      await store.exec('CHECKPOINT outbox_copy');
      for (const s of way.set) await store.exec(s);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await store.exec('INSERT INTO outbox_copy.main.push_message BY NAME SELECT * FROM outbox_sample');
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      await store.exec('RESET disabled_compression_methods');
      await store.exec('RESET force_compression');
      await store.exec('CHECKPOINT outbox_copy');
      const r = results.get(way.name) as { ms: number[]; cpuMs: number[]; mib: number[] };
      r.ms.push(ms);
      r.cpuMs.push((c.user + c.system) / 1000);
      r.mib.push(statSync(file).size / 1048576);
      process.stderr.write(`outbox write: ${way.name}, round ${round + 1}/${ROUNDS}: ${Math.round(ms)} ms\n`);
    } finally {
      await store.exec('RESET disabled_compression_methods');
      await store.exec('RESET force_compression');
      await store.exec('DETACH outbox_copy');
      for (const f of [file, `${file}.wal`]) rmSync(f, { force: true });
    }
  }
store.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const base = results.get(ways[0]?.name as string) as { ms: number[] };
console.log(`${Math.min(ROWS, stored).toLocaleString('en-US')} outbox rows inserted, ${ROUNDS} rounds in turn, medians:\n`);
console.log('| compression | wall time | × Zhishu | CPU | file after CHECKPOINT |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, r] of results)
  console.log(
    `| ${name} | ${(median(r.ms) / 1000).toFixed(2)} s | ${(median(r.ms) / median(base.ms)).toFixed(2)} | ${(median(r.cpuMs) / 1000).toFixed(2)} s | ${Math.round(median(r.mib))} MiB |`,
  );
