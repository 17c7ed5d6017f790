import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { dataModelMarkdown } from '../src/model/dataModelDoc.ts';
import { SQL_TYPES, TABLES } from '../src/model/index.ts';
import { migrate, migrations, Store } from '../src/store/store.ts';

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

  it('docs/data-model.md is the one generated from the specs', () => {
    assert.equal(readFileSync('docs/data-model.md', 'utf8'), dataModelMarkdown(TABLES), 'run: npm run zhishu -- docs data-model');
  });
});
