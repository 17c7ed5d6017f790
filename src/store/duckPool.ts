import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { appendRows } from './append.ts';
import type { Db, Row, SqlParam } from './db.ts';

/** One DuckDB connection as a Db: the statements of a transaction, in order, on that connection. */
class DuckConnection implements Db {
  readonly dialect = 'duckdb' as const;
  private depth = 0;
  get inTransaction(): boolean {
    return this.depth > 0;
  }
  constructor(private readonly c: DuckDBConnection) {}
  async exec(sql: string, params?: SqlParam[]): Promise<void> {
    await this.c.run(sql, params as DuckDBValue[] | undefined);
  }
  async change(sql: string, params?: SqlParam[]): Promise<number> {
    return (await this.c.run(sql, params as DuckDBValue[] | undefined)).rowsChanged;
  }
  async all<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]> {
    const reader = await this.c.runAndReadAll(sql, params as DuckDBValue[] | undefined);
    return reader.getRowObjectsJson() as unknown as T[];
  }
  // Served statements vary little and cost more to plan than to parse; no statement cache here.
  allPrepared<T extends Row = Row>(sql: string, params: SqlParam[]): Promise<T[]> {
    return this.all<T>(sql, params);
  }
  insertRows(table: string, rows: readonly (readonly SqlParam[])[]): Promise<void> {
    return appendRows(this.c, table, rows);
  }
  async one<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T> {
    const rows = await this.all<T>(sql, params);
    if (rows.length === 0) throw new Error(`query returned no row: ${sql.slice(0, 80)}`);
    return rows[0] as T;
  }
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    await this.exec('BEGIN TRANSACTION');
    this.depth++;
    try {
      const result = await fn(this);
      await this.exec('COMMIT');
      return result;
    } catch (err) {
      await this.exec('ROLLBACK');
      throw err;
    } finally {
      this.depth--;
    }
  }
}

/**
 * Several connections to one DuckDB database, for a server: one connection runs one statement at a
 * time, so concurrent requests on a single connection wait in line although DuckDB could run them
 * side by side. Each statement goes to the connection with the fewest in flight; a transaction gets
 * a connection of its own for its whole length, so no other request's statement lands inside it.
 */
export class DuckPool implements Db {
  readonly dialect = 'duckdb' as const;
  // Its transaction() hands fn a connection of its own.
  readonly inTransaction = false;
  private readonly inFlight: number[];

  constructor(
    private readonly connections: readonly DuckConnection[],
    private readonly connect: () => Promise<DuckDBConnection>,
  ) {
    this.inFlight = connections.map(() => 0);
  }

  static async open(size: number, connect: () => Promise<DuckDBConnection>): Promise<DuckPool> {
    const connections: DuckConnection[] = [];
    for (let i = 0; i < size; i++) connections.push(new DuckConnection(await connect()));
    return new DuckPool(connections, connect);
  }

  private async on<T>(fn: (c: DuckConnection) => Promise<T>): Promise<T> {
    let best = 0;
    for (let i = 1; i < this.inFlight.length; i++) if ((this.inFlight[i] as number) < (this.inFlight[best] as number)) best = i;
    this.inFlight[best] = (this.inFlight[best] as number) + 1;
    try {
      return await fn(this.connections[best] as DuckConnection);
    } finally {
      this.inFlight[best] = (this.inFlight[best] as number) - 1;
    }
  }

  exec(sql: string, params?: SqlParam[]): Promise<void> {
    return this.on((c) => c.exec(sql, params));
  }
  change(sql: string, params?: SqlParam[]): Promise<number> {
    return this.on((c) => c.change(sql, params));
  }
  all<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]> {
    return this.on((c) => c.all<T>(sql, params));
  }
  one<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T> {
    return this.on((c) => c.one<T>(sql, params));
  }
  allPrepared<T extends Row = Row>(sql: string, params: SqlParam[]): Promise<T[]> {
    return this.all<T>(sql, params);
  }
  insertRows(table: string, rows: readonly (readonly SqlParam[])[]): Promise<void> {
    return this.on((c) => c.insertRows(table, rows));
  }
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const c = await this.connect();
    try {
      return await new DuckConnection(c).transaction(fn);
    } finally {
      c.closeSync();
    }
  }
}
