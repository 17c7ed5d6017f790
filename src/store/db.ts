/**
 * What the service needs of a database, whichever engine holds the data: the embedded DuckDB
 * store (the default) or a PostgreSQL server. Statements use `$1, $2, ...` parameters, which both
 * engines take; SQL that differs between the two lives in per-dialect files.
 */
export type Dialect = 'duckdb' | 'postgres';

/** A bound parameter: never spliced into the SQL text. */
export type SqlParam = string | number | bigint | boolean | null;

export type Row = Record<string, unknown>;

export interface Db {
  readonly dialect: Dialect;
  /**
   * True inside transaction()'s fn (or on a transaction's own connection): a failed statement
   * undoes the whole transaction. False where each statement outside transaction() commits on its own.
   */
  readonly inTransaction: boolean;
  /** Runs one or more statements; no result. */
  exec(sql: string, params?: SqlParam[]): Promise<void>;
  /** Runs one INSERT, UPDATE or DELETE and returns the number of rows it changed. */
  change(sql: string, params?: SqlParam[]): Promise<number>;
  /**
   * Runs a query and returns its rows as JSON-safe objects: BIGINT and DECIMAL as strings or
   * numbers, DATE and TIMESTAMP as ISO-like strings, so both engines give the same JSON.
   */
  all<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]>;
  one<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T>;
  /**
   * all() for one statement run again and again with other values (a single-taxpayer re-match):
   * the engine keeps it prepared on the connection, so it is parsed once and each run is one round
   * trip. DuckDB still plans each run with its values (an index scan needs the value); PostgreSQL
   * reuses the plan as it sees fit. Only for a statement whose SQL text is one of a few fixed ones.
   */
  allPrepared<T extends Row = Row>(sql: string, params: SqlParam[]): Promise<T[]>;
  /**
   * Inserts rows into a table, each row's values in the table's column order, as part of the open
   * transaction if there is one: DuckDB appends them (its appender: no SQL to parse or plan),
   * PostgreSQL takes one multi-row INSERT kept prepared. For a few rows at a time on the serving
   * path; a batch is better written set-wise in SQL.
   */
  insertRows(table: string, rows: readonly (readonly SqlParam[])[]): Promise<void>;
  /** Runs fn inside one transaction on one connection: all of it commits, or none of it. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
}

/**
 * Turns `$name` parameters into the positional `$1, $2, ...` both engines take, so SQL files keep
 * readable names. String literals, quoted identifiers and `--` comments are skipped: a `$name` in a
 * comment must not become a parameter PostgreSQL cannot type. A name without a value is an error.
 */
export function bindNamed(sql: string, values: Record<string, SqlParam>): { sql: string; params: SqlParam[] } {
  const named = namedSql(sql);
  return { sql: named.sql, params: named.bind(values) };
}

/**
 * bindNamed in two steps, for a statement run again and again: the text with `$1, $2, ...` once,
 * then bind(values) for each run gives the parameters in their order (the same checks).
 */
export function namedSql(sql: string): { sql: string; bind: (values: Record<string, SqlParam>) => SqlParam[] } {
  const index = new Map<string, number>();
  const names: string[] = [];
  const text = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\$([A-Za-z_]\w*)/g, (token, name: string | undefined) => {
    if (name === undefined) return token;
    let i = index.get(name);
    if (i === undefined) {
      names.push(name);
      i = names.length;
      index.set(name, i);
    }
    return `$${i}`;
  });
  const bind = (values: Record<string, SqlParam>) =>
    names.map((name) => {
      if (!Object.hasOwn(values, name)) throw new Error(`no value for the SQL parameter $${name}`);
      return values[name] as SqlParam;
    });
  return { sql: text, bind };
}

/**
 * One form of an SQL text that holds two (src/match/sql/facts.sql, src/ledger/sql/build.sql): a line
 * ending in `-- [city]` belongs to the city-wide form only, one ending in `-- [one]` to the
 * single-taxpayer form only, every other line to both. Written once, so the forms cannot drift apart.
 */
export function sqlForm(text: string, form: 'city' | 'one'): string {
  const other = form === 'city' ? '-- [one]' : '-- [city]';
  return text
    .split('\n')
    .filter((line) => !line.trimEnd().endsWith(other))
    .join('\n');
}

/**
 * Quotes an SQL string literal, for the few places where no parameter can be bound (file paths in
 * COPY) or none is wanted (a catalogue's values written into a statement kept prepared). Only quotes
 * are doubled: both engines read a backslash as itself (PostgreSQL with standard_conforming_strings
 * on, which PgDb pins for every connection).
 */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The type of a column of jsonRows, in DuckDB's words. */
export type JsonColumnType = 'VARCHAR' | 'INTEGER';

/**
 * The rows of a JSON array of objects bound to `param` (e.g. `$1`), as a FROM item named `alias`
 * with the given columns (a missing key or a JSON null is NULL), so one statement writes a whole
 * batch on either engine: DuckDB unnests from_json's list of structs, PostgreSQL takes
 * jsonb_to_recordset (text COLLATE "C", as the tables' text).
 */
export function jsonRows(dialect: Dialect, param: string, alias: string, columns: Readonly<Record<string, JsonColumnType>>): string {
  if (dialect === 'postgres') {
    const list = Object.entries(columns).map(([name, type]) => `${name} ${type === 'VARCHAR' ? 'TEXT COLLATE "C"' : 'INTEGER'}`);
    return `jsonb_to_recordset(${param}::JSONB) AS ${alias}(${list.join(', ')})`;
  }
  return `(SELECT unnest(from_json(${param}::JSON, '${JSON.stringify([columns])}'), recursive := true)) ${alias}`;
}

/** The strings of a JSON array bound to `param`, as a one-column subquery (for `x IN ...`). */
export function jsonTexts(dialect: Dialect, param: string): string {
  return dialect === 'postgres' ? `(SELECT jsonb_array_elements_text(${param}::JSONB))` : `(SELECT unnest(from_json(${param}::JSON, '["VARCHAR"]')))`;
}
