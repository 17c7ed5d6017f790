import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db, Dialect } from './db.ts';

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');

/** Each engine has its own migration files, with the same numbers and names (test/postgres.test.ts keeps them in step). */
const MIGRATION_DIRS: Record<Dialect, string> = { duckdb: 'migrations', postgres: join('pg', 'migrations') };

const BOOKKEEPING: Record<Dialect, string> = {
  duckdb: 'CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)',
  postgres: 'CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, name TEXT COLLATE "C" NOT NULL, applied_at TIMESTAMP NOT NULL)',
};

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function migrations(dialect: Dialect = 'duckdb'): Migration[] {
  const dir = join(SQL_DIR, MIGRATION_DIRS[dialect]);
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Applies the migrations of the database's engine not yet applied, each in its own transaction, and
 * records each in `schema_migration`. Returns the versions applied. `through` stops after that
 * version (a store as an earlier release left it, for upgrade tests).
 */
export async function migrate(db: Db, through = Number.POSITIVE_INFINITY): Promise<number[]> {
  await db.exec(BOOKKEEPING[db.dialect]);
  const done = new Set((await db.all<{ version: number }>('SELECT version FROM schema_migration')).map((r) => r.version));
  const applied: number[] = [];
  for (const m of migrations(db.dialect)) {
    if (done.has(m.version) || m.version > through) continue;
    await db.transaction(async (tx) => {
      await tx.exec(m.sql);
      await tx.exec('INSERT INTO schema_migration VALUES ($1, $2, current_timestamp)', [m.version, m.name]);
    });
    applied.push(m.version);
  }
  return applied;
}
