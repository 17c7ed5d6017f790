import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withCheckCharacter } from '../src/model/creditCode.ts';
import { Store } from '../src/store/store.ts';
import { tempDir } from './helpers/tmp.ts';

/** Runs fn on the store at path, closed again before the next command opens it. */
async function inStore<T>(path: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const s = await Store.open(path);
  try {
    return await fn(s);
  } finally {
    s.close();
  }
}

function zhishu(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/zhishu.js', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('zhishu CLI', () => {
  const dir = tempDir();
  const db = join(dir, 'z.duckdb');
  const city = join(dir, 'city');

  it('demo generates a small city, loads it and prints the summary; a second run loads nothing twice', async () => {
    const first = zhishu('demo', '--db', db, '--city', city, '--taxpayers', '1500', '--months', '3', '--json', '--no-serve');
    assert.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout) as {
      summary: {
        taxpayers: number;
        byDistrict: { district: string }[];
        byKind: unknown[];
        byVatStatus: unknown[];
        counts: Record<string, number>;
        quarantined: number;
      };
      ingest: { tables: Record<string, { loaded: number; quarantined: number }> };
      runs: { period: { period: string }; byStatus: Record<string, number> }[];
      report: { taxpayersMatched: number; taxpayersMatchedWithReductionData: number; enjoyed: string; missed: string };
      plan: { planned: number } | null;
    };
    assert.equal(out.summary.taxpayers, 1500);
    // The main job also matches the catalogue and builds the ledger: the pilot's headline figures come out.
    assert.deepEqual(
      out.runs.map((r) => r.period.period),
      ['2025-Q4'],
    );
    assert.ok((out.runs[0]?.byStatus.matched ?? 0) > 1000, 'most taxpayers match some policy');
    assert.ok(out.report.taxpayersMatched > 1000 && out.report.taxpayersMatchedWithReductionData > 500);
    assert.ok(Number(out.report.enjoyed) > 0 && Number(out.report.missed) > 0, 'some reliefs enjoyed, some missed');
    assert.ok((out.plan?.planned ?? 0) > 100, 'and a push plan for the latest quarter');
    assert.equal(out.summary.quarantined, 0, 'the generated city passes every check');
    for (const t of ['filing', 'invoice', 'hall_visit', 'company_person', 'invoice_quota']) assert.ok((out.summary.counts[t] ?? 0) > 0, `${t} has rows`);
    assert.match(first.stderr, /\[1\/\d+\] .*taxpayer/, 'progress is shown');
    // The city's returns are due, and the messages name, the deadline the State Taxation Administration
    // published: 2025-Q4's on 20 January 2026 (税总办征科函〔2025〕64号), not the 15th.
    await inStore(db, async (s) => {
      assert.deepEqual(await s.all(`SELECT DISTINCT due_date::VARCHAR AS due FROM filing WHERE period_end = DATE '2025-12-31' AND tax_type <> 'citAnnual'`), [
        { due: '2026-01-20' },
      ]);
      assert.deepEqual(await s.all(`SELECT DISTINCT deadline::VARCHAR AS deadline FROM push_message WHERE period = '2025-Q4'`), [{ deadline: '2026-01-20' }]);
    });

    const second = zhishu('demo', '--db', db, '--city', city, '--taxpayers', '1500', '--months', '3', '--json', '--no-serve');
    assert.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout) as typeof out & { ingest: { files: { status: string }[] } };
    assert.ok(again.ingest.files.every((f) => f.status === 'skipped'));
    assert.deepEqual(again.summary, out.summary);
  });

  it('demo makes the city again when the generator changed, and starts again a store that held only the old city', async () => {
    const manifestPath = join(city, '.manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    assert.match(String(manifest.generator), /^[0-9a-f]{12}$/, 'the manifest records the generator version');
    const summary = (r: { stdout: string }) => (JSON.parse(r.stdout) as { summary: unknown }).summary;
    const before = summary(zhishu('demo', '--db', db, '--city', city, '--taxpayers', '1500', '--months', '3', '--json', '--no-serve'));
    // As if an earlier Zhishu had made the city (and loaded it, with one stale record that a reload would keep).
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, generator: 'an-older-one' }));
    await inStore(db, (s) => s.exec("UPDATE taxpayer SET name = 'stale' WHERE credit_code = (SELECT min(credit_code) FROM taxpayer)"));
    const again = zhishu('demo', '--db', db, '--city', city, '--taxpayers', '1500', '--months', '3', '--json', '--no-serve');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Generating a city/);
    assert.match(again.stderr, /Starting the store .* again: it held the previous demo city only/);
    assert.deepEqual(summary(again), before, 'the same city, not two mixed');
    const stale = await inStore(db, (s) => s.one<{ n: bigint }>("SELECT count(*) AS n FROM taxpayer WHERE name = 'stale'"));
    assert.equal(Number(stale.n), 0);
    assert.notEqual((JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>).generator, 'an-older-one');
  });

  it('demo makes one login per role and delivers the in-app messages; users add reads the password from stdin', async () => {
    const out = JSON.parse(zhishu('demo', '--db', db, '--city', city, '--taxpayers', '1500', '--months', '3', '--json', '--no-serve').stdout) as {
      logins: { username: string; role: string; creditCode: string | null }[];
      delivered: { sent: number } | null;
    };
    assert.deepEqual(out.logins.map((l) => l.role).sort(), [
      'bureauAdmin',
      'bureauAnalyst',
      'bureauOfficer',
      'financeOfficer',
      'financeOfficer',
      'legalRepresentative',
      'taxHandler',
    ]);
    // Delivered as of the moment the demo sends at (the last planned time, days ahead), not by the
    // machine's clock: the inbox does not receive a message before the outbox says it was sent.
    const gap = await inStore(db, (s) =>
      s.one<{ n: bigint; worst: number | null }>(
        `SELECT count(*) AS n, max(abs(epoch(i.delivered_at) - epoch(m.sent_at))) AS worst FROM inbox_message i JOIN push_message m USING (message_id)`,
      ),
    );
    // The inbox holds the deliveries of every demo run on this store (this one may have none left to make).
    assert.ok(Number(gap.n) > 0, `${gap.n} delivered`);
    assert.ok((gap.worst ?? Infinity) < 60, `delivered ${gap.worst} s away from sent`);
    const company = out.logins.filter((l) => l.creditCode !== null);
    assert.equal(new Set(company.filter((l) => l.username !== 'finance2').map((l) => l.creditCode)).size, 1, 'the three company logins act for one company');
    const code = company[0]?.creditCode as string;
    const add = spawnSync(
      process.execPath,
      ['bin/zhishu.js', 'users', 'add', '--db', db, '--username', 'fo.cli', '--role', 'financeOfficer', '--credit-code', code],
      {
        encoding: 'utf8',
        input: 'a-password-from-stdin\n',
      },
    );
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /added fo\.cli \(financeOfficer for /);
    const dup = spawnSync(
      process.execPath,
      ['bin/zhishu.js', 'users', 'add', '--db', db, '--username', 'fo.cli', '--role', 'financeOfficer', '--credit-code', code],
      {
        encoding: 'utf8',
        input: 'a-password-from-stdin\n',
      },
    );
    assert.equal(dup.status, 2, 'a name taken is a usage error');
    assert.match(dup.stderr, /already exists/);
  });

  it('serve answers on the port it prints, with the API description at /docs', async () => {
    const child = spawn(process.execPath, ['bin/zhishu.js', 'serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          const m = /serving at (http:\/\/[^/\s]+)\//.exec(text);
          if (m?.[1]) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      assert.equal((await fetch(`${url}/api/health`)).status, 200);
      const doc = (await (await fetch(`${url}/docs/json`)).json()) as { paths: Record<string, unknown> };
      assert.ok(doc.paths['/api/taxpayers/{code}/matches']);
      const login = await fetch(`${url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'fo.cli', password: 'a-password-from-stdin' }),
      });
      assert.equal(login.status, 200, 'the account added through the CLI logs in');
    } finally {
      child.kill();
    }
  });

  it('summary prints a chart of taxpayers by district', () => {
    const r = zhishu('summary', '--db', db);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /By district/);
    assert.match(r.stdout, /█+/);
    assert.match(r.stdout, /invoice\s+[\d,]+/);
  });

  it('ingest --json prints loaded and quarantined counts per table', () => {
    const r = zhishu('ingest', city, '--db', join(dir, 'other.duckdb'), '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { tables: Record<string, { read: number; loaded: number; quarantined: number }> };
    assert.equal(report.tables.taxpayer?.loaded, 1500);
    for (const [t, c] of Object.entries(report.tables)) assert.equal(c.read, c.loaded + c.quarantined, t);
  });

  it('usage errors exit 2 from every command (bad option values, a missing law directory), runtime failures 1', () => {
    // An option value refused by its parser: commander's own exit code was 1, the commands' checks 2.
    const lead = zhishu('push', 'plan', '--lead-days', '-3', '--db', db);
    assert.equal(lead.code, 2, lead.stderr);
    assert.match(lead.stderr, /'-3' is not a positive whole number/);
    // A --law directory that does not exist: the same error and code from every command that reads the law.
    const missing = join(dir, 'no-law');
    const onDb = ['--db', db];
    for (const args of [
      ['match', ...onDb],
      ['explain', '--taxpayer', withCheckCharacter('91440300MA5FXT4K3'), ...onDb],
      ['push', 'plan', ...onDb],
      ['push', 'send', ...onDb],
      ['rules', 'check'],
    ]) {
      const r = zhishu(...args, '--law', missing);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`--law ${missing}: not a law directory`), args.join(' '));
      assert.doesNotMatch(r.stderr, /ENOENT|\n\s+at /, 'no raw system error or stack trace');
    }
    // A failure that is not the user's input: a server that does not answer.
    const down = zhishu('report', 'policy', '--database', 'postgres://postgres@127.0.0.1:1/test');
    assert.equal(down.code, 1, down.stderr);
    assert.match(down.stderr, /^zhishu: error: /);
    // A DuckDB file given as --database is a usage error, not the driver's "connect ENOTDIR" on a
    // socket it took the path for.
    for (const args of [['report', 'policy'], ['migrate'], ['pg', 'copy']]) {
      const file = zhishu(...args, '--database', 'data/zhishu.duckdb');
      assert.equal(file.code, 2, `${args.join(' ')}: ${file.stderr}`);
      assert.match(file.stderr, /'data\/zhishu\.duckdb' is not a PostgreSQL URL \(postgres:\/\/user@host:5432\/database\); a DuckDB file is given with --db/);
    }
    // Both stores named: one would be ignored.
    const both = zhishu('report', 'policy', '--db', 'data/zhishu.duckdb', '--database', 'postgres://postgres@127.0.0.1:5432/test');
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /--db and --database name two stores: give one/);
    // No subcommand, or an unknown one, is a usage error too.
    assert.equal(zhishu('no-such-command').code, 2);
    assert.equal(zhishu('--help').code, 0, 'help is not an error');
  });

  it('a malformed credit code is refused naming the reason, and a well-formed one not in the store as unknown, by ledger, match and explain', async () => {
    // Before, ledger printed an empty ledger with exit 0, match recorded a run over no taxpayer and explain said "run match first".
    for (const [code, reason] of [
      ['abc', /'abc' is not a unified social credit code: must be 18 characters, got 3/],
      ['91440300AKNUDX0NGX', /'91440300AKNUDX0NGX' is not a unified social credit code: check character is 'X', expected 'K'/],
    ] as const) {
      for (const command of ['ledger', 'match', 'explain']) {
        const r = zhishu(command, '--taxpayer', code, '--db', db);
        assert.equal(r.code, 2, `${command} ${code}: ${r.stderr}`);
        assert.match(r.stderr, /option '--taxpayer <code>'/, `${command} names the option`);
        assert.match(r.stderr, reason, command);
        assert.equal(r.stdout, '', `${command} prints no ledger, run or explanation`);
      }
    }
    const [known, unknown, runs] = await inStore(db, async (s) => {
      const codes = new Set((await s.all<{ c: string }>('SELECT credit_code AS c FROM taxpayer')).map((r) => r.c));
      const free = Array.from({ length: 100 }, (_, i) => withCheckCharacter(`91440300MA5R${String(i).padStart(5, '0')}`)).find((c) => !codes.has(c));
      return [[...codes].sort()[0] as string, free as string, Number((await s.one<{ n: bigint }>('SELECT count(*) AS n FROM match_run')).n)];
    });
    for (const command of ['ledger', 'match', 'explain']) {
      const r = zhishu(command, '--taxpayer', unknown, '--db', db);
      assert.equal(r.code, 2, `${command}: ${r.stderr}`);
      assert.equal(r.stderr, `zhishu: no taxpayer ${unknown} in the store\n`, command);
    }
    assert.equal(await inStore(db, async (s) => Number((await s.one<{ n: bigint }>('SELECT count(*) AS n FROM match_run')).n)), runs, 'no match run recorded');
    const ok = zhishu('ledger', '--taxpayer', known, '--db', db);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`Benefit ledger ${known} 2025`));
    // Codes are stored in capitals, as GB 32100 writes them; one typed in lowercase, with a stray
    // space from a paste, is the same taxpayer, not an unknown one.
    const lower = zhishu('ledger', '--taxpayer', ` ${known.toLowerCase()} `, '--db', db);
    assert.equal(lower.code, 0, lower.stderr);
    assert.equal(lower.stdout, ok.stdout, 'the same ledger as for the code in capitals');
  });

  it('quarantine shows each record’s CSV line beside its row, and says how many more there are than --limit shows', () => {
    const dir = tempDir();
    const header =
      'credit_code,name,kind,vat_status,industry,district,registered_on,employees,total_assets,collection_mode,high_tech,high_tech_until,rnd_expense,credit_level';
    const rec = (i: number, assets: string) =>
      `${withCheckCharacter(`91440300MA5Q${String(i).padStart(5, '0')}`)},x${i},enterprise,general,I65,nanshan,2018-05-02,48,${assets},actualAccounts,false,,0.00,A`;
    writeFileSync(join(dir, 'taxpayer.csv'), `${[header, rec(1, '1.00'), rec(2, '-1.00'), rec(3, '-2.00'), rec(4, '-3.00')].join('\n')}\n`);
    const store = join(tempDir(), 'q.duckdb');
    assert.equal(zhishu('ingest', dir, '--db', store).code, 0);
    const r = zhishu('quarantine', '--db', store, '--limit', '2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /table\s+file\s+row\s+line\s+field\s+reason/);
    assert.match(r.stdout, /taxpayer\s+\S+taxpayer\.csv\s+2\s+3\s+total_assets\s+negative amount/);
    assert.match(r.stdout, /2 of 3 shown: --limit 3 for all$/m);
    assert.doesNotMatch(zhishu('quarantine', '--db', store).stdout, /shown/, 'all shown: nothing to add');
  });

  it('quarantine refuses a --table that is no table of the domain model, naming the ones there are', () => {
    const r = zhishu('quarantine', '--table', 'nosuch', '--db', db);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /option '--table <name>' argument 'nosuch' is invalid\. Allowed choices are taxpayer, company_person, filing/);
    assert.equal(zhishu('quarantine', '--table', 'filing', '--db', db).code, 0);
  });

  it('match refuses a quarter with no return in the store, naming the quarters there are, and records no run', async () => {
    const runs = async () => inStore(db, async (s) => Number((await s.one<{ n: bigint }>('SELECT count(*) AS n FROM match_run')).n));
    const before = await runs();
    const r = zhishu('match', '--period', '2019-Q1', '--db', db);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^zhishu: no returns of 2019-Q1 in the store, so nothing to match \(the returns are of \d{4}-Q\d\)\n$/,
      'the store holds one quarter',
    );
    assert.equal(await runs(), before, 'no run recorded');
  });

  it('a city match judges again the earlier quarters of the year whose reliefs waited on a return filed since, and says so', async () => {
    // A small-scale taxpayer files its Q1 surcharges return late: Q1's halving waits on it
    // (returnNotFiled) after Q1's match; matching Q2 after the return came in re-matches the taxpayer
    // for Q1 (src/ledger/waiting.ts; both engines in test/postgres.test.ts).
    const file = join(tempDir(), 'late.duckdb');
    const late = withCheckCharacter('91440300MA5W00009');
    const filing = 'INSERT INTO filing (credit_code, tax_type, period_start, period_end, due_date, filed_on, tax_base, tax_payable) VALUES';
    await inStore(file, async (s) => {
      await s.exec(
        `INSERT INTO taxpayer VALUES ($1, 'x', 'enterprise', 'smallScale', 'I65', 'futian', DATE '2020-01-01', 5, 800000, 'actualAccounts', false, NULL, 0, 'B')`,
        [late],
      );
      await s.exec(
        `${filing} ($1, 'vat', DATE '2026-01-01', DATE '2026-03-31', DATE '2026-04-20', DATE '2026-04-10', 400000, 4000),
        ($1, 'surcharges', DATE '2026-01-01', DATE '2026-03-31', DATE '2026-04-20', NULL, 0, 0),
        ($1, 'vat', DATE '2026-04-01', DATE '2026-06-30', DATE '2026-07-15', DATE '2026-07-10', 400000, 4000),
        ($1, 'surcharges', DATE '2026-04-01', DATE '2026-06-30', DATE '2026-07-15', DATE '2026-07-10', 4000, 480)`,
        [late],
      );
    });
    const q1 = zhishu('match', '--period', '2026-Q1', '--db', file);
    assert.equal(q1.code, 0, q1.stderr);
    assert.doesNotMatch(q1.stdout, /returns filed since/, 'nothing earlier in the year to judge again');
    await inStore(file, (s) =>
      s.exec(
        "UPDATE filing SET filed_on = DATE '2026-05-20', tax_base = 4000, tax_payable = 480 WHERE tax_type = 'surcharges' AND period_end = DATE '2026-03-31'",
      ),
    );
    const q2 = zhishu('match', '--period', '2026-Q2', '--db', file, '--json');
    assert.equal(q2.code, 0, q2.stderr);
    assert.match(q2.stderr, /match: 2026-Q1: 1 taxpayers waited on a return filed since; re-matched one by one\n/);
    // Q1 misses the 1 % rate's 8,000.00 (unclaimed on the VAT return filed on time) and now the halving's 240.00.
    assert.deepEqual((JSON.parse(q2.stdout) as { filedSince: unknown }).filedSince, [{ period: '2026-Q1', taxpayers: [late], how: 'each', missed: '8240.00' }]);
    const status = await inStore(file, (s) =>
      s.one<{ s: string }>("SELECT status::VARCHAR AS s FROM ledger_entry WHERE period = '2026-Q1' AND policy_id = 'surcharges.sixTaxesTwoFees'"),
    );
    assert.equal(status.s, 'missed');
    const again = zhishu('match', '--period', '2026-Q2', '--db', file);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /returns filed since/, 'judged once: a second run finds nothing waiting');
  });

  it("a match run is stamped in UTC whatever the machine's time zone: it does not finish hours after it began", async () => {
    const code = await inStore(db, async (s) => (await s.one<{ c: string }>('SELECT min(credit_code) AS c FROM taxpayer')).c);
    const before = Date.now();
    const r = spawnSync(process.execPath, ['bin/zhishu.js', 'match', '--taxpayer', code, '--db', db], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'Asia/Shanghai' },
    });
    assert.equal(r.status, 0, r.stderr);
    const run = await inStore(db, (s) =>
      s.one<{ started: string; finished: string }>(
        'SELECT started_at::VARCHAR AS started, finished_at::VARCHAR AS finished FROM match_run ORDER BY run_id DESC LIMIT 1',
      ),
    );
    const utc = (t: string) => Date.parse(`${t.replace(' ', 'T')}Z`);
    for (const [what, t] of [
      ['started_at', run.started],
      ['finished_at', run.finished],
    ] as const) {
      assert.ok(Math.abs(utc(t) - before) < 10 * 60_000, `${what} ${t} is UTC, within minutes of ${new Date(before).toISOString()}`);
    }
  });

  it('commands that work on loaded data refuse a --db path with no store, and create neither file nor directory', () => {
    const typo = join(dir, 'typo', 'z.duckdb');
    const code = withCheckCharacter('91440300MA5FXT4K3');
    for (const args of [
      ['match'],
      ['explain', '--taxpayer', code],
      ['ledger', '--taxpayer', code],
      ['report', 'policy'],
      ['push', 'plan'],
      ['push', 'send'],
      ['summary'],
      ['quarantine'],
      ['serve', '--port', '0'],
      ['users', 'demo'],
      ['users', 'add', '--username', 'someone', '--role', 'bureauAnalyst'],
    ]) {
      // A time limit: a serve that accepted the path would not exit.
      const r = spawnSync(process.execPath, ['bin/zhishu.js', ...args, '--db', typo], { encoding: 'utf8', input: 'a-password-from-stdin\n', timeout: 30_000 });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(
        r.stderr,
        `zhishu: no store at ${typo}: load data first with zhishu ingest DIR --db ${typo} (or zhishu demo --db ${typo})\n`,
        args.join(' '),
      );
      assert.ok(!existsSync(join(dir, 'typo')), `${args.join(' ')} created nothing`);
    }
  });

  it('ledger and report policy refuse a --year that is not a year alike, without a database error', () => {
    // report policy used to hand NaN to DuckDB and print its conversion error with the SQL.
    for (const value of ['abc', '2025-Q1', '25']) {
      for (const args of [
        ['ledger', '--taxpayer', withCheckCharacter('91440300MA5FXT4K3')],
        ['report', 'policy'],
      ]) {
        const r = zhishu(...args, '--year', value, '--db', db);
        assert.equal(r.code, 2, `${args[0]} ${value}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`option '--year <y>' argument '${value}' is invalid. '${value}' is not a year \\(e.g. 2026\\)`), args[0]);
        assert.doesNotMatch(r.stderr, /Conversion Error|make_date|LINE \d/, args[0]);
      }
    }
    // A year, but not one the store can hold: said so, not called no year.
    const r = zhishu('report', 'policy', '--year', '1999', '--db', db);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /argument '1999' is invalid\. 1999 is outside the years Zhishu takes \(2000 to 2100\)/);
    // The city report has no filters: a district asked of it is refused, not answered with the city's
    // figures; and a CSV it would not write is not silently skipped.
    const filtered = zhishu('report', 'policy', '--district', 'futian', '--db', db);
    assert.equal(filtered.code, 2, filtered.stderr);
    assert.match(filtered.stderr, /report policy is of the whole city and takes no --district: that option is of report taxpayers/);
    assert.equal(filtered.stdout, '');
    const two = zhishu('report', 'policy', '--csv', join(dir, 'never.csv'), '--limit', '5', '--db', db);
    assert.equal(two.code, 2, two.stderr);
    assert.match(two.stderr, /takes no --limit, --csv: those options are of report taxpayers/);
    assert.equal(existsSync(join(dir, 'never.csv')), false);
  });

  it('report taxpayers lists the taxpayers behind a figure of report policy, whose sums are that figure, and writes all of them as CSV', () => {
    const report = JSON.parse(zhishu('report', 'policy', '--db', db, '--json').stdout) as {
      year: number;
      missed: string;
      taxpayersMissing: number;
      byDistrict: { key: string; taxpayers: number; enjoyed: string; missed: string }[];
    };
    const missing = zhishu('report', 'taxpayers', '--db', db, '--has', 'missed', '--limit', '100000', '--json');
    assert.equal(missing.code, 0, missing.stderr);
    const m = JSON.parse(missing.stdout) as { totals: { taxpayers: number; missed: string }; items: { missed: string }[] };
    assert.deepEqual([m.totals.taxpayers, m.totals.missed], [report.taxpayersMissing, report.missed]);
    assert.equal(m.items.length, m.totals.taxpayers);
    const fen = m.items.reduce((a, x) => a + Math.round(Number(x.missed) * 100), 0);
    assert.equal(fen, Math.round(Number(report.missed) * 100), "the rows' missed add up to the headline");

    const district = report.byDistrict[0];
    assert.ok(district);
    const text = zhishu('report', 'taxpayers', '--db', db, '--district', district.key, '--limit', '3');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`district ${district.key}\\): ${district.taxpayers.toLocaleString('en-US')} taxpayers`));
    assert.match(text.stdout, new RegExp(`… and ${(district.taxpayers - 3).toLocaleString('en-US')} more`));
    const file = join(dir, 'district.csv');
    const csv = zhishu('report', 'taxpayers', '--db', db, '--district', district.key, '--csv', file);
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stderr, new RegExp(`^${district.taxpayers.toLocaleString('en-US')} taxpayers written to `));
    const lines = readFileSync(file, 'utf8')
      .split('\r\n')
      .filter((l) => l !== '');
    assert.equal(lines[0]?.charCodeAt(0), 0xfeff, 'a byte order mark for a spreadsheet');
    assert.equal(lines.length, district.taxpayers + 1);

    for (const [args, message] of [
      [['--district', 'atlantis'], /'atlantis' is not a district \(one of futian, /],
      [['--has', 'lost'], /'lost' is not a status/],
      [['--policy', 'no.such'], /--policy: no policy 'no.such' in the catalogue/],
      [['--month', `${report.year - 1}-03`], new RegExp(`--month ${report.year - 1}-03 is not in ${report.year}`)],
    ] as const) {
      const r = zhishu('report', 'taxpayers', '--db', db, ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  it('explain --as-of takes an ISO time with an offset, converted to UTC as match runs are stamped, and refuses anything else clearly', async () => {
    const [code, computedAt] = await inStore(db, async (s) => {
      // The first facts of a taxpayer (demo matches again on every run).
      const r = await s.one<{ c: string; t: string }>(
        "SELECT credit_code AS c, min(computed_at)::VARCHAR AS t FROM taxpayer_fact WHERE period = '2025-Q4' GROUP BY ALL ORDER BY 1 LIMIT 1",
      );
      return [r.c, r.t];
    });
    // The facts' moment as Beijing time with its offset: the same instant, so those facts are the answer.
    const beijing = (ms: number) => `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 23)}+08:00`;
    const stamped = Date.parse(`${computedAt.replace(' ', 'T')}Z`);
    const at = zhishu('explain', '--taxpayer', code, '--as-of', beijing(stamped), '--lang', 'en', '--db', db);
    assert.equal(at.code, 0, at.stderr);
    assert.ok(at.stdout.startsWith(`${code} 2025-Q4 (facts as of ${computedAt} UTC)`), at.stdout.slice(0, 200));
    // A millisecond earlier there were none yet: a usage error that says when the first were computed.
    const before = zhishu('explain', '--taxpayer', code, '--as-of', beijing(stamped - 1), '--db', db);
    assert.equal(before.code, 2, before.stderr);
    assert.match(before.stderr, new RegExp(`no facts for taxpayer ${code} in 2025-Q4 computed by .* UTC: the first were computed at ${computedAt} UTC`));
    // It gives that moment as an --as-of that reads it in UTC (without the Z it would be China time, 8 hours earlier).
    assert.ok(before.stderr.includes(`(--as-of ${computedAt.replace(' ', 'T')}Z)`), before.stderr);
    for (const value of ['yesterday', '2026-02-30', '2026-11-30T25:00', '2026-11-30T16:05+8']) {
      const r = zhishu('explain', '--taxpayer', code, '--as-of', value, '--db', db);
      assert.equal(r.code, 2, `${value}: ${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(`option '--as-of <time>' argument '${value.replace('+', '\\+')}' is invalid. '${value.replace('+', '\\+')}' is not an ISO date or time`),
      );
      assert.doesNotMatch(r.stderr, /timestamp field format|Conversion Error/, value);
    }
    assert.match(zhishu('explain', '--help').stdout, /without\s+an\s+offset\s+it\s+is\s+China\s+time\s+\(UTC\+8\)/, '--help gives the convention');
    // Without an offset, China time (as push --now reads it): the same instant as with +08:00.
    const noOffset = zhishu('explain', '--taxpayer', code, '--as-of', beijing(stamped).replace('+08:00', ''), '--lang', 'en', '--db', db);
    assert.equal(noOffset.code, 0, noOffset.stderr);
    assert.ok(noOffset.stdout.startsWith(`${code} 2025-Q4 (facts as of ${computedAt} UTC)`), noOffset.stdout.slice(0, 200));
    const inUtc = zhishu('explain', '--taxpayer', code, '--as-of', `${computedAt.replace(' ', 'T')}Z`, '--lang', 'en', '--db', db);
    assert.equal(inUtc.code, 0, inUtc.stderr);
    // A date alone is the end of that day in China: the day the facts were computed takes them in, the day before does not.
    const day = beijing(stamped).slice(0, 10);
    const onTheDay = zhishu('explain', '--taxpayer', code, '--as-of', day, '--lang', 'en', '--db', db);
    assert.equal(onTheDay.code, 0, onTheDay.stderr);
    // The latest facts of that day (the test matches the demo city more than once), not the first.
    const asOf = /^\S+ 2025-Q4 \(facts as of (\S+ \S+) UTC\)/.exec(onTheDay.stdout)?.[1] ?? '';
    assert.ok(asOf >= computedAt, `${asOf} is not before the first facts, ${computedAt}`);
    assert.equal(beijing(Date.parse(`${asOf.replace(' ', 'T')}Z`)).slice(0, 10), day, `${asOf} UTC is on ${day} in China`);
    const dayBefore = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const early = zhishu('explain', '--taxpayer', code, '--as-of', dayBefore, '--db', db);
    assert.equal(early.code, 2, early.stderr);
    // Computed by the last microsecond of that day in China: 15:59:59.999999 UTC.
    assert.match(early.stderr, new RegExp(`computed by ${dayBefore} 15:59:59\\.999999 UTC`));
  });

  it('explain refuses a --lang other than zh, en or both, and a --policy not in force, naming the option', async () => {
    const code = await inStore(db, async (s) => (await s.one<{ c: string }>('SELECT min(credit_code) AS c FROM taxpayer_fact')).c);
    const lang = zhishu('explain', '--taxpayer', code, '--lang', 'fr', '--db', db);
    assert.equal(lang.code, 2, lang.stderr);
    assert.equal(lang.stderr, "zhishu: --lang must be zh, en or both (got 'fr')\n");
    assert.equal(lang.stdout, '', 'no explanation in another language');
    const policy = zhishu('explain', '--taxpayer', code, '--policy', 'no.such', '--db', db);
    assert.equal(policy.code, 2, policy.stderr);
    assert.equal(policy.stderr, "zhishu: --policy no.such: no policy 'no.such' in the catalogue\n");
    // A policy of the catalogue, but not yet in force: when it is.
    const later = zhishu('explain', '--taxpayer', code, '--policy', 'vat.smallScaleThreshold2026', '--db', db);
    assert.equal(later.code, 2, later.stderr);
    assert.equal(
      later.stderr,
      "zhishu: --policy vat.smallScaleThreshold2026: no policy 'vat.smallScaleThreshold2026' in force on 2025-12-31 (in force 2026-01-01 to 2027-12-31)\n",
    );
    // The policy is checked before the facts: a mistyped id is said first, even for a quarter not matched.
    const unmatched = zhishu('explain', '--taxpayer', code, '--period', '2024-Q1', '--policy', 'no.such', '--db', db);
    assert.equal(unmatched.stderr, "zhishu: --policy no.such: no policy 'no.such' in the catalogue\n");
    // An empty id is no id: refused, not taken as no --policy (which explains every policy).
    const empty = zhishu('explain', '--taxpayer', code, '--policy', '', '--db', db);
    assert.equal(empty.code, 2, empty.stderr);
    assert.match(empty.stderr, /option '--policy <id>' argument '' is invalid\. '' is not a policy id/);
    assert.equal(empty.stdout, '');
    // Spaces around an id or a year, pasted from a sheet, are not part of it.
    const spaced = zhishu('explain', '--taxpayer', code, '--policy', ' no.such ', '--db', db);
    assert.equal(spaced.stderr, "zhishu: --policy no.such: no policy 'no.such' in the catalogue\n");
    const year = zhishu('ledger', '--taxpayer', code, '--year', ' 2026', '--db', db);
    assert.doesNotMatch(year.stderr, /is not a year/);
  });

  it('push send refuses an --smtp that is not an smtp:// or smtps:// URL with a host, before sending anything', () => {
    // Before, 'notaurl' was accepted and the e-mails were tried on 127.0.0.1:587.
    for (const [value, reason] of [
      ['notaurl', /--smtp is not a URL/],
      ['http://mail.example.com', /--smtp has the scheme http: give an smtp:\/\/ or smtps:\/\/ URL/],
      ['smtp://', /--smtp names no host/],
      ['smtp:mail.example.com', /--smtp names no host/],
      ['smtps://user:secret@', /--smtp is not a URL/],
    ] as const) {
      const r = zhishu('push', 'send', '--smtp', value, '--db', db);
      assert.equal(r.code, 2, `${value}: ${r.stderr}`);
      assert.match(r.stderr, reason, value);
      assert.doesNotMatch(r.stderr, /secret/, 'the URL, which may hold a password, is not repeated');
      assert.equal(r.stdout, '', `${value}: nothing sent`);
    }
  });

  it('push plan takes a quarter as match does, and ledger, report policy and push plan say when no match ran for their period', async () => {
    // A month was taken and planned nothing with exit 0: match runs are made for quarters only.
    const month = zhishu('push', 'plan', '--period', '2026-09', '--db', db);
    assert.equal(month.code, 2, month.stderr);
    assert.match(month.stderr, /option '--period <quarter>' argument '2026-09' is invalid. '2026-09' is not a quarter \(e.g. 2026-Q1\)/);
    // A quarter typed in lowercase is the quarter: refused here for its missing returns, not its form.
    const lower = zhishu('push', 'plan', '--period', '2025-q3', '--db', db);
    assert.equal(lower.code, 2, lower.stderr);
    assert.match(lower.stderr, /no returns of 2025-Q3 in the store/);
    const none = zhishu('push', 'plan', '--period', '2025-Q3', '--db', db);
    assert.equal(none.code, 2, none.stderr);
    // 2025-Q3 has no returns here: matching it would be refused too, so the plan does not send the user there.
    assert.equal(none.stderr, 'zhishu: no returns of 2025-Q3 in the store, so nothing to plan (the returns are of 2025-Q4)\n');
    assert.equal(none.stdout, '', 'no empty plan printed');
    // Without --period: the latest quarter matched for the city, even after a later re-match of one
    // company for an earlier quarter (as `zhishu match --period 2025-Q4 --taxpayer X` records it).
    const copy = join(dir, 'default-period.duckdb');
    copyFileSync(db, copy);
    const cityQuarter = await inStore(copy, async (s) => {
      const { period, id } = await s.one<{ period: string; id: number }>(
        "SELECT max(period) AS period, max(run_id)::INTEGER AS id FROM match_run WHERE scope = 'city'",
      );
      await s.exec("INSERT INTO match_run SELECT $1, '2025-Q4', min(credit_code), 'x', 1, now()::TIMESTAMP, now()::TIMESTAMP FROM taxpayer", [id + 1000]);
      return period;
    });
    const plain = zhishu('push', 'plan', '--db', copy, '--json');
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stderr, new RegExp(`^Planning the messages of ${cityQuarter}\n`));
    // A quarter without returns: matching would be refused too, so no hint to match it first.
    const [y, n] = cityQuarter.split('-Q').map(Number) as [number, number];
    const later = n === 4 ? `${y + 1}-Q1` : `${y}-Q${n + 1}`;
    const noReturns = zhishu('push', 'plan', '--period', later, '--db', copy);
    assert.equal(noReturns.code, 2, noReturns.stderr);
    assert.equal(noReturns.stderr, `zhishu: no returns of ${later} in the store, so nothing to plan (the returns are of ${cityQuarter})\n`);
    // A taxpayer registered after the quarter: no match will give it facts there, and explain says so.
    const newcomer = withCheckCharacter('91440300MA5FXT4K3');
    await inStore(copy, (s) =>
      s.exec(
        `INSERT INTO taxpayer VALUES ($1, 'x', 'enterprise', 'general', 'I65', 'nanshan', DATE '2030-01-05', 4, 100000.00, 'actualAccounts', false, NULL, 0, 'B')`,
        [newcomer],
      ),
    );
    const late = zhishu('explain', '--taxpayer', newcomer, '--period', cityQuarter, '--db', copy);
    assert.equal(late.code, 2, late.stderr);
    assert.equal(late.stderr, `zhishu: taxpayer ${newcomer} was registered on 2030-01-05, after ${cityQuarter}: it has no facts for that quarter\n`);
    // Its ledger of a year before its registration: said so, not an empty ledger of totals 0.00.
    const year = cityQuarter.slice(0, 4);
    const before = zhishu('ledger', '--taxpayer', newcomer, '--year', year, '--db', copy);
    assert.equal(before.code, 2, before.stderr);
    assert.equal(before.stderr, `zhishu: taxpayer ${newcomer} was registered on 2030-01-05, after ${year}: it has no ledger for that year\n`);
    const early = zhishu('explain', '--taxpayer', newcomer, '--period', later, '--db', copy);
    assert.equal(early.stderr, `zhishu: no returns of ${later} in the store, so nothing to explain (the returns are of ${cityQuarter})\n`);
    // The store ingest loaded above holds 2025-Q4's returns, never matched: an empty ledger or report would say nothing was missed.
    const loaded = join(dir, 'other.duckdb');
    const code = await inStore(loaded, async (s) => (await s.one<{ c: string }>('SELECT min(credit_code) AS c FROM taxpayer')).c);
    for (const args of [
      ['ledger', '--taxpayer', code],
      ['ledger', '--taxpayer', code, '--year', '2025'],
      ['report', 'policy'],
    ]) {
      const r = zhishu(...args, '--db', loaded);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, 'zhishu: no match run for 2025: run zhishu match --period 2025-Q4 first\n', args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
    }
    const empty = zhishu('report', 'policy', '--year', '2026', '--db', loaded);
    assert.equal(empty.code, 2, empty.stderr);
    assert.equal(empty.stderr, 'zhishu: no match run for 2026, and no returns of 2026 in the store to match\n');
    // One taxpayer re-matched: its ledger covers the year's quarter, the city's report does not, and says so.
    assert.equal(zhishu('match', '--period', '2025-Q4', '--taxpayer', code, '--no-push', '--db', loaded).code, 0);
    const own = zhishu('ledger', '--taxpayer', code, '--db', loaded);
    assert.deepEqual([own.code, own.stderr], [0, '']);
    const city = zhishu('report', 'policy', '--db', loaded, '--json');
    assert.equal(city.code, 0, city.stderr);
    assert.equal(
      city.stderr,
      'note: the 2025 figures count only the companies re-matched one by one: 2025-Q4 has returns but no city match run (zhishu match --period Q for each)\n',
    );
    assert.equal(JSON.parse(city.stdout).year, 2025, 'the JSON on stdout is left whole');
  });

  it("a store another process holds, or a file that is no store, is refused in the store's words, not DuckDB's", async () => {
    const held = join(dir, 'held.duckdb');
    copyFileSync(db, held);
    const s = await Store.open(held);
    try {
      const r = zhishu('report', 'policy', '--db', held);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(
        r.stderr,
        `zhishu: error: the store ${held} is in use by another process (PID ${process.pid}): DuckDB lets one process open a file at a time, so wait for it to finish (PostgreSQL, --database, serves many at once)\n`,
      );
    } finally {
      s.close();
    }
    const notStore = join(dir, 'notes.txt');
    writeFileSync(notStore, 'not a database\n'.repeat(400));
    const r = zhishu('report', 'policy', '--db', notStore);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `zhishu: error: ${notStore} is not a Zhishu store: it is not a DuckDB database file\n`);
  });

  it('bad arguments get a clear error and a non-zero exit', () => {
    const r = zhishu('generate', '--out', join(dir, 'x'), '--taxpayers', 'many');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /'many' is not a positive whole number/);
    const m = zhishu('generate', '--out', join(dir, 'x'), '--start', '2025-13');
    assert.match(m.stderr, /'2025-13' is not a month/);
    const d = zhishu('ingest', join(dir, 'missing'), '--db', db);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /not a directory/);
  });
});
