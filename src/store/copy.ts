import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLES } from '../model/index.ts';
import type { Db } from './db.ts';
import type { PgDb } from './pg.ts';
import { ident, literal, type Store } from './store.ts';

/**
 * What PostgreSQL needs from the embedded store to match there: the domain tables (facts come from
 * them) and the ingest bookkeeping and quarantine (what was loaded, what was refused and why). Match
 * results are not copied: PostgreSQL computes its own.
 */
export const COPIED_TABLES: readonly string[] = [...TABLES.map((t) => t.name), 'ingest_file', 'quarantine'];

export interface TableCopied {
  table: string;
  rows: number;
  ms: number;
  /** 0-based position and number of tables, for progress lines. */
  index: number;
  total: number;
}

export interface CopyOptions {
  /** Only these tables (default: COPIED_TABLES). */
  tables?: readonly string[];
  /** Called after each table is copied (default: a line on stderr). Throwing abandons the copy. */
  onTable?: (t: TableCopied) => void;
}

export interface CopyReport {
  tables: TableCopied[];
  rows: number;
  ms: number;
}

/**
 * Copies the validated data of a DuckDB store into PostgreSQL, replacing what the tables held.
 * DuckDB writes each table as CSV to a temporary file (in parallel, fast); the file is streamed into
 * `COPY ... FROM STDIN`. Every table is truncated and refilled in ONE PostgreSQL transaction, and the
 * row count the server reports must equal DuckDB's: a re-run replaces rather than appends, and a run
 * that dies half way leaves the previous copy whole, never a mix or a duplicate.
 */
export async function copyToPostgres(store: Store, pg: PgDb, options: CopyOptions = {}): Promise<CopyReport> {
  const started = Date.now();
  const tables = options.tables ?? COPIED_TABLES;
  for (const t of tables) if (!COPIED_TABLES.includes(t)) throw new Error(`'${t}' is not a table that is copied (known: ${COPIED_TABLES.join(', ')})`);
  const onTable =
    options.onTable ?? ((t) => process.stderr.write(`pg copy: [${t.index + 1}/${t.total}] ${t.table}: ${t.rows.toLocaleString('en-US')} rows, ${t.ms} ms\n`));
  await pg.migrate();
  await sameMigrations(store, pg);
  const dir = mkdtempSync(join(tmpdir(), 'zhishu-pg-copy-'));
  try {
    const copied = await pg.transaction(async (tx) => {
      const done: TableCopied[] = [];
      for (const [index, table] of tables.entries()) {
        const t0 = Date.now();
        const columns = await sameColumns(store, tx, table);
        const file = join(dir, `${table}.csv`);
        const list = columns.map(ident).join(', ');
        // DuckDB writes NULL as an empty field and an empty string as "", which is how PostgreSQL's
        // CSV reader tells them apart; dates, timestamps and decimals in the ISO/plain forms it reads.
        const exported = await store.all<{ Count: string | number }>(
          `COPY (SELECT ${list} FROM ${ident(table)}) TO ${literal(file)} (FORMAT csv, HEADER false)`,
        );
        const expected = Number(exported[0]?.Count ?? 0);
        // TRUNCATE in the copying transaction: readers of the table wait for the COMMIT and then see
        // the new rows, never a half-filled table; and a table truncated in the same transaction as
        // the COPY lets PostgreSQL skip most of the write-ahead log (with wal_level = minimal).
        await tx.exec(`TRUNCATE ${ident(table)}`);
        const rows = await tx.copyFrom(`COPY ${ident(table)} (${list}) FROM STDIN (FORMAT csv)`, createReadStream(file));
        rmSync(file);
        if (rows !== expected) throw new Error(`${table}: DuckDB wrote ${expected} rows, PostgreSQL read ${rows}`);
        // Autovacuum would analyze the table only later: the match's plans need the statistics now.
        await tx.exec(`ANALYZE ${ident(table)}`);
        const t: TableCopied = { table, rows, ms: Date.now() - t0, index, total: tables.length };
        onTable(t);
        done.push(t);
      }
      return done;
    });
    return { tables: copied, rows: copied.reduce((n, t) => n + t.rows, 0), ms: Date.now() - started };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both schemas must be at the same migration, or the columns copied would not mean the same thing. */
async function sameMigrations(store: Store, pg: PgDb): Promise<void> {
  const versions = async (db: Store | PgDb) =>
    (await db.all<{ v: number }>('SELECT version AS v FROM schema_migration ORDER BY version')).map((r) => r.v).join(',');
  const [d, p] = [await versions(store), await versions(pg)];
  if (d !== p) throw new Error(`the DuckDB store has migrations ${d || 'none'}, PostgreSQL ${p || 'none'}: migrate both to the same version first`);
}

/** The table's columns in order, the same in both engines (test/postgres.test.ts keeps the migrations so). */
async function sameColumns(store: Store, tx: Db, table: string): Promise<string[]> {
  const q = 'SELECT column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position';
  const d = (await store.all<{ c: string }>(q, [table])).map((r) => r.c);
  const p = (await tx.all<{ c: string }>(q, [table])).map((r) => r.c);
  if (d.length === 0 || d.join(',') !== p.join(',')) throw new Error(`${table}: DuckDB has columns (${d.join(', ')}), PostgreSQL (${p.join(', ')})`);
  return d;
}
