import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DuckDBConnection, DuckDBInstance, type DuckDBPreparedStatement, type DuckDBValue } from '@duckdb/node-api';
import { appendRows } from './append.ts';
import type { Db, SqlParam } from './db.ts';
import { DuckPool } from './duckPool.ts';
import { keepFreedPages } from './freedPages.ts';
import { withHugePages } from './hugePages.ts';
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
  private depth = 0;
  get inTransaction(): boolean {
    return this.depth > 0;
  }

  private constructor(
    public readonly path: string,
    private readonly instance: DuckDBInstance,
    public readonly connection: DuckDBConnection,
    /** The memory limit the instance was opened with, as given (DuckDB shows it rounded). */
    public readonly memoryLimit: string,
  ) {}

  private static readonly opened = new Map<string, Promise<Store>>();

  /** allPrepared's statements by SQL text, least recently used first; `busy` while one runs. */
  private readonly prepared = new Map<string, { statement: DuckDBPreparedStatement; busy: boolean }>();

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
    const settings: Record<string, string> = {
      preserve_insertion_order: 'false',
      memory_limit: process.env.ZHISHU_MEMORY_LIMIT ?? '3GB',
      // DuckDB hands the pages of a freed buffer block back to the kernel; ZHISHU_BLOCK_ALLOCATOR_MEMORY
      // (e.g. 3GB, the memory limit) keeps that much for reuse instead, in every run of the process.
      // Unset, the instance opens with DuckDB's default and a city-wide match, push plan or ledger decides by the
      // city's size (keepFreedBlocksForCity, below). A bare 0 is what people write for none; DuckDB takes
      // a size with its unit.
      block_allocator_memory: (process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY ?? '0B').replace(/^\s*0+\s*$/, '0B'),
      ...options.settings,
    };
    const create = () =>
      DuckDBInstance.create(path, settings).catch((err: unknown) => {
        throw openError(path, err, settings);
      });
    // Blocks kept from the start: DuckDB maps their region as it opens, to be backed by huge pages (hugePages.ts).
    const instance = (bytesOf(settings.block_allocator_memory ?? '0B') ?? 0) > 0 ? await withHugePages(create) : await create();
    const store = new Store(path, instance, await connectWithMacros(instance), settings.memory_limit as string);
    // The store's clock is UTC on every connection, as the times Zhishu stamps in TypeScript are
    // (toISOString): with the machine's zone, a match run on a machine set to China time began in UTC
    // and finished eight hours later (now()::TIMESTAMP), and ingest stamped its files in local time.
    await store.connection.run("SET GLOBAL TimeZone = 'UTC'");
    if (options.migrate !== false) await migrate(store);
    return store;
  }

  private profiles = 0;
  /**
   * With ZHISHU_SQL_PROFILE=<dir>, DuckDB writes its profile of the next statement (the plan as run,
   * each operator's time and rows) to <dir>/<n>.json, n counting the statements from 1. A setting that
   * fails (in a transaction an error has aborted) is let go: the statement's own error is the one to see.
   */
  private async profileNext(): Promise<void> {
    const dir = process.env.ZHISHU_SQL_PROFILE;
    if (!dir) return;
    this.profiles++;
    if (this.profiles === 1) mkdirSync(dir, { recursive: true });
    const file = join(resolve(dir), `${this.profiles}.json`).replaceAll("'", "''");
    await this.connection.run(`SET enable_profiling = 'json'; SET profiling_output = '${file}'`).catch(() => undefined);
  }

  /** Runs one statement's work with what ZHISHU_SQL_PROFILE and ZHISHU_SQL_TIMING ask of it. */
  private async observed<R>(sql: string, run: () => Promise<R>, label = ''): Promise<R> {
    await this.profileNext();
    const t0 = Date.now();
    const result = await run();
    if (process.env.ZHISHU_SQL_TIMING) process.stderr.write(`${Date.now() - t0} ms${label}: ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n`);
    return result;
  }

  /** Runs one or more statements; no result. */
  async exec(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<void> {
    await this.observed(sql, () => this.connection.run(sql, params));
  }

  /** Runs one INSERT, UPDATE or DELETE and returns the number of rows it changed. */
  async change(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<number> {
    return (await this.observed(sql, () => this.connection.run(sql, params))).rowsChanged;
  }

  /** Runs a query and returns its rows as JSON-safe objects (BIGINT and DECIMAL as strings). */
  async all<T extends Row = Row>(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<T[]> {
    const reader = await this.observed(sql, () => this.connection.runAndReadAll(sql, params));
    return reader.getRowObjectsJson() as unknown as T[];
  }

  /**
   * all() on a statement kept prepared (at most PREPARED_KEPT of them, the least recently used
   * dropped): one round trip to DuckDB instead of three (split, prepare, run), no parsing. A
   * statement already running (another caller awaiting it) is not shared: this call runs its own.
   */
  async allPrepared<T extends Row = Row>(sql: string, params: SqlParam[]): Promise<T[]> {
    let kept = this.prepared.get(sql);
    if (kept?.busy) return this.all<T>(sql, params);
    if (kept) {
      this.prepared.delete(sql);
    } else {
      kept = { statement: await this.connection.prepare(sql), busy: false };
      if (this.prepared.size >= PREPARED_KEPT) {
        const [oldest, entry] = this.prepared.entries().next().value as [string, { statement: DuckDBPreparedStatement; busy: boolean }];
        this.prepared.delete(oldest);
        if (!entry.busy) entry.statement.destroySync();
      }
    }
    this.prepared.set(sql, kept);
    const statement = kept.statement;
    kept.busy = true;
    try {
      statement.bind(params);
      const reader = await this.observed(sql, () => statement.runAndReadAll(), ' (prepared)');
      return reader.getRowObjectsJson() as unknown as T[];
    } finally {
      kept.busy = false;
    }
  }

  /** Appends the rows with DuckDB's appender (append.ts). */
  insertRows(table: string, rows: readonly (readonly SqlParam[])[]): Promise<void> {
    return appendRows(this.connection, table, rows);
  }

  async one<T extends Row = Row>(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<T> {
    const rows = await this.all<T>(sql, params);
    if (rows.length === 0) throw new Error(`query returned no row: ${sql.slice(0, 80)}`);
    return rows[0] as T;
  }

  /** Runs fn inside one transaction: all of it commits, or none of it. */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    await this.exec('BEGIN TRANSACTION');
    this.depth++;
    try {
      const result = await fn(this);
      await this.exec('COMMIT');
      return result;
    } catch (err) {
      // A COMMIT that failed may have ended the transaction already: the first error is the one to report.
      await this.exec('ROLLBACK').catch(() => undefined);
      for (const restore of this.rollbackHooks) await restore().catch(() => undefined);
      throw err;
    } finally {
      this.depth--;
      this.rollbackHooks = [];
    }
  }

  private rollbackHooks: (() => Promise<void>)[] = [];
  /**
   * Runs fn on the connection once the open transaction has rolled back, for what the rollback does
   * not undo: a SET made inside the transaction stays, and a transaction a failed statement aborted
   * refuses every statement until then (disableOptimizer's setting). Nothing without a
   * transaction open, or when it commits.
   */
  afterRollback(fn: () => Promise<void>): void {
    if (this.depth > 0) this.rollbackHooks.push(fn);
  }

  async checkpoint(): Promise<void> {
    if (this.path !== ':memory:') await this.exec('CHECKPOINT');
  }

  /**
   * A pool of further connections to this database, for serving many requests at once (close the
   * store to close them). The store's own connection stays for the batch work of this process.
   */
  pool(size: number): Promise<DuckPool> {
    return DuckPool.open(size, () => this.instance.connect());
  }

  /**
   * One more connection to this database with the session macros the store's own connection has,
   * for work that runs statements side by side (the generator's writers). The caller closes it
   * before the store.
   */
  connect(): Promise<DuckDBConnection> {
    return connectWithMacros(this.instance);
  }

  /** Closes the connection and the database, releasing the file lock. */
  close(): void {
    // The connection destroys its prepared statements as it closes.
    this.prepared.clear();
    this.connection.closeSync();
    this.instance.closeSync();
    if (this.path !== ':memory:') Store.opened.delete(resolve(this.path));
  }
}

/**
 * Turns one of DuckDB's optimizers off on db (beside those off already) and returns what puts the
 * setting back as it was: call it when the work is done. Used where DuckDB's estimates mislead its
 * choice of a hash join's build side and the statements are written with the large side first (the push
 * plan, the city's ledger), and where ordering joins is work with nothing to gain (a taxpayer's facts,
 * joins of one-row relations). The setting is the instance's: the store's other connections (the API's
 * pool) plan so too until it is put back, as fast or slower, never with other results. Inside a
 * transaction that a failed statement aborted the setting cannot be put back at once; on a Store it is
 * put back once the caller has rolled the transaction back (afterRollback).
 */
export async function disableOptimizer(db: Db, name: string): Promise<() => Promise<void>> {
  const before = (await db.all<{ disabled: string }>("SELECT current_setting('disabled_optimizers') AS disabled"))[0]?.disabled ?? '';
  await db.exec(`SET disabled_optimizers = '${[before, name].filter((o) => o !== '').join(',')}'`);
  const restore = () => db.exec(`SET disabled_optimizers = '${before.replaceAll("'", "''")}'`);
  return () => restore().catch(() => (db instanceof Store ? db.afterRollback(restore) : undefined));
}

/**
 * The share of DuckDB's memory a taxpayer stands for in deciding whether a city-wide run keeps its
 * freed blocks: with 3 GB, from about 732,000 taxpayers. Measured side by side (docs/architecture.md):
 * a million taxpayers gained (the plan 0.8x), 500,000 did not (0.97x, the match 1.07x), fewer nothing.
 */
const CITY_BYTES_PER_TAXPAYER = 4 * 1024;

/**
 * Before a city-wide run on DuckDB: when the city is large for DuckDB's memory (its taxpayers times
 * CITY_BYTES_PER_TAXPAYER reach the memory limit) and ZHISHU_BLOCK_ALLOCATOR_MEMORY says nothing,
 * keeps the buffer blocks DuckDB frees, up to the memory limit, for reuse. Such a run frees and takes
 * blocks over and over; by default their pages go back to the kernel and each new block faults its
 * pages in again, which on the virtual machines Zhishu runs on costs dearly (docs/architecture.md,
 * "Memory DuckDB has touched"). DuckDB cannot take the setting back: the process keeps up to the limit
 * until it exits. Returns the setting made, or null when nothing was changed. With `pages` (the push
 * plan, the one run measured to gain by it) the pages its statements' working memory frees are kept too,
 * whatever ZHISHU_BLOCK_ALLOCATOR_MEMORY says (freedPages.ts; ZHISHU_KEEP_FREED_PAGES=0 says no).
 */
export async function keepFreedBlocksForCity(db: Db, { pages = false }: { pages?: boolean } = {}): Promise<string | null> {
  // Nothing to decide where the environment has decided the blocks and the pages are not asked for.
  if (db.dialect !== 'duckdb' || (!pages && process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY !== undefined)) return null;
  const row = await db.one<{ taxpayers: string | number; memory: string; kept: string }>(
    "SELECT (SELECT count(*) FROM taxpayer)::BIGINT AS taxpayers, current_setting('memory_limit')::VARCHAR AS memory, current_setting('block_allocator_memory')::VARCHAR AS kept",
  );
  const limit = bytesOf(row.memory);
  if (limit === null || Number(row.taxpayers) * CITY_BYTES_PER_TAXPAYER < limit) return null;
  // The pages of the statements' own working memory too (freedPages.ts), whoever decides the blocks.
  if (pages) keepFreedPages();
  if (process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY !== undefined || (bytesOf(row.kept) ?? 0) > 0) return null;
  // The limit as the store was given it: DuckDB shows it rounded down, to a tenth of its unit.
  const size = db instanceof Store ? db.memoryLimit : row.memory;
  // DuckDB maps the blocks' region as the setting is made: on huge pages where the kernel leaves that to the program (hugePages.ts).
  await withHugePages(() => db.exec(`SET GLOBAL block_allocator_memory = '${size.replaceAll("'", "''")}'`));
  return size;
}

/** A size as DuckDB shows a setting ("2.7 GiB", "512.0 MiB", "0 bytes") in bytes; null if it is not one. */
export function bytesOf(shown: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(bytes|[KMGT]iB|[KMGT]B)\s*$/.exec(shown);
  if (!m) return null;
  const unit = m[2] as string;
  const power = unit === 'bytes' ? 0 : 'KMGT'.indexOf(unit[0] as string) + 1;
  return Number(m[1]) * (unit.includes('i') || unit === 'bytes' ? 1024 : 1000) ** power;
}

/** DuckDB's refusals to open a file, said in the store's terms; any other error as it came. */
function openError(path: string, err: unknown, settings: Record<string, string>): unknown {
  const message = err instanceof Error ? err.message : String(err);
  // DuckDB says only "Failed to set config": name the settings, and where the sizes come from.
  if (/^Failed to set config/.test(message)) {
    const given = Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    return new Error(
      `the store ${path} cannot be opened with these DuckDB settings: ${given} (one is not valid; ZHISHU_MEMORY_LIMIT and ZHISHU_BLOCK_ALLOCATOR_MEMORY take a size with its unit, such as 3GB or 512MB)`,
      { cause: err },
    );
  }
  // Only a lock another process holds: DuckDB words other locking failures (a file system without
  // locks, ENOLCK) with the same prefix, and those keep its words.
  if (/Could not set lock on file/.test(message) && /Conflicting lock is held/.test(message)) {
    const pid = /\(PID (\d+)\)/.exec(message)?.[1];
    return new Error(
      `the store ${path} is in use by another process${pid ? ` (PID ${pid})` : ''}: DuckDB lets one process open a file at a time, so wait for it to finish (PostgreSQL, --database, serves many at once)`,
      { cause: err },
    );
  }
  if (/not a valid DuckDB database file/.test(message)) return new Error(`${path} is not a Zhishu store: it is not a DuckDB database file`, { cause: err });
  return err;
}

/** A connection with the session macros (sql/macros.sql): they belong to a connection, not to the database. */
async function connectWithMacros(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const connection = await instance.connect();
  await connection.run(readSql('macros.sql'));
  return connection;
}

/** How many statements a store keeps prepared for allPrepared. */
const PREPARED_KEPT = 64;

export function readSql(relativePath: string): string {
  return readFileSync(join(SQL_DIR, relativePath), 'utf8');
}

export { type Migration, migrate, migrations } from './migrate.ts';

/** Quotes an SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export { literal } from './db.ts';
