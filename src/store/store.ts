import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import type { Db } from './db.ts';
import { migrate } from './migrate.ts';

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');
export const DEFAULT_DB_PATH = 'data/zhishu.duckdb';

export type { Row } from './db.ts';

import type { Row } from './db.ts';

export interface StoreOptions {
  /** DuckDB settings, e.g. { threads: '2', memory_limit: '3GB' }. */
  settings?: Record<string, string>;
  /** Apply schema migrations on open (default true). The generator's scratch database does not need them. */
  migrate?: boolean;
}

/**
 * The embedded store: one DuckDB database file and one long-lived connection.
 * Instances are cached per path, so a process never opens the same file twice.
 */
export class Store implements Db {
  readonly dialect = 'duckdb' as const;

  private constructor(
    public readonly path: string,
    private readonly instance: DuckDBInstance,
    public readonly connection: DuckDBConnection,
  ) {}

  private static readonly opened = new Map<string, Promise<Store>>();

  /** Opens a database file, or returns the store already open on it in this process. */
  static open(path: string = DEFAULT_DB_PATH, options: StoreOptions = {}): Promise<Store> {
    if (path === ':memory:') return Store.create(path, options);
    const key = resolve(path);
    let store = Store.opened.get(key);
    if (!store) {
      store = Store.create(path, options);
      Store.opened.set(key, store);
      store.catch(() => Store.opened.delete(key));
    }
    return store;
  }

  private static async create(path: string, options: StoreOptions): Promise<Store> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    // Row order in a table means nothing in Zhishu (every query that needs an order says ORDER BY),
    // and without it DuckDB appends in parallel. The generator sets it back on: same seed, same bytes.
    // Memory is bounded (DuckDB spills to disk past it): the machines are small and shared.
    const instance = await DuckDBInstance.create(path, {
      preserve_insertion_order: 'false',
      memory_limit: process.env.ZHISHU_MEMORY_LIMIT ?? '3GB',
      ...options.settings,
    });
    const connection = await instance.connect();
    const store = new Store(path, instance, connection);
    await store.exec(readSql('macros.sql'));
    if (options.migrate !== false) await migrate(store);
    return store;
  }

  /** Runs one or more statements; no result. */
  async exec(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<void> {
    const t0 = Date.now();
    await this.connection.run(sql, params);
    if (process.env.ZHISHU_SQL_TIMING) process.stderr.write(`${Date.now() - t0} ms: ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n`);
  }

  /** Runs one INSERT, UPDATE or DELETE and returns the number of rows it changed. */
  async change(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<number> {
    const t0 = Date.now();
    const result = await this.connection.run(sql, params);
    if (process.env.ZHISHU_SQL_TIMING) process.stderr.write(`${Date.now() - t0} ms: ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n`);
    return result.rowsChanged;
  }

  /** Runs a query and returns its rows as JSON-safe objects (BIGINT and DECIMAL as strings). */
  async all<T extends Row = Row>(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<T[]> {
    const t0 = Date.now();
    const reader = await this.connection.runAndReadAll(sql, params);
    if (process.env.ZHISHU_SQL_TIMING) process.stderr.write(`${Date.now() - t0} ms: ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n`);
    return reader.getRowObjectsJson() as unknown as T[];
  }

  async one<T extends Row = Row>(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<T> {
    const rows = await this.all<T>(sql, params);
    if (rows.length === 0) throw new Error(`query returned no row: ${sql.slice(0, 80)}`);
    return rows[0] as T;
  }

  /** Runs fn inside one transaction: all of it commits, or none of it. */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    await this.exec('BEGIN TRANSACTION');
    try {
      const result = await fn(this);
      await this.exec('COMMIT');
      return result;
    } catch (err) {
      await this.exec('ROLLBACK');
      throw err;
    }
  }

  async checkpoint(): Promise<void> {
    if (this.path !== ':memory:') await this.exec('CHECKPOINT');
  }

  /** Closes the connection and the database, releasing the file lock. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    if (this.path !== ':memory:') Store.opened.delete(resolve(this.path));
  }
}

export function readSql(relativePath: string): string {
  return readFileSync(join(SQL_DIR, relativePath), 'utf8');
}

export { type Migration, migrate, migrations } from './migrate.ts';

/** Quotes an SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes an SQL string literal, for the few places (file paths in COPY) where DuckDB takes no parameter. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
