import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type DemoLogin, ensureDemoUsers } from '../../src/api/demoUsers.ts';
import { buildServer } from '../../src/api/server.ts';
import { runDemo } from '../../src/cli/commands/demo.ts';
import { WEB_DIST } from '../../src/cli/commands/serve.ts';
import { buildLedger } from '../../src/ledger/ledger.ts';
import { catalogueOf, DEFAULT_LAW_DIR, runMatch } from '../../src/match/match.ts';
import { copyToPostgres } from '../../src/store/copy.ts';
import type { Db } from '../../src/store/db.ts';
import { PgDb } from '../../src/store/pg.ts';
import { Store } from '../../src/store/store.ts';

export type Engine = 'duckdb' | 'postgres';

export interface Service {
  url: string;
  app: FastifyInstance;
  /** The database the server runs on. */
  db: Db;
  /** The DuckDB store the city was built in (the server's database on the DuckDB engine). */
  store: Store;
  logins: Record<string, DemoLogin>;
  /** A taxpayer none of the company logins acts for... except finance2's company, which is `secondCreditCode`. */
  otherCreditCode: string;
  secondCreditCode: string;
  stop(): Promise<void>;
}

/**
 * A small demo city (1,500 taxpayers, 2025-10 to 2026-03: the 2025→2026 change included) matched,
 * ledgered and push-planned, with the demo logins, served on a free port. The generated files are
 * shared between test files (same settings, same bytes); the database is each caller's own.
 */
export async function startService(options: { web?: boolean; engine?: Engine } = {}): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'zhishu-service-'));
  const db = join(dir, 'zhishu.duckdb');
  const city = join(tmpdir(), 'zhishu-test-city-1500x6-seed1');
  const stderr = process.stderr.write;
  // The demo narrates its progress on stderr; tests keep their output for their own reports.
  process.stderr.write = (() => true) as typeof process.stderr.write;
  let demo: Awaited<ReturnType<typeof runDemo>>;
  try {
    demo = await runDemo({ db, city, taxpayers: 1500, months: 6, seed: 1, serve: false, port: 0, host: '127.0.0.1' });
  } finally {
    process.stderr.write = stderr;
  }
  const store = await Store.open(db);
  let served: Db = store;
  let dropSchema = async () => {};
  if (options.engine === 'postgres') {
    // PostgreSQL server mode: the validated records copied in, then the analytics run there.
    const url = process.env.ZHISHU_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `zhishu_api_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    const pg = await PgDb.open(url, { schema, max: 8 });
    await pg.migrate();
    await copyToPostgres(store, pg, { onTable: () => {} });
    const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
    for (const run of demo.runs) {
      await runMatch(pg, { period: run.period.period });
      await buildLedger(pg, catalogue, run.period.period);
    }
    await ensureDemoUsers(pg);
    served = pg;
    dropSchema = async () => {
      await pg.exec(`DROP SCHEMA ${schema} CASCADE`);
      await pg.close();
    };
  }
  const app = await buildServer({ db: served, webDir: options.web ? WEB_DIST : null });
  const url = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('[::1]', 'localhost');
  const logins = Object.fromEntries(demo.logins.map((l) => [l.username, l]));
  const ownCodes = new Set(demo.logins.map((l) => l.creditCode).filter((c) => c !== null));
  const other = await served.all<{ credit_code: string }>('SELECT credit_code FROM taxpayer ORDER BY credit_code LIMIT 10');
  const otherCreditCode = other.map((r) => r.credit_code).find((c) => !ownCodes.has(c));
  const secondCreditCode = logins.finance2?.creditCode;
  if (!otherCreditCode || !secondCreditCode) throw new Error('the test city has no second company');
  return {
    url,
    app,
    db: served,
    store,
    logins,
    otherCreditCode,
    secondCreditCode,
    async stop() {
      await app.close();
      await dropSchema();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
