import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildLedger } from '../src/ledger/ledger.ts';
import { catalogueOf, DEFAULT_LAW_DIR, runMatch } from '../src/match/match.ts';
import { planPushes } from '../src/push/plan.ts';
import { duckdbLibrary, jemallocDecay } from '../src/store/freedPages.ts';
import { keepFreedBlocksForCity, Store } from '../src/store/store.ts';
import { savedEnv } from './helpers/env.ts';
import { tempDir } from './helpers/tmp.ts';

const linux = process.platform === 'linux';

describe("The pages DuckDB's jemalloc frees, kept by a city-wide run (src/store/freedPages.ts)", () => {
  it("finds DuckDB's library among the files the process has mapped", () => {
    const maps = [
      '55d0c0000000-55d0c0400000 rw-p 00000000 00:00 0 ',
      '7f1000000000-7f1000200000 r-xp 00000000 fd:01 1234                       /opt/app/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so',
      '7f2000000000-7f2000100000 r-xp 00000000 fd:01 99                         /usr/lib/x86_64-linux-gnu/libc.so.6',
    ].join('\n');
    assert.equal(duckdbLibrary(maps), '/opt/app/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so');
    assert.equal(duckdbLibrary('7f2000000000-7f2000100000 r-xp 00000000 fd:01 99 /usr/lib/libduckdb.so.bak'), null);
  });

  it("leaves jemalloc's decay to DuckDB for a small city, a match, a ledger and with ZHISHU_KEEP_FREED_PAGES=0; a city-wide plan of a city large for DuckDB's memory turns it off", {
    skip: !linux && 'DuckDB is built with jemalloc on Linux only',
  }, async () => {
    const dir = tempDir();
    const restore = savedEnv('ZHISHU_BLOCK_ALLOCATOR_MEMORY', 'ZHISHU_KEEP_FREED_PAGES');
    delete process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY;
    delete process.env.ZHISHU_KEEP_FREED_PAGES;
    // A memory limit of 128 MB (122 MiB) is reached at 31,250 taxpayers (4 KiB each): store.ts, keepFreedBlocksForCity.
    const city = async (name: string, taxpayers: number) => {
      const store = await Store.open(join(dir, `${name}.duckdb`), { settings: { memory_limit: '128MB' } });
      await store.exec(
        `INSERT INTO taxpayer SELECT printf('91110000%010d', i), 'Company ' || i, 'enterprise', 'general', 'I65', 'futian', DATE '2020-01-01', 10, 1000000, 'actualAccounts', false, NULL, 0, 'A' FROM range(${taxpayers}) t(i)`,
      );
      return store;
    };
    const decays = () => ['arenas.dirty_decay_ms', 'arenas.muzzy_decay_ms', 'arena.0.dirty_decay_ms', 'arena.0.muzzy_decay_ms'].map(jemallocDecay);
    try {
      const NOW = new Date('2026-10-10T02:00:00Z');
      const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
      const small = await city('small', 31000);
      const duckdbs = decays();
      // DuckDB configures a decay of its own (a second when this was written): pages go back to the kernel.
      for (const ms of duckdbs) assert.ok(ms !== null && ms > 0, `DuckDB's decay read through mallctl: ${duckdbs}`);
      await planPushes(small, catalogue.entries, { period: '2026-Q3', now: NOW });
      assert.deepEqual(decays(), duckdbs, "a smaller city's plan leaves the decay as DuckDB set it");
      small.close();

      // The match and the ledger were measured to gain nothing by it (docs/benchmarks.md): they keep blocks only.
      const matched = await city('matched', 31500);
      await runMatch(matched, { period: '2026-Q3', now: NOW });
      await buildLedger(matched, catalogue, '2026-Q3', NOW);
      assert.equal(await keepFreedBlocksForCity(matched), null, 'blocks kept already by the match');
      assert.deepEqual(decays(), duckdbs, "a large city's match and ledger leave the decay as DuckDB set it");
      matched.close();

      process.env.ZHISHU_KEEP_FREED_PAGES = '0';
      const refused = await city('refused', 31500);
      await planPushes(refused, catalogue.entries, { period: '2026-Q3', now: NOW });
      assert.deepEqual(decays(), duckdbs, 'ZHISHU_KEEP_FREED_PAGES=0 says no, whatever the city');
      refused.close();

      delete process.env.ZHISHU_KEEP_FREED_PAGES;
      // What decides the blocks does not decide the pages: with the blocks left to DuckDB, the pages are still kept.
      process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY = '0';
      const large = await city('large', 31500);
      const plan = await planPushes(large, catalogue.entries, { period: '2026-Q3', now: NOW });
      assert.deepEqual(decays(), [-1, -1, -1, -1], 'every arena and the default for later ones: never hand pages back');
      // DuckDB works on with the pages kept: a query that builds a hash table answers rightly.
      const [row] = await large.all<{ n: string }>('SELECT count(DISTINCT a.name)::BIGINT AS n FROM taxpayer a JOIN taxpayer b USING (credit_code)');
      assert.equal(row?.n, '31500');
      assert.ok(plan, 'the plan ran to its end');
      large.close();
    } finally {
      restore();
    }
  });
});
