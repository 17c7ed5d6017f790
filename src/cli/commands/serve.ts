import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { createUser } from '../../api/accounts.ts';
import { type DemoLogin, ensureDemoUsers } from '../../api/demoUsers.ts';
import { ApiError } from '../../api/errors.ts';
import { USER_ROLES, type UserRole } from '../../api/roles.ts';
import { buildServer } from '../../api/server.ts';
import type { Db } from '../../store/db.ts';
import { PgDb } from '../../store/pg.ts';
import { DEFAULT_DB_PATH, type Store } from '../../store/store.ts';
import { creditCode, nonNegativeInt, positiveInt } from '../args.ts';
import { openStore } from '../checks.ts';
import { table } from '../format.ts';
import { UsageError } from './ingest.ts';
import { databaseOption, schemaOption } from './pg.ts';

/** Where `npm run build:web` puts the web app. */
export const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'web', 'dist');

export interface ServeOptions {
  port: number;
  host: string;
  sessionHours?: number;
}

/** Starts the API and the web app on a database; resolves once it listens. */
export async function startServer(db: Db, opts: ServeOptions, store: Store | null = null): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildServer({ db, store, webDir: WEB_DIST, sessionHours: opts.sessionHours, logger: false });
  const address = await app.listen({ port: opts.port, host: opts.host });
  return { app, url: address.replace('[::1]', 'localhost') };
}

export function loginsText(url: string, logins: readonly DemoLogin[]): string {
  return `Zhishu is serving the demo city at ${url}/  (API description: ${url}/docs)\n\nDemo logins (one per role):\n${table(
    ['username', 'password', 'role', 'company'],
    logins.map((l) => [l.username, l.password, l.role, l.creditCode ? `${l.taxpayerName} ${l.creditCode}` : 'the bureau']),
  )}\n\nPress Ctrl+C to stop.`;
}

const SERVE_CONNECTIONS = 4;

/** The embedded store, or with --database the PostgreSQL server (migrated to this Zhishu's schema). */
async function openDb(opts: { db: string; database?: string; schema?: string }): Promise<Db> {
  if (opts.schema && !opts.database) throw new UsageError('--schema needs --database');
  // A server answers many requests at once: DuckDB runs them side by side on a pool of connections.
  if (!opts.database) return (await openStore(opts.db)).pool(SERVE_CONNECTIONS);
  const pg = await PgDb.open(opts.database, { schema: opts.schema, max: SERVE_CONNECTIONS * 2 });
  await pg.migrate();
  return pg;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API (OpenAPI at /docs) and the web app on a database')
    .option('--db <path>', 'DuckDB database file', DEFAULT_DB_PATH)
    .option(...databaseOption)
    .option(...schemaOption)
    .option('--port <n>', 'TCP port (0 picks a free one)', nonNegativeInt, 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--session-hours <n>', 'how long a login lasts', positiveInt, 8)
    .action(async (opts: { db: string; database?: string; schema?: string; port: number; host: string; sessionHours: number }) => {
      const db = await openDb(opts);
      const { url } = await startServer(db, opts, opts.database ? null : await openStore(opts.db));
      console.log(`Zhishu is serving at ${url}/  (API description: ${url}/docs)`);
    });

  const users = program.command('users').description('accounts of the HTTP API and the web app');
  users
    .command('demo')
    .description('add the demo logins (one per role, password zhishu-demo) to a matched store, and list them')
    .option('--db <path>', 'DuckDB database file', DEFAULT_DB_PATH)
    .option(...databaseOption)
    .option(...schemaOption)
    .action(async (opts: { db: string; database?: string; schema?: string }) => {
      const db = await openDb(opts);
      const logins = await ensureDemoUsers(db);
      console.log(
        table(
          ['username', 'password', 'role', 'company'],
          logins.map((l) => [l.username, l.password, l.role, l.creditCode ?? 'the bureau']),
        ),
      );
      if (db instanceof PgDb) await db.close();
    });
  users
    .command('add')
    .description('add an account; the password is read from standard input (one line)')
    .requiredOption('--username <name>', 'login name')
    .requiredOption('--role <role>', `one of ${USER_ROLES.join(', ')}`)
    .option('--name <text>', 'the name shown', '')
    .option('--credit-code <code>', 'the taxpayer a company user acts for', creditCode)
    .option('--db <path>', 'DuckDB database file', DEFAULT_DB_PATH)
    .option(...databaseOption)
    .option(...schemaOption)
    .action(async (opts: { username: string; role: string; name: string; creditCode?: string; db: string; database?: string; schema?: string }) => {
      const db = await openDb(opts);
      // Never on the command line, where it would sit in the shell history and the process list.
      const password = readFileSync(0, 'utf8').split(/\r?\n/)[0] ?? '';
      const user = await createUser(db, {
        username: opts.username,
        displayName: opts.name || opts.username,
        role: opts.role as UserRole,
        creditCode: opts.creditCode ?? null,
        password,
      }).catch((err: unknown) => {
        // What the API answers 400 or 409 (a bad value, a name taken) is a usage error here.
        throw err instanceof ApiError && err.status < 500 ? new UsageError(err.message) : err;
      });
      console.log(`added ${user.username} (${user.role}${user.creditCode ? ` for ${user.creditCode}` : ''})`);
      if (db instanceof PgDb) await db.close();
    });
}
