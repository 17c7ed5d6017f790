import type { Command } from 'commander';
import { COPIED_TABLES, copyToPostgres } from '../../store/copy.ts';
import type { Db } from '../../store/db.ts';
import { migrations } from '../../store/migrate.ts';
import { PgDb } from '../../store/pg.ts';
import { DEFAULT_DB_PATH } from '../../store/store.ts';
import { postgresUrl } from '../args.ts';
import { openStore } from '../checks.ts';
import { fmtInt, fmtMs, table } from '../format.ts';
import { UsageError } from './ingest.ts';

export interface DatabaseArgs {
  /** The DuckDB file, used when no server is named. */
  db: string;
  /** A PostgreSQL URL: the command runs there instead. */
  database?: string;
  schema?: string;
}

/** The options of every command that can run on PostgreSQL, besides --db. */
export const databaseOption = [
  '--database <url>',
  'run on this PostgreSQL server instead of the DuckDB file, e.g. postgres://user@host:5432/zhishu',
  postgresUrl,
] as const;
export const schemaOption = ['--schema <name>', 'with --database: the PostgreSQL schema (default: the server’s search_path)'] as const;

/** Opens the server's store, refusing one whose schema is behind this Zhishu's migrations. */
async function openPg(url: string, schema: string | undefined): Promise<PgDb> {
  const pg = await PgDb.open(url, { schema });
  try {
    const latest = migrations('postgres').at(-1)?.version ?? 0;
    const { migrated } = await pg.one<{ migrated: boolean }>("SELECT to_regclass('schema_migration') IS NOT NULL AS migrated");
    const r = migrated ? await pg.one<{ v: number | null }>('SELECT max(version) AS v FROM schema_migration') : { v: null };
    if ((r.v ?? 0) < latest) {
      // The URL is not repeated: it may hold a password.
      throw new UsageError(
        `the PostgreSQL schema is at migration ${r.v ?? 'none'}, this Zhishu needs ${latest}: run zhishu migrate --database URL${schema ? ` --schema ${schema}` : ''}`,
      );
    }
    return pg;
  } catch (err) {
    await pg.close();
    throw err;
  }
}

/**
 * Runs fn on the PostgreSQL server when --database is given, else on the DuckDB file. The server's
 * pool is closed afterwards: its idle connections would keep the process alive.
 */
export async function withDatabase<T>(args: DatabaseArgs, fn: (db: Db) => Promise<T>): Promise<T> {
  if (args.schema && !args.database) throw new UsageError('--schema needs --database');
  if (!args.database) return fn(await openStore(args.db));
  const pg = await openPg(args.database, args.schema);
  try {
    return await fn(pg);
  } finally {
    await pg.close();
  }
}

export function registerPg(program: Command): void {
  const pg = program.command('pg').description('PostgreSQL server mode: the same schema and analytics on a server, fed from the DuckDB store');

  pg.command('copy')
    .description('copy the validated data (domain tables, ingest bookkeeping, quarantine) of a DuckDB store into PostgreSQL, replacing what was there')
    .requiredOption('--database <url>', 'PostgreSQL server, e.g. postgres://user@host:5432/zhishu', postgresUrl)
    .option('--schema <name>', 'PostgreSQL schema (created if missing; default: the server’s search_path)')
    .option('--db <path>', 'DuckDB database file (ingest loads and checks the files there)', DEFAULT_DB_PATH)
    .option('--tables <names>', `only these tables, comma-separated (default: ${COPIED_TABLES.join(', ')})`)
    .option('--json', 'print the counts as JSON')
    .action(async (opts: { database: string; schema?: string; db: string; tables?: string; json?: boolean }) => {
      const tables = opts.tables?.split(',').map((t) => t.trim());
      const unknown = tables?.filter((t) => !COPIED_TABLES.includes(t)) ?? [];
      if (unknown.length > 0) throw new UsageError(`not a copied table: ${unknown.join(', ')} (known: ${COPIED_TABLES.join(', ')})`);
      // Store.open would create a missing file, and copying its empty tables would empty the server.
      const store = await openStore(opts.db);
      const server = await PgDb.open(opts.database, { schema: opts.schema });
      try {
        const report = await copyToPostgres(store, server, { tables });
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else
          console.log(
            `${table(
              ['table', 'rows', 'time'],
              report.tables.map((t) => [t.table, fmtInt(t.rows), fmtMs(t.ms)]),
            )}\ncopied ${fmtInt(report.rows)} rows in ${fmtMs(report.ms)}`,
          );
      } finally {
        await server.close();
      }
    });
}
