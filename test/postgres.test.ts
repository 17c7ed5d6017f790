import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { formatYuan, parseYuan } from '../src/calc/money.ts';
import { ledgerText, reportText, yearText } from '../src/cli/commands/policy.ts';
import { generateCity } from '../src/generate/city.ts';
import { ingestDirectory } from '../src/ingest/ingest.ts';
import { annualClaimsNotRead, buildLedger, type LedgerBuild, policyReport, type TaxpayerLedger, taxpayerLedger } from '../src/ledger/ledger.ts';
import { rematchFiledSince, waitingFiledSince } from '../src/ledger/waiting.ts';
import { explainTaxpayer, type PolicyExplanation } from '../src/match/explain.ts';
import { itemWords } from '../src/match/lacking.ts';
import { catalogueOf, DEFAULT_LAW_DIR, type MatchRun, runMatch } from '../src/match/match.ts';
import { parseQuarter } from '../src/match/period.ts';
import { withCheckCharacter } from '../src/model/index.ts';
import { type PlanReport, planPushes } from '../src/push/plan.ts';
import { COPIED_TABLES, copyToPostgres, type TableCopied } from '../src/store/copy.ts';
import { bindNamed, type Db, type Row } from '../src/store/db.ts';
import { migrations } from '../src/store/migrate.ts';
import { PgDb } from '../src/store/pg.ts';
import { Store } from '../src/store/store.ts';
import { INSERT_FILING } from './helpers/records.ts';
import { tempDir } from './helpers/tmp.ts';

const PG_URL = process.env.ZHISHU_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own per test run, dropped at the end: runs in parallel or left over do not meet. */
const freshSchema = () => `zhishu_test_${randomBytes(6).toString('hex')}`;

async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}

/**
 * A DuckDB store in memory and a PostgreSQL store in a schema of its own, made before the tests of the
 * describe block that calls this and dropped after them (`migrate`: the PostgreSQL schema migrated first).
 */
function bothEngines(options: { migrate: boolean }): { duck: Store; server: PgDb } {
  const schema = freshSchema();
  const engines = {} as { duck: Store; server: PgDb };
  before(async () => {
    engines.duck = await Store.open(':memory:');
    engines.server = await PgDb.open(PG_URL, { schema });
    if (options.migrate) await engines.server.migrate();
  });
  after(async () => {
    await engines.server?.close();
    engines.duck?.close();
    await dropSchema(schema);
  });
  return engines;
}

/** The columns of every table and view, with DuckDB's type names mapped to PostgreSQL's. */
async function columnsOf(db: Db) {
  const rows = await db.all<{ t: string; c: string; pos: number | string; type: string; p: number | null; s: number | null; nullable: string }>(
    `SELECT table_name AS t, column_name AS c, ordinal_position AS pos, data_type AS type, numeric_precision AS p, numeric_scale AS s, is_nullable AS nullable
     FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  const pgType: Record<string, string> = {
    VARCHAR: 'text',
    BIGINT: 'bigint',
    INTEGER: 'integer',
    DATE: 'date',
    TIMESTAMP: 'timestamp without time zone',
    BOOLEAN: 'boolean',
    JSON: 'json',
  };
  return rows.map((r) => {
    // DuckDB keeps closed sets as ENUMs (migrations 007, 009, 012), PostgreSQL as text.
    const duckType = r.type.startsWith('ENUM(') ? 'VARCHAR' : r.type;
    const type = db.dialect === 'duckdb' ? (duckType.startsWith('DECIMAL') ? 'numeric' : (pgType[duckType] ?? `unmapped ${duckType}`)) : r.type;
    return `${r.t}.${r.c} #${Number(r.pos)} ${type}${type === 'numeric' ? `(${r.p},${r.s})` : ''} ${r.nullable === 'YES' ? 'NULL' : 'NOT NULL'}`;
  });
}

async function primaryKeysOf(db: Db): Promise<string[]> {
  const rows = await db.all<{ t: string; c: string }>(
    `SELECT k.table_name AS t, k.column_name AS c FROM information_schema.table_constraints tc
     JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name
     WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() ORDER BY k.table_name, k.ordinal_position`,
  );
  return rows.map((r) => `${r.t}.${r.c}`);
}

/** Every row of a table in one order, whichever engine: ordered by every column that both can sort. */
/**
 * A hand-built ledger suite's city: a match run per quarter, the taxpayers (small CIT payers, high-tech
 * or not) with a facts row per quarter, and the results ([taxpayer number from 1, quarter number from 1,
 * policy, status, benefit]) of CIT policies, each computed when its quarter's facts were.
 */
async function seedMatchedQuarters(
  db: Db,
  s: {
    quarters: readonly { period: string; start: string; end: string; at: string }[];
    codes: readonly string[];
    results: readonly (readonly [number, number, string, string, string | null])[];
    highTech: boolean;
    /** The runs' policies in force (match_run.entries). */
    entries: number;
  },
): Promise<void> {
  for (const [n, q] of s.quarters.entries())
    await db.exec(`INSERT INTO match_run VALUES ($1, $2, 'city', 'test', $3, $4::TIMESTAMP, $4::TIMESTAMP)`, [n + 1, q.period, s.entries, q.at]);
  for (const code of s.codes) {
    await db.exec(
      `INSERT INTO taxpayer VALUES ($1, 'x', 'enterprise', 'small', 'C39', 'nanshan', DATE '2019-01-01', 60, 20000000, 'actualAccounts', $2, NULL, 0, 'A')`,
      [code, s.highTech],
    );
    for (const q of s.quarters)
      await db.exec(
        `INSERT INTO taxpayer_fact (credit_code, period, period_start, period_end, computed_at) VALUES ($1, $2, $3::DATE, $4::DATE, $5::TIMESTAMP)`,
        [code, q.period, q.start, q.end, q.at],
      );
  }
  for (const [i, n, policy, status, benefit] of s.results) {
    const q = s.quarters[n - 1];
    const code = s.codes[i - 1];
    if (!q || !code) throw new Error(`result of taxpayer ${i}, quarter ${n}: no such taxpayer or quarter`);
    await db.exec(`INSERT INTO policy_match VALUES ($1, $2, $3, $4, $5, $6::DECIMAL(18,2), 'cit', $7::TIMESTAMP)`, [
      n,
      code,
      policy,
      q.period,
      status,
      benefit,
      q.at,
    ]);
  }
}

async function rowsOf(db: Db, table: string, except: readonly string[] = []): Promise<Row[]> {
  const cols = (
    await db.all<{ c: string; type: string }>(
      'SELECT column_name AS c, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position',
      [table],
    )
  ).filter((r) => !except.includes(r.c));
  const list = cols.map((r) => `"${r.c}"`).join(', ');
  const order = cols
    .filter((r) => !/^json$/i.test(r.type))
    .map((r) => `"${r.c}"`)
    .join(', ');
  return db.all(`SELECT ${list} FROM ${table} ORDER BY ${order}`);
}

/**
 * Matches a hand-built city (taxpayers 1 to `taxpayers`) on each engine, as a whole and then taxpayer by
 * taxpayer (the city form and the single-taxpayer form of the facts SQL), and checks that each query gives
 * its expected rows both times. The city is matched 20 days after the quarter ends, re-matched the day after.
 */
async function matchedBothWays(
  engines: { duck: Store; server: PgDb },
  seed: (db: Db) => Promise<void>,
  period: string,
  code: (i: number) => string,
  taxpayers: number,
  checks: readonly (readonly [sql: string, expected: readonly unknown[]])[],
): Promise<void> {
  const end = Date.parse(`${parseQuarter(period).end}T08:00:00Z`);
  const after = (days: number) => new Date(end + days * 86_400_000);
  for (const db of [engines.duck, engines.server] as Db[]) {
    await seed(db);
    await runMatch(db, { period, now: after(20) });
    for (const [sql, expected] of checks) assert.deepEqual(await db.all(sql), expected, db.dialect);
    for (let i = 1; i <= taxpayers; i++) await runMatch(db, { period, only: code(i), now: after(21) });
    for (const [sql, expected] of checks) assert.deepEqual(await db.all(sql), expected, `${db.dialect}, re-matched one by one`);
  }
}

/** The months of 2026-Q3, first and last day, for the hand-built monthly returns. */
const Q3_2026_MONTHS = [
  ['2026-07-01', '2026-07-31'],
  ['2026-08-01', '2026-08-31'],
  ['2026-09-01', '2026-09-30'],
] as const;

describe('PostgreSQL store: the same JSON, the same schema as DuckDB', () => {
  const engines = bothEngines({ migrate: false });

  it('rows read back have the same JSON shape in both engines: BIGINT, INTEGER, DECIMAL, DATE, TIMESTAMP, BOOLEAN, VARCHAR, JSON, NULL', async () => {
    const columns = (t: Record<string, string>) => Object.entries(t).map(([c, type]) => `${c} ${type}`);
    const duckTypes = { b: 'BIGINT', i: 'INTEGER', d: 'DECIMAL(18,2)', p: 'DECIMAL(5,1)', dt: 'DATE', ts: 'TIMESTAMP', f: 'BOOLEAN', v: 'VARCHAR', j: 'JSON' };
    const pgTypes = { b: 'BIGINT', i: 'INTEGER', d: 'NUMERIC(18,2)', p: 'NUMERIC(5,1)', dt: 'DATE', ts: 'TIMESTAMP', f: 'BOOLEAN', v: 'TEXT', j: 'JSON' };
    await engines.duck.exec(`CREATE TEMP TABLE shape (${columns(duckTypes).join(', ')})`);
    await engines.server.exec(`CREATE TABLE shape (${columns(pgTypes).join(', ')})`);
    const rows = [
      ['9007199254740993', 42, '12345.60', '-3.5', '2026-03-31', '2026-04-20 08:00:00.123456', true, '深圳 "x", \'y\'', '{"a": [1, "b"]}'],
      ['-1', -7, '0.00', '0.0', '1999-12-31', '2026-04-20 08:00:00', false, '', '[]'],
      ['0', 0, '-0.05', '9999.9', '2026-01-01', '2026-01-01 00:00:00.5', true, 'NULL', 'null'],
      [null, null, null, null, null, null, null, null, null],
    ];
    const insert = `INSERT INTO shape VALUES ($1::BIGINT, $2::INTEGER, $3::DECIMAL(18,2), $4::DECIMAL(5,1), $5::DATE, $6::TIMESTAMP, $7::BOOLEAN, $8, $9::JSON)`;
    for (const r of rows) {
      await engines.duck.exec(insert, r);
      await engines.server.exec(insert, r);
    }
    const select = 'SELECT *, count(*) OVER () AS n, sum(d) OVER () AS total FROM shape ORDER BY b NULLS LAST';
    const d = await engines.duck.all(select);
    const p = await engines.server.all(select);
    assert.deepEqual(p, d);
    assert.deepEqual(d[2], {
      b: '9007199254740993',
      i: 42,
      d: '12345.60',
      p: '-3.5',
      dt: '2026-03-31',
      ts: '2026-04-20 08:00:00.123456',
      f: true,
      v: '深圳 "x", \'y\'',
      j: '{"a": [1, "b"]}',
      n: '4',
      total: '12345.55',
    });
    await engines.server.exec('DROP TABLE shape');
    await engines.duck.exec('DROP TABLE shape');
  });

  it("the PostgreSQL migrations are those of DuckDB: same numbers and names, tables, views, columns in order, types, NOT NULL and keys (but the outbox's)", async () => {
    assert.deepEqual(
      migrations('postgres').map((m) => [m.version, m.name]),
      migrations('duckdb').map((m) => [m.version, m.name]),
    );
    assert.deepEqual(await engines.server.migrate(), [...migrations('postgres').map((m) => m.version)]);
    assert.deepEqual(await engines.server.migrate(), [], 'applying them twice changes nothing');
    const pgColumns = await columnsOf(engines.server);
    assert.deepEqual(pgColumns, await columnsOf(engines.duck));
    assert.ok(pgColumns.length > 150, 'every table and view is compared');
    // One key differs on purpose: DuckDB's outbox keeps message_id unique without an index (migration
    // 008: the planner inserts no id its taxpayers already hold), PostgreSQL's plan relies on its key.
    const pgKeys = await primaryKeysOf(engines.server);
    assert.ok(pgKeys.includes('push_message.message_id'));
    assert.deepEqual(
      pgKeys.filter((k) => k !== 'push_message.message_id'),
      await primaryKeysOf(engines.duck),
    );
    const bookkeeping = 'SELECT version, name FROM schema_migration ORDER BY version';
    assert.deepEqual(await engines.server.all(bookkeeping), await engines.duck.all(bookkeeping));
  });

  it('named parameters of SQL files become $1, $2 ...; names in comments, strings and quoted identifiers stay text', () => {
    const b = bindNamed(`-- for $period ($start..$end)\nSELECT '$period' AS "$x", $period, $end::DATE, $period || 'x'`, {
      period: '2026-Q1',
      end: '2026-03-31',
    });
    assert.equal(b.sql, `-- for $period ($start..$end)\nSELECT '$period' AS "$x", $1, $2::DATE, $1 || 'x'`);
    assert.deepEqual(b.params, ['2026-Q1', '2026-03-31']);
    assert.throws(() => bindNamed('SELECT $missing', {}), /no value for the SQL parameter \$missing/);
  });

  it('a transaction keeps one connection: nested ones are savepoints, and its Db refuses statements once it is over', async () => {
    await engines.server.exec('CREATE TABLE tx_check (n INTEGER)');
    let kept: Db | null = null;
    await engines.server.transaction(async (tx) => {
      kept = tx;
      await tx.exec('INSERT INTO tx_check VALUES (1)');
      await assert.rejects(
        tx.transaction(async (inner) => {
          await inner.exec('INSERT INTO tx_check VALUES (2)');
          throw new Error('undo the inner one');
        }),
        /undo the inner one/,
      );
      const seen = await tx.all<{ n: number }>('SELECT n FROM tx_check');
      assert.deepEqual(seen, [{ n: 1 }], 'the savepoint is rolled back, the transaction goes on');
      const outside = await engines.server.all('SELECT n FROM tx_check');
      assert.deepEqual(outside, [], 'other connections do not see it before COMMIT');
    });
    assert.deepEqual(await engines.server.all('SELECT n FROM tx_check'), [{ n: 1 }]);
    await assert.rejects(() => (kept as unknown as Db).exec('SELECT 1'), /the transaction is over/);
    await assert.rejects(
      engines.server.transaction(async (tx) => {
        await tx.exec('INSERT INTO tx_check VALUES (3)');
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await engines.server.all('SELECT n FROM tx_check'), [{ n: 1 }], 'a failed transaction leaves nothing');
    await engines.server.exec('DROP TABLE tx_check');
  });
});

describe('PostgreSQL server mode: a city ingested into DuckDB, copied, matched on both engines with the same results', () => {
  const schema = freshSchema();
  const dir = tempDir();
  const file = join(dir, 'city.duckdb');
  const QUARTERS = ['2025-Q4', '2026-Q1'];
  const NOW = (q: string) => new Date(q === '2025-Q4' ? '2026-01-20T08:00:00Z' : '2026-04-20T08:00:00Z');
  let duck: Store;
  let duckOpen = false;
  let server: PgDb;
  const timings: string[] = [];
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const r = await fn();
    timings.push(`${what} ${Date.now() - t0} ms`);
    return r;
  };

  before(async () => {
    const city = join(dir, 'city');
    await timed('generate', () => generateCity({ taxpayers: 300, months: 6, seed: 3 }, city));
    // One bad and one repeated record, so quarantine has rows to copy (with quotes and commas in them).
    writeFileSync(
      join(city, 'filing-late.csv'),
      [
        'credit_code,tax_type,period_start,period_end,due_date,filed_on,tax_base,tax_payable',
        '91440300MA5H00001X,vat,2026-01-01,2026-03-31,2026-04-15,2026-04-10,"1,000.00",0',
        '91440300MA5H00001X,vat,2026-01-01,2026-03-31,2026-04-15,2026-04-10,"1,000.00",0',
      ].join('\n'),
    );
    // Small high-tech enterprises, which the generated city may lack: they match both the high-tech
    // rate and the small low-profit relief, which do not stack (one claims the first, one nothing).
    const tech = [1, 2].map((i) => withCheckCharacter(`91440300YYHT0000${i}`));
    writeFileSync(
      join(city, 'taxpayer-hightech.csv'),
      [
        'credit_code,name,kind,vat_status,industry,district,registered_on,employees,total_assets,collection_mode,high_tech,high_tech_until,rnd_expense,credit_level',
        ...tech.map((c) => `${c},x,enterprise,general,C39,futian,2019-01-01,60,20000000.00,actualAccounts,true,2027-12-31,100000.00,A`),
      ].join('\n'),
    );
    writeFileSync(
      join(city, 'filing-hightech.csv'),
      [
        'credit_code,tax_type,period_start,period_end,due_date,filed_on,tax_base,tax_payable',
        ...tech.map((c) => `${c},cit,2026-01-01,2026-03-31,2026-04-15,2026-04-10,400000.00,40000.00`),
      ].join('\n'),
    );
    writeFileSync(
      join(city, 'filing_reduction-hightech.csv'),
      ['credit_code,tax_type,period_start,period_end,reduction_code,amount', `${tech[0]},cit,2026-01-01,2026-03-31,9900000005,40000.00`].join('\n'),
    );
    // Other departments' data at its edges: a head count reported twice for one year (the later
    // counts), last year's disabled employees standing in for this year's, hires of one year only, and
    // a list entry that counts in 2026-Q1 but not in 2025-Q4 (the lists unknown then, unless the
    // generated city has an entry valid on 2025-12-31).
    writeFileSync(
      join(city, 'employment_report-edges.csv'),
      [
        'credit_code,year,kind,headcount,reported_on',
        `${tech[0]},2025,disabledEmployees,3,2026-02-01`,
        `${tech[0]},2025,disabledEmployees,4,2026-03-01`,
        `${tech[1]},2026,veteranHires,2,2026-03-15`,
        `${tech[1]},2025,keyGroupHires,5,2025-12-20`,
      ].join('\n'),
    );
    writeFileSync(
      join(city, 'enterprise_list-edges.csv'),
      ['credit_code,list,valid_from,valid_to', `${tech[0]},integratedCircuit,2026-01-01,2026-12-31`].join('\n'),
    );
    duck = await Store.open(file);
    duckOpen = true;
    await timed('ingest', () => ingestDirectory(duck, city));
    server = await PgDb.open(PG_URL, { schema });
  });
  after(async () => {
    await server?.close();
    if (duckOpen) duck.close();
    await dropSchema(schema);
    process.stderr.write(`postgres.test timings: ${timings.join(', ')}\n`);
  });

  const firstCopy: TableCopied[] = [];
  it('copies the validated data, with a progress line per table; every table holds exactly the rows of DuckDB', async () => {
    const report = await timed('copy', () => copyToPostgres(duck, server, { onTable: (t) => firstCopy.push(t) }));
    assert.deepEqual(
      report.tables.map((t) => t.table),
      [...COPIED_TABLES],
    );
    assert.deepEqual(firstCopy, report.tables);
    const counts = Object.fromEntries(report.tables.map((t) => [t.table, t.rows]));
    assert.ok((counts.taxpayer ?? 0) >= 300 && (counts.invoice ?? 0) > 1000 && (counts.quarantine ?? 0) > 0, JSON.stringify(counts));
    for (const t of COPIED_TABLES) assert.deepEqual(await rowsOf(server, t), await rowsOf(duck, t), t);
  });

  it('copies exactly once: a second copy replaces, and a copy that dies half way leaves the previous copy whole', async () => {
    const count = async (db: Db) =>
      Object.fromEntries(await Promise.all(COPIED_TABLES.map(async (t) => [t, Number((await db.one<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).n)])));
    const before = await count(server);
    await copyToPostgres(duck, server, { onTable: () => {} });
    assert.deepEqual(await count(server), before, 'run twice: no duplicates');
    // A row only PostgreSQL has: a copy that commits would remove it, one that died must not.
    await server.exec(`INSERT INTO taxpayer SELECT 'marker', name, kind, vat_status, industry, district, registered_on, employees, total_assets,
      collection_mode, high_tech, high_tech_until, rnd_expense, credit_level FROM taxpayer LIMIT 1`);
    let n = 0;
    await assert.rejects(
      copyToPostgres(duck, server, {
        onTable: () => {
          if (++n === 3) throw new Error('killed during the third table');
        },
      }),
      /killed during the third table/,
    );
    assert.equal((await server.all("SELECT 1 FROM taxpayer WHERE credit_code = 'marker'")).length, 1, 'the truncate of the first table is undone');
    await copyToPostgres(duck, server, { onTable: () => {} });
    assert.equal((await server.all("SELECT 1 FROM taxpayer WHERE credit_code = 'marker'")).length, 0);
    assert.deepEqual(await count(server), before);
  });

  const runs: Record<'duckdb' | 'postgres', MatchRun[]> = { duckdb: [], postgres: [] };
  const plans: Record<'duckdb' | 'postgres', PlanReport[]> = { duckdb: [], postgres: [] };
  // Pushes are planned as of the day after the quarter: ahead of the filing deadlines, so the cap and digests matter.
  const PLAN_AT = (q: string) => new Date(q === '2025-Q4' ? '2026-01-01T02:00:00Z' : '2026-04-01T02:00:00Z');
  it('facts, match, push plan and ledger for two quarters give the same rows on both engines', async () => {
    const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
    for (const q of QUARTERS) {
      for (const db of [duck, server] as Db[]) {
        let seenInTx = -1;
        const run = await timed(`match ${q} ${db.dialect}`, () =>
          runMatch(db, {
            period: q,
            now: NOW(q),
            // The hook runs in the match's transaction, on the same engine: it sees the rows not yet committed.
            // The push plan runs there, as zhishu match does, with what the near misses lack from the facts just computed.
            inTransaction: async (r, tx) => {
              assert.equal(tx.dialect, db.dialect);
              seenInTx = Number((await tx.one<{ n: string }>('SELECT count(*) AS n FROM policy_match WHERE run_id = $1', [r.runId])).n);
              const plan = await timed(`push plan ${q} ${db.dialect}`, () =>
                planPushes(tx, catalogue.entries, { period: q, now: PLAN_AT(q), words: itemWords(tx, DEFAULT_LAW_DIR, q) }),
              );
              plans[db.dialect].push(plan);
            },
          }),
        );
        assert.equal(
          seenInTx,
          Object.values(run.byStatus).reduce((a, b) => a + b, 0),
        );
        runs[db.dialect].push(run);
        await timed(`ledger ${q} ${db.dialect}`, () => buildLedger(db, catalogue, q, NOW(q)));
      }
    }
    assert.deepEqual(runs.postgres, runs.duckdb);
    assert.deepEqual(plans.postgres, plans.duckdb);
    // The first quarter planned tells everything its results call for; the next leaves out the reliefs
    // without an estimate told in the first (src/push/README.md, "Once in four quarters").
    const [q4, q1] = plans.duckdb as [PlanReport, PlanReport];
    assert.ok(q4.planned > 300 && q4.digests > 0 && Object.keys(q4.byChannel).length === 3 && q4.toldRecently === 0, JSON.stringify(q4));
    assert.ok(q1.toldRecently > 1000 && q1.planned > 100 && q1.digests > 0 && Object.keys(q1.byChannel).length === 3, JSON.stringify(q1));
    const outbox = await rowsOf(duck, 'push_message');
    assert.ok(
      outbox.some(
        (m) =>
          (typeof m.lacking === 'string' && (JSON.parse(m.lacking) as string[]).length > 0) ||
          (typeof m.digest_items === 'string' && (JSON.parse(m.digest_items) as { lacking: string[] | null }[]).some((i) => (i.lacking?.length ?? 0) > 0)),
      ),
      'near misses with what they lack (the rows keep it; the words are rendered when sent)',
    );
    assert.deepEqual(await rowsOf(server, 'push_message'), outbox);
    const byStatus = runs.duckdb[1]?.byStatus ?? {};
    assert.ok((byStatus.matched ?? 0) > 100 && (byStatus.nearMiss ?? 0) > 0 && (byStatus.unknown ?? 0) > 0, JSON.stringify(byStatus));
    assert.deepEqual(await rowsOf(server, 'taxpayer_fact'), await rowsOf(duck, 'taxpayer_fact'));
    // Other departments' data at its edges (before()): what the facts make of it, the same on both engines (above).
    const dept = await duck.all<Record<string, unknown>>(
      `SELECT period, right(credit_code, 2) AS tp, disabled_employees, key_group_hires, veteran_hires, chips_or_machines
       FROM taxpayer_fact WHERE credit_code LIKE '91440300YYHT%' ORDER BY period, credit_code`,
    );
    const listedAtQ4 = await duck.one<{ n: bigint }>(
      `SELECT count(*) AS n FROM enterprise_list WHERE DATE '2025-12-31' BETWEEN valid_from AND coalesce(valid_to, DATE '2099-12-31')`,
    );
    const q4Lists = Number(listedAtQ4.n) > 0 ? false : null;
    assert.deepEqual(
      dept.map((r) => [r.period, r.disabled_employees, r.key_group_hires, r.veteran_hires, r.chips_or_machines]),
      [
        ['2025-Q4', '4', null, null, q4Lists],
        ['2025-Q4', null, '5', null, q4Lists],
        ['2026-Q1', '4', null, null, true],
        ['2026-Q1', null, null, '2', false],
      ],
    );
    const deptMatches = await duck.all<{ policy_id: string }>(
      `SELECT policy_id FROM policy_match WHERE period = '2026-Q1' AND status = 'matched' AND credit_code LIKE '91440300YYHT%'
         AND policy_id IN ('cit.disabledWages', 'cit.rndSuperDeductionChipsMachines', 'other.veteranHires', 'other.keyGroupHires') ORDER BY credit_code, policy_id`,
    );
    assert.deepEqual(
      deptMatches.map((r) => r.policy_id),
      ['cit.disabledWages', 'cit.rndSuperDeductionChipsMachines', 'other.veteranHires'],
    );
    const pm = await rowsOf(duck, 'policy_match');
    assert.ok(pm.length > 500);
    assert.deepEqual(await rowsOf(server, 'policy_match'), pm);
    assert.deepEqual(await rowsOf(server, 'match_run', ['finished_at']), await rowsOf(duck, 'match_run', ['finished_at']));
    const ledger = await rowsOf(duck, 'ledger_entry');
    assert.ok(ledger.some((r) => r.status === 'enjoyed') && ledger.some((r) => r.status === 'missed'));
    // Reliefs that do not stack (small high-tech enterprises) are priced alike on both engines.
    assert.ok(
      ledger.some((r) => r.status === 'notStacked'),
      'some taxpayer matches both the high-tech rate and the small low-profit relief',
    );
    assert.deepEqual(await rowsOf(server, 'ledger_entry'), ledger);
  });

  it('the ledger build, the city report and every taxpayer’s ledger are the same on both engines', async () => {
    const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
    const rebuilt = (db: Db) => buildLedger(db, catalogue, '2026-Q1', NOW('2026-Q1'));
    assert.deepEqual(await rebuilt(server), await rebuilt(duck));
    // One taxpayer's rows rebuilt alone (as after its re-match), a taxpayer with a relief enjoyed and one missed.
    const claimed = await duck.one<{ c: string }>(
      "SELECT credit_code AS c FROM ledger_entry WHERE period = '2026-Q1' GROUP BY 1 HAVING bool_or(status = 'enjoyed') AND bool_or(status = 'missed') ORDER BY 1 LIMIT 1",
    );
    const alone = (db: Db) => buildLedger(db, catalogue, '2026-Q1', NOW('2026-Q1'), claimed.c);
    assert.deepEqual(await alone(server), await alone(duck));
    assert.deepEqual(await rowsOf(server, 'ledger_entry'), await rowsOf(duck, 'ledger_entry'));
    for (const year of [2025, 2026, 2024]) assert.deepEqual(await policyReport(server, year), await policyReport(duck, year), `report ${year}`);
    const report = await policyReport(duck, 2026);
    assert.ok(Number(report.enjoyed) > 0 && Number(report.missed) > 0 && report.byMonth.length >= 3);
    // Every fourth taxpayer: with and without reliefs, enjoyed and missed.
    const all = (await duck.all<{ c: string }>('SELECT credit_code AS c FROM taxpayer ORDER BY credit_code')).map((r) => r.c);
    const codes = all.filter((_, i) => i % 4 === 0);
    for (const c of codes) for (const year of [2025, 2026]) assert.deepEqual(await taxpayerLedger(server, c, year), await taxpayerLedger(duck, c, year), c);
    // A missed row is money, and only a missed row has an amount missed.
    assert.deepEqual(await duck.all(`SELECT status, count(*) AS n FROM ledger_entry WHERE (status = 'missed') <> coalesce(missed > 0, false) GROUP BY 1`), []);
    // Every taxpayer's ledger adds up to the report's figures, and its counts are those of the rows.
    const ledgers = await Promise.all(all.map((c) => taxpayerLedger(duck, c, 2026)));
    const total = (pick: (l: TaxpayerLedger) => string) => formatYuan(ledgers.reduce((n, l) => n + parseYuan(pick(l)), 0));
    assert.deepEqual(
      [total((l) => l.enjoyed), total((l) => l.enjoyedUnverified), total((l) => l.missed), total((l) => l.claimedNotEligible)],
      [report.enjoyed, report.enjoyedUnverified, report.missed, report.claimedNotEligible],
    );
    const missing = ledgers.filter((l) => l.rows.some((r) => r.status === 'missed'));
    assert.equal(missing.length, report.taxpayersMissing);
    assert.ok(missing.every((l) => Number(l.missed) > 0));
    assert.equal(ledgers.filter((l) => l.missedAmountUnknown > 0 && !missing.includes(l)).length, report.taxpayersMissingAmountUnknown);
    // In the generated city a relief goes without an estimate where its return is not filed: such reliefs
    // wait on the return (returnNotFiled), not missed (missedAmountUnknown, which the hand-built ledger
    // below holds, is 0 here now: until 2026-12-03 every taxpayer counted there was one of these).
    assert.equal(ledgers.filter((l) => l.returnNotFiled > 0).length, report.taxpayersReturnNotFiled);
    assert.equal(
      ledgers.reduce((n, l) => n + l.returnNotFiled, 0),
      report.reliefsReturnNotFiled,
    );
    assert.ok(report.taxpayersReturnNotFiled > 0, 'the city has reliefs waiting on a return not filed');
    // Each of them has an outstanding return of the quarter.
    assert.deepEqual(
      await duck.all(`SELECT l.credit_code, l.policy_id FROM ledger_entry l WHERE l.status = 'returnNotFiled'
        AND NOT EXISTS (SELECT 1 FROM filing f WHERE f.credit_code = l.credit_code AND f.filed_on IS NULL AND f.period_end BETWEEN l.period_end - INTERVAL 3 MONTH AND l.period_end)`),
      [],
    );
  });

  it('re-matching every taxpayer one by one, with the serving indexes, gives the city run’s facts and results on both engines', async () => {
    const serving = readFileSync(new URL('../src/api/sql/serving_indexes.sql', import.meta.url), 'utf8');
    const codes = (await duck.all<{ c: string }>('SELECT credit_code AS c FROM taxpayer ORDER BY credit_code')).map((r) => r.c);
    // The rows of one moment, without when and by which run they were computed.
    const at = async (db: Db, table: string, moment: Date) => {
      const cols = (
        await db.all<{ c: string }>(
          'SELECT column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position',
          [table],
        )
      )
        .map((r) => `"${r.c}"`)
        .filter((c) => c !== '"computed_at"' && c !== '"run_id"');
      const stamp = moment.toISOString().replace('T', ' ').replace('Z', '');
      return db.all(`SELECT ${cols.join(', ')} FROM ${table} WHERE computed_at = CAST($1 AS TIMESTAMP) ORDER BY ${cols.join(', ')}`, [stamp]);
    };
    for (const db of [duck, server] as Db[]) {
      await db.exec(serving);
      for (const q of QUARTERS) {
        const later = new Date(NOW(q).getTime() + 3600_000);
        let taxpayers = 0;
        await timed(`${codes.length} re-matches ${q} ${db.dialect}`, async () => {
          for (const c of codes) taxpayers += (await runMatch(db, { period: q, only: c, now: later })).taxpayers;
        });
        const facts = await at(db, 'taxpayer_fact', later);
        assert.equal(facts.length, taxpayers);
        assert.ok(taxpayers > 200, `${q}: ${taxpayers}`);
        assert.deepEqual(facts, await at(db, 'taxpayer_fact', NOW(q)), `${db.dialect} ${q} facts`);
        const results = await at(db, 'policy_match', later);
        assert.ok(results.length > 500);
        assert.deepEqual(results, await at(db, 'policy_match', NOW(q)), `${db.dialect} ${q} results`);
      }
    }
    assert.deepEqual(await rowsOf(server, 'taxpayer_fact'), await rowsOf(duck, 'taxpayer_fact'));
    assert.deepEqual(await rowsOf(server, 'policy_match'), await rowsOf(duck, 'policy_match'));
  });

  it('a single-taxpayer re-match after new data gives the same rows on both engines', async () => {
    // A taxpayer the city run's plan told of a CIT relief in 2026-Q1 (a relief without an estimate told the
    // quarter before is not told again, so not every matched taxpayer has messages of the quarter), which the
    // change to its VAT return below leaves as it was: a VAT or surcharges relief may cross its line.
    const { c } = await duck.one<{ c: string }>(
      "SELECT min(m.credit_code) AS c FROM push_message m JOIN current_match r ON r.credit_code = m.credit_code AND r.period = m.period AND r.policy_id = m.policy_id AND r.status = 'matched' WHERE m.period = '2026-Q1' AND m.status = 'planned' AND m.policy_id LIKE 'cit.%'",
    );
    const change = `UPDATE filing SET tax_base = tax_base + 1000 WHERE credit_code = $1 AND tax_type = 'vat' AND period_end = DATE '2026-03-31'`;
    const now = new Date('2026-05-02T09:00:00Z');
    const replans: PlanReport[] = [];
    for (const db of [duck, server] as Db[]) {
      await db.exec(change, [c]);
      const run = await runMatch(db, {
        period: '2026-Q1',
        only: c,
        now,
        inTransaction: async (r, tx) => {
          replans.push(await planPushes(tx, catalogueOf(DEFAULT_LAW_DIR).catalogue.entries, { period: r.period.period, now: PLAN_AT('2026-Q1'), only: c }));
        },
      });
      assert.equal(run.taxpayers, 1);
    }
    assert.deepEqual(replans[1], replans[0]);
    assert.ok((replans[0]?.alreadyPlanned ?? 0) > 0, 'the taxpayer was planned by the city run');
    assert.deepEqual(await rowsOf(server, 'push_message'), await rowsOf(duck, 'push_message'));
    const latest = `SELECT credit_code, policy_id, period, status, benefit, category, run_id FROM current_match WHERE credit_code = $1 ORDER BY period, policy_id`;
    const d = await duck.all(latest, [c]);
    assert.ok(d.length > 0);
    assert.deepEqual(await server.all(latest, [c]), d);
    assert.deepEqual(await rowsOf(server, 'policy_match'), await rowsOf(duck, 'policy_match'));
  });

  it('a match whose hook fails leaves nothing behind on PostgreSQL', async () => {
    const before = await server.one<{ runs: string; rows: string }>(
      'SELECT (SELECT count(*) FROM match_run) AS runs, (SELECT count(*) FROM policy_match) AS rows',
    );
    await assert.rejects(
      runMatch(server, {
        period: '2026-Q1',
        now: new Date('2026-05-03T09:00:00Z'),
        inTransaction: async () => {
          throw new Error('push plan failed');
        },
      }),
      /push plan failed/,
    );
    assert.deepEqual(await server.one('SELECT (SELECT count(*) FROM match_run) AS runs, (SELECT count(*) FROM policy_match) AS rows'), before);
  });

  it('a re-match that loses the race for the next run id to another connection runs again and takes the one after', async () => {
    // Outside a transaction the re-match is one statement that takes max(run_id) + 1 without a lock.
    // Another connection holds the next id, not yet committed: the re-match waits on its key, fails
    // with a unique violation once it commits, and must run again rather than fail.
    const holder = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await holder.connect();
    try {
      const { c } = await server.one<{ c: string }>("SELECT min(credit_code) AS c FROM current_match WHERE period = '2026-Q1'");
      await holder.query('BEGIN');
      const held = await holder.query<{ run_id: string }>(
        "INSERT INTO match_run SELECT coalesce(max(run_id), 0) + 1, '2026-Q1', 'another connection', 'x', 0, now()::TIMESTAMP, NULL FROM match_run RETURNING run_id",
      );
      const attempts: string[] = [];
      const rematch = runMatch(server, { period: '2026-Q1', only: c, now: new Date('2026-05-04T08:00:00Z'), onProgress: (step) => attempts.push(step) });
      // (Which statement waits, pg_stat_activity does not tell reliably for a prepared statement
      // run through the extended protocol: its query column may still show the one before.)
      const waiting =
        "SELECT count(*)::INT AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'transactionid' AND pid <> pg_backend_pid()";
      for (let i = 0; (await holder.query<{ n: number }>(waiting)).rows[0]?.n === 0; i++) {
        assert.ok(i < 250, 'the re-match never waited on the held run id');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await holder.query('COMMIT');
      const run = await rematch;
      assert.equal(run.runId, Number(held.rows[0]?.run_id) + 1);
      assert.equal(attempts.length, 2, attempts.join('; '));
      assert.ok(Object.values(run.byStatus).reduce((n, k) => n + k, 0) > 0);
    } finally {
      await holder.end();
    }
  });

  it('re-matches on several connections at once each get the next run id and keep their own facts and results; in a transaction one takes the lock', async () => {
    const pool = await PgDb.open(PG_URL, { schema, max: 6 });
    try {
      const { top } = await server.one<{ top: string }>('SELECT max(run_id) AS top FROM match_run');
      const codes = (await server.all<{ c: string }>("SELECT DISTINCT credit_code AS c FROM current_match WHERE period = '2026-Q1' ORDER BY 1 LIMIT 24")).map(
        (r) => r.c,
      );
      const now = new Date('2026-05-04T09:00:00Z');
      let attempts = 0;
      const runs = await Promise.all(codes.map((c) => runMatch(pool, { period: '2026-Q1', only: c, now, onProgress: () => attempts++ })));
      assert.ok(attempts >= codes.length);
      const ids = runs.map((r) => r.runId).sort((a, b) => a - b);
      assert.deepEqual(
        ids,
        codes.map((_, i) => Number(top) + 1 + i),
      );
      for (const [i, r] of runs.entries()) {
        assert.equal(r.scope, codes[i]);
        const stored = await server.all<{ credit_code: string; status: string }>('SELECT credit_code, status FROM policy_match WHERE run_id = $1', [r.runId]);
        assert.ok(stored.length > 0 && stored.every((s) => s.credit_code === codes[i]));
        const byStatus: Record<string, number> = {};
        for (const s of stored) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
        assert.deepEqual(r.byStatus, byStatus);
      }
      // The data did not change: each taxpayer's facts and results are those of its re-match before
      // (the test above holds re-matches to the city run).
      const latest = (table: string, cols: string, upTo: string) =>
        server.all(
          `SELECT ${cols} FROM ${table} t WHERE credit_code = ANY($1) AND period = '2026-Q1'
             AND computed_at = (SELECT max(computed_at) FROM ${table} p WHERE p.credit_code = t.credit_code AND p.period = t.period AND computed_at <= ${upTo})
           ORDER BY 1, 2`,
          [`{${codes.join(',')}}`],
        );
      const factCols = 'credit_code, period, quarterly_sales, annual_sales, taxable_income, employees, total_assets, high_tech, months_registered';
      const stamp = `CAST('${now.toISOString().replace('T', ' ').replace('Z', '')}' AS TIMESTAMP)`;
      const before = `${stamp} - INTERVAL '1 second'`;
      const newFacts = await latest('taxpayer_fact', factCols, stamp);
      assert.equal(newFacts.length, codes.length);
      assert.deepEqual(newFacts, await latest('taxpayer_fact', factCols, before));
      assert.deepEqual(
        await latest('policy_match', 'credit_code, policy_id, status, benefit', stamp),
        await latest('policy_match', 'credit_code, policy_id, status, benefit', before),
      );
      // Inside a caller's transaction the re-match takes the lock a city run takes, is part of the
      // transaction, and goes when it is rolled back.
      const count = 'SELECT (SELECT count(*) FROM match_run) AS runs, (SELECT count(*) FROM policy_match) AS rows';
      const counted = await server.one(count);
      await assert.rejects(
        server.transaction(async (tx) => {
          const r = await runMatch(tx, { period: '2026-Q1', only: codes[0] as string, now });
          assert.equal(r.runId, Number(top) + codes.length + 1);
          const locks = await tx.all<{ mode: string }>("SELECT mode FROM pg_locks WHERE relation = 'match_run'::regclass AND pid = pg_backend_pid()");
          assert.ok(
            locks.some((l) => l.mode === 'ShareRowExclusiveLock'),
            JSON.stringify(locks),
          );
          throw new Error('the caller changed its mind');
        }),
        /changed its mind/,
      );
      assert.deepEqual(await server.one(count), counted);
      // The form the benchmark compares with (DuckDB's statements, one by one) writes the same rows.
      const one = await runMatch(server, { period: '2026-Q1', only: codes[1] as string, now });
      const several = await runMatch(server, { period: '2026-Q1', only: codes[1] as string, now, rematchForm: 'statements' });
      assert.equal(several.runId, one.runId + 1);
      assert.deepEqual(several.byStatus, one.byStatus);
      const rowsOfRun = (run: number) =>
        server.all('SELECT credit_code, policy_id, period, status, benefit, category, computed_at FROM policy_match WHERE run_id = $1 ORDER BY policy_id', [
          run,
        ]);
      assert.deepEqual(await rowsOfRun(several.runId), await rowsOfRun(one.runId));
    } finally {
      await pool.close();
    }
  });

  it('zhishu migrate, pg copy, match, ledger and report policy take --database', async () => {
    // The re-match above changed a 2026-Q1 result: the ledger follows it, as zhishu match would.
    await buildLedger(duck, catalogueOf(DEFAULT_LAW_DIR).catalogue, '2026-Q1');
    const expected = await policyReport(duck, 2026);
    const someone = (await duck.one<{ c: string }>("SELECT credit_code AS c FROM ledger_entry WHERE status = 'missed' ORDER BY 1 LIMIT 1")).c;
    const ledger = await taxpayerLedger(duck, someone, 2026);
    // The CLI opens the file itself, and DuckDB lets one process at a time open a file.
    duck.close();
    duckOpen = false;
    const cliSchema = freshSchema();
    const zhishu = (...args: string[]) => {
      const r = spawnSync(process.execPath, ['bin/zhishu.js', ...args], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r;
    };
    const server2 = ['--database', PG_URL, '--schema', cliSchema];
    try {
      assert.match(
        zhishu('migrate', ...server2).stdout,
        new RegExp(
          `applied migrations ${migrations('postgres')
            .map((m) => m.version)
            .join(', ')}`,
        ),
      );
      const copy = zhishu('pg', 'copy', '--db', file, ...server2);
      assert.match(copy.stderr, /pg copy: \[1\/\d+\] taxpayer: [\d,]+ rows/);
      assert.match(copy.stdout, /copied [\d,]+ rows/);
      // The report and ledger of 2026 need only its quarter. The match plans the pushes in its transaction.
      const m = zhishu('match', '--period', '2026-Q1', ...server2, '--json');
      assert.match(m.stderr, /match: push plan/);
      const onServer = JSON.parse(m.stdout) as { run: MatchRun; plan: PlanReport };
      assert.equal(onServer.run.period.period, '2026-Q1');
      assert.ok(onServer.plan.planned > 300 && onServer.plan.digests > 0, JSON.stringify(onServer.plan));
      // The same city matched by zhishu match on DuckDB: a copy of the store without its match history
      // (the run is then number 1, as on the new schema), so the two outboxes can be compared row for row.
      const copied = join(dir, 'cli.duckdb');
      copyFileSync(file, copied);
      if (existsSync(`${file}.wal`)) copyFileSync(`${file}.wal`, `${copied}.wal`);
      const fresh = await Store.open(copied);
      for (const t of ['push_message', 'ledger_entry', 'policy_match', 'taxpayer_fact', 'match_run']) await fresh.exec(`DELETE FROM ${t}`);
      fresh.close();
      const onDuck = JSON.parse(zhishu('match', '--period', '2026-Q1', '--db', copied, '--json').stdout) as { plan: PlanReport };
      assert.deepEqual(onServer.plan, onDuck.plan);
      const [cliDuck, cliServer] = [await Store.open(copied), await PgDb.open(PG_URL, { schema: cliSchema })];
      try {
        // Planned as of each command's own moment: past the deadlines of 2026-Q1, every message is timed
        // from that moment, so all but the scheduled and created times must be the same.
        const outbox = await rowsOf(cliDuck, 'push_message', ['scheduled_at', 'created_at']);
        assert.equal(outbox.length, onDuck.plan.planned);
        assert.deepEqual(await rowsOf(cliServer, 'push_message', ['scheduled_at', 'created_at']), outbox);
      } finally {
        cliDuck.close();
        await cliServer.close();
      }
      assert.deepEqual(JSON.parse(zhishu('report', 'policy', '--year', '2026', ...server2, '--json').stdout), expected);
      assert.deepEqual(JSON.parse(zhishu('ledger', '--taxpayer', someone, '--year', '2026', ...server2, '--json').stdout), ledger);
    } finally {
      await dropSchema(cliSchema);
    }
  });
});

describe('the ledger of reliefs that do not stack, hand-built, on both engines', () => {
  const engines = bothEngines({ migrate: true });

  it('of reliefs without a reduction code, the best ranked is matchedNoCode and the rest notStacked; a priced relief of the group is missed as before, an unpriced one of unknown amount', async () => {
    const code = (i: number) => withCheckCharacter(`91440300MA5R${String(i).padStart(5, '0')}`);
    // [taxpayer, policy, benefit]: all matched in one city run of 2026-Q1, nothing claimed.
    const matched: [number, string, string | null][] = [
      // A listed chip maker with R&D: 120 % (rank 1, the larger id) instead of 100 %.
      [1, 'cit.rndSuperDeduction', null],
      [1, 'cit.rndSuperDeductionChipsMachines', null],
      // Any other enterprise with R&D: the 100 % alone.
      [2, 'cit.rndSuperDeduction', null],
      // The CIT rates: the small low-profit relief missed, the high-tech rate beaten; Qianhai, without a code, the best of
      // those without one (as before: the ledger weighs the reliefs with and without a code apart).
      [3, 'cit.qianhai', '40000.00'],
      [3, 'cit.highTech', '40000.00'],
      [3, 'cit.smallLowProfit', '80000.00'],
      // An estimate below zero ranks below a missing one (-0.01 yuan), as the push plan weighs them: the
      // unpriced relief is the one the company is told of and the one it may miss, of unknown amount.
      [4, 'cit.highTech', '-5.00'],
      [4, 'cit.smallLowProfit', null],
    ];
    const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
    const ledgers: Record<string, unknown[]> = {};
    for (const db of [engines.duck, engines.server] as Db[]) {
      await db.exec(`INSERT INTO match_run VALUES (1, '2026-Q1', 'city', 'test', 4, TIMESTAMP '2026-04-20 08:00:00', TIMESTAMP '2026-04-20 08:01:00')`);
      // The results in force are those computed with the taxpayer's latest facts (current_match).
      for (const i of [1, 2, 3, 4])
        await db.exec(
          `INSERT INTO taxpayer_fact (credit_code, period, period_start, period_end, computed_at) VALUES ($1, '2026-Q1', DATE '2026-01-01', DATE '2026-03-31', TIMESTAMP '2026-04-20 08:00:30')`,
          [code(i)],
        );
      for (const [i, policy, benefit] of matched)
        await db.exec(`INSERT INTO policy_match VALUES (1, $1, $2, '2026-Q1', 'matched', $3::DECIMAL(18,2), 'cit', TIMESTAMP '2026-04-20 08:00:30')`, [
          code(i),
          policy,
          benefit,
        ]);
      await buildLedger(db, catalogue, '2026-Q1', new Date('2026-04-20T09:00:00Z'));
      ledgers[db.dialect] = await db.all(`SELECT credit_code, policy_id, status, missed::VARCHAR AS missed FROM ledger_entry ORDER BY credit_code, policy_id`);
    }
    assert.deepEqual(ledgers.duckdb, [
      { credit_code: code(1), policy_id: 'cit.rndSuperDeduction', status: 'notStacked', missed: null },
      { credit_code: code(1), policy_id: 'cit.rndSuperDeductionChipsMachines', status: 'matchedNoCode', missed: null },
      { credit_code: code(2), policy_id: 'cit.rndSuperDeduction', status: 'matchedNoCode', missed: null },
      { credit_code: code(3), policy_id: 'cit.highTech', status: 'notStacked', missed: null },
      { credit_code: code(3), policy_id: 'cit.qianhai', status: 'matchedNoCode', missed: null },
      { credit_code: code(3), policy_id: 'cit.smallLowProfit', status: 'missed', missed: '80000.00' },
      { credit_code: code(4), policy_id: 'cit.highTech', status: 'notStacked', missed: null },
      { credit_code: code(4), policy_id: 'cit.smallLowProfit', status: 'missedAmountUnknown', missed: null },
    ]);
    assert.deepEqual(ledgers.postgres, ledgers.duckdb);
    // Built twice in one caller's transaction (the catalogue's temp tables made again), then committed: the same rows.
    await engines.server.transaction(async (tx) => {
      for (let i = 0; i < 2; i++) await buildLedger(tx, catalogue, '2026-Q1', new Date('2026-04-20T09:00:00Z'));
    });
    assert.deepEqual(
      await engines.server.all(`SELECT credit_code, policy_id, status, missed::VARCHAR AS missed FROM ledger_entry ORDER BY credit_code, policy_id`),
      ledgers.duckdb,
    );
  });
});

describe("the surcharges' halving estimated on the levy before it, hand-built, on both engines", () => {
  const engines = bothEngines({ migrate: true });
  const code = (i: number) => withCheckCharacter(`91440300MA5R${String(i).padStart(5, '0')}`);
  const HALVING = '9900000003';

  async function seed(db: Db) {
    const tp = (i: number, kind: string, vat: string) =>
      db.exec(`INSERT INTO taxpayer VALUES ($1, 'x', $2, $3, 'F51', 'futian', DATE '2020-01-01', 5, 800000, 'actualAccounts', false, NULL, 0, 'B')`, [
        code(i),
        kind,
        vat,
      ]);
    const filing = (i: number, type: string, start: string, end: string, base: string, payable: string) =>
      db.exec(`${INSERT_FILING} ($1, $2, $3::DATE, $4::DATE, DATE '2026-04-15', DATE '2026-04-10', $5::DECIMAL(18,2), $6::DECIMAL(18,2))`, [
        code(i),
        type,
        start,
        end,
        base,
        payable,
      ]);
    const claim = (i: number, type: string, start: string, end: string, reduction: string, amount: string) =>
      db.exec(`INSERT INTO filing_reduction VALUES ($1, $2, $3::DATE, $4::DATE, $5, $6::DECIMAL(18,2))`, [code(i), type, start, end, reduction, amount]);
    // 1 and 2: small-scale, quarterly, 400,000 of sales at 1 %: 4,000 of VAT, 480 of surcharges (12 %).
    // 1 claims the halving (240 payable, 240 reduced), 2 does not (480 payable).
    for (const i of [1, 2]) {
      await tp(i, 'enterprise', 'smallScale');
      await filing(i, 'vat', '2026-01-01', '2026-03-31', '400000', '4000');
      await filing(i, 'surcharges', '2026-01-01', '2026-03-31', '4000', i === 1 ? '240' : '480');
    }
    await claim(1, 'surcharges', '2026-01-01', '2026-03-31', HALVING, '240');
    // 3: an individual business filing monthly, the halving claimed each month (100 payable, 100 reduced),
    // and another reduction on its surcharges that is not the halving: only the halving is added back.
    // Its months are within 100,000, so the education surcharges on its 5,000.01 of VAT (150 + 100) are
    // exempt, which it does not claim: the halving is worth half of the 600 less those 250.
    await tp(3, 'individualBusiness', 'general');
    for (const [start, end] of [
      ['2026-01-01', '2026-01-31'],
      ['2026-02-01', '2026-02-28'],
      ['2026-03-01', '2026-03-31'],
    ] as const) {
      await filing(3, 'vat', start, end, '50000', '1666.67');
      await filing(3, 'surcharges', start, end, '1666.67', '100');
      await claim(3, 'surcharges', start, end, HALVING, '100');
    }
    await claim(3, 'surcharges', '2026-03-01', '2026-03-31', '9900000001', '7');
    // 4: the halving claimed on the next quarter's return only: none of it is this quarter's.
    await tp(4, 'enterprise', 'smallScale');
    await filing(4, 'vat', '2026-01-01', '2026-03-31', '400000', '4000');
    await filing(4, 'surcharges', '2026-01-01', '2026-03-31', '4000', '480');
    await claim(4, 'surcharges', '2026-04-01', '2026-06-30', HALVING, '240');
  }

  it("a claimer's estimate is the halving it claimed, not half of it: the claim is added back to what the return says is payable, in the city run and in a re-match", async () => {
    const sql = `SELECT f.credit_code, f.surcharges_payable::VARCHAR AS surcharges, m.status, m.benefit::VARCHAR AS benefit
                 FROM current_fact f JOIN current_match m USING (credit_code, period)
                 WHERE f.period = '2026-Q1' AND m.policy_id = 'surcharges.sixTaxesTwoFees' ORDER BY f.credit_code`;
    const expected = [
      { credit_code: code(1), surcharges: '480.00', status: 'matched', benefit: '240.00' },
      { credit_code: code(2), surcharges: '480.00', status: 'matched', benefit: '240.00' },
      { credit_code: code(3), surcharges: '600.00', status: 'matched', benefit: '175.00' },
      { credit_code: code(4), surcharges: '480.00', status: 'matched', benefit: '240.00' },
    ];
    await matchedBothWays(engines, seed, '2026-Q1', code, 4, [[sql, expected]]);
  });
});

describe("the education surcharges' exemption by the month for monthly filers, by the quarter for quarterly ones, hand-built, on both engines", () => {
  const engines = bothEngines({ migrate: true });
  const code = (i: number) => withCheckCharacter(`91440300MA5U${String(i).padStart(5, '0')}`);

  async function seed(db: Db) {
    const tp = (i: number, vat: string, registered: string) =>
      db.exec(`INSERT INTO taxpayer VALUES ($1, 'x', 'enterprise', $2, 'F51', 'futian', $3::DATE, 400, 80000000, 'actualAccounts', false, NULL, 0, 'B')`, [
        code(i),
        vat,
        registered,
      ]);
    const vat = (i: number, [start, end]: readonly [string, string], base: string, payable: string, filed: string | null = '2026-10-10') =>
      db.exec(`${INSERT_FILING} ($1, 'vat', $2::DATE, $3::DATE, DATE '2026-10-15', $4::DATE, $5::DECIMAL(18,2), $6::DECIMAL(18,2))`, [
        code(i),
        start,
        end,
        filed,
        base,
        payable,
      ]);
    // 1: monthly, 320,000 in the quarter: exempt in July (80,000) and September (90,000), not in August.
    await tp(1, 'general', '2020-01-01');
    await vat(1, Q3_2026_MONTHS[0], '80000', '1000');
    await vat(1, Q3_2026_MONTHS[1], '150000', '2000');
    await vat(1, Q3_2026_MONTHS[2], '90000', '1200');
    // 2: monthly, registered in September with 298,736.31 of sales that month: under 300,000 for the
    // quarter, but over 100,000 for its month, so exempt in none.
    await tp(2, 'general', '2026-09-20');
    await vat(2, Q3_2026_MONTHS[2], '298736.31', '4000');
    // 3: quarterly (small-scale), 280,000 in the quarter: exempt for the quarter.
    await tp(3, 'smallScale', '2020-01-01');
    await vat(3, ['2026-07-01', '2026-09-30'], '280000', '2800');
    // 4: monthly with September's return not filed: the lowest month is not known yet.
    await tp(4, 'general', '2020-01-01');
    await vat(4, Q3_2026_MONTHS[0], '50000', '500');
    await vat(4, Q3_2026_MONTHS[1], '60000', '600');
    await vat(4, Q3_2026_MONTHS[2], '0', '0', null);
    // 5: small-scale, registered on 5 September: its quarter's one return runs from then to the quarter's
    // end, within one month like a month's, and is still the quarter's (150,000: within 300,000).
    await tp(5, 'smallScale', '2026-09-05');
    await vat(5, ['2026-09-05', '2026-09-30'], '150000', '1500');
    // 6 and 7: small-scale (so halved too), 280,000 in the quarter and VAT of 2,800 at 1 %: the surcharges
    // levied 336 (12 %). 6 claims nothing; 7 claims the exemption (140) on its surcharges return, which shows
    // 196. The halving is half of what the exemption leaves either way: 98.
    const surcharges = (i: number, base: string, payable: string) =>
      db.exec(
        `${INSERT_FILING} ($1, 'surcharges', DATE '2026-07-01', DATE '2026-09-30', DATE '2026-10-15', DATE '2026-10-10', $2::DECIMAL(18,2), $3::DECIMAL(18,2))`,
        [code(i), base, payable],
      );
    for (const i of [6, 7]) {
      await tp(i, 'smallScale', '2020-01-01');
      await vat(i, ['2026-07-01', '2026-09-30'], '280000', '2800');
    }
    await surcharges(6, '2800', '336');
    await surcharges(7, '2800', '196');
    await db.exec(`INSERT INTO filing_reduction VALUES ($1, 'surcharges', DATE '2026-07-01', DATE '2026-09-30', '9900000007', 140)`, [code(7)]);
  }

  it('a monthly filer is exempt in its months within 100,000 and judged on them, a quarterly filer on its quarter; the halving takes half of what the exemption leaves, claimed or not; the city run and a re-match agree', async () => {
    const facts = `SELECT credit_code, vat_monthly_filer, lowest_monthly_sales::VARCHAR AS lowest, exempt_months_vat_payable::VARCHAR AS exempt_months,
                     education_exempt_vat_payable::VARCHAR AS exempt, education_exemption_claimed::VARCHAR AS claimed
                   FROM current_fact WHERE period = '2026-Q3' ORDER BY credit_code`;
    const results = `SELECT credit_code, policy_id, status, benefit::VARCHAR AS benefit FROM current_match
                     WHERE period = '2026-Q3' AND policy_id IN ('surcharges.educationSmallSales', 'surcharges.sixTaxesTwoFees') ORDER BY credit_code, policy_id`;
    const expectedFacts = [
      { credit_code: code(1), vat_monthly_filer: true, lowest: '80000.00', exempt_months: '2200.00', exempt: '2200.00', claimed: '0.00' },
      { credit_code: code(2), vat_monthly_filer: true, lowest: '298736.31', exempt_months: '0.00', exempt: '0.00', claimed: '0.00' },
      { credit_code: code(3), vat_monthly_filer: false, lowest: null, exempt_months: null, exempt: '2800.00', claimed: '0.00' },
      { credit_code: code(4), vat_monthly_filer: true, lowest: null, exempt_months: null, exempt: null, claimed: '0.00' },
      { credit_code: code(5), vat_monthly_filer: false, lowest: null, exempt_months: null, exempt: '1500.00', claimed: '0.00' },
      { credit_code: code(6), vat_monthly_filer: false, lowest: null, exempt_months: null, exempt: '2800.00', claimed: '0.00' },
      { credit_code: code(7), vat_monthly_filer: false, lowest: null, exempt_months: null, exempt: '2800.00', claimed: '140.00' },
    ];
    // Only matched, near-miss and unknown results are stored: 2 has none (not a near miss either: the
    // exemption has none). 1 and 2 (400 employees) are not small low-profit, 3 to 5 have no surcharges
    // return: their halving is not estimated (unknown benefit, stored as matched or unknown).
    const expectedResults = [
      { credit_code: code(1), policy_id: 'surcharges.educationSmallSales', status: 'matched', benefit: '110.00' },
      { credit_code: code(3), policy_id: 'surcharges.educationSmallSales', status: 'matched', benefit: '140.00' },
      { credit_code: code(3), policy_id: 'surcharges.sixTaxesTwoFees', status: 'matched', benefit: null },
      { credit_code: code(4), policy_id: 'surcharges.educationSmallSales', status: 'unknown', benefit: null },
      { credit_code: code(5), policy_id: 'surcharges.educationSmallSales', status: 'matched', benefit: '75.00' },
      { credit_code: code(5), policy_id: 'surcharges.sixTaxesTwoFees', status: 'matched', benefit: null },
      { credit_code: code(6), policy_id: 'surcharges.educationSmallSales', status: 'matched', benefit: '140.00' },
      { credit_code: code(6), policy_id: 'surcharges.sixTaxesTwoFees', status: 'matched', benefit: '98.00' },
      { credit_code: code(7), policy_id: 'surcharges.educationSmallSales', status: 'matched', benefit: '140.00' },
      { credit_code: code(7), policy_id: 'surcharges.sixTaxesTwoFees', status: 'matched', benefit: '98.00' },
    ];
    await matchedBothWays(engines, seed, '2026-Q3', code, 7, [
      [facts, expectedFacts],
      [results, expectedResults],
    ]);
  });
});

describe('the small-scale VAT line by the month for monthly filers, by the quarter for quarterly ones, hand-built, on both engines', () => {
  const engines = bothEngines({ migrate: true });
  const code = (i: number) => withCheckCharacter(`91440300MA5G${String(i).padStart(5, '0')}`);

  async function seed(db: Db) {
    const tp = (i: number, vat: string, registered: string) =>
      db.exec(`INSERT INTO taxpayer VALUES ($1, 'x', 'enterprise', $2, 'F51', 'futian', $3::DATE, 10, 800000, 'actualAccounts', false, NULL, 0, 'B')`, [
        code(i),
        vat,
        registered,
      ]);
    // Nothing claimed: the VAT paid at the 3 % levy rate. Of the sales, those on special invoices where
    // the return says (special_invoice_sales), else empty.
    const vat = (i: number, [start, end]: readonly [string, string], base: string, filed: string | null = '2026-10-10', special: string | null = null) =>
      db.exec(
        `INSERT INTO filing (credit_code, tax_type, period_start, period_end, due_date, filed_on, tax_base, tax_payable, special_invoice_sales)
         VALUES ($1, 'vat', $2::DATE, $3::DATE, DATE '2026-10-15', $4::DATE, $5::DECIMAL(18,2), round($5::DECIMAL(18,2) * 0.03, 2), $6::DECIMAL(18,2))`,
        [code(i), start, end, filed, base, special],
      );
    // 1: small-scale, monthly: July 99,999.99 under the threshold, August exactly 100,000 (reaches it in
    // 2026), September 150,000: exempt in July alone, 1 % on the other two.
    await tp(1, 'smallScale', '2020-01-01');
    await vat(1, Q3_2026_MONTHS[0], '99999.99');
    await vat(1, Q3_2026_MONTHS[1], '100000');
    await vat(1, Q3_2026_MONTHS[2], '150000');
    // 2: small-scale, monthly, registered in August: 290,000 for the quarter (under 300,000) but over
    // 100,000 in both months, so exempt in neither.
    await tp(2, 'smallScale', '2026-08-03');
    await vat(2, ['2026-08-03', '2026-08-31'], '140000');
    await vat(2, Q3_2026_MONTHS[2], '150000');
    // 3: small-scale, quarterly, 280,000: exempt for the quarter.
    await tp(3, 'smallScale', '2020-01-01');
    await vat(3, ['2026-07-01', '2026-09-30'], '280000');
    // 4: small-scale, quarterly, exactly 300,000: reaches the threshold, 1 % on all of it.
    await tp(4, 'smallScale', '2020-01-01');
    await vat(4, ['2026-07-01', '2026-09-30'], '300000');
    // 5: small-scale, monthly, September's return not filed: both answers unknown.
    await tp(5, 'smallScale', '2020-01-01');
    await vat(5, Q3_2026_MONTHS[0], '50000');
    await vat(5, Q3_2026_MONTHS[1], '60000');
    await vat(5, Q3_2026_MONTHS[2], '0', null);
    // 6: general, monthly, 90,000 a month: no small-scale relief, no figure of the line.
    await tp(6, 'general', '2020-01-01');
    for (const m of Q3_2026_MONTHS) await vat(6, m, '90000');
    // 7: small-scale, monthly, no month under the threshold, the lowest exactly at it: a near miss worth
    // that month's VAT at 1 %.
    await tp(7, 'smallScale', '2020-01-01');
    await vat(7, Q3_2026_MONTHS[0], '100500');
    await vat(7, Q3_2026_MONTHS[1], '100000');
    await vat(7, Q3_2026_MONTHS[2], '120000');
    // 8: small-scale, monthly: July 80,000 with 20,000 on special invoices, August 90,000 (the return does
    // not say), September 150,000 with 30,000: July and August exempt but for July's 20,000, which with
    // September pays the 1 % rate.
    await tp(8, 'smallScale', '2020-01-01');
    await vat(8, Q3_2026_MONTHS[0], '80000', undefined, '20000');
    await vat(8, Q3_2026_MONTHS[1], '90000');
    await vat(8, Q3_2026_MONTHS[2], '150000', undefined, '30000');
    // 9: small-scale, quarterly, 200,000 with 50,000 on special invoices: 150,000 exempt, 50,000 at 1 %.
    await tp(9, 'smallScale', '2020-01-01');
    await vat(9, ['2026-07-01', '2026-09-30'], '200000', undefined, '50000');
    // 10: small-scale, monthly, no month under the threshold: a near miss on its lowest month, July's
    // 105,000, of which 10,000 on special invoices would pay 1 % under it too.
    await tp(10, 'smallScale', '2020-01-01');
    await vat(10, Q3_2026_MONTHS[0], '105000', undefined, '10000');
    await vat(10, Q3_2026_MONTHS[1], '150000', undefined, '0');
    await vat(10, Q3_2026_MONTHS[2], '200000');
    // 11: as 10, with two lowest months of the same sales: the earlier one (July, 5,000 on special
    // invoices) is the lowest, whatever order the returns came in.
    await tp(11, 'smallScale', '2020-01-01');
    await vat(11, Q3_2026_MONTHS[1], '105000', undefined, '7000');
    await vat(11, Q3_2026_MONTHS[0], '105000', undefined, '5000');
    await vat(11, Q3_2026_MONTHS[2], '130000');
    // 12: as 11, its two lowest returns starting the same day (July's, and one of its first half): the
    // one ending first is the lowest (4,000 on special invoices), on both engines and in both forms.
    await tp(12, 'smallScale', '2020-01-01');
    await vat(12, Q3_2026_MONTHS[0], '105000', undefined, '9000');
    await vat(12, ['2026-07-01', '2026-07-15'], '105000', undefined, '4000');
    await vat(12, Q3_2026_MONTHS[1], '150000');
    await vat(12, Q3_2026_MONTHS[2], '130000');
  }

  it('a monthly filer is exempt in its months under 100,000 and pays 1 % in the others, a quarterly filer is judged on its quarter, and under the line sales on special invoices pay 1 %; the city run and a re-match agree', async () => {
    const facts = `SELECT credit_code, vat_monthly_filer, highest_monthly_sales::VARCHAR AS highest, small_scale_exemption_sales::VARCHAR AS exemption,
                     small_scale_taxed_sales::VARCHAR AS taxed, small_scale_exemption_vat_payable::VARCHAR AS exemption_vat,
                     small_scale_special_sales::VARCHAR AS special
                   FROM current_fact WHERE period = '2026-Q3' ORDER BY credit_code`;
    const results = `SELECT credit_code, policy_id, status, benefit::VARCHAR AS benefit FROM current_match
                     WHERE period = '2026-Q3' AND policy_id IN ('vat.smallScaleThreshold2026', 'vat.smallScaleReducedRate2026') ORDER BY credit_code, policy_id`;
    // 2 comes within the line in no month: what the exemption covers is then its lowest month, the worth
    // of a near miss (it is none here: 140,000 is far over).
    const expectedFacts = [
      {
        credit_code: code(1),
        vat_monthly_filer: true,
        highest: '150000.00',
        exemption: '99999.99',
        taxed: '250000.00',
        exemption_vat: '3000.00',
        special: '0.00',
      },
      {
        credit_code: code(2),
        vat_monthly_filer: true,
        highest: '150000.00',
        exemption: '140000.00',
        taxed: '290000.00',
        exemption_vat: '4200.00',
        special: '0.00',
      },
      { credit_code: code(3), vat_monthly_filer: false, highest: null, exemption: '280000.00', taxed: '0.00', exemption_vat: '8400.00', special: '0.00' },
      { credit_code: code(4), vat_monthly_filer: false, highest: null, exemption: '300000.00', taxed: '300000.00', exemption_vat: '9000.00', special: '0.00' },
      { credit_code: code(5), vat_monthly_filer: true, highest: null, exemption: null, taxed: null, exemption_vat: null, special: null },
      { credit_code: code(6), vat_monthly_filer: true, highest: '90000.00', exemption: null, taxed: null, exemption_vat: null, special: null },
      {
        credit_code: code(7),
        vat_monthly_filer: true,
        highest: '120000.00',
        exemption: '100000.00',
        taxed: '320500.00',
        exemption_vat: '3000.00',
        special: '0.00',
      },
      // July's 20,000 on special invoices is taxed with September: 150,000 + 20,000.
      {
        credit_code: code(8),
        vat_monthly_filer: true,
        highest: '150000.00',
        exemption: '170000.00',
        taxed: '170000.00',
        exemption_vat: '5100.00',
        special: '20000.00',
      },
      {
        credit_code: code(9),
        vat_monthly_filer: false,
        highest: null,
        exemption: '200000.00',
        taxed: '50000.00',
        exemption_vat: '6000.00',
        special: '50000.00',
      },
      {
        credit_code: code(10),
        vat_monthly_filer: true,
        highest: '200000.00',
        exemption: '105000.00',
        taxed: '455000.00',
        exemption_vat: '3150.00',
        special: '10000.00',
      },
      {
        credit_code: code(11),
        vat_monthly_filer: true,
        highest: '130000.00',
        exemption: '105000.00',
        taxed: '340000.00',
        exemption_vat: '3150.00',
        special: '5000.00',
      },
      {
        credit_code: code(12),
        vat_monthly_filer: true,
        highest: '150000.00',
        exemption: '105000.00',
        taxed: '490000.00',
        exemption_vat: '3150.00',
        special: '4000.00',
      },
    ];
    // The exemption is worth the VAT of its sales at 3 % (1: July's, 3: the quarter's); a near miss the 1 %
    // it pays on the sales coming under the threshold would exempt (4: the quarter's, 7: its lowest month's).
    // Only matched, near-miss and unknown results are stored. 2 is no near miss of the threshold: a
    // month over it is taxed whatever the others, and the rule's loosened form reads its lowest month
    // (140,000), far over.
    const expectedResults = [
      { credit_code: code(1), policy_id: 'vat.smallScaleReducedRate2026', status: 'matched', benefit: '5000.00' },
      { credit_code: code(1), policy_id: 'vat.smallScaleThreshold2026', status: 'matched', benefit: '3000.00' },
      { credit_code: code(2), policy_id: 'vat.smallScaleReducedRate2026', status: 'matched', benefit: '5800.00' },
      { credit_code: code(3), policy_id: 'vat.smallScaleThreshold2026', status: 'matched', benefit: '8400.00' },
      { credit_code: code(4), policy_id: 'vat.smallScaleReducedRate2026', status: 'matched', benefit: '6000.00' },
      { credit_code: code(4), policy_id: 'vat.smallScaleThreshold2026', status: 'nearMiss', benefit: '3000.00' },
      { credit_code: code(5), policy_id: 'vat.smallScaleReducedRate2026', status: 'unknown', benefit: null },
      { credit_code: code(5), policy_id: 'vat.smallScaleThreshold2026', status: 'unknown', benefit: null },
      { credit_code: code(7), policy_id: 'vat.smallScaleReducedRate2026', status: 'matched', benefit: '6410.00' },
      { credit_code: code(7), policy_id: 'vat.smallScaleThreshold2026', status: 'nearMiss', benefit: '1000.00' },
      // 8: 3 % of the 150,000 exempt; the reduced rate's two points on 170,000.
      { credit_code: code(8), policy_id: 'vat.smallScaleReducedRate2026', status: 'matched', benefit: '3400.00' },
      { credit_code: code(8), policy_id: 'vat.smallScaleThreshold2026', status: 'matched', benefit: '4500.00' },
      // 9: matched by the reduced rate under the line, for its special invoices alone.
      { credit_code: code(9), policy_id: 'vat.smallScaleReducedRate2026', status: 'matched', benefit: '1000.00' },
      { credit_code: code(9), policy_id: 'vat.smallScaleThreshold2026', status: 'matched', benefit: '4500.00' },
      // 10 and 11: the near miss is worth 1 % of the lowest month's sales not on special invoices.
      { credit_code: code(10), policy_id: 'vat.smallScaleReducedRate2026', status: 'matched', benefit: '9100.00' },
      { credit_code: code(10), policy_id: 'vat.smallScaleThreshold2026', status: 'nearMiss', benefit: '950.00' },
      { credit_code: code(11), policy_id: 'vat.smallScaleReducedRate2026', status: 'matched', benefit: '6800.00' },
      { credit_code: code(11), policy_id: 'vat.smallScaleThreshold2026', status: 'nearMiss', benefit: '1000.00' },
      { credit_code: code(12), policy_id: 'vat.smallScaleReducedRate2026', status: 'matched', benefit: '9800.00' },
      { credit_code: code(12), policy_id: 'vat.smallScaleThreshold2026', status: 'nearMiss', benefit: '1010.00' },
    ];
    await matchedBothWays(engines, seed, '2026-Q3', code, 12, [
      [facts, expectedFacts],
      [results, expectedResults],
    ]);
  });
});

describe('the year so far known only when the returns on record cover it, hand-built, on both engines', () => {
  const engines = bothEngines({ migrate: true });
  const code = (i: number) => withCheckCharacter(`91440300MA5W${String(i).padStart(5, '0')}`);
  const Q = [
    ['2026-01-01', '2026-03-31'],
    ['2026-04-01', '2026-06-30'],
    ['2026-07-01', '2026-09-30'],
  ] as const;

  async function seed(db: Db) {
    const tp = (i: number, kind: string, registered: string) =>
      db.exec(`INSERT INTO taxpayer VALUES ($1, 'x', $2, 'general', 'F51', 'futian', $3::DATE, 20, 5000000, 'actualAccounts', false, NULL, 0, 'B')`, [
        code(i),
        kind,
        registered,
      ]);
    const ret = (i: number, type: string, start: string, end: string, base: string) =>
      db.exec(`${INSERT_FILING} ($1, $2, $3::DATE, $4::DATE, DATE '2026-10-15', DATE '2026-10-10', $5::DECIMAL(18,2), 0)`, [code(i), type, start, end, base]);
    // 1: registered long before, its first quarter's CIT return not on record (the data begins in April).
    await tp(1, 'enterprise', '2020-01-01');
    for (const [start, end] of Q.slice(1)) await ret(1, 'cit', start, end, '100000');
    // 2: all three quarters on record.
    await tp(2, 'enterprise', '2020-01-01');
    for (const [start, end] of Q) await ret(2, 'cit', start, end, '100000');
    // 3: registered in May: its year begins with its registration.
    await tp(3, 'enterprise', '2026-05-10');
    await ret(3, 'cit', '2026-05-10', '2026-06-30', '100000');
    await ret(3, 'cit', ...Q[2], '100000');
    // 4: an individual business with only the third quarter's business-income return on record.
    await tp(4, 'individualBusiness', '2020-01-01');
    await ret(4, 'iitBusiness', ...Q[2], '50000');
  }

  it('a year-to-date figure with a quarter of the year missing from the returns is unknown, not the sum of those on record; the city run and a re-match agree', async () => {
    const facts = `SELECT credit_code, taxable_income::VARCHAR AS ti, quarterly_taxable_income::VARCHAR AS qti, business_income::VARCHAR AS bi
                   FROM current_fact WHERE period = '2026-Q3' ORDER BY credit_code`;
    const results = `SELECT credit_code, policy_id, status FROM current_match
                     WHERE period = '2026-Q3' AND policy_id IN ('cit.smallLowProfit', 'iit.individualBusinessHalving') ORDER BY credit_code, policy_id`;
    const expectedFacts = [
      { credit_code: code(1), ti: null, qti: '100000.00', bi: null },
      { credit_code: code(2), ti: '300000.00', qti: '100000.00', bi: null },
      { credit_code: code(3), ti: '200000.00', qti: '100000.00', bi: null },
      { credit_code: code(4), ti: null, qti: null, bi: null },
    ];
    const expectedResults = [
      { credit_code: code(1), policy_id: 'cit.smallLowProfit', status: 'unknown' },
      { credit_code: code(2), policy_id: 'cit.smallLowProfit', status: 'matched' },
      { credit_code: code(3), policy_id: 'cit.smallLowProfit', status: 'matched' },
      { credit_code: code(4), policy_id: 'iit.individualBusinessHalving', status: 'unknown' },
    ];
    await matchedBothWays(engines, seed, '2026-Q3', code, 4, [
      [facts, expectedFacts],
      [results, expectedResults],
    ]);
  });
});

describe('the taxes the hiring reliefs deduct from, hand-built, on both engines', () => {
  const engines = bothEngines({ migrate: true });
  const code = (i: number) => withCheckCharacter(`91440300MA5H${String(i).padStart(5, '0')}`);

  async function seed(db: Db) {
    const tp = (i: number, kind: string, vatStatus: string) =>
      db.exec(`INSERT INTO taxpayer VALUES ($1, 'x', $2, $3, 'F51', 'futian', DATE '2020-01-01', 20, 5000000, 'actualAccounts', false, NULL, 0, 'B')`, [
        code(i),
        kind,
        vatStatus,
      ]);
    const ret = (i: number, type: string, start: string, end: string, payable: string, filedOn: string | null = '2026-10-10') =>
      db.exec(`${INSERT_FILING} ($1, $2, $3::DATE, $4::DATE, DATE '2026-10-15', $5::DATE, 100000, $6::DECIMAL(18,2))`, [
        code(i),
        type,
        start,
        end,
        filedOn,
        payable,
      ]);
    const hires = (i: number, kind: string, headcount: number) =>
      db.exec(`INSERT INTO employment_report VALUES ($1, 2026, $2, $3, DATE '2026-06-30')`, [code(i), kind, headcount]);
    // 1: four key-group hires (6,000.00 for the quarter) and 3,860.00 of VAT, surcharges and CIT.
    await tp(1, 'enterprise', 'general');
    for (const [m, [start, end]] of Q3_2026_MONTHS.entries()) {
      await ret(1, 'vat', start, end, ['1000', '1200', '800'][m] as string);
      await ret(1, 'surcharges', start, end, '120');
    }
    await ret(1, 'cit', '2026-07-01', '2026-09-30', '500');
    await hires(1, 'keyGroupHires', 4);
    // 2: a retired soldier (1,500.00) and taxes well above it.
    await tp(2, 'enterprise', 'general');
    for (const [start, end] of Q3_2026_MONTHS) {
      await ret(2, 'vat', start, end, '10000');
      await ret(2, 'surcharges', start, end, '1200');
    }
    await ret(2, 'cit', '2026-07-01', '2026-09-30', '25000');
    await hires(2, 'veteranHires', 1);
    // 3: the quarter's CIT return not filed yet: the taxes are not known, nor the estimate.
    await tp(3, 'enterprise', 'general');
    for (const [start, end] of Q3_2026_MONTHS) {
      await ret(3, 'vat', start, end, '10000');
      await ret(3, 'surcharges', start, end, '1200');
    }
    await ret(3, 'cit', '2026-07-01', '2026-09-30', '0', null);
    await hires(3, 'keyGroupHires', 2);
    // 4 to 7 file for the quarter, each return's tax payable given by type (no CIT return where none is given).
    const quarterly: [kind: string, vatStatus: string, taxes: Record<string, string>, hired: string, headcount: number][] = [
      // 4: an individual business, no CIT: its quarter's VAT and surcharges alone.
      ['individualBusiness', 'smallScale', { vat: '400', surcharges: '48' }, 'keyGroupHires', 1],
      // 5: nothing due in the quarter (sales under the exemption's line, a loss): nothing to deduct from.
      ['enterprise', 'smallScale', { vat: '0', surcharges: '0', cit: '0' }, 'keyGroupHires', 1],
      // 6: an enterprise whose VAT returns are on record and no CIT return at all: its taxes are not known.
      ['enterprise', 'general', { vat: '5000', surcharges: '600' }, 'veteranHires', 1],
      // 7: a partnership files no CIT: its VAT and surcharges alone.
      ['partnership', 'general', { vat: '700', surcharges: '84' }, 'veteranHires', 2],
    ];
    for (const [n, [kind, vatStatus, taxes, hired, headcount]] of quarterly.entries()) {
      await tp(n + 4, kind, vatStatus);
      for (const [type, payable] of Object.entries(taxes)) await ret(n + 4, type, '2026-07-01', '2026-09-30', payable);
      await hires(n + 4, hired, headcount);
    }
    // 8: two key-group hires and two retired soldiers (3,000.00 each) and 4,000.00 of taxes to deduct both
    // from: the key-group share first, the veterans' within the 1,000.00 it leaves.
    await tp(8, 'enterprise', 'general');
    for (const [type, payable] of Object.entries({ vat: '3000', surcharges: '360', cit: '640' })) await ret(8, type, '2026-07-01', '2026-09-30', payable);
    await hires(8, 'keyGroupHires', 2);
    await hires(8, 'veteranHires', 2);
  }

  it("the quarter's VAT, surcharges and CIT payable, known once every one of those returns is filed; the estimate is the quota's share within them, the two reliefs' together; the city run and a re-match agree", async () => {
    const facts = `SELECT credit_code, hiring_deductible_tax::VARCHAR AS tax FROM current_fact WHERE period = '2026-Q3' ORDER BY credit_code`;
    const results = `SELECT credit_code, policy_id, status, benefit::VARCHAR AS benefit FROM current_match
                     WHERE period = '2026-Q3' AND status = 'matched' AND policy_id IN ('other.keyGroupHires', 'other.veteranHires') ORDER BY credit_code, policy_id`;
    const expectedFacts = [
      { credit_code: code(1), tax: '3860.00' },
      { credit_code: code(2), tax: '58600.00' },
      { credit_code: code(3), tax: null },
      { credit_code: code(4), tax: '448.00' },
      { credit_code: code(5), tax: '0.00' },
      { credit_code: code(6), tax: null },
      { credit_code: code(7), tax: '784.00' },
      { credit_code: code(8), tax: '4000.00' },
    ];
    const expectedResults = [
      { credit_code: code(1), policy_id: 'other.keyGroupHires', status: 'matched', benefit: '3860.00' },
      { credit_code: code(2), policy_id: 'other.veteranHires', status: 'matched', benefit: '1500.00' },
      { credit_code: code(3), policy_id: 'other.keyGroupHires', status: 'matched', benefit: null },
      { credit_code: code(4), policy_id: 'other.keyGroupHires', status: 'matched', benefit: '448.00' },
      { credit_code: code(5), policy_id: 'other.keyGroupHires', status: 'matched', benefit: '0.00' },
      { credit_code: code(6), policy_id: 'other.veteranHires', status: 'matched', benefit: null },
      { credit_code: code(7), policy_id: 'other.veteranHires', status: 'matched', benefit: '784.00' },
      { credit_code: code(8), policy_id: 'other.keyGroupHires', status: 'matched', benefit: '3000.00' },
      { credit_code: code(8), policy_id: 'other.veteranHires', status: 'matched', benefit: '1000.00' },
    ];
    await matchedBothWays(engines, seed, '2026-Q3', code, 8, [
      [facts, expectedFacts],
      [results, expectedResults],
    ]);
  });
});

describe('the quarter averages of head count and assets the CIT returns report, hand-built, on both engines', () => {
  const engines = bothEngines({ migrate: true });
  const code = (i: number) => withCheckCharacter(`91440300MA5Y${String(i).padStart(5, '0')}`);
  const Q = [
    ['2026-01-01', '2026-03-31'],
    ['2026-04-01', '2026-06-30'],
    ['2026-07-01', '2026-09-30'],
  ] as const;
  // [employees at start, at end, assets at start, at end] per quarter reported, for each taxpayer.
  const reported: [number, number, string, string][][] = [
    // 1: 1,802 ÷ 6 = 300.33 people, over 300; 299,999,999.99 ÷ 6 = 49,999,999.998 yuan, within 50,000,000.
    [
      [300, 300, '49999999.99', '50000000.00'],
      [300, 301, '50000000.00', '50000000.00'],
      [301, 300, '50000000.00', '50000000.00'],
    ],
    // 2: 1,800 ÷ 6 = 300 people exactly; 300,000,000.01 ÷ 6 = 50,000,000.0017 yuan, over.
    [
      [300, 300, '50000000.00', '50000000.00'],
      [300, 300, '50000000.00', '50000000.01'],
      [300, 300, '50000000.00', '50000000.00'],
    ],
    // 3: the first quarter only (its later returns report nothing): 299 people, 12,345,678.905 yuan → .91.
    [[298, 300, '12345678.90', '12345678.91']],
    // 4: nothing reported: the registered 20 people and 5,000,000 yuan.
    [],
  ];

  async function seed(db: Db) {
    for (const [i, quarters] of reported.entries()) {
      await db.exec(
        `INSERT INTO taxpayer VALUES ($1, 'x', 'enterprise', 'general', 'F51', 'futian', DATE '2020-01-01', 20, 5000000, 'actualAccounts', false, NULL, 0, 'B')`,
        [code(i + 1)],
      );
      for (const [start, end] of Q)
        await db.exec(`${INSERT_FILING} ($1, 'cit', $2::DATE, $3::DATE, DATE '2026-10-15', DATE '2026-10-10', 100000, 0)`, [code(i + 1), start, end]);
      for (const [q, [e0, e1, a0, a1]] of quarters.entries())
        await db.exec('INSERT INTO cit_quarter_info VALUES ($1, $2::DATE, $3::DATE, $4, $5, $6::DECIMAL(18,2), $7::DECIMAL(18,2), NULL)', [
          code(i + 1),
          ...(Q[q] as readonly [string, string]),
          e0,
          e1,
          a0,
          a1,
        ]);
    }
  }

  it('averages each quarter, then the quarters reported, rounded up; the city run and a re-match agree to the fen', async () => {
    const facts = `SELECT f.credit_code, f.average_employees::VARCHAR AS e, f.average_total_assets::VARCHAR AS a, f.quarter_figures_reported AS r, m.status AS s
                   FROM current_fact f LEFT JOIN current_match m ON m.credit_code = f.credit_code AND m.period = f.period AND m.policy_id = 'cit.smallLowProfit'
                   WHERE f.period = '2026-Q3' ORDER BY f.credit_code`;
    const expected = [
      { credit_code: code(1), e: '301', a: '50000000.00', r: true, s: 'nearMiss' },
      { credit_code: code(2), e: '300', a: '50000000.01', r: true, s: 'nearMiss' },
      { credit_code: code(3), e: '299', a: '12345678.91', r: true, s: 'matched' },
      { credit_code: code(4), e: '20', a: '5000000.00', r: false, s: 'matched' },
    ];
    await matchedBothWays(engines, seed, '2026-Q3', code, reported.length, [[facts, expected]]);
  });
});

describe('the head count and assets small low-profit status is judged on for the six taxes and two fees, hand-built, on both engines', () => {
  const engines = bothEngines({ migrate: true });
  const code = (i: number) => withCheckCharacter(`91440300MA5N${String(i).padStart(5, '0')}`);
  // 2026-Q2, when the 2025 annual return counts. [registered on, kind, 2025 annual return filed on (or none),
  // its figures (or none), the prepayment returns' figures at the ends of Q1 and Q2 (or none)]:
  const taxpayers: [string, string, string | null, [number, string] | null, [number, string][] | null][] = [
    // 1: its annual return reports 320 people: over, whatever its registration (20) says.
    ['2020-01-01', 'enterprise', '2026-03-20', [320, '40000000.00'], null],
    // 2: its annual return reports no figures: the registered 20 people and 5,000,000 yuan stand in.
    ['2020-01-01', 'enterprise', '2026-03-20', null, null],
    // 3: new in 2026: the latest prepayment return's end, 301 people and 50,000,000.01 yuan.
    [
      '2026-02-10',
      'enterprise',
      null,
      null,
      [
        [100, '5000000.00'],
        [301, '50000000.01'],
      ],
    ],
    // 4: registered in 2025, its first annual return filed by the quarter's end: 290 people, not the 310 at Q2's end.
    [
      '2025-03-01',
      'enterprise',
      '2026-04-20',
      [290, '8000000.00'],
      [
        [310, '8000000.00'],
        [310, '8000000.00'],
      ],
    ],
    // 5: registered in 2025, its first annual return not filed: the quarter's end, where no return reports it the registration.
    ['2025-03-01', 'enterprise', null, null, null],
    // 6: an individual business has no such status to judge.
    ['2020-01-01', 'individualBusiness', null, null, null],
  ];

  async function seed(db: Db) {
    for (const [i, [registered, kind, filed, annual, quarters]] of taxpayers.entries()) {
      const c = code(i + 1);
      await db.exec(`INSERT INTO taxpayer VALUES ($1, 'x', $2, 'general', 'F51', 'futian', $3::DATE, 20, 5000000, 'actualAccounts', false, NULL, 0, 'B')`, [
        c,
        kind,
        registered,
      ]);
      const start = registered > '2026-01-01' ? registered : '2026-01-01';
      await db.exec(`${INSERT_FILING} ($1, 'surcharges', $2::DATE, DATE '2026-03-31', DATE '2026-04-15', DATE '2026-04-10', 75000, 900)`, [c, start]);
      await db.exec(`${INSERT_FILING} ($1, 'surcharges', DATE '2026-04-01', DATE '2026-06-30', DATE '2026-07-15', DATE '2026-07-10', 75000, 900)`, [c]);
      if (kind === 'enterprise' && registered < '2026-01-01')
        await db.exec(`${INSERT_FILING} ($1, 'citAnnual', $2::DATE, DATE '2025-12-31', DATE '2026-06-01', $3::DATE, 1000000, 50000)`, [
          c,
          registered > '2025-01-01' ? registered : '2025-01-01',
          filed,
        ]);
      if (annual)
        await db.exec(`INSERT INTO cit_annual_info VALUES ($1, $2::DATE, DATE '2025-12-31', $3, $4::DECIMAL(18,2), NULL)`, [
          c,
          registered > '2025-01-01' ? registered : '2025-01-01',
          ...annual,
        ]);
      for (const [q, [employees, assets]] of (quarters ?? []).entries())
        await db.exec('INSERT INTO cit_quarter_info VALUES ($1, $2::DATE, $3::DATE, $4, $4, $5::DECIMAL(18,2), $5::DECIMAL(18,2), NULL)', [
          c,
          q === 0 ? start : '2026-04-01',
          q === 0 ? '2026-03-31' : '2026-06-30',
          employees,
          assets,
        ]);
    }
  }

  it('reads the annual return that counts, or a new enterprise’s quarter end, the registration where neither reports them; the city run and a re-match agree', async () => {
    const facts = `SELECT f.credit_code, f.slpe_status_employees::VARCHAR AS e, f.slpe_status_total_assets::VARCHAR AS a, f.slpe_status_figures_reported AS r, m.status AS s
                   FROM current_fact f LEFT JOIN current_match m ON m.credit_code = f.credit_code AND m.period = f.period AND m.policy_id = 'surcharges.sixTaxesTwoFees'
                   WHERE f.period = '2026-Q2' ORDER BY f.credit_code`;
    const expected = [
      { credit_code: code(1), e: '320', a: '40000000.00', r: true, s: 'nearMiss' },
      { credit_code: code(2), e: '20', a: '5000000.00', r: false, s: 'matched' },
      { credit_code: code(3), e: '301', a: '50000000.01', r: true, s: 'nearMiss' },
      { credit_code: code(4), e: '290', a: '8000000.00', r: true, s: 'matched' },
      { credit_code: code(5), e: '20', a: '5000000.00', r: false, s: 'matched' },
      { credit_code: code(6), e: null, a: null, r: null, s: 'matched' },
    ];
    await matchedBothWays(engines, seed, '2026-Q2', code, taxpayers.length, [[facts, expected]]);
  });
});

describe('the ledger of claims the match contradicts and of reliefs missed without money, hand-built, on both engines', () => {
  const engines = bothEngines({ migrate: true });
  const code = (i: number) => withCheckCharacter(`91440300MA5L${String(i).padStart(5, '0')}`);
  // 2026-Q1, one city run. [taxpayer, policy, match status, benefit] and [taxpayer, reduction code, amount]:
  const results: [number, string, string, string | null][] = [
    // 1: claims the high-tech rate with no valid certificate (no result: the rule was false), and
    //    qualifies for the small low-profit relief, which it misses whole: the claim does not count
    //    as what it enjoyed of the group.
    [1, 'cit.smallLowProfit', 'matched', '80000.00'],
    // 2: claims the surcharges' halving as a near miss.
    [2, 'surcharges.sixTaxesTwoFees', 'nearMiss', '500.00'],
    // 3: claims the small low-profit relief, which the match cannot judge (data missing): enjoyed, unverified.
    [3, 'cit.smallLowProfit', 'unknown', null],
    // 5: claims the VAT exemption, matched; the surcharges' halving is worth 0.00 this quarter, the
    //    individual-business halving has no estimate; neither is money missed.
    [5, 'vat.smallScaleThreshold2026', 'matched', '2800.00'],
    [5, 'surcharges.sixTaxesTwoFees', 'matched', '0.00'],
    [5, 'iit.individualBusinessHalving', 'matched', null],
    // 6: of reliefs that do not stack, the best is worth 0.00 (a missing estimate ranks below it);
    //    a relief estimated below zero is nothing to claim either.
    [6, 'cit.smallLowProfit', 'matched', '0.00'],
    [6, 'cit.highTech', 'matched', null],
    [6, 'surcharges.sixTaxesTwoFees', 'matched', '-5.00'],
    // 7: misses money and a relief of unknown amount: counted once, among those missing money.
    [7, 'vat.smallScaleThreshold2026', 'matched', '2900.00'],
    [7, 'iit.individualBusinessHalving', 'matched', null],
    // 8: its VAT and CIT returns of the quarter are outstanding (filed_on empty): the reliefs they would
    //    claim are returnNotFiled, not missed (with the estimate, if any, kept in lapsed); the
    //    surcharges' halving, whose return is filed, is missed.
    [8, 'vat.smallScaleThreshold2026', 'matched', null],
    [8, 'cit.smallLowProfit', 'matched', '30000.00'],
    [8, 'surcharges.sixTaxesTwoFees', 'matched', '100.00'],
  ];
  const claims: [number, string, string][] = [
    [1, '9900000005', '40000.00'],
    [2, '9900000003', '500.00'],
    [3, '9900000004', '80000.00'],
    // 4: claims the VAT exemption, but was not matched for the quarter at all (no facts): unverified.
    [4, '9900000001', '2800.00'],
    [5, '9900000001', '2800.00'],
  ];

  async function build(db: Db) {
    await db.exec(`INSERT INTO match_run VALUES (1, '2026-Q1', 'city', 'test', 4, TIMESTAMP '2026-04-20 08:00:00', TIMESTAMP '2026-04-20 08:01:00')`);
    for (let i = 1; i <= 8; i++) {
      await db.exec(
        `INSERT INTO taxpayer VALUES ($1, 'x', 'enterprise', 'general', 'C39', $2, DATE '2019-01-01', 60, 20000000, 'actualAccounts', false, NULL, 0, 'A')`,
        [code(i), i % 2 === 0 ? 'futian' : 'nanshan'],
      );
      if (i !== 4)
        await db.exec(
          `INSERT INTO taxpayer_fact (credit_code, period, period_start, period_end, computed_at) VALUES ($1, '2026-Q1', DATE '2026-01-01', DATE '2026-03-31', TIMESTAMP '2026-04-20 08:00:30')`,
          [code(i)],
        );
    }
    for (const [i, policy, status, benefit] of results)
      await db.exec(`INSERT INTO policy_match VALUES (1, $1, $2, '2026-Q1', $3, $4::DECIMAL(18,2), $5, TIMESTAMP '2026-04-20 08:00:30')`, [
        code(i),
        policy,
        status,
        benefit,
        policy.slice(0, policy.indexOf('.')),
      ]);
    for (const [i, reduction, amount] of claims)
      await db.exec(`INSERT INTO filing_reduction VALUES ($1, 'cit', DATE '2026-01-01', DATE '2026-03-31', $2, $3::DECIMAL(18,2))`, [
        code(i),
        reduction,
        amount,
      ]);
    for (const [type, filed] of [
      ['vat', null],
      ['cit', null],
      ['surcharges', '2026-04-10'],
    ] as const)
      await db.exec(`${INSERT_FILING} ($1, $2, DATE '2026-01-01', DATE '2026-03-31', DATE '2026-04-20', $3::DATE, 50000, 0)`, [code(8), type, filed]);
    return buildLedger(db, catalogueOf(DEFAULT_LAW_DIR).catalogue, '2026-Q1', new Date('2026-04-20T09:00:00Z'));
  }

  it('a claim the match contradicts is claimedNotEligible, kept out of enjoyed; a relief worth 0.00 is nothingToClaim, one of no estimate missedAmountUnknown; one whose return is outstanding returnNotFiled', async () => {
    const built = { duckdb: await build(engines.duck), postgres: await build(engines.server) };
    assert.deepEqual(built.duckdb, {
      period: '2026-Q1',
      creditCode: null,
      rows: 16,
      enjoyed: '85600.00',
      missed: '83000.00',
      claimedNotEligible: '40500.00',
      year: { year: 2026, lapsed: '0.00', taxpayersLapsed: 0, claimedLapsed: '0.00', taxpayersClaimedLapsed: 0 },
    });
    assert.deepEqual(built.postgres, built.duckdb);
    const sql = `SELECT credit_code, policy_id, status, enjoyed::VARCHAR AS enjoyed, missed::VARCHAR AS missed, claimed::VARCHAR AS claimed, match_status
                 FROM ledger_entry ORDER BY credit_code, policy_id`;
    const rows = await engines.duck.all(sql);
    const row = (
      i: number,
      policy_id: string,
      status: string,
      enjoyed: string,
      missed: string | null,
      claimed: string | null,
      match_status: string | null,
    ) => ({
      credit_code: code(i),
      policy_id,
      status,
      enjoyed,
      missed,
      claimed,
      match_status,
    });
    assert.deepEqual(rows, [
      row(1, 'cit.highTech', 'claimedNotEligible', '0.00', null, '40000.00', 'notEligible'),
      row(1, 'cit.smallLowProfit', 'missed', '0.00', '80000.00', null, 'matched'),
      row(2, 'surcharges.sixTaxesTwoFees', 'claimedNotEligible', '0.00', null, '500.00', 'nearMiss'),
      row(3, 'cit.smallLowProfit', 'enjoyed', '80000.00', null, '80000.00', 'unknown'),
      row(4, 'vat.smallScaleThreshold2026', 'enjoyed', '2800.00', null, '2800.00', null),
      row(5, 'iit.individualBusinessHalving', 'missedAmountUnknown', '0.00', null, null, 'matched'),
      row(5, 'surcharges.sixTaxesTwoFees', 'nothingToClaim', '0.00', null, null, 'matched'),
      row(5, 'vat.smallScaleThreshold2026', 'enjoyed', '2800.00', null, '2800.00', 'matched'),
      row(6, 'cit.highTech', 'notStacked', '0.00', null, null, 'matched'),
      row(6, 'cit.smallLowProfit', 'nothingToClaim', '0.00', null, null, 'matched'),
      row(6, 'surcharges.sixTaxesTwoFees', 'nothingToClaim', '0.00', null, null, 'matched'),
      row(7, 'iit.individualBusinessHalving', 'missedAmountUnknown', '0.00', null, null, 'matched'),
      row(7, 'vat.smallScaleThreshold2026', 'missed', '0.00', '2900.00', null, 'matched'),
      row(8, 'cit.smallLowProfit', 'returnNotFiled', '0.00', null, null, 'matched'),
      row(8, 'surcharges.sixTaxesTwoFees', 'missed', '0.00', '100.00', null, 'matched'),
      row(8, 'vat.smallScaleThreshold2026', 'returnNotFiled', '0.00', null, null, 'matched'),
    ]);
    assert.deepEqual(await engines.server.all(sql), rows);
    // The estimate of a relief waiting on its return is kept beside it, out of missed.
    const waiting = `SELECT policy_id, lapsed::VARCHAR AS lapsed FROM ledger_entry WHERE status = 'returnNotFiled' ORDER BY policy_id`;
    assert.deepEqual(await engines.duck.all(waiting), [
      { policy_id: 'cit.smallLowProfit', lapsed: '30000.00' },
      { policy_id: 'vat.smallScaleThreshold2026', lapsed: null },
    ]);
    assert.deepEqual(await engines.server.all(waiting), await engines.duck.all(waiting));
    // Rebuilt for one taxpayer alone (as after its re-match): the rows of the city build.
    for (const db of [engines.duck, engines.server] as Db[]) {
      assert.deepEqual(await buildLedger(db, catalogueOf(DEFAULT_LAW_DIR).catalogue, '2026-Q1', new Date('2026-04-20T09:00:00Z'), code(1)), {
        period: '2026-Q1',
        creditCode: code(1),
        rows: 2,
        enjoyed: '0.00',
        missed: '80000.00',
        claimedNotEligible: '40000.00',
        year: { year: 2026, lapsed: '0.00', taxpayersLapsed: 0, claimedLapsed: '0.00', taxpayersClaimedLapsed: 0 },
      });
      assert.deepEqual(await db.all(sql), rows, db.dialect);
    }
  });

  it('the report counts what the rows hold, each taxpayer’s ledger adds up to it, and the CLI says the same', async () => {
    const report = await policyReport(engines.duck, 2026);
    assert.deepEqual(await policyReport(engines.server, 2026), report);
    const { byDistrict, byIndustry, byPolicy, byMonth, ...head } = report;
    assert.deepEqual(head, {
      year: 2026,
      taxpayersMatched: 5,
      taxpayersMatchedWithReductionData: 2,
      enjoyed: '85600.00',
      enjoyedUnverified: '82800.00',
      taxpayersEnjoyedUnverified: 2,
      missed: '83000.00',
      taxpayersMissing: 3,
      taxpayersMissingAmountUnknown: 1,
      taxpayersReturnNotFiled: 1,
      reliefsReturnNotFiled: 2,
      claimedNotEligible: '40500.00',
      taxpayersClaimedNotEligible: 2,
      lapsed: '0.00',
      taxpayersLapsed: 0,
      claimedLapsed: '0.00',
      taxpayersClaimedLapsed: 0,
      lapsedByPolicy: [],
      claimsNotEligible: [
        { policyId: 'cit.highTech', matchStatus: 'notEligible', taxpayers: 1, claims: 1, claimed: '40000.00' },
        { policyId: 'surcharges.sixTaxesTwoFees', matchStatus: 'nearMiss', taxpayers: 1, claims: 1, claimed: '500.00' },
      ],
    });
    assert.deepEqual(
      byPolicy.find((p) => p.key === 'cit.highTech'),
      { key: 'cit.highTech', taxpayers: 2, enjoyed: '0.00', missed: '0.00' },
      'a claim without eligibility is not enjoyed in the roll-ups either',
    );
    assert.deepEqual(
      byDistrict.map((d) => [d.key, d.enjoyed, d.missed]),
      [
        ['futian', '2800.00', '100.00'],
        ['nanshan', '82800.00', '82900.00'],
      ],
    );
    assert.equal(byIndustry.length, 1);
    assert.deepEqual(byMonth, [{ key: '2026-03', taxpayers: 8, enjoyed: '85600.00', missed: '83000.00' }]);

    const ledgers: TaxpayerLedger[] = [];
    for (let i = 1; i <= 8; i++) {
      const l = await taxpayerLedger(engines.duck, code(i), 2026);
      assert.deepEqual(await taxpayerLedger(engines.server, code(i), 2026), l, code(i));
      ledgers.push(l);
    }
    const total = (pick: (l: TaxpayerLedger) => string) => formatYuan(ledgers.reduce((s, l) => s + parseYuan(pick(l)), 0));
    assert.equal(
      total((l) => l.enjoyed),
      report.enjoyed,
    );
    assert.equal(
      total((l) => l.enjoyedUnverified),
      report.enjoyedUnverified,
    );
    assert.equal(
      total((l) => l.missed),
      report.missed,
    );
    assert.equal(
      total((l) => l.claimedNotEligible),
      report.claimedNotEligible,
    );
    assert.equal(ledgers.filter((l) => l.rows.some((r) => r.status === 'missed')).length, report.taxpayersMissing);
    assert.equal(ledgers.filter((l) => l.missedAmountUnknown > 0 && l.missed === '0.00').length, report.taxpayersMissingAmountUnknown);
    assert.equal(ledgers.filter((l) => l.returnNotFiled > 0).length, report.taxpayersReturnNotFiled);
    assert.equal(
      ledgers.reduce((n, l) => n + l.returnNotFiled, 0),
      report.reliefsReturnNotFiled,
    );
    assert.deepEqual(
      ledgers.map((l) => [l.enjoyed, l.enjoyedUnverified, l.missed, l.missedAmountUnknown, l.claimedNotEligible]),
      [
        ['0.00', '0.00', '80000.00', 0, '40000.00'],
        ['0.00', '0.00', '0.00', 0, '500.00'],
        ['80000.00', '80000.00', '0.00', 0, '0.00'],
        ['2800.00', '2800.00', '0.00', 0, '0.00'],
        ['2800.00', '0.00', '0.00', 1, '0.00'],
        ['0.00', '0.00', '0.00', 0, '0.00'],
        ['0.00', '0.00', '2900.00', 1, '0.00'],
        ['0.00', '0.00', '100.00', 0, '0.00'],
      ],
    );
    assert.deepEqual(ledgers[0]?.rows[0], {
      period: '2026-Q1',
      month: '2026-03',
      policyId: 'cit.highTech',
      status: 'claimedNotEligible',
      enjoyed: '0.00',
      missed: null,
      claimed: '40000.00',
      matchStatus: 'notEligible',
      lapsed: null,
      groupClaimed: null,
    });

    // zhishu ledger: an unknown amount is said, never printed as 0.00; the claim shows what the match said;
    // money is grouped in thousands, as match and report print it.
    const one = ledgerText(ledgers[0] as TaxpayerLedger).split('\n');
    assert.match(
      one.find((l) => l.includes('cit.highTech')) ?? '',
      / 不符合条件的申报 claimed without eligibility +0\.00 +claimed 申报 40,000\.00 yuan, not enjoyed; match: 不符合 not eligible$/,
    );
    assert.equal(
      one.at(-1),
      'enjoyed 已享受 0.00 yuan; missed 应享未享 80,000.00 yuan; claimed without eligibility 不符合条件的申报 40,000.00 yuan (not in enjoyed)',
    );
    const five = ledgerText(ledgers[4] as TaxpayerLedger).split('\n');
    assert.match(
      five.find((l) => l.includes('iit.individualBusinessHalving')) ?? '',
      / 应享未享（金额未知） missed, amount unknown +0\.00 +amount unknown 金额未知$/,
    );
    assert.match(
      five.find((l) => l.includes('surcharges.sixTaxesTwoFees')) ?? '',
      / 本期无可享金额 nothing to claim this quarter +0\.00 +estimated at 0\.00 yuan or less 估算金额不超过0\.00元$/,
    );
    assert.equal(five.at(-1), 'enjoyed 已享受 2,800.00 yuan; missed 应享未享 0.00 yuan, and 1 relief(s) of unknown amount 金额未知');
    // A relief waiting on its return says so, with its estimate, and is not counted as missed.
    const eight = ledgerText(ledgers[7] as TaxpayerLedger).split('\n');
    assert.match(
      eight.find((l) => l.includes('cit.smallLowProfit')) ?? '',
      / 待申报（申报表未报送） return not filed yet +0\.00 +the quarter's return is not filed yet: claim it when filing 本期申报表尚未报送，申报时可享受; estimated 估算 30,000\.00 yuan$/,
    );
    assert.match(eight.find((l) => l.includes('vat.smallScaleThreshold2026')) ?? '', /estimated 估算 amount unknown 金额未知$/);
    assert.equal(eight.at(-1), 'enjoyed 已享受 0.00 yuan; missed 应享未享 100.00 yuan; 2 relief(s) waiting on a return not filed yet 待申报 (not missed)');
    const four = ledgerText(ledgers[3] as TaxpayerLedger);
    assert.match(four, / 已享受 enjoyed +2,800\.00 +unverified 未核实; match: 未判断 not judged\n/);
    // A status says what it means in words, not by its code (the JSON keeps the codes).
    const six = ledgerText(ledgers[5] as TaxpayerLedger).split('\n');
    assert.match(six.find((l) => l.includes('cit.highTech')) ?? '', / 不叠加（计入同组另一项） not stacked \(another of its group counts\) +0\.00 *$/);
    for (const line of [...one, ...five, ...six, ...eight])
      assert.doesNotMatch(
        line,
        /\b(claimedNotEligible|claimedLapsedInYear|missedAmountUnknown|nothingToClaim|lapsedInYear|notStacked|matchedNoCode|returnNotFiled)\b/,
        line,
      );
    // zhishu report policy: the same figures, and the claims without eligibility by policy and match status.
    const text = reportText(report);
    for (const [label, value] of [
      ['reliefs enjoyed, yuan', '85,600.00'],
      ['of them unverified', '82,800.00'],
      ['reliefs missed, yuan', '83,000.00'],
      ['taxpayers missing a relief', '3'],
      ['missing reliefs of unknown amount only', '1'],
      ['wait on a return not filed yet', '1'],
      ['claims without eligibility, yuan', '40,500.00'],
      ['taxpayers claiming without eligibility', '2'],
    ])
      assert.match(text, new RegExp(`${label}.* ${value}\\n`), label);
    assert.match(text, /cit\.highTech +不符合 not eligible +1 +1 +40,000\.00\n/);
    assert.match(text, /surcharges\.sixTaxesTwoFees +接近符合 near miss +1 +1 +500\.00\n/);
  });
});

describe('the ledger of reliefs settled on the year, hand-built, on both engines', () => {
  const engines = bothEngines({ migrate: true });
  const code = (i: number) => withCheckCharacter(`91440300MA5M${String(i).padStart(5, '0')}`);
  const quarters = [
    { period: '2026-Q1', start: '2026-01-01', end: '2026-03-31', at: '2026-04-20 08:00:30' },
    { period: '2026-Q2', start: '2026-04-01', end: '2026-06-30', at: '2026-07-20 08:00:30' },
    { period: '2026-Q3', start: '2026-07-01', end: '2026-09-30', at: '2026-10-20 08:00:30' },
  ];
  // [taxpayer, quarter (1..3), policy, status, benefit]; a quarter with facts and no result of a
  // policy in force is one whose rule was false (notEligible).
  const results: [number, number, string, string, string | null][] = [
    // 1: the small low-profit relief, unclaimed in Q1 and Q2; by Q3 the year's income is over the
    //    limit (a near miss), which takes back the relief of Q1 and Q2.
    [1, 1, 'cit.smallLowProfit', 'matched', '80000.00'],
    [1, 2, 'cit.smallLowProfit', 'matched', '60000.00'],
    [1, 3, 'cit.smallLowProfit', 'nearMiss', '90000.00'],
    // 2: qualifies all year: each quarter missed.
    [2, 1, 'cit.smallLowProfit', 'matched', '10000.00'],
    [2, 2, 'cit.smallLowProfit', 'matched', '11000.00'],
    [2, 3, 'cit.smallLowProfit', 'matched', '12000.00'],
    // 3: Q2 fails the rule and Q3 cannot be judged (data missing): Q2, the latest quarter that judged
    //    it, takes Q1's relief back, and the unknown Q3 does not give it back.
    [3, 1, 'cit.smallLowProfit', 'matched', '5000.00'],
    [3, 3, 'cit.smallLowProfit', 'unknown', null],
    // 4: claimed in Q1, missed in Q2, over the limit by Q3: the claim is to be repaid, and Q2's relief
    //    is no longer due.
    [4, 1, 'cit.smallLowProfit', 'matched', '7000.00'],
    [4, 2, 'cit.smallLowProfit', 'matched', '3000.00'],
    // 5: an individual business with income in Q1 and none for the year by Q2 (the rule false):
    //    Q1's halving is taken back.
    [5, 1, 'iit.individualBusinessHalving', 'matched', '1000.00'],
    // 6: not matched for Q3 at all: Q2, its latest quarter, qualifies.
    [6, 1, 'cit.smallLowProfit', 'matched', '2000.00'],
    [6, 2, 'cit.smallLowProfit', 'matched', '2500.00'],
    // 7: the VAT exemption is not settled on the year: missed in Q1 whatever Q3 says.
    [7, 1, 'vat.smallScaleThreshold2026', 'matched', '2900.00'],
    [7, 3, 'vat.smallScaleThreshold2026', 'nearMiss', '3100.00'],
    // 8: the high-tech rate beside the small low-profit relief, worth less than it in Q1 (notStacked
    //    when built); with the latter taken back by Q3, the high-tech rate is the one Q1 misses.
    [8, 1, 'cit.smallLowProfit', 'matched', '80000.00'],
    [8, 1, 'cit.highTech', 'matched', '40000.00'],
    [8, 3, 'cit.smallLowProfit', 'nearMiss', '90000.00'],
    [8, 3, 'cit.highTech', 'matched', '45000.00'],
    // 9: a relief of no estimate in Q1 (missedAmountUnknown), failed in Q2: taken back too, of no amount.
    [9, 1, 'cit.smallLowProfit', 'matched', null],
    [9, 2, 'cit.smallLowProfit', 'nearMiss', '1000.00'],
    // 10: qualifies in Q1 and Q2, Q3 cannot be judged: Q2 decides, and nothing is taken back.
    [10, 1, 'cit.smallLowProfit', 'matched', '4000.00'],
    [10, 2, 'cit.smallLowProfit', 'matched', '4500.00'],
    [10, 3, 'cit.smallLowProfit', 'unknown', null],
  ];
  const facts = (i: number) => (i === 6 || i === 5 || i === 9 ? [1, 2] : [1, 2, 3]);
  const catalogue = () => catalogueOf(DEFAULT_LAW_DIR).catalogue;
  const sql = `SELECT credit_code, period, policy_id, status, enjoyed::VARCHAR AS enjoyed, missed::VARCHAR AS missed, lapsed::VARCHAR AS lapsed
               FROM ledger_entry ORDER BY credit_code, period, policy_id`;
  const row = (i: number, q: number | string, policy_id: string, status: string, missed: string | null, lapsed: string | null, enjoyed = '0.00') => ({
    credit_code: code(i),
    period: typeof q === 'number' ? `2026-Q${q}` : q,
    policy_id,
    status,
    enjoyed,
    missed,
    lapsed,
  });

  async function seed(db: Db) {
    for (const [n, q] of quarters.entries())
      await db.exec(`INSERT INTO match_run VALUES ($1, $2, 'city', 'test', 10, $3::TIMESTAMP, $3::TIMESTAMP)`, [n + 1, q.period, q.at]);
    for (let i = 1; i <= 10; i++) {
      await db.exec(
        `INSERT INTO taxpayer VALUES ($1, 'x', 'enterprise', 'small', 'C39', 'nanshan', DATE '2019-01-01', 60, 20000000, 'actualAccounts', false, NULL, 0, 'A')`,
        [code(i)],
      );
      for (const n of facts(i)) {
        const q = quarters[n - 1] as (typeof quarters)[number];
        await db.exec(
          `INSERT INTO taxpayer_fact (credit_code, period, period_start, period_end, computed_at) VALUES ($1, $2, $3::DATE, $4::DATE, $5::TIMESTAMP)`,
          [code(i), q.period, q.start, q.end, q.at],
        );
      }
    }
    for (const [i, n, policy, status, benefit] of results) {
      const q = quarters[n - 1] as (typeof quarters)[number];
      await db.exec(`INSERT INTO policy_match VALUES ($1, $2, $3, $4, $5, $6::DECIMAL(18,2), $7, $8::TIMESTAMP)`, [
        n,
        code(i),
        policy,
        q.period,
        status,
        benefit,
        policy.slice(0, policy.indexOf('.')),
        q.at,
      ]);
    }
    await db.exec(`INSERT INTO filing_reduction VALUES ($1, 'cit', DATE '2026-01-01', DATE '2026-03-31', '9900000004', 7000.00)`, [code(4)]);
    // A row of the year before, missed: no quarter of 2026 judges it.
    await db.exec(
      `INSERT INTO ledger_entry (credit_code, period, period_end, month, policy_id, status, enjoyed, missed, built_at, claimed, match_status, lapsed)
       VALUES ($1, '2025-Q4', DATE '2025-12-31', DATE '2025-12-01', 'cit.smallLowProfit', 'missed', 0, 70000.00, TIMESTAMP '2026-01-20 00:00:00', NULL, 'matched', NULL)`,
      [code(1)],
    );
    // Q1's facts of taxpayers 1, 3 and 10, for their explanations: a small low-profit enterprise then.
    await db.exec(
      `UPDATE taxpayer_fact SET kind = 'enterprise', employees = 10, total_assets = 1000000, average_employees = 10, average_total_assets = 1000000, quarter_figures_reported = true, restricted_industry = false, taxable_income = 400000, quarterly_taxable_income = 400000
       WHERE credit_code IN ($1, $2, $3) AND period = '2026-Q1'`,
      [code(1), code(3), code(10)],
    );
    // Taxpayer 3's Q2, for the explanation of a quarter that fails (the rule false) before one that
    // cannot judge; taxpayer 8's Q1, a high-tech enterprise that matches both reliefs of the group.
    await db.exec(
      `UPDATE taxpayer_fact SET kind = 'enterprise', employees = 10, total_assets = 1000000, average_employees = 10, average_total_assets = 1000000, quarter_figures_reported = true, restricted_industry = false, taxable_income = 3500000, quarterly_taxable_income = 1500000
       WHERE credit_code = $1 AND period = '2026-Q2'`,
      [code(3)],
    );
    await db.exec(
      `UPDATE taxpayer_fact SET kind = 'enterprise', employees = 10, total_assets = 1000000, average_employees = 10, average_total_assets = 1000000, quarter_figures_reported = true, restricted_industry = false, taxable_income = 400000, quarterly_taxable_income = 400000,
         high_tech = true, high_tech_lapsed_this_year = false, collection_mode = 'actualAccounts'
       WHERE credit_code = $1 AND period = '2026-Q1'`,
      [code(8)],
    );
    // Q3's facts of taxpayer 1, for the explanation of the quarter that fails: the year's income just
    // over the limit (a near miss, as stored).
    await db.exec(
      `UPDATE taxpayer_fact SET kind = 'enterprise', employees = 10, total_assets = 1000000, average_employees = 10, average_total_assets = 1000000, quarter_figures_reported = true, restricted_industry = false, taxable_income = 3200000, quarterly_taxable_income = 1500000
       WHERE credit_code = $1 AND period = '2026-Q3'`,
      [code(1)],
    );
    const builds = [];
    for (const q of quarters) builds.push(await buildLedger(db, catalogue(), q.period, new Date('2026-10-21T00:00:00Z')));
    return builds;
  }
  /** The notices of the Q1 explanation of the small low-profit relief, in English. */
  const q1Notices = async (db: Db, i: number, asOf?: string) => {
    const p = (await explainTaxpayer(db, { creditCode: code(i), period: '2026-Q1', policy: 'cit.smallLowProfit', asOf })).policies[0];
    assert.equal(p?.status, 'matched');
    return p?.notices.map((n) => n.en) ?? [];
  };
  const smallLowProfit = async (db: Db, i: number, period: string, asOf?: string) =>
    (await explainTaxpayer(db, { creditCode: code(i), period, policy: 'cit.smallLowProfit', asOf })).policies[0] as PolicyExplanation;
  const takenBack = (q: string) =>
    `On the year's figures to ${q}, the taxpayer no longer meets this relief's conditions: prepayments are of the year to date, so this quarter's relief is no longer due, settled at the prepayment for ${q} or at the annual return (a claim of it is repaid; unclaimed, it is not counted as missed)`;
  /** A new result of a taxpayer's quarter, as a re-match computes it: new facts, and results with them. */
  const rematch = async (db: Db, i: number, q: number, said: [string, string, string | null][], at = '2026-10-25 08:00:00') => {
    const quarter = quarters[q - 1] as (typeof quarters)[number];
    await db.exec(`INSERT INTO taxpayer_fact (credit_code, period, period_start, period_end, computed_at) VALUES ($1, $2, $3::DATE, $4::DATE, $5::TIMESTAMP)`, [
      code(i),
      quarter.period,
      quarter.start,
      quarter.end,
      at,
    ]);
    for (const [policy, status, benefit] of said)
      await db.exec(`INSERT INTO policy_match VALUES (9, $1, $2, $3, $4, $5::DECIMAL(18,2), 'cit', $6::TIMESTAMP)`, [
        code(i),
        policy,
        quarter.period,
        status,
        benefit,
        at,
      ]);
  };

  const y2025 = row(1, '2025-Q4', 'cit.smallLowProfit', 'missed', '70000.00', null);
  const built = [
    y2025,
    row(1, 1, 'cit.smallLowProfit', 'lapsedInYear', null, '80000.00'),
    row(1, 2, 'cit.smallLowProfit', 'lapsedInYear', null, '60000.00'),
    row(2, 1, 'cit.smallLowProfit', 'missed', '10000.00', null),
    row(2, 2, 'cit.smallLowProfit', 'missed', '11000.00', null),
    row(2, 3, 'cit.smallLowProfit', 'missed', '12000.00', null),
    row(3, 1, 'cit.smallLowProfit', 'lapsedInYear', null, '5000.00'),
    row(4, 1, 'cit.smallLowProfit', 'claimedLapsedInYear', null, null),
    row(4, 2, 'cit.smallLowProfit', 'lapsedInYear', null, '3000.00'),
    row(5, 1, 'iit.individualBusinessHalving', 'lapsedInYear', null, '1000.00'),
    row(6, 1, 'cit.smallLowProfit', 'missed', '2000.00', null),
    row(6, 2, 'cit.smallLowProfit', 'missed', '2500.00', null),
    row(7, 1, 'vat.smallScaleThreshold2026', 'missed', '2900.00', null),
    row(8, 1, 'cit.highTech', 'missed', '40000.00', null),
    row(8, 1, 'cit.smallLowProfit', 'lapsedInYear', null, '80000.00'),
    row(8, 3, 'cit.highTech', 'missed', '45000.00', null),
    row(9, 1, 'cit.smallLowProfit', 'lapsedInYear', null, null),
    row(10, 1, 'cit.smallLowProfit', 'missed', '4000.00', null),
    row(10, 2, 'cit.smallLowProfit', 'missed', '4500.00', null),
  ];

  it('a later quarter of the year that fails a rule settled on the year takes back the unclaimed relief of the quarters before: lapsedInYear, not missed', async () => {
    for (const db of [engines.duck, engines.server] as Db[]) {
      const builds = await seed(db);
      assert.deepEqual(await db.all(sql), built, db.dialect);
      // Each build says where the year stands after it (what zhishu match prints). Every quarter was
      // matched before the first build, so Q1's build already judges Q1 on the later results: 1's,
      // 3's, 5's, 8's and 9's relief (80000 + 5000 + 1000 + 80000, 9's of no amount) and 4's claim;
      // Q2's adds the Q2 rows of 1 and 4 (60000 + 3000); Q3's has nothing to add.
      assert.deepEqual(
        builds.map((b) => b.year),
        [
          { year: 2026, lapsed: '166000.00', taxpayersLapsed: 5, claimedLapsed: '7000.00', taxpayersClaimedLapsed: 1 },
          { year: 2026, lapsed: '229000.00', taxpayersLapsed: 6, claimedLapsed: '7000.00', taxpayersClaimedLapsed: 1 },
          { year: 2026, lapsed: '229000.00', taxpayersLapsed: 6, claimedLapsed: '7000.00', taxpayersClaimedLapsed: 1 },
        ],
        db.dialect,
      );
      // As zhishu match prints it; taxpayer 9's relief, of no amount, is counted and not summed.
      assert.equal(
        yearText(builds[2] as LedgerBuild),
        'year 2026, reliefs a later quarter takes back 年内后续季度不再符合: unclaimed, no longer due 未申报、不再享受 229,000.00 yuan (6 taxpayers); claimed, to be repaid 应补缴 7,000.00 yuan (1 taxpayer)',
      );
    }
    const report = await policyReport(engines.duck, 2026);
    assert.deepEqual(await policyReport(engines.server, 2026), report);
    // Missed: 2's three quarters, 6's two, 7, 8's high-tech rate twice, 10's two; taken back: 1, 3, 4, 5, 8 and 9 (of no amount).
    assert.deepEqual(
      [report.missed, report.taxpayersMissing, report.taxpayersMissingAmountUnknown, report.lapsed, report.taxpayersLapsed],
      ['133900.00', 5, 0, '229000.00', 6],
    );
    assert.deepEqual([report.enjoyed, report.claimedLapsed, report.taxpayersClaimedLapsed], ['0.00', '7000.00', 1], 'the claim to be repaid is not enjoyed');
    // By policy: the halving is 5's alone; the rest is the small low-profit relief's (9's of no amount).
    assert.deepEqual(report.lapsedByPolicy, [
      { policyId: 'cit.smallLowProfit', lapsed: '228000.00', taxpayersLapsed: 5, claimedLapsed: '7000.00', taxpayersClaimedLapsed: 1 },
      { policyId: 'iit.individualBusinessHalving', lapsed: '1000.00', taxpayersLapsed: 1, claimedLapsed: '0.00', taxpayersClaimedLapsed: 0 },
    ]);
    const four = await taxpayerLedger(engines.duck, code(4), 2026);
    assert.deepEqual([four.enjoyed, four.claimedLapsed, four.lapsed], ['0.00', '7000.00', '3000.00']);
    assert.match(
      ledgerText(four),
      / 已申报，应补缴 claimed, to be repaid +0\.00 +claimed 申报 7,000\.00 yuan, not enjoyed: a later quarter of the year fails the rule 年内后续季度不再符合\n/,
    );
    const one = await taxpayerLedger(engines.duck, code(1), 2026);
    assert.deepEqual(await taxpayerLedger(engines.server, code(1), 2026), one);
    assert.deepEqual([one.missed, one.lapsed], ['0.00', '140000.00']);
    const text = ledgerText(one).split('\n');
    assert.match(
      text.find((l) => l.includes('2026-03')) ?? '',
      / 年内后续季度不再符合 no longer due after a later quarter +0\.00 +estimated 估算 80,000\.00 yuan, not in missed 不计入应享未享$/,
    );
    assert.equal(
      text.at(-1),
      'enjoyed 已享受 0.00 yuan; missed 应享未享 0.00 yuan; no longer due after a later quarter 年内后续季度不再符合 140,000.00 yuan (not in missed)',
    );
    assert.match(reportText(report), /unclaimed reliefs no longer due after a later quarter, yuan \(not missed\).* 229,000\.00\n/);
    assert.match(reportText(report), /\ncit\.smallLowProfit +228,000\.00 +5 +7,000\.00 +1\n/);
    const nine = await taxpayerLedger(engines.duck, code(9), 2026);
    assert.deepEqual([nine.missed, nine.missedAmountUnknown, nine.lapsed], ['0.00', 0, '0.00'], 'taken back, of no amount: not counted as missing');
    assert.match(ledgerText(nine), / 年内后续季度不再符合 no longer due after a later quarter +0\.00 +amount unknown 金额未知$/m);
    // Explained for Q1, the relief says a later quarter takes it back: the latest that judged it.
    for (const db of [engines.duck, engines.server] as Db[]) {
      assert.deepEqual(await q1Notices(db, 1), [takenBack('2026-Q3')], db.dialect);
      assert.deepEqual(await q1Notices(db, 1, '2026-10-01'), [], `${db.dialect}: as of before Q3 was matched, Q2 qualifies`);
      assert.deepEqual(await q1Notices(db, 3), [takenBack('2026-Q2')], `${db.dialect}: Q3 unknown, Q2 decides`);
      assert.deepEqual(await q1Notices(db, 10), [], `${db.dialect}: Q3 unknown, Q2 qualifies`);
      // The verdict says it first, where the eye lands, and the API has it as data.
      const q1 = await smallLowProfit(db, 1, '2026-Q1');
      assert.match(
        q1.text.en[0] as string,
        /: matched, worth about 80,000\.00 yuan this quarter, but no longer due: the year's figures to 2026-Q3 fail it\. Source: /,
        db.dialect,
      );
      assert.match(
        q1.text.zh[0] as string,
        /：符合，预计本季度可享受约 80,000\.00 元（按本季度数据）；但按本年截至2026-Q3的累计数据已不符合，本季度的优惠不再享受。依据：/,
        db.dialect,
      );
      assert.deepEqual(q1.year, { lapsedBy: '2026-Q3', takesBack: [] }, db.dialect);
      const before = await smallLowProfit(db, 1, '2026-Q1', '2026-10-01');
      assert.equal(before.year, null, `${db.dialect}: as of before Q3 was matched`);
      assert.match(before.text.en[0] as string, /: matched, worth about 80,000\.00 yuan this quarter\. Source: /, db.dialect);
      // The quarter that fails names the earlier quarters whose relief it takes back, with their estimates.
      const q3 = await smallLowProfit(db, 1, '2026-Q3');
      assert.equal(q3.status, 'nearMiss', db.dialect);
      assert.deepEqual(
        q3.year,
        {
          lapsedBy: null,
          takesBack: [
            { period: '2026-Q1', status: 'matched', benefit: '80000.00' },
            { period: '2026-Q2', status: 'matched', benefit: '60000.00' },
          ],
        },
        db.dialect,
      );
      assert.deepEqual(
        q3.notices.map((n) => n.en),
        [
          "The taxpayer met this relief's conditions earlier in the year, in 2026-Q1 (about 80,000.00 yuan) and 2026-Q2 (about 60,000.00 yuan); on the year's figures to this quarter it no longer does. Prepayments are of the year to date, so the relief of those quarters is no longer due, settled at this quarter's prepayment or at the annual return (a claim of it is repaid; unclaimed, it is not counted as missed)",
        ],
        db.dialect,
      );
      assert.match(
        q3.notices[0]?.zh ?? '',
        /^纳税人在本年2026-Q1（约 80,000\.00 元）、2026-Q2（约 60,000\.00 元）符合本项优惠的条件，按本年截至本季度的累计数据已不再符合。/,
        db.dialect,
      );
      // A quarter that fails, followed by one that cannot judge: it decides, and takes back Q1's relief.
      const three = await smallLowProfit(db, 3, '2026-Q2');
      assert.deepEqual(
        [three.status, three.year],
        ['notEligible', { lapsedBy: null, takesBack: [{ period: '2026-Q1', status: 'matched', benefit: '5000.00' }] }],
        db.dialect,
      );
      // A quarter this explanation cannot judge (taxpayer 4's Q1: no facts to read), whose claim the
      // ledger takes back (claimedLapsedInYear): said too, since the claim is repaid all the same.
      const four = await smallLowProfit(db, 4, '2026-Q1');
      assert.deepEqual([four.status, four.year], ['unknown', { lapsedBy: '2026-Q3', takesBack: [] }], db.dialect);
      assert.match(
        four.notices[0]?.en ?? '',
        /^This quarter cannot be judged \(data missing\), but on the year's figures to 2026-Q3 the taxpayer does not meet/,
      );
      // Reliefs that do not stack: taxpayer 8's small low-profit relief, worth more than its high-tech
      // rate in Q1, is taken back (by Q2, whose facts fail the rule, and Q3 fails it too), so it no longer stands in the high-tech rate's way there.
      const eight = (await explainTaxpayer(db, { creditCode: code(8), period: '2026-Q1' })).policies;
      const [slp, ht] = ['cit.smallLowProfit', 'cit.highTech'].map((id) => eight.find((p) => p.policy === id) as PolicyExplanation);
      assert.deepEqual([slp?.status, slp?.year?.lapsedBy, slp?.stacking], ['matched', '2026-Q2', null], db.dialect);
      assert.deepEqual([ht?.status, ht?.stacking], ['matched', null], `${db.dialect}: not beaten by a relief taken back`);
      const asked = (await explainTaxpayer(db, { creditCode: code(8), period: '2026-Q1', policy: 'cit.highTech' })).policies;
      assert.deepEqual(asked, [ht], `${db.dialect}: the same when asked about alone`);
      // As of before Q2 was matched (whose facts fail the rule: no result), nothing takes it back yet.
      const early = (await explainTaxpayer(db, { creditCode: code(8), period: '2026-Q1', policy: 'cit.highTech', asOf: '2026-07-01' })).policies[0];
      assert.deepEqual(
        [early?.stacking?.best, early?.stacking?.beaten],
        ['cit.smallLowProfit', true],
        `${db.dialect}: before Q2 was matched, the small low-profit relief is worth more`,
      );
    }
  });

  it('a policy no longer in force at the latest quarter’s end takes nothing back there', async () => {
    // The small low-profit relief as if it had ended on 2026-06-30: Q3's near miss of taxpayer 1 then
    // judges nothing, and Q2, which qualifies, decides.
    const ended = {
      ...catalogue(),
      entries: catalogue().entries.map((e) => (e.id === 'cit.smallLowProfit' ? { ...e, effective: { ...e.effective, to: '2026-06-30' } } : e)),
    };
    for (const db of [engines.duck, engines.server] as Db[]) {
      await buildLedger(db, ended, '2026-Q2', new Date('2026-10-22T00:00:00Z'), code(1));
      assert.deepEqual(
        (await db.all(sql)).filter((r) => r.credit_code === code(1)),
        [y2025, row(1, 1, 'cit.smallLowProfit', 'missed', '80000.00', null), row(1, 2, 'cit.smallLowProfit', 'missed', '60000.00', null)],
        db.dialect,
      );
      await buildLedger(db, catalogue(), '2026-Q2', new Date('2026-10-22T00:00:00Z'), code(1));
      assert.deepEqual(await db.all(sql), built, `${db.dialect}: as it was`);
    }
  });

  it('rebuilding an earlier quarter keeps the year’s judgement; a re-match changes it, both ways, for that taxpayer alone', async () => {
    for (const db of [engines.duck, engines.server] as Db[]) {
      // Q1 rebuilt for the city after Q3: its rows are judged on the year again.
      await buildLedger(db, catalogue(), '2026-Q1', new Date('2026-10-22T00:00:00Z'));
      assert.deepEqual(await db.all(sql), built, db.dialect);
      // Re-matched: taxpayer 1 under the limit after all in Q3, taxpayer 8 too, taxpayer 2 far over it.
      await rematch(db, 1, 3, [['cit.smallLowProfit', 'matched', '20000.00']]);
      await rematch(db, 8, 3, [
        ['cit.smallLowProfit', 'matched', '50000.00'],
        ['cit.highTech', 'matched', '45000.00'],
      ]);
      // Taxpayer 2's new results have none of the relief (the rule false): its earlier results, which
      // matched, are no longer in force.
      await rematch(db, 2, 3, []);
      await rematch(db, 4, 3, [['cit.smallLowProfit', 'matched', '2000.00']]);
      // Taxpayer 1's ledger rebuilt alone: its quarters before are missed again, with the amounts they
      // had; taxpayer 2's rows, whose new results no build has read yet, stay as they were.
      await buildLedger(db, catalogue(), '2026-Q3', new Date('2026-10-25T00:00:00Z'), code(1));
      const one = [
        y2025,
        row(1, 1, 'cit.smallLowProfit', 'missed', '80000.00', null),
        row(1, 2, 'cit.smallLowProfit', 'missed', '60000.00', null),
        row(1, 3, 'cit.smallLowProfit', 'missed', '20000.00', null),
      ];
      assert.deepEqual(await db.all(sql), [...one, ...built.slice(3)], db.dialect);
      assert.deepEqual(await q1Notices(db, 1), [], `${db.dialect}: qualifying again, nothing is taken back`);
      assert.equal((await smallLowProfit(db, 1, '2026-Q1')).year, null, db.dialect);
      // Q2, re-matched as failing, far over the limit: Q3, which qualifies again, decides, and Q2 takes nothing back.
      await rematch(db, 1, 2, []);
      await db.exec(
        `UPDATE taxpayer_fact SET kind = 'enterprise', employees = 10, total_assets = 1000000, average_employees = 10, average_total_assets = 1000000, quarter_figures_reported = true, restricted_industry = false, taxable_income = 3500000, quarterly_taxable_income = 1500000
         WHERE credit_code = $1 AND period = '2026-Q2' AND computed_at = TIMESTAMP '2026-10-25 08:00:00'`,
        [code(1)],
      );
      const q2 = await smallLowProfit(db, 1, '2026-Q2');
      assert.deepEqual([q2.status, q2.year, q2.notices], ['notEligible', null, []], db.dialect);
      // Q3 re-matched as failing too, far over the limit: Q2's prepayment took Q1's relief back, and
      // Q3 has nothing more to take.
      await rematch(db, 1, 3, [], '2026-10-26 08:00:00');
      await db.exec(
        `UPDATE taxpayer_fact SET kind = 'enterprise', employees = 10, total_assets = 1000000, average_employees = 10, average_total_assets = 1000000, quarter_figures_reported = true, restricted_industry = false, taxable_income = 3500000, quarterly_taxable_income = 1500000
         WHERE credit_code = $1 AND period = '2026-Q3' AND computed_at = TIMESTAMP '2026-10-26 08:00:00'`,
        [code(1)],
      );
      const taken = await smallLowProfit(db, 1, '2026-Q1');
      assert.deepEqual(taken.year, { lapsedBy: '2026-Q2', takesBack: [] }, `${db.dialect}: the first quarter to fail takes it back`);
      assert.match(taken.notices[0]?.en ?? '', /settled at the prepayment for 2026-Q2 or at the annual return/, db.dialect);
      assert.deepEqual(
        (await smallLowProfit(db, 1, '2026-Q2')).year,
        { lapsedBy: null, takesBack: [{ period: '2026-Q1', status: 'matched', benefit: '80000.00' }] },
        db.dialect,
      );
      const again = await smallLowProfit(db, 1, '2026-Q3');
      assert.deepEqual([again.status, again.year, again.notices], ['notEligible', null, []], `${db.dialect}: taken back already by Q2`);
      // Q2 re-matched as one that cannot judge: Q3 takes back Q1's relief and whatever was claimed for Q2.
      await rematch(db, 1, 2, [['cit.smallLowProfit', 'unknown', null]]);
      const q3 = await smallLowProfit(db, 1, '2026-Q3');
      assert.deepEqual(
        [q3.status, q3.year],
        [
          'notEligible',
          {
            lapsedBy: null,
            takesBack: [
              { period: '2026-Q1', status: 'matched', benefit: '80000.00' },
              { period: '2026-Q2', status: 'unknown', benefit: null },
            ],
          },
        ],
        db.dialect,
      );
      assert.match(
        q3.notices[0]?.en ?? '',
        /^The taxpayer met this relief's conditions earlier in the year, in 2026-Q1 \(about 80,000\.00 yuan\); on the year's figures to this quarter it no longer does\. 2026-Q2 could not be judged \(data missing\), and a claim of it there is repaid too\. /,
        db.dialect,
      );
      // Taxpayer 8's: the small low-profit relief counts in its group again, worth more than the
      // high-tech rate, which is notStacked again in Q1. Taxpayer 2's: now over the limit in Q3.
      await buildLedger(db, catalogue(), '2026-Q3', new Date('2026-10-25T00:00:00Z'), code(8));
      await buildLedger(db, catalogue(), '2026-Q3', new Date('2026-10-25T00:00:00Z'), code(2));
      // Taxpayer 4's: qualifying again, its claim is enjoyed again.
      await buildLedger(db, catalogue(), '2026-Q3', new Date('2026-10-25T00:00:00Z'), code(4));
      assert.deepEqual(
        await db.all(sql),
        [
          ...one,
          row(2, 1, 'cit.smallLowProfit', 'lapsedInYear', null, '10000.00'),
          row(2, 2, 'cit.smallLowProfit', 'lapsedInYear', null, '11000.00'),
          ...built.slice(6, 7),
          row(4, 1, 'cit.smallLowProfit', 'enjoyed', null, null, '7000.00'),
          row(4, 2, 'cit.smallLowProfit', 'missed', '3000.00', null),
          row(4, 3, 'cit.smallLowProfit', 'missed', '2000.00', null),
          ...built.slice(9, -6),
          row(8, 1, 'cit.highTech', 'notStacked', null, null),
          row(8, 1, 'cit.smallLowProfit', 'missed', '80000.00', null),
          row(8, 3, 'cit.highTech', 'notStacked', null, null),
          row(8, 3, 'cit.smallLowProfit', 'missed', '50000.00', null),
          ...built.slice(-3),
        ],
        db.dialect,
      );
    }
  });
});

describe('a relief missed net of another of its group enjoyed keeps that claim (group_claimed), hand-built, on both engines', () => {
  const engines = bothEngines({ migrate: true });
  const code = (i: number) => withCheckCharacter(`91440300MA5P${String(i).padStart(5, '0')}`);
  const quarters = [
    { period: '2026-Q1', start: '2026-01-01', end: '2026-03-31', at: '2026-04-20 08:00:30' },
    { period: '2026-Q3', start: '2026-07-01', end: '2026-09-30', at: '2026-10-20 08:00:30' },
  ];
  // Small high-tech enterprises, both reliefs of the CIT rate group matched in Q1; by Q3 the small
  // low-profit relief (settled on the year) fails, which takes back Q1's.
  // 1: claimed the high-tech rate (40,000.00) in Q1; the small low-profit relief, worth 80,000.00, is
  //    missed by the 40,000.00 beyond it. Taken back by Q3, it keeps the claim beside its estimate.
  // 2: claimed the small low-profit relief (20,000.00) in Q1; the high-tech rate, worth 40,000.00, is
  //    missed by 20,000.00. Q3 takes the claim back, so the high-tech rate is missed whole, net of nothing.
  // 3: as 2, claimed on January's return (a monthly prepayer), March's CIT return outstanding: the
  //    high-tech rate waits on it (returnNotFiled), by 20,000.00 net of the claim. March's return is
  //    filed late, Q1 not built again, and Q3 takes the claim back: the row waits still (the return
  //    may claim it, which only a build of Q1 reads), by 40,000.00 net of nothing.
  // 4: claimed the small low-profit relief (50,000.00) on January's return, more than the high-tech rate
  //    is worth (notStacked), March's return outstanding: when Q3 takes the claim back, the high-tech
  //    rate waits on that return, whole, rather than being missed.
  // 5: a correcting return takes back 5,000.00 of the small low-profit relief in Q1: the group's claims
  //    sum below zero, so nothing of it is enjoyed, and the high-tech rate is missed by its estimate
  //    (40,000.00), not by 45,000.00, with no claim beside it.
  const results: [number, number, string, string, string][] = [
    [1, 1, 'cit.smallLowProfit', 'matched', '80000.00'],
    [1, 1, 'cit.highTech', 'matched', '40000.00'],
    [1, 2, 'cit.smallLowProfit', 'nearMiss', '90000.00'],
    [2, 1, 'cit.smallLowProfit', 'matched', '20000.00'],
    [2, 1, 'cit.highTech', 'matched', '40000.00'],
    [2, 2, 'cit.smallLowProfit', 'nearMiss', '30000.00'],
    [3, 1, 'cit.smallLowProfit', 'matched', '20000.00'],
    [3, 1, 'cit.highTech', 'matched', '40000.00'],
    [3, 2, 'cit.smallLowProfit', 'nearMiss', '30000.00'],
    [4, 1, 'cit.smallLowProfit', 'matched', '50000.00'],
    [4, 1, 'cit.highTech', 'matched', '40000.00'],
    [4, 2, 'cit.smallLowProfit', 'nearMiss', '60000.00'],
    [5, 1, 'cit.smallLowProfit', 'matched', '80000.00'],
    [5, 1, 'cit.highTech', 'matched', '40000.00'],
    [5, 2, 'cit.smallLowProfit', 'matched', '85000.00'],
  ];
  const sql = `SELECT credit_code, period, policy_id, status, missed::VARCHAR AS missed, lapsed::VARCHAR AS lapsed, group_claimed::VARCHAR AS group_claimed
               FROM ledger_entry WHERE period = '2026-Q1' ORDER BY credit_code, policy_id`;
  const row = (i: number, policy_id: string, status: string, missed: string | null, lapsed: string | null, group_claimed: string | null) => ({
    credit_code: code(i),
    period: '2026-Q1',
    policy_id,
    status,
    missed,
    lapsed,
    group_claimed,
  });

  it('kept beside the estimate when the relief is missed and when the year takes it back; gone when the claim it was net of is taken back, also while the relief waits on its return; back when the year gives the claim back', async () => {
    const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
    for (const db of [engines.duck, engines.server] as Db[]) {
      // The city's build, and each taxpayer's alone (the single-taxpayer form of every statement): the same rows.
      for (const form of ['city', 'taxpayer by taxpayer'] as const) {
        for (const t of ['ledger_entry', 'filing', 'filing_reduction', 'policy_match', 'taxpayer_fact', 'taxpayer', 'match_run'])
          await db.exec(`DELETE FROM ${t}`);
        const build = async (period: string, at: Date) => {
          if (form === 'city') await buildLedger(db, catalogue, period, at);
          else for (let i = 1; i <= 5; i++) await buildLedger(db, catalogue, period, at, code(i));
        };
        await seedMatchedQuarters(db, { quarters, codes: [1, 2, 3, 4, 5].map(code), results, highTech: true, entries: 2 });
        const claim = (i: number, reduction: string, amount: string) =>
          db.exec(`INSERT INTO filing_reduction VALUES ($1, 'cit', DATE '2026-01-01', DATE '2026-03-31', $2, $3::DECIMAL(18,2))`, [code(i), reduction, amount]);
        await claim(1, '9900000005', '40000.00'); // the high-tech rate
        await claim(2, '9900000004', '20000.00'); // the small low-profit relief
        await claim(5, '9900000004', '-5000.00');
        for (const [i, amount] of [
          [3, '20000.00'],
          [4, '50000.00'],
        ] as const) {
          await db.exec(`INSERT INTO filing_reduction VALUES ($1, 'cit', DATE '2026-01-01', DATE '2026-01-31', '9900000004', $2::DECIMAL(18,2))`, [
            code(i),
            amount,
          ]);
          await db.exec(`${INSERT_FILING} ($1, 'cit', DATE '2026-01-01', DATE '2026-01-31', DATE '2026-02-15', DATE '2026-02-10', 0, 0)`, [code(i)]);
          await db.exec(`${INSERT_FILING} ($1, 'cit', DATE '2026-03-01', DATE '2026-03-31', DATE '2026-04-20', NULL, 0, 0)`, [code(i)]);
        }

        // Q1 built alone first, as if Q3 had not been matched: what the quarter's build decides.
        await db.exec(`DELETE FROM policy_match WHERE period = '2026-Q3'`);
        await db.exec(`DELETE FROM taxpayer_fact WHERE period = '2026-Q3'`);
        await build('2026-Q1', new Date('2026-04-21T00:00:00Z'));
        const builtAlone = await db.all(sql);
        assert.deepEqual(
          builtAlone,
          [
            row(1, 'cit.highTech', 'enjoyed', null, null, null),
            row(1, 'cit.smallLowProfit', 'missed', '40000.00', null, '40000.00'),
            row(2, 'cit.highTech', 'missed', '20000.00', null, '20000.00'),
            row(2, 'cit.smallLowProfit', 'enjoyed', null, null, null),
            row(3, 'cit.highTech', 'returnNotFiled', null, '20000.00', '20000.00'),
            row(3, 'cit.smallLowProfit', 'enjoyed', null, null, null),
            row(4, 'cit.highTech', 'notStacked', null, null, null),
            row(4, 'cit.smallLowProfit', 'enjoyed', null, null, null),
            row(5, 'cit.highTech', 'missed', '40000.00', null, null),
            row(5, 'cit.smallLowProfit', 'enjoyed', null, null, null),
          ],
          `${db.dialect}, ${form}`,
        );

        await db.exec(`UPDATE filing SET filed_on = DATE '2026-05-06' WHERE credit_code = $1 AND period_start = DATE '2026-03-01'`, [code(3)]);
        // Q3 matched: its build judges the year again. Taxpayer 1's relief is taken back with its claim
        // beside it; taxpayer 2's claim is taken back, so its high-tech rate is missed whole.
        for (const i of [1, 2, 3, 4, 5]) {
          const q = quarters[1] as (typeof quarters)[number];
          await db.exec(
            `INSERT INTO taxpayer_fact (credit_code, period, period_start, period_end, computed_at) VALUES ($1, $2, $3::DATE, $4::DATE, $5::TIMESTAMP)`,
            [code(i), q.period, q.start, q.end, q.at],
          );
        }
        for (const [i, n, policy, status, benefit] of results.filter((r) => r[1] === 2))
          await db.exec(`INSERT INTO policy_match VALUES (2, $1, $2, '2026-Q3', $3, $4::DECIMAL(18,2), 'cit', $5::TIMESTAMP)`, [
            code(i),
            policy,
            status,
            benefit,
            (quarters[n - 1] as (typeof quarters)[number]).at,
          ]);
        await build('2026-Q3', new Date('2026-10-21T00:00:00Z'));
        assert.deepEqual(
          await db.all(sql),
          [
            row(1, 'cit.highTech', 'enjoyed', null, null, null),
            row(1, 'cit.smallLowProfit', 'lapsedInYear', null, '40000.00', '40000.00'),
            row(2, 'cit.highTech', 'missed', '40000.00', null, null),
            row(2, 'cit.smallLowProfit', 'claimedLapsedInYear', null, null, null),
            row(3, 'cit.highTech', 'returnNotFiled', null, '40000.00', null),
            row(3, 'cit.smallLowProfit', 'claimedLapsedInYear', null, null, null),
            row(4, 'cit.highTech', 'returnNotFiled', null, '40000.00', null),
            row(4, 'cit.smallLowProfit', 'claimedLapsedInYear', null, null, null),
            row(5, 'cit.highTech', 'missed', '40000.00', null, null),
            row(5, 'cit.smallLowProfit', 'enjoyed', null, null, null),
          ],
          `${db.dialect}, ${form}`,
        );
        // `zhishu ledger` says what the estimate is net of and what the relief alone is worth, whatever its status.
        const line = (text: string) => text.split('\n').find((l) => l.includes('cit.smallLowProfit')) ?? '';
        assert.match(
          line(ledgerText(await taxpayerLedger(db, code(1), 2026))),
          /estimated 估算 40,000\.00 yuan, not in missed 不计入应享未享; net of 40,000\.00 yuan enjoyed of a relief it does not stack with 已扣除不得叠加享受的其他优惠; alone 单独估算 80,000\.00 yuan$/,
          `${db.dialect}, ${form}`,
        );

        // And given back: Q3 matched again, the small low-profit relief now passing (its returns corrected).
        // Q1's rows are again what its own build decided: the claims enjoyed, the high-tech rates net of
        // them (taxpayer 3's still waiting on March's return: only a build of Q1 reads what it claims),
        // taxpayer 4's not stacked again.
        await db.exec(`UPDATE policy_match SET status = 'matched' WHERE period = '2026-Q3' AND policy_id = 'cit.smallLowProfit'`);
        await build('2026-Q3', new Date('2026-10-22T00:00:00Z'));
        assert.deepEqual(await db.all(sql), builtAlone, `${db.dialect}, ${form}, given back`);
      }
    }
  });
});
describe('the ledger of reliefs claimed on the annual CIT return, hand-built, on both engines', () => {
  const engines = bothEngines({ migrate: true });
  const code = (i: number) => withCheckCharacter(`91440300MA5N${String(i).padStart(5, '0')}`);
  const quarters = [
    { period: '2025-Q1', start: '2025-01-01', end: '2025-03-31', at: '2025-04-20 08:00:30' },
    { period: '2025-Q2', start: '2025-04-01', end: '2025-06-30', at: '2025-07-20 08:00:30' },
    { period: '2025-Q3', start: '2025-07-01', end: '2025-09-30', at: '2025-10-20 08:00:30' },
    { period: '2025-Q4', start: '2025-10-01', end: '2025-12-31', at: '2026-01-20 08:00:30' },
  ];
  const slp = 'cit.smallLowProfit';
  const tech = 'cit.highTech';
  const allYear = (i: number, policy: string, benefits: (string | null)[]) =>
    benefits.map((b, n) => [i, n + 1, policy, 'matched', b] as [number, number, string, string, string | null]);
  // [taxpayer, quarter (1..4), policy, status, benefit]
  const results: [number, number, string, string, string | null][] = [
    // 1: the small low-profit relief all year, claimed at no prepayment, claimed on the annual return.
    ...allYear(1, slp, ['10000.00', '11000.00', '12000.00', '13000.00']),
    // 2: claimed at the prepayments of Q1 and Q2 only, then on the annual return.
    ...allYear(2, slp, ['10000.00', '11000.00', '12000.00', '13000.00']),
    // 3: claimed at Q1's prepayment; the annual return claims less than that.
    ...allYear(3, slp, ['10000.00', '11000.00', '12000.00', '13000.00']),
    // 4: never claimed, on no return: missed each quarter.
    ...allYear(4, slp, ['10000.00', '11000.00', '12000.00', '13000.00']),
    // 5: claimed on the annual return, but by Q4 the year's income is over the limit (a near miss).
    ...allYear(5, slp, ['5000.00', '5000.00', '5000.00']),
    [5, 4, slp, 'nearMiss', '6000.00'],
    // 6: the high-tech rate (not settled on the year), of no estimate in Q2, claimed on the annual return only.
    ...allYear(6, tech, ['20000.00', null, '20000.00', '20000.00']),
  ];
  // [taxpayer, tax type, period start, period end, reduction code, amount]
  const claims: [number, string, string, string, string, string][] = [
    [1, 'citAnnual', '2025-01-01', '2025-12-31', '9900000004', '46000.00'],
    [2, 'cit', '2025-01-01', '2025-03-31', '9900000004', '10000.00'],
    [2, 'cit', '2025-04-01', '2025-06-30', '9900000004', '11000.00'],
    [2, 'citAnnual', '2025-01-01', '2025-12-31', '9900000004', '46000.00'],
    [3, 'cit', '2025-01-01', '2025-03-31', '9900000004', '10000.00'],
    [3, 'citAnnual', '2025-01-01', '2025-12-31', '9900000004', '8000.00'],
    [5, 'citAnnual', '2025-01-01', '2025-12-31', '9900000004', '15000.00'],
    [6, 'citAnnual', '2025-01-01', '2025-12-31', '9900000005', '80000.00'],
  ];
  const catalogue = () => catalogueOf(DEFAULT_LAW_DIR).catalogue;
  const sql = `SELECT credit_code, period, month, policy_id, status, enjoyed::VARCHAR AS enjoyed, missed::VARCHAR AS missed,
                 claimed::VARCHAR AS claimed, lapsed::VARCHAR AS lapsed
               FROM ledger_entry ORDER BY credit_code, period, month, policy_id`;
  const month = (q: number) => `2025-${String(q * 3).padStart(2, '0')}-01`;
  const row = (
    i: number,
    q: number,
    policy_id: string,
    status: string,
    amounts: { enjoyed?: string; missed?: string; claimed?: string; lapsed?: string } = {},
  ) => ({
    credit_code: code(i),
    period: `2025-Q${q}`,
    month: month(q),
    policy_id,
    status,
    enjoyed: amounts.enjoyed ?? '0.00',
    missed: amounts.missed ?? null,
    claimed: amounts.claimed ?? null,
    lapsed: amounts.lapsed ?? null,
  });
  const enjoyed = (i: number, q: number, policy: string, amount: string) => row(i, q, policy, 'enjoyed', { enjoyed: amount, claimed: amount });
  const onAnnual = (i: number, q: number, policy: string, estimate: string | null) =>
    row(i, q, policy, 'claimedOnAnnualReturn', estimate === null ? {} : { lapsed: estimate });
  const missed = (i: number, q: number, amount: string) => row(i, q, slp, 'missed', { missed: amount });
  const taxpayer1 = [onAnnual(1, 1, slp, '10000.00'), onAnnual(1, 2, slp, '11000.00'), onAnnual(1, 3, slp, '12000.00'), enjoyed(1, 4, slp, '46000.00')];
  const built = [
    ...taxpayer1,
    // What the annual return claims beyond the prepayments' 21,000.00 is Q4's claim.
    enjoyed(2, 1, slp, '10000.00'),
    enjoyed(2, 2, slp, '11000.00'),
    onAnnual(2, 3, slp, '12000.00'),
    enjoyed(2, 4, slp, '25000.00'),
    // 8,000.00 on the annual return, no more than the 10,000.00 prepaid: no claim of its own; the
    // quarters it covers are not missed, Q4's included.
    enjoyed(3, 1, slp, '10000.00'),
    onAnnual(3, 2, slp, '11000.00'),
    onAnnual(3, 3, slp, '12000.00'),
    onAnnual(3, 4, slp, '13000.00'),
    missed(4, 1, '10000.00'),
    missed(4, 2, '11000.00'),
    missed(4, 3, '12000.00'),
    missed(4, 4, '13000.00'),
    // The year takes the relief back (Q4 fails it): Q1 to Q3 are lapsedInYear, and the annual
    // return's claim, which Q4's match contradicts, is a claim without eligibility.
    row(5, 1, slp, 'lapsedInYear', { lapsed: '5000.00' }),
    row(5, 2, slp, 'lapsedInYear', { lapsed: '5000.00' }),
    row(5, 3, slp, 'lapsedInYear', { lapsed: '5000.00' }),
    row(5, 4, slp, 'claimedNotEligible', { claimed: '15000.00' }),
    onAnnual(6, 1, tech, '20000.00'),
    onAnnual(6, 2, tech, null),
    onAnnual(6, 3, tech, '20000.00'),
    enjoyed(6, 4, tech, '80000.00'),
  ];
  const annualClaim = (db: Db, i: number) => {
    const c = claims.find(([n, type]) => n === i && type === 'citAnnual') as (typeof claims)[number];
    return db.exec(`INSERT INTO filing_reduction VALUES ($1, $2, $3::DATE, $4::DATE, $5, $6::DECIMAL(18,2))`, [code(i), ...c.slice(1)]);
  };

  async function seed(db: Db) {
    await seedMatchedQuarters(db, { quarters, codes: [1, 2, 3, 4, 5, 6].map(code), results, highTech: false, entries: 6 });
    for (const [i, ...c] of claims) await db.exec(`INSERT INTO filing_reduction VALUES ($1, $2, $3::DATE, $4::DATE, $5, $6::DECIMAL(18,2))`, [code(i), ...c]);
    for (const q of quarters) await buildLedger(db, catalogue(), q.period, new Date('2026-06-01T00:00:00Z'));
  }

  it('a relief claimed on the annual return is not missed in the quarters it went unclaimed, and what it claims beyond the prepayments is enjoyed in December', async () => {
    for (const db of [engines.duck, engines.server] as Db[]) {
      await seed(db);
      assert.deepEqual(await db.all(sql), built, db.dialect);
      // The year adds up: what the annual return claims is enjoyed, once, and nothing of it is missed.
      const years = await Promise.all([1, 2, 4, 6].map((i) => taxpayerLedger(db, code(i), 2025)));
      assert.deepEqual(
        years.map((l) => [l.enjoyed, l.missed, l.missedAmountUnknown, l.lapsed]),
        [
          ['46000.00', '0.00', 0, '0.00'],
          ['46000.00', '0.00', 0, '0.00'],
          ['0.00', '46000.00', 0, '0.00'],
          ['80000.00', '0.00', 0, '0.00'],
        ],
        db.dialect,
      );
      // The CLI words the status and keeps the estimate out of missed.
      const text = ledgerText(years[0] as TaxpayerLedger);
      assert.match(text, /汇算清缴时申报享受 claimed on the annual return/);
      assert.match(text, /estimated 估算 10,000\.00 yuan, not in missed: the year's annual CIT return claims it/);
      // Q4's push plan does not tell a company to claim what its annual return claims (1, 2, 3 and 6;
      // 5's near miss is told whatever it claimed).
      const plan = await planPushes(db, catalogue().entries, { period: '2025-Q4', now: new Date('2026-01-21T00:00:00Z') });
      assert.equal(plan.claimed, 4, db.dialect);
    }
  });

  it('judged again at each build, both ways: an earlier quarter rebuilt keeps it, an annual claim withdrawn makes the quarters missed again, and one taxpayer rebuilt alone gets it back', async () => {
    for (const db of [engines.duck, engines.server] as Db[]) {
      await buildLedger(db, catalogue(), '2025-Q1', new Date('2026-06-02T00:00:00Z'));
      assert.deepEqual(await db.all(sql), built, `${db.dialect}: Q1 rebuilt`);
      // Taxpayer 1's annual return corrected: it claims nothing. Q4 rebuilt for the city.
      await db.exec(`DELETE FROM filing_reduction WHERE credit_code = $1`, [code(1)]);
      await buildLedger(db, catalogue(), '2025-Q4', new Date('2026-06-03T00:00:00Z'));
      const withdrawn = [missed(1, 1, '10000.00'), missed(1, 2, '11000.00'), missed(1, 3, '12000.00'), missed(1, 4, '13000.00')];
      assert.deepEqual(await db.all(sql), [...withdrawn, ...built.slice(taxpayer1.length)], `${db.dialect}: claim withdrawn`);
      // Claimed again, and taxpayer 1's ledger of Q4 rebuilt alone (a re-match): as first built.
      await annualClaim(db, 1);
      await buildLedger(db, catalogue(), '2025-Q4', new Date('2026-06-04T00:00:00Z'), code(1));
      assert.deepEqual(await db.all(sql), built, `${db.dialect}: taxpayer 1 alone`);
    }
  });

  it('an annual claim that came in after the year was built is found, for the city and for its taxpayer, until a build of the year reads it', async () => {
    for (const db of [engines.duck, engines.server] as Db[]) {
      assert.equal(await annualClaimsNotRead(db, catalogue(), 2025), 0, db.dialect);
      // Taxpayer 4, missed all year, files its annual return claiming the relief.
      await db.exec(`INSERT INTO filing_reduction VALUES ($1, 'citAnnual', DATE '2025-01-01', DATE '2025-12-31', '9900000004', 46000.00)`, [code(4)]);
      assert.deepEqual(
        [
          await annualClaimsNotRead(db, catalogue(), 2025),
          await annualClaimsNotRead(db, catalogue(), 2025, code(4)),
          await annualClaimsNotRead(db, catalogue(), 2025, code(2)),
          await annualClaimsNotRead(db, catalogue(), 2026),
        ],
        [1, 1, 0, 0],
        db.dialect,
      );
      // A code belongs to the policy in force at the return's end: with the relief ended before it, the
      // claim is no claim of it, as the build maps it, and nothing is waiting to be read.
      const ended = { ...catalogue(), entries: catalogue().entries.map((e) => (e.id === slp ? { ...e, effective: { ...e.effective, to: '2025-06-30' } } : e)) };
      assert.equal(await annualClaimsNotRead(db, ended, 2025), 0, db.dialect);
      // Any build of a quarter of 2025 marks Q1 to Q3 again; Q4's own build makes Q4's row the claim.
      await buildLedger(db, catalogue(), '2025-Q4', new Date('2026-06-05T00:00:00Z'));
      assert.equal(await annualClaimsNotRead(db, catalogue(), 2025), 0, db.dialect);
      const four = (await db.all<{ credit_code: string; status: string }>(sql)).filter((r) => r.credit_code === code(4));
      assert.deepEqual(
        four.map((r) => r.status),
        ['claimedOnAnnualReturn', 'claimedOnAnnualReturn', 'claimedOnAnnualReturn', 'enjoyed'],
        db.dialect,
      );
    }
  });

  it('Q4’s push plan: a relief whose annual claim adds nothing beyond its prepayments still outweighs the other of its group by its estimate', async () => {
    for (const db of [engines.duck, engines.server] as Db[]) {
      // Taxpayer 7: the high-tech rate (worth 5,000.00 in Q4) claimed at Q1's prepayment and on the
      // annual return for no more (4,000.00: nothing beyond); the small low-profit relief worth 3,000.00.
      // Q4 has no claim of the high-tech rate beyond the prepayments, so, as the ledger ranks it, it
      // is the group's best and the lesser relief is not told.
      await db.exec(
        `INSERT INTO taxpayer VALUES ($1, 'x', 'enterprise', 'small', 'C39', 'nanshan', DATE '2019-01-01', 60, 20000000, 'actualAccounts', true, NULL, 0, 'A')`,
        [code(7)],
      );
      const q4 = quarters[3] as (typeof quarters)[number];
      for (const [policy, benefit] of [
        [tech, '5000.00'],
        [slp, '3000.00'],
      ] as const)
        await db.exec(`INSERT INTO policy_match VALUES (4, $1, $2, $3, 'matched', $4::DECIMAL(18,2), 'cit', $5::TIMESTAMP)`, [
          code(7),
          policy,
          q4.period,
          benefit,
          q4.at,
        ]);
      await db.exec(`INSERT INTO filing_reduction VALUES ($1, 'cit', DATE '2025-01-01', DATE '2025-03-31', '9900000005', 4000.00)`, [code(7)]);
      await db.exec(`INSERT INTO filing_reduction VALUES ($1, 'citAnnual', DATE '2025-01-01', DATE '2025-12-31', '9900000005', 4000.00)`, [code(7)]);
      const plan = await planPushes(db, catalogue().entries, { period: '2025-Q4', now: new Date('2026-01-21T00:00:00Z'), only: code(7) });
      assert.deepEqual([plan.results, plan.claimed, plan.notStacked, plan.candidates], [2, 1, 1, 0], db.dialect);
    }
  });

  it('a quarter’s push plan counts the claims of the quarter as the ledger does: returns before it that took back more than they claimed add nothing to it', async () => {
    for (const db of [engines.duck, engines.server] as Db[]) {
      // Taxpayer 8 in 2025-Q2: the high-tech rate claimed for 500.00 this quarter, after a correcting
      // return of Q1 took back 1,000.00 (the year so far -500.00); the small low-profit relief worth 8,000.00.
      // The group's claim is the quarter's 500.00, and the relief is told for 7,500.00, as the ledger
      // counts it missed. (Until 2026-12-04 the plan added the year's net take-back to the quarter's
      // claim: 1,000.00, told at 7,000.00.)
      const c = code(8);
      await db.exec(
        `INSERT INTO taxpayer VALUES ($1, 'x', 'enterprise', 'small', 'C39', 'nanshan', DATE '2019-01-01', 60, 20000000, 'actualAccounts', true, NULL, 0, 'A')`,
        [c],
      );
      await db.exec(`INSERT INTO company_person VALUES ($1, 'financeOfficer', '某', NULL, NULL, 'inApp', 22, 7)`, [c]);
      const q2 = quarters[1] as (typeof quarters)[number];
      await db.exec(
        `INSERT INTO taxpayer_fact (credit_code, period, period_start, period_end, computed_at) VALUES ($1, $2, $3::DATE, $4::DATE, $5::TIMESTAMP)`,
        [c, q2.period, q2.start, q2.end, q2.at],
      );
      for (const [policy, benefit] of [
        [tech, '3000.00'],
        [slp, '8000.00'],
      ] as const)
        await db.exec(`INSERT INTO policy_match VALUES (2, $1, $2, $3, 'matched', $4::DECIMAL(18,2), 'cit', $5::TIMESTAMP)`, [
          c,
          policy,
          q2.period,
          benefit,
          q2.at,
        ]);
      await db.exec(`INSERT INTO filing_reduction VALUES ($1, 'cit', DATE '2025-01-01', DATE '2025-03-31', '9900000005', -1000.00)`, [c]);
      await db.exec(`INSERT INTO filing_reduction VALUES ($1, 'cit', DATE '2025-04-01', DATE '2025-06-30', '9900000005', 500.00)`, [c]);
      const plan = await planPushes(db, catalogue().entries, { period: q2.period, now: new Date('2025-07-01T00:00:00Z'), only: c });
      assert.deepEqual([plan.results, plan.claimed, plan.notStacked, plan.planned], [2, 1, 0, 1], db.dialect);
      assert.deepEqual(
        await db.all(`SELECT policy_id, benefit::VARCHAR AS benefit, group_claimed::VARCHAR AS group_claimed FROM push_message WHERE credit_code = $1`, [c]),
        [{ policy_id: slp, benefit: '7500.00', group_claimed: '500.00' }],
        db.dialect,
      );
      await buildLedger(db, catalogue(), q2.period, new Date('2026-06-06T00:00:00Z'), c);
      assert.deepEqual(
        await db.all(`SELECT policy_id, status, missed::VARCHAR AS missed FROM ledger_entry WHERE credit_code = $1 AND status = 'missed'`, [c]),
        [{ policy_id: slp, status: 'missed', missed: '7500.00' }],
        db.dialect,
      );
    }
  });
});

for (const how of ['each', 'city'] as const)
  describe(`a relief waiting on a return filed late is judged again when a later quarter of the year is matched (${how === 'each' ? 'the taxpayer re-matched' : 'the quarter matched again, past the limit of taxpayers one by one'}), hand-built, on both engines`, () => {
    // A small-scale taxpayer (the six taxes and two fees' halving holds by its VAT status) files its Q1
    // VAT return, not its Q1 surcharges return: the halving waits on that return (returnNotFiled, no
    // estimate). It files it in May, 480.00 of surcharges, claiming nothing. Its Q2 returns are filed on
    // time. Matching Q2 finds Q1's row waiting on a return no longer outstanding, re-matches the
    // taxpayer for Q1 and builds Q1's ledger for it again: the halving is missed, 240.00.
    // A second taxpayer's Q1 surcharges return is still outstanding: its row keeps waiting. With a limit
    // of 0 taxpayers one by one, the quarter is matched and its ledger built city-wide instead: the same rows.
    const engines = bothEngines({ migrate: true });
    const code = (i: number) => withCheckCharacter(`91440300MA5W${String(i).padStart(5, '0')}`);
    const [late, still] = [code(1), code(2)];
    const { catalogue } = catalogueOf(DEFAULT_LAW_DIR);
    const row = (db: Db, c: string, period: string) =>
      db.one<{ status: string; missed: string | null; lapsed: string | null }>(
        "SELECT CAST(status AS VARCHAR) AS status, CAST(missed AS VARCHAR) AS missed, CAST(lapsed AS VARCHAR) AS lapsed FROM ledger_entry WHERE credit_code = $1 AND period = $2 AND policy_id = 'surcharges.sixTaxesTwoFees'",
        [c, period],
      );

    async function seed(db: Db) {
      const filing = (c: string, type: string, start: string, end: string, filed: string | null, base: string, payable: string) =>
        db.exec(`${INSERT_FILING} ($1, $2, $3::DATE, $4::DATE, $5::DATE, $6::DATE, $7::DECIMAL(18,2), $8::DECIMAL(18,2))`, [
          c,
          type,
          start,
          end,
          end.endsWith('03-31') ? '2026-04-20' : '2026-07-15',
          filed,
          base,
          payable,
        ]);
      for (const c of [late, still]) {
        await db.exec(
          `INSERT INTO taxpayer VALUES ($1, 'x', 'enterprise', 'smallScale', 'I65', 'futian', DATE '2020-01-01', 5, 800000, 'actualAccounts', false, NULL, 0, 'B')`,
          [c],
        );
        await filing(c, 'vat', '2026-01-01', '2026-03-31', '2026-04-10', '400000', '4000');
        await filing(c, 'surcharges', '2026-01-01', '2026-03-31', null, '0', '0');
        await filing(c, 'vat', '2026-04-01', '2026-06-30', '2026-07-10', '400000', '4000');
        await filing(c, 'surcharges', '2026-04-01', '2026-06-30', '2026-07-10', '4000', '480');
      }
      await runMatch(db, { period: '2026-Q1', now: new Date('2026-04-25T08:00:00Z') });
      await buildLedger(db, catalogue, '2026-Q1', new Date('2026-04-25T09:00:00Z'));
    }

    it('finds the quarter whose return was filed since, re-matches the taxpayer for it, and its relief is missed; the one still outstanding keeps waiting', async () => {
      const seen: Record<string, unknown> = {};
      for (const [name, db] of [
        ['duckdb', engines.duck],
        ['postgres', engines.server],
      ] as const) {
        await seed(db);
        assert.deepEqual(await row(db, late, '2026-Q1'), { status: 'returnNotFiled', missed: null, lapsed: null }, `${name}: waits, of no estimate`);
        assert.deepEqual(await waitingFiledSince(db, catalogue, '2026-Q2'), [], `${name}: both returns are outstanding`);
        await db.exec(
          "UPDATE filing SET filed_on = DATE '2026-05-20', tax_base = 4000, tax_payable = 480 WHERE credit_code = $1 AND tax_type = 'surcharges' AND period_end = DATE '2026-03-31'",
          [late],
        );
        assert.deepEqual(await waitingFiledSince(db, catalogue, '2026-Q1'), [], `${name}: only quarters before the one matched are looked at`);
        assert.deepEqual(await waitingFiledSince(db, catalogue, '2026-Q2'), [{ creditCode: late, period: '2026-Q1' }], name);
        assert.deepEqual(
          await waitingFiledSince(db, catalogue, '2027-Q1'),
          [{ creditCode: late, period: '2026-Q1' }],
          `${name}: the four quarters before, across the year's end`,
        );
        assert.deepEqual(await waitingFiledSince(db, catalogue, '2027-Q2'), [], `${name}: not five quarters back`);

        await runMatch(db, { period: '2026-Q2', now: new Date('2026-07-20T08:00:00Z') });
        await buildLedger(db, catalogue, '2026-Q2', new Date('2026-07-20T09:00:00Z'));
        const done = await rematchFiledSince(db, catalogue, '2026-Q2', { now: new Date('2026-07-20T10:00:00Z'), singleLimit: how === 'each' ? 50 : 0 });
        // The taxpayer's Q1 misses 8,240.00: the 1 % rate's 8,000.00, unclaimed on the VAT return filed on
        // time (missed before too), and the halving's 240.00.
        assert.deepEqual(done, [{ period: '2026-Q1', creditCodes: [late], how, missed: '8240.00' }], name);
        const latest = await db.one<{ scope: string }>("SELECT scope FROM match_run WHERE period = '2026-Q1' ORDER BY run_id DESC LIMIT 1");
        assert.equal(latest.scope, how === 'each' ? late : 'city', `${name}: the run that judged it again`);
        assert.deepEqual(
          await row(db, late, '2026-Q1'),
          { status: 'missed', missed: '240.00', lapsed: null },
          `${name}: the return filed says 480.00, half of it missed`,
        );
        assert.deepEqual(await row(db, still, '2026-Q1'), { status: 'returnNotFiled', missed: null, lapsed: null }, `${name}: still outstanding`);
        assert.deepEqual(await row(db, late, '2026-Q2'), { status: 'missed', missed: '240.00', lapsed: null }, name);
        assert.deepEqual(await waitingFiledSince(db, catalogue, '2026-Q2'), [], `${name}: nothing left to judge again`);
        assert.deepEqual(await rematchFiledSince(db, catalogue, '2026-Q2'), [], `${name}: a second call re-matches nobody`);
        seen[name] = await db.all(
          'SELECT credit_code, period, policy_id, CAST(status AS VARCHAR) AS status, CAST(missed AS VARCHAR) AS missed FROM ledger_entry ORDER BY credit_code, period, policy_id',
        );
      }
      assert.deepEqual(seen.postgres, seen.duckdb, 'both engines keep the same ledger');
    });
  });
