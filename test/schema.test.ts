import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CATEGORIES } from '../src/law/catalogue.ts';
import { dataModelMarkdown } from '../src/model/dataModelDoc.ts';
import { SQL_TYPES, TABLES } from '../src/model/index.ts';
import { migrate, migrations, Store } from '../src/store/store.ts';
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

  it('docs/data-model.md is the one generated from the specs', () => {
    assert.equal(readFileSync('docs/data-model.md', 'utf8'), dataModelMarkdown(TABLES), 'run: npm run zhishu -- docs data-model');
  });
});
