import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db, Row, SqlParam } from './db.ts';
import { migrate } from './migrate.ts';

export interface PgOptions {
  /**
   * The schema every pooled connection works in (created if missing): the only entry of its
   * search_path, so unqualified names never fall through to another schema's tables.
   */
  schema?: string;
  /** Most connections the pool opens (default 4: the match needs one, the API a few). */
  max?: number;
}

// DATE, TIMESTAMP, TIMESTAMPTZ, TIME, JSON and JSONB: kept as the text the server sends (ISO, with
// DateStyle pinned below), which is exactly what DuckDB's Store.all gives. node-postgres would make
// Dates (shifted by the process's time zone) and parsed JSON. The other types already match: BIGINT
// and NUMERIC come as strings, INTEGER, SMALLINT and DOUBLE as numbers, BOOLEAN as booleans.
const AS_TEXT = new Set<number>([1082, 1114, 1184, 1083, 114, 3802]);
const asText = (value: string) => value;
const types: pg.CustomTypesConfig = {
  getTypeParser: (id, format) => (AS_TEXT.has(id) && format !== 'binary' ? asText : pg.types.getTypeParser(id, format)),
};

/** A Db over one checked-out connection: the transaction's statements, in order, on that connection. */
export class PgTx implements Db {
  readonly dialect = 'postgres' as const;
  readonly inTransaction = true;
  private savepoints = 0;
  private over = false;

  constructor(private readonly client: pg.PoolClient) {}

  private live(): pg.PoolClient {
    // The connection goes back to the pool when the transaction ends; a statement sent after that
    // would run outside it, on whatever the connection does next.
    if (this.over) throw new Error('the transaction is over: use the Db it was opened from');
    return this.client;
  }

  /** Marks the transaction finished: the Db refuses every later statement. */
  end(): void {
    this.over = true;
  }

  async exec(sql: string, params?: SqlParam[]): Promise<void> {
    await run(this.live(), sql, params);
  }

  async change(sql: string, params?: SqlParam[]): Promise<number> {
    return (await run(this.live(), sql, params)).rowCount ?? 0;
  }

  async all<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]> {
    return (await run(this.live(), sql, params)).rows as T[];
  }

  async allPrepared<T extends Row = Row>(sql: string, params: SqlParam[]): Promise<T[]> {
    return (await run(this.live(), sql, params, true)).rows as T[];
  }

  async insertRows(table: string, rows: readonly (readonly SqlParam[])[]): Promise<void> {
    if (rows.length > 0) await run(this.live(), insertSql(table, rows), rows.flat(), true);
  }

  async one<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T> {
    const rows = await this.all<T>(sql, params);
    if (rows.length === 0) throw new Error(`query returned no row: ${sql.slice(0, 80)}`);
    return rows[0] as T;
  }

  /** Already in a transaction: a nested one is a savepoint, undone alone if fn fails. */
  async transaction<T>(fn: (tx: PgTx) => Promise<T>): Promise<T> {
    const name = `zhishu_${++this.savepoints}`;
    await this.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn(this);
      await this.exec(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      await this.exec(`ROLLBACK TO SAVEPOINT ${name}`);
      throw err;
    } finally {
      this.savepoints--;
    }
  }

  /** Streams CSV or text into `COPY ... FROM STDIN` and returns the rows the server counted. */
  async copyFrom(copySql: string, source: Readable): Promise<number> {
    const sink = this.live().query(copyFrom(copySql));
    await pipeline(source, sink);
    return sink.rowCount;
  }
}

/**
 * The store on a PostgreSQL server: the same schema as the embedded DuckDB store (migrations under
 * sql/pg/migrations), rows read back in the same JSON shape, `$1, $2, ...` parameters. Statements
 * outside a transaction take any pooled connection; a transaction keeps one.
 */
export class PgDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly inTransaction = false;

  private constructor(
    private readonly pool: pg.Pool,
    public readonly schema: string | null,
  ) {}

  /** Connects (lazily, per statement) to the server at url; with a schema, creates it if missing. */
  static async open(url: string, options: PgOptions = {}): Promise<PgDb> {
    const schema = options.schema ?? null;
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new Error(`schema '${schema}' is not a plain lower-case SQL name (a-z, 0-9, _)`);
    }
    const { connectionString, urlOptions } = splitOptions(url);
    // Pinned per connection at start-up, so no statement can run before them: ISO dates are what
    // the text parsers above pass through, and UTC makes now()::TIMESTAMP mean what it means in
    // DuckDB (store.ts pins UTC there too, as the times stamped in TypeScript are); with standard_conforming_strings a backslash in a string
    // literal is itself, as in DuckDB, whatever the server's or role's default (the re-match writes
    // the catalogue's strings into its statement as literals: rules/sql.ts inlineParams).
    const settings = ['-c datestyle=ISO', '-c timezone=UTC', '-c standard_conforming_strings=on'];
    if (schema !== null) {
      const admin = new pg.Client({ connectionString, options: [urlOptions, ...settings].filter(Boolean).join(' ') });
      await admin.connect();
      try {
        // Looked up first: CREATE SCHEMA IF NOT EXISTS still needs the right to create one.
        const found = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
        if (found.rowCount === 0) await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      } finally {
        await admin.end();
      }
      settings.push(`-c search_path=${schema}`);
    }
    // An idle connection is kept ten minutes (node-postgres closes it after ten seconds by default):
    // its prepared statements and their plans go with it, and a server that re-matches a taxpayer
    // now and then would connect and plan again each time. Idle connections do not keep a process
    // alive that has nothing else to do.
    const pool = new pg.Pool({
      connectionString,
      options: [urlOptions, ...settings].filter(Boolean).join(' '),
      types,
      max: options.max ?? 4,
      idleTimeoutMillis: 600_000,
      allowExitOnIdle: true,
    });
    // An idle connection the server drops must not crash the process; the next checkout reconnects.
    pool.on('error', (err) => process.stderr.write(`postgres: idle connection lost: ${err.message}\n`));
    return new PgDb(pool, schema);
  }

  async exec(sql: string, params?: SqlParam[]): Promise<void> {
    await run(this.pool, sql, params);
  }

  async change(sql: string, params?: SqlParam[]): Promise<number> {
    return (await run(this.pool, sql, params)).rowCount ?? 0;
  }

  async all<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]> {
    return (await run(this.pool, sql, params)).rows as T[];
  }

  async allPrepared<T extends Row = Row>(sql: string, params: SqlParam[]): Promise<T[]> {
    return (await run(this.pool, sql, params, true)).rows as T[];
  }

  async insertRows(table: string, rows: readonly (readonly SqlParam[])[]): Promise<void> {
    if (rows.length > 0) await run(this.pool, insertSql(table, rows), rows.flat(), true);
  }

  async one<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T> {
    const rows = await this.all<T>(sql, params);
    if (rows.length === 0) throw new Error(`query returned no row: ${sql.slice(0, 80)}`);
    return rows[0] as T;
  }

  /** Runs fn on one checked-out connection inside BEGIN ... COMMIT; ROLLBACK if fn throws. */
  async transaction<T>(fn: (tx: PgTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx = new PgTx(client);
    let broken: Error | undefined;
    try {
      try {
        await client.query('BEGIN');
      } catch (err) {
        broken = err as Error;
        throw err;
      }
      try {
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          // A connection that cannot roll back is not given to anyone else.
          broken = rollbackErr as Error;
        }
        throw err;
      }
    } finally {
      tx.end();
      client.release(broken);
    }
  }

  /**
   * Runs fn on one checked-out connection outside a transaction, holding the session advisory lock
   * named `lock` in the current schema meanwhile: another caller of the same lock on the same
   * schema, in this process or another, waits until fn is done. fn's statements commit one by one;
   * its db.transaction(...) is BEGIN ... COMMIT on that connection. The lock goes with the session,
   * so a process that dies holding it releases it. onWait is called when the lock is held by
   * someone else, before waiting for it (a command can say why it does not start).
   */
  async exclusive<T>(lock: string, fn: (db: Db) => Promise<T>, onWait?: () => void): Promise<T> {
    const client = await this.pool.connect();
    const tx = new PgTx(client);
    const key = "hashtext($1::TEXT || '.' || coalesce(current_schema(), ''))";
    let broken: Error | undefined;
    try {
      try {
        const got = await client.query<{ got: boolean }>(`SELECT pg_try_advisory_lock(${key}) AS got`, [lock]);
        if (!got.rows[0]?.got) {
          onWait?.();
          await client.query(`SELECT pg_advisory_lock(${key})`, [lock]);
        }
      } catch (err) {
        broken = err as Error;
        throw err;
      }
      try {
        return await fn(new PgSession(tx));
      } finally {
        try {
          await client.query(`SELECT pg_advisory_unlock(${key})`, [lock]);
        } catch (err) {
          // The lock goes with the connection, which is not given to anyone else.
          broken = err as Error;
        }
      }
    } finally {
      tx.end();
      client.release(broken);
    }
  }

  /**
   * Applies the PostgreSQL migrations not yet applied. An advisory lock makes a second process that
   * migrates at the same time wait, then find nothing left to do.
   */
  async migrate(): Promise<number[]> {
    const client = await this.pool.connect();
    const tx = new PgTx(client);
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [`zhishu.migrate.${this.schema ?? ''}`]);
      try {
        return await migrate(new PgSession(tx));
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`zhishu.migrate.${this.schema ?? ''}`]);
      }
    } finally {
      tx.end();
      client.release();
    }
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** One connection outside a transaction (migrate, exclusive): statements commit one by one, transaction() is BEGIN ... COMMIT on it. */
class PgSession implements Db {
  readonly dialect = 'postgres' as const;
  // Its transaction() hands fn the connection's PgTx.
  readonly inTransaction = false;
  constructor(private readonly tx: PgTx) {}
  exec(sql: string, params?: SqlParam[]) {
    return this.tx.exec(sql, params);
  }
  change(sql: string, params?: SqlParam[]) {
    return this.tx.change(sql, params);
  }
  all<T extends Row = Row>(sql: string, params?: SqlParam[]) {
    return this.tx.all<T>(sql, params);
  }
  allPrepared<T extends Row = Row>(sql: string, params: SqlParam[]) {
    return this.tx.allPrepared<T>(sql, params);
  }
  insertRows(table: string, rows: readonly (readonly SqlParam[])[]) {
    return this.tx.insertRows(table, rows);
  }
  one<T extends Row = Row>(sql: string, params?: SqlParam[]) {
    return this.tx.one<T>(sql, params);
  }
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    await this.tx.exec('BEGIN');
    try {
      const result = await fn(this.tx);
      await this.tx.exec('COMMIT');
      return result;
    } catch (err) {
      await this.tx.exec('ROLLBACK');
      throw err;
    }
  }
}

async function run(on: pg.Pool | pg.PoolClient, sql: string, params?: SqlParam[], prepared = false): Promise<pg.QueryResult> {
  const t0 = Date.now();
  // Without parameters the simple protocol runs several statements at once (a migration file);
  // with them, one statement (the extended protocol's limit). BigInts go as their digits.
  const values = params?.map((p) => (typeof p === 'bigint' ? p.toString() : p));
  const result = prepared
    ? // A named statement: each connection prepares it on first use and keeps it (node-postgres
      // remembers which it has); the name stands for the text, so a name never meets another text.
      await on.query({ name: statementName(sql), text: sql, values })
    : values && values.length > 0
      ? await on.query(sql, values)
      : await on.query(sql);
  if (process.env.ZHISHU_SQL_TIMING) process.stderr.write(`${Date.now() - t0} ms: ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n`);
  // Several statements give one result each; the last one is the answer, as in DuckDB.
  return Array.isArray(result) ? (result[result.length - 1] as pg.QueryResult) : result;
}

/** A multi-row INSERT of rows into table, one parameter a value: PostgreSQL types each by its column. */
function insertSql(table: string, rows: readonly (readonly SqlParam[])[]): string {
  let n = 0;
  const tuples = rows.map((row) => `(${row.map(() => `$${++n}`).join(', ')})`);
  return `INSERT INTO "${table.replaceAll('"', '""')}" VALUES ${tuples.join(', ')}`;
}

const statementNames = new Map<string, string>();
/** A prepared statement's name, from its text (kept: a re-match's is tens of kilobytes, hashed once). */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    // Prepared statements are a few fixed texts; anything else is not kept for long.
    if (statementNames.size >= 1000) statementNames.clear();
    name = `zhishu_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** Takes `options` out of a URL, so ours can be added to it (the URL's would otherwise replace ours). */
function splitOptions(url: string): { connectionString: string; urlOptions: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { connectionString: url, urlOptions: '' };
  }
  const urlOptions = parsed.searchParams.get('options') ?? '';
  if (!urlOptions) return { connectionString: url, urlOptions };
  parsed.searchParams.delete('options');
  return { connectionString: parsed.toString(), urlOptions };
}
