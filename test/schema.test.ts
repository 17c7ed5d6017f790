import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CATEGORIES } from '../src/law/catalogue.ts';
import { buildLedger, LEDGER_MATCH_STATUSES, LEDGER_STATUSES } from '../src/ledger/ledger.ts';
import { catalogueOf, DEFAULT_LAW_DIR, runMatch } from '../src/match/match.ts';
import { dataModelMarkdown } from '../src/model/dataModelDoc.ts';
import { CHANNELS, ROLES } from '../src/model/enums.ts';
import { SQL_TYPES, TABLES } from '../src/model/index.ts';
import { MESSAGE_KINDS, MESSAGE_STATUSES } from '../src/push/message.ts';
import { planPushes } from '../src/push/plan.ts';
import { factColumns } from '../src/rules/sql.ts';
import { bytesOf, keepFreedBlocksForCity, migrate, migrations, Store } from '../src/store/store.ts';
import { tempDir } from './helpers/tmp.ts';

/** Migrates the store in another process, killed before anything checkpoints; opens it again here (its WAL replayed). */
async function migratedByKilledProcess(file: string): Promise<Store> {
  const killed = spawnSync(
    process.execPath,
    ['--import', 'tsx', '-e', `import { Store } from './src/store/store.ts'; await Store.open(${JSON.stringify(file)}); process.kill(process.pid, 'SIGKILL');`],
    { encoding: 'utf8' },
  );
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  return Store.open(file, { migrate: false });
}

describe('schema', () => {
  it('the migrated tables have exactly the columns, types and nullability of the table specs', async () => {
    const store = await Store.open(':memory:');
    for (const spec of TABLES) {
      const cols = await store.all<{ column_name: string; column_type: string; null: string }>(`DESCRIBE ${spec.name}`);
      assert.deepEqual(
        cols.map((c) => [c.column_name, c.column_type, c.null === 'YES']),
        spec.columns.map((c) => [c.name, SQL_TYPES[c.type.kind], !c.required]),
        spec.name,
      );
    }
    store.close();
  });

  it('migrations are numbered without gaps and applying them twice changes nothing', async () => {
    assert.deepEqual(
      migrations().map((m) => m.version),
      migrations().map((_, i) => i + 1),
    );
    const store = await Store.open(':memory:');
    assert.deepEqual(await migrate(store), []);
    const applied = await store.all<{ version: number }>('SELECT version FROM schema_migration ORDER BY version');
    assert.equal(applied.length, migrations().length);
    store.close();
  });

  it("migration 008 takes an outbox's key away and keeps its rows and NOT NULLs, also when the process dies before a checkpoint", async () => {
    // A store as it was at migration 7, with a planned message.
    const file = join(tempDir(), 'v7.duckdb');
    const old = await Store.open(file, { migrate: false });
    await migrate(old, 7);
    const row = `('2026-Q3.C.financeOfficer.relief.p', 'C', 'financeOfficer', 'relief', '2026-Q3', 'p', NULL, 'cit', 1, 12.5, DATE '2026-10-15', 'inApp',
      'inbox:C/financeOfficer', NULL, NULL, 'planned', TIMESTAMP '2026-10-10 09:00:00', 0, NULL, NULL, TIMESTAMP '2026-09-30 08:00:00', NULL, 'Li', 'Co', NULL, NULL)`;
    await old.exec(`INSERT INTO push_message VALUES ${row}`);
    old.close();
    // Another process migrates it and is killed before anything checkpoints: the next open replays the WAL.
    const store = await migratedByKilledProcess(file);
    const [done] = await store.all<{ v: number }>('SELECT max(version) AS v FROM schema_migration');
    assert.equal(done?.v, migrations().length, 'the killed process migrated the store, and its WAL was replayed');
    const rows = await store.all<{ message_id: string; benefit: string }>('SELECT message_id, benefit FROM push_message');
    assert.deepEqual(rows, [{ message_id: '2026-Q3.C.financeOfficer.relief.p', benefit: '12.50' }]);
    const fresh = await Store.open(':memory:');
    assert.deepEqual(await store.all('DESCRIBE push_message'), await fresh.all('DESCRIBE push_message'), 'the same columns, types and nullability');
    fresh.close();
    const indexes = await store.all("SELECT index_name FROM duckdb_indexes() WHERE table_name = 'push_message'");
    assert.deepEqual(indexes, []);
    await assert.rejects(store.exec(`INSERT INTO push_message SELECT * REPLACE (NULL AS message_id) FROM push_message`), /NOT NULL/);
    store.close();
  });

  it("migration 009 makes policy_match's status and category ENUMs of exactly the statuses and the catalogue's categories, keeping its rows and NOT NULLs through a WAL replay", async () => {
    const file = join(tempDir(), 'v8.duckdb');
    const old = await Store.open(file, { migrate: false });
    await migrate(old, 8);
    await old.exec(`INSERT INTO policy_match VALUES (1, 'C', 'stampDuty.x', '2026-Q3', 'nearMiss', 12.5, 'stampDuty', TIMESTAMP '2026-09-30 08:00:00'),
      (1, 'C', 'vat.y', '2026-Q3', 'unknown', NULL, 'vat', TIMESTAMP '2026-09-30 08:00:00')`);
    old.close();
    const store = await migratedByKilledProcess(file);
    assert.deepEqual(await store.all('SELECT policy_id, status, benefit, category FROM policy_match ORDER BY policy_id'), [
      { policy_id: 'stampDuty.x', status: 'nearMiss', benefit: '12.50', category: 'stampDuty' },
      { policy_id: 'vat.y', status: 'unknown', benefit: null, category: 'vat' },
    ]);
    const range = async (type: string) => (await store.one<{ v: string[] }>(`SELECT enum_range(NULL::${type})::VARCHAR[] AS v`)).v;
    assert.deepEqual(await range('match_status'), ['matched', 'nearMiss', 'unknown']);
    assert.deepEqual(await range('policy_category'), [...CATEGORIES], "the catalogue's categories");
    const fresh = await Store.open(':memory:');
    assert.deepEqual(await store.all('DESCRIBE policy_match'), await fresh.all('DESCRIBE policy_match'), 'the same columns, types and nullability');
    fresh.close();
    await assert.rejects(store.exec(`INSERT INTO policy_match SELECT * REPLACE ('maybe' AS status) FROM policy_match`), /maybe/);
    await assert.rejects(store.exec(`INSERT INTO policy_match SELECT * REPLACE (NULL AS category) FROM policy_match`), /NOT NULL/);
    store.close();
  });

  it("migration 012 makes the outbox's role, kind, channel and status and the ledger's status ENUMs of exactly the code's values, keeping rows and NOT NULLs through a WAL replay", async () => {
    const file = join(tempDir(), 'v11.duckdb');
    const old = await Store.open(file, { migrate: false });
    await migrate(old, 11);
    await old.exec(`INSERT INTO push_message VALUES ('2026-Q3.C.taxHandler.digest.digest-0123456789abcdef', 'C', 'taxHandler', 'digest', '2026-Q3', NULL,
      'relief.cit.x,nearMiss.vat.y', 'cit,vat', 1, 12.5, DATE '2026-10-15', 'email', 'tax@example.com', NULL, NULL, 'failed', TIMESTAMP '2026-10-10 09:00:00', 3,
      NULL, 'refused', TIMESTAMP '2026-09-30 08:00:00', NULL, 'Li', 'Co', NULL, '[]')`);
    await old.exec(`INSERT INTO ledger_entry VALUES ('C', '2026-Q3', DATE '2026-09-30', DATE '2026-09-01', 'cit.x', 'notStacked', 0, NULL, TIMESTAMP '2026-09-30 08:00:00'),
      ('C', '2026-Q3', DATE '2026-09-30', DATE '2026-08-01', 'vat.y', 'enjoyed', 30.25, NULL, TIMESTAMP '2026-09-30 08:00:00')`);
    old.close();
    const store = await migratedByKilledProcess(file);
    assert.deepEqual(await store.all('SELECT role, kind, channel, status, items, benefit FROM push_message'), [
      { role: 'taxHandler', kind: 'digest', channel: 'email', status: 'failed', items: 'relief.cit.x,nearMiss.vat.y', benefit: '12.50' },
    ]);
    assert.deepEqual(await store.all('SELECT policy_id, status, enjoyed FROM ledger_entry ORDER BY policy_id'), [
      { policy_id: 'cit.x', status: 'notStacked', enjoyed: '0.00' },
      { policy_id: 'vat.y', status: 'enjoyed', enjoyed: '30.25' },
    ]);
    const range = async (type: string) => (await store.one<{ v: string[] }>(`SELECT enum_range(NULL::${type})::VARCHAR[] AS v`)).v;
    // In the order of the values as text: ORDER BY and comparisons give what they gave on VARCHAR (and give on PostgreSQL).
    const asText = (values: readonly string[]) => [...values].sort();
    assert.deepEqual(await range('push_role'), asText(ROLES));
    assert.deepEqual(await range('push_kind'), asText(MESSAGE_KINDS));
    assert.deepEqual(await range('push_channel'), asText(CHANNELS));
    assert.deepEqual(await range('push_status'), asText(MESSAGE_STATUSES));
    assert.deepEqual(await range('ledger_status'), asText(LEDGER_STATUSES));
    assert.deepEqual(await store.all(`SELECT kind FROM (VALUES ('relief'), ('digest'), ('nearMiss')) v(kind) ORDER BY kind::push_kind`), [
      { kind: 'digest' },
      { kind: 'nearMiss' },
      { kind: 'relief' },
    ]);
    const fresh = await Store.open(':memory:');
    for (const table of ['push_message', 'ledger_entry']) {
      assert.deepEqual(await store.all(`DESCRIBE ${table}`), await fresh.all(`DESCRIBE ${table}`), `${table}: the same columns, types and nullability`);
    }
    fresh.close();
    await assert.rejects(store.exec(`UPDATE push_message SET status = 'lost'`), /lost/);
    await assert.rejects(store.exec(`INSERT INTO ledger_entry SELECT * REPLACE ('maybe' AS status) FROM ledger_entry`), /maybe/);
    await assert.rejects(store.exec(`INSERT INTO push_message SELECT * REPLACE (NULL AS channel) FROM push_message`), /NOT NULL/);
    await assert.rejects(store.exec(`INSERT INTO ledger_entry SELECT * REPLACE (NULL AS status) FROM ledger_entry`), /NOT NULL/);
    store.close();
  });

  it("migration 013 grows the ledger's statuses, adds what a claim claimed and what the match said, and sorts out the rows there are, through a WAL replay", async () => {
    const file = join(tempDir(), 'v12.duckdb');
    const old = await Store.open(file, { migrate: false });
    await migrate(old, 12);
    const at = "DATE '2026-09-30', DATE '2026-09-01'";
    await old.exec(`INSERT INTO ledger_entry VALUES
      ('C', '2026-Q3', ${at}, 'cit.a', 'missed', 0, 120.50, TIMESTAMP '2026-10-01 08:00:00'),
      ('C', '2026-Q3', ${at}, 'cit.b', 'missed', 0, 0.00, TIMESTAMP '2026-10-01 08:00:00'),
      ('C', '2026-Q3', ${at}, 'cit.c', 'missed', 0, -5.00, TIMESTAMP '2026-10-01 08:00:00'),
      ('C', '2026-Q3', ${at}, 'cit.d', 'missed', 0, NULL, TIMESTAMP '2026-10-01 08:00:00'),
      ('C', '2026-Q3', ${at}, 'cit.e', 'notStacked', 0, NULL, TIMESTAMP '2026-10-01 08:00:00'),
      ('C', '2026-Q3', ${at}, 'vat.f', 'enjoyed', 30.25, NULL, TIMESTAMP '2026-10-01 08:00:00')`);
    old.close();
    const store = await migratedByKilledProcess(file);
    assert.deepEqual(
      await store.all(
        'SELECT policy_id, status, enjoyed::VARCHAR AS enjoyed, missed::VARCHAR AS missed, claimed::VARCHAR AS claimed, match_status FROM ledger_entry ORDER BY policy_id',
      ),
      [
        { policy_id: 'cit.a', status: 'missed', enjoyed: '0.00', missed: '120.50', claimed: null, match_status: 'matched' },
        { policy_id: 'cit.b', status: 'nothingToClaim', enjoyed: '0.00', missed: null, claimed: null, match_status: 'matched' },
        { policy_id: 'cit.c', status: 'nothingToClaim', enjoyed: '0.00', missed: null, claimed: null, match_status: 'matched' },
        { policy_id: 'cit.d', status: 'missedAmountUnknown', enjoyed: '0.00', missed: null, claimed: null, match_status: 'matched' },
        { policy_id: 'cit.e', status: 'notStacked', enjoyed: '0.00', missed: null, claimed: null, match_status: 'matched' },
        // Which claims the match contradicts only a rebuild can tell: until then not judged.
        { policy_id: 'vat.f', status: 'enjoyed', enjoyed: '30.25', missed: null, claimed: '30.25', match_status: null },
      ],
    );
    const range = async (type: string) => (await store.one<{ v: string[] }>(`SELECT enum_range(NULL::${type})::VARCHAR[] AS v`)).v;
    assert.deepEqual(await range('ledger_status'), [...LEDGER_STATUSES].sort());
    assert.deepEqual(await range('ledger_match'), [...LEDGER_MATCH_STATUSES].sort());
    const fresh = await Store.open(':memory:');
    assert.deepEqual(await store.all('DESCRIBE ledger_entry'), await fresh.all('DESCRIBE ledger_entry'), 'the same columns, types and nullability');
    fresh.close();
    await assert.rejects(store.exec(`INSERT INTO ledger_entry SELECT * REPLACE ('maybe' AS match_status) FROM ledger_entry`), /maybe/);
    await assert.rejects(store.exec(`INSERT INTO ledger_entry SELECT * REPLACE (NULL AS status) FROM ledger_entry`), /NOT NULL/);
    await assert.rejects(store.exec(`INSERT INTO ledger_entry SELECT * REPLACE (NULL AS enjoyed) FROM ledger_entry`), /NOT NULL/);
    store.close();
  });

  it('migration 015 adds the status lapsedInYear and the column lapsed, keeping every row as it was, through a WAL replay', async () => {
    const file = join(tempDir(), 'v14.duckdb');
    const old = await Store.open(file, { migrate: false });
    await migrate(old, 14);
    const at = "DATE '2026-09-30', DATE '2026-09-01'";
    await old.exec(`INSERT INTO ledger_entry VALUES
      ('C', '2026-Q3', ${at}, 'cit.a', 'missed', 0, 120.50, TIMESTAMP '2026-10-01 08:00:00', NULL, 'matched'),
      ('C', '2026-Q3', ${at}, 'vat.f', 'enjoyed', 30.25, NULL, TIMESTAMP '2026-10-01 08:00:00', 30.25, NULL)`);
    old.close();
    const store = await migratedByKilledProcess(file);
    assert.deepEqual(
      await store.all(
        'SELECT policy_id, status, enjoyed::VARCHAR AS enjoyed, missed::VARCHAR AS missed, claimed::VARCHAR AS claimed, match_status, lapsed FROM ledger_entry ORDER BY policy_id',
      ),
      [
        { policy_id: 'cit.a', status: 'missed', enjoyed: '0.00', missed: '120.50', claimed: null, match_status: 'matched', lapsed: null },
        { policy_id: 'vat.f', status: 'enjoyed', enjoyed: '30.25', missed: null, claimed: '30.25', match_status: null, lapsed: null },
      ],
    );
    await store.exec(`UPDATE ledger_entry SET status = 'lapsedInYear', lapsed = missed, missed = NULL WHERE policy_id = 'cit.a'`);
    assert.deepEqual(await store.all(`SELECT status, lapsed::VARCHAR AS lapsed FROM ledger_entry WHERE policy_id = 'cit.a'`), [
      { status: 'lapsedInYear', lapsed: '120.50' },
    ]);
    const fresh = await Store.open(':memory:');
    assert.deepEqual(await store.all('DESCRIBE ledger_entry'), await fresh.all('DESCRIBE ledger_entry'), 'the same columns, types and nullability');
    fresh.close();
    await assert.rejects(store.exec(`INSERT INTO ledger_entry SELECT * REPLACE (NULL AS built_at) FROM ledger_entry`), /NOT NULL/);
    store.close();
  });

  it('migration 029 names FSST for the per-taxpayer text columns of policy_match, ledger_entry and push_message, where DuckDB would choose otherwise, keeping rows and NOT NULLs through a WAL replay', async () => {
    const file = join(tempDir(), 'v28.duckdb');
    const old = await Store.open(file, { migrate: false });
    await migrate(old, 28);
    await old.exec(`INSERT INTO policy_match VALUES (1, 'C', 'vat.y', '2026-Q3', 'nearMiss', 12.5, 'vat', TIMESTAMP '2026-09-30 08:00:00')`);
    await old.exec(`INSERT INTO ledger_entry VALUES ('C', '2026-Q3', DATE '2026-09-30', DATE '2026-09-01', 'cit.a', 'missed', 0, 120.50,
      TIMESTAMP '2026-10-01 08:00:00', NULL, 'matched', NULL, 30.25)`);
    await old.exec(`INSERT INTO push_message VALUES ('2026-Q3.C.taxHandler.digest.digest-0123456789abcdef', 'C', 'taxHandler', 'digest', '2026-Q3', NULL,
      'relief.cit.x,nearMiss.vat.y', 'cit,vat', 1, 12.5, DATE '2026-10-15', 'email', 'tax@example.com', NULL, NULL, 'failed', TIMESTAMP '2026-10-10 09:00:00', 3,
      NULL, 'refused', TIMESTAMP '2026-09-30 08:00:00', NULL, 'Li', 'Co', NULL, '[]', NULL)`);
    const before = async (s: Store) => ({
      match: await s.all('SELECT * FROM policy_match'),
      ledger: await s.all('SELECT * FROM ledger_entry'),
      outbox: await s.all('SELECT * FROM push_message'),
    });
    const kept = await before(old);
    old.close();
    const store = await migratedByKilledProcess(file);
    assert.deepEqual(await before(store), kept, 'every row as it was');
    const fresh = await Store.open(':memory:');
    for (const table of ['policy_match', 'ledger_entry', 'push_message']) {
      assert.deepEqual(await store.all(`DESCRIBE ${table}`), await fresh.all(`DESCRIBE ${table}`), `${table}: the same columns, types and nullability`);
    }
    fresh.close();
    await assert.rejects(store.exec(`INSERT INTO policy_match SELECT * REPLACE (NULL AS credit_code) FROM policy_match`), /NOT NULL/);
    await assert.rejects(store.exec(`INSERT INTO push_message SELECT * REPLACE (NULL AS recipient) FROM push_message`), /NOT NULL/);

    // Three credit codes over 3,000 rows: DuckDB, left to choose, keeps such a column as a dictionary
    // (the copy made with CREATE TABLE AS, below); the migrated tables keep it as FSST, as named.
    const codes = "'91440300MA5F' || (i % 3)::VARCHAR || 'ABCDE'";
    await store.exec(
      `INSERT INTO policy_match SELECT 2, ${codes}, 'vat.y', '2026-Q4', 'matched', i, 'vat', TIMESTAMP '2026-12-31 08:00:00' FROM range(3000) r(i)`,
    );
    await store.exec(`INSERT INTO ledger_entry SELECT ${codes}, '2026-Q4', DATE '2026-12-31', DATE '2026-12-01', 'cit.a', 'matchedNoCode', 0, NULL,
      TIMESTAMP '2027-01-01 08:00:00', NULL, 'matched', NULL, NULL FROM range(3000) r(i)`);
    await store.exec(`INSERT INTO push_message SELECT '2026-Q4.' || ${codes} || '.taxHandler.relief.vat.y.' || i::VARCHAR, ${codes}, 'taxHandler', 'relief', '2026-Q4',
      'vat.y', NULL, 'vat', 2, i, DATE '2027-01-15', 'inApp', 'inbox:' || ${codes} || '/taxHandler', NULL, NULL, 'planned', TIMESTAMP '2027-01-10 09:00:00', 0,
      NULL, NULL, TIMESTAMP '2026-12-31 08:00:00', NULL, 'Li', 'Co ' || (i % 3)::VARCHAR, NULL, NULL, NULL FROM range(3000) r(i)`);
    await store.exec('CREATE TABLE policy_match_chosen AS SELECT * FROM policy_match');
    await store.exec('CHECKPOINT');
    const methods = async (table: string, column: string) =>
      (
        await store.one<{ m: string[] }>(
          `SELECT list(DISTINCT compression ORDER BY compression) AS m FROM pragma_storage_info('${table}') WHERE column_name = '${column}' AND segment_type = 'VARCHAR'`,
        )
      ).m;
    assert.notDeepEqual(await methods('policy_match_chosen', 'credit_code'), ['FSST'], 'left to choose, DuckDB does not take FSST for these codes');
    for (const [table, column] of [
      ['policy_match', 'credit_code'],
      ['ledger_entry', 'credit_code'],
      ['push_message', 'message_id'],
      ['push_message', 'credit_code'],
      ['push_message', 'recipient'],
      ['push_message', 'taxpayer_name'],
    ] as const) {
      assert.deepEqual(await methods(table, column), ['FSST'], `${table}.${column}`);
    }
    assert.notDeepEqual(await methods('push_message', 'policy_id'), ['FSST'], "a column of a few values keeps DuckDB's choice");
    store.close();
  });

  it('docs/data-model.md is the one generated from the specs', () => {
    assert.equal(readFileSync('docs/data-model.md', 'utf8'), dataModelMarkdown(TABLES, factColumns()), 'run: npm run zhishu -- docs data-model');
  });
});

describe('store', () => {
  it("ZHISHU_SQL_PROFILE=<dir> leaves DuckDB's profile of each statement, numbered in the order they ran, and lets a failing statement fail as itself", async () => {
    const store = await Store.open(':memory:');
    const dir = join(tempDir(), 'profiles');
    process.env.ZHISHU_SQL_PROFILE = dir;
    try {
      await store.exec('CREATE TEMP TABLE profiled AS SELECT range AS n FROM range(1000)');
      assert.equal(await store.change('DELETE FROM profiled WHERE n < 10'), 10);
      assert.deepEqual(await store.all('SELECT count(*)::INTEGER AS n FROM profiled'), [{ n: 990 }]);
      await store.exec('BEGIN TRANSACTION');
      await assert.rejects(store.exec('SELECT * FROM no_such_table'), /no_such_table/);
      // The aborted transaction refuses the profiling settings; the rollback itself still runs.
      await store.exec('ROLLBACK');
    } finally {
      delete process.env.ZHISHU_SQL_PROFILE;
    }
    const profile = (n: number) => JSON.parse(readFileSync(join(dir, `${n}.json`), 'utf8')) as { query_name: string; rows_returned: number };
    assert.match(profile(1).query_name, /^CREATE TEMP TABLE profiled/);
    assert.match(profile(2).query_name, /^DELETE FROM profiled/);
    assert.match(profile(3).query_name, /^SELECT count/);
    assert.equal(profile(3).rows_returned, 1);
    store.close();
  });

  it("keeps DuckDB's freed buffer blocks for reuse as much as ZHISHU_BLOCK_ALLOCATOR_MEMORY says, by default none (DuckDB's default), and names a size it refuses", async () => {
    const setting = async (store: Store) => await store.one<{ b: string }>("SELECT current_setting('block_allocator_memory')::VARCHAR AS b");
    // One store per file and process: each case opens a file of its own.
    const dir = tempDir();
    const given = process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY;
    delete process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY;
    const byDefault = await Store.open(join(dir, 'default.duckdb'));
    assert.equal((await setting(byDefault)).b, '0 bytes');
    byDefault.close();
    for (const [value, expected] of [
      ['3GB', '2.7 GiB'],
      ['0', '0 bytes'],
      ['0B', '0 bytes'],
      ['512MB', '488.2 MiB'],
    ] as const) {
      process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY = value;
      try {
        const store = await Store.open(join(dir, `${value}.duckdb`));
        assert.equal((await setting(store)).b, expected);
        store.close();
      } finally {
        if (given === undefined) delete process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY;
        else process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY = given;
      }
    }
    // A size without its unit: DuckDB says only "Failed to set config"; the store names what it was given.
    process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY = '512';
    try {
      await assert.rejects(Store.open(join(dir, 'bad.duckdb')), /block_allocator_memory=512\b.*ZHISHU_BLOCK_ALLOCATOR_MEMORY take a size with its unit/);
    } finally {
      if (given === undefined) delete process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY;
      else process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY = given;
    }
  });
  it("keeps freed blocks for a city-wide match, plan or ledger only where the city is large for DuckDB's memory, and never against ZHISHU_BLOCK_ALLOCATOR_MEMORY", async () => {
    const dir = tempDir();
    const given = process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY;
    delete process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY;
    const kept = async (store: Store) => (await store.one<{ b: string }>("SELECT current_setting('block_allocator_memory')::VARCHAR AS b")).b;
    const NOW = new Date('2026-10-10T02:00:00Z');
    const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
    const { entries } = catalogue;
    // A memory limit of 128 MB (122 MiB) is reached at 31,250 taxpayers (4 KiB each): 31,000 stay below, 31,500 do not.
    const city = async (name: string, taxpayers: number) => {
      const store = await Store.open(join(dir, `${name}.duckdb`), { settings: { memory_limit: '128MB' } });
      await store.exec(
        `INSERT INTO taxpayer SELECT printf('91110000%010d', i), 'Company ' || i, 'enterprise', 'general', 'I65', 'futian', DATE '2020-01-01', 10, 1000000, 'actualAccounts', false, NULL, 0, 'A' FROM range(${taxpayers}) t(i)`,
      );
      return store;
    };
    try {
      const small = await city('small', 31000);
      assert.equal(await keepFreedBlocksForCity(small), null);
      assert.equal(await kept(small), '0 bytes');
      await runMatch(small, { period: '2026-Q3', now: NOW });
      await planPushes(small, entries, { period: '2026-Q3', now: NOW });
      await buildLedger(small, catalogue, '2026-Q3', NOW);
      assert.equal(await kept(small), '0 bytes', "a smaller city keeps DuckDB's default through a match, a plan and a ledger");
      small.close();

      const large = await city('large', 31500);
      await runMatch(large, { period: '2026-Q3', now: NOW });
      assert.equal(await kept(large), '122.0 MiB', 'the city-wide match keeps up to the memory limit');
      assert.equal(await keepFreedBlocksForCity(large), null, 'kept already: nothing more to set');
      large.close();

      const planned = await city('planned', 31500);
      await planPushes(planned, entries, { period: '2026-Q3', now: NOW });
      assert.equal(await kept(planned), '122.0 MiB', 'the city-wide plan keeps up to the memory limit');
      planned.close();

      const ledgered = await city('ledgered', 31500);
      await buildLedger(ledgered, catalogue, '2026-Q3', NOW);
      assert.equal(await kept(ledgered), '122.0 MiB', "the city's ledger build keeps up to the memory limit");
      ledgered.close();

      const one = await city('one', 31500);
      await runMatch(one, { period: '2026-Q3', now: NOW, only: '911100000000000001' });
      await planPushes(one, entries, { period: '2026-Q3', now: NOW, only: '911100000000000001' });
      await buildLedger(one, catalogue, '2026-Q3', NOW, '911100000000000001');
      assert.equal(await kept(one), '0 bytes', "one taxpayer's re-match, plan and ledger leave DuckDB's default");
      one.close();

      process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY = '0';
      const refused = await city('refused', 31500);
      await runMatch(refused, { period: '2026-Q3', now: NOW });
      assert.equal(await kept(refused), '0 bytes', 'ZHISHU_BLOCK_ALLOCATOR_MEMORY=0 says none, whatever the city');
      refused.close();
    } finally {
      if (given === undefined) delete process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY;
      else process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY = given;
    }
    assert.equal(bytesOf('2.7 GiB'), 2.7 * 1024 ** 3);
    assert.equal(bytesOf('488.2 MiB'), 488.2 * 1024 ** 2);
    assert.equal(bytesOf('0 bytes'), 0);
    assert.equal(bytesOf('3GB'), 3e9);
    assert.equal(bytesOf('unlimited'), null);
  });
});
