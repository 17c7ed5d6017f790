import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ingestDirectory } from '../src/ingest/ingest.ts';
import { tableForFile } from '../src/ingest/sources.ts';
import { Utf8Check } from '../src/ingest/utf8.ts';
import { withCheckCharacter } from '../src/model/index.ts';
import { literal, Store } from '../src/store/store.ts';
import { TP1, TP2, UNKNOWN_TP, VALID, writeCsv } from './helpers/records.ts';
import { tempDir } from './helpers/tmp.ts';

const taxpayerHeader = Object.keys(VALID.taxpayer as object);
const invoiceHeader = Object.keys(VALID.invoice as object);

function taxpayers(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    ...VALID.taxpayer,
    credit_code: withCheckCharacter(`91440300MA5G${String(i).padStart(5, '0')}`),
    name: `深圳市样本${i}有限公司`,
  }));
}

/** Row count and an order-independent digest of every row's content (load timestamps left out). */
async function snapshot(store: Store): Promise<Record<string, string>> {
  const columns: Record<string, string> = {
    taxpayer: 'columns(*)',
    invoice: 'columns(*)',
    quarantine: 'columns(* EXCLUDE (quarantined_at))',
    ingest_file: 'columns(* EXCLUDE (loaded_at))',
  };
  const out: Record<string, string> = {};
  for (const [t, cols] of Object.entries(columns)) {
    const row = await store.one<{ n: string; h: string }>(`SELECT count(*) AS n, coalesce(sum(hash(${cols})::HUGEINT), 0)::VARCHAR AS h FROM ${t}`);
    out[t] = `${row.n}:${row.h}`;
  }
  return out;
}

describe('ingest of a file with deliberately corrupted records', () => {
  let store: Store;
  let dir: string;
  before(async () => {
    dir = tempDir();
    const good = taxpayers(10);
    const bad = [
      { ...good[0], credit_code: `${TP1.slice(0, 17)}${TP1.endsWith('0') ? '1' : '0'}`, name: 'wrong check character' },
      { ...good[0], credit_code: TP1, total_assets: '-100.00', name: 'negative amount' },
      { ...good[0], credit_code: TP2, registered_on: '2024-13-01', name: 'bad date' },
      { ...good[0], credit_code: withCheckCharacter('91440300MA5H00001'), vat_status: 'medium', name: 'wrong enum' },
    ];
    writeCsv(join(dir, 'taxpayer.csv'), taxpayerHeader, [...good.slice(0, 5), ...bad, ...good.slice(5)]);
    const code0 = good[0]?.credit_code as string;
    writeCsv(join(dir, 'invoice-2025-10.csv'), invoiceHeader, [
      { ...VALID.invoice, issuer_code: code0, buyer_code: null },
      { ...VALID.invoice, invoice_number: '25442000000000000002', issuer_code: UNKNOWN_TP },
      { ...VALID.invoice, invoice_number: '25442000000000000003', issuer_code: code0, buyer_code: null },
      { ...VALID.invoice, invoice_number: '25442000000000000003', issuer_code: code0, buyer_code: null, amount: '1.00' },
    ]);
    writeFileSync(join(dir, 'README.txt'), 'not data');
    writeFileSync(join(dir, 'payment.csv'), 'payment_id,credit_code\nP1,x\n');
    store = await Store.open(join(dir, 'z.duckdb'));
  });
  after(() => store?.close());

  it('loads the good records and quarantines each bad one with file, row, line, field and reason', async () => {
    const report = await ingestDirectory(store, dir);
    assert.deepEqual(report.tables.taxpayer, { read: 14, loaded: 10, present: 0, quarantined: 4 });
    assert.deepEqual(report.tables.invoice, { read: 4, loaded: 2, present: 0, quarantined: 2 });
    const rows = await store.all<Record<string, string | null>>(
      `SELECT table_name, row_number, line_number, field, reason, json_extract_string(record, '$.name') AS name
       FROM quarantine WHERE table_name IN ('taxpayer', 'invoice') ORDER BY table_name DESC, row_number`,
    );
    assert.deepEqual(
      rows.map((r) => [r.table_name, r.row_number, r.line_number, r.field, r.reason]),
      [
        ['taxpayer', '6', '7', 'credit_code', `invalid credit code: check character is '${TP1.endsWith('0') ? '1' : '0'}', expected '${TP1.slice(17)}'`],
        ['taxpayer', '7', '8', 'total_assets', 'negative amount'],
        ['taxpayer', '8', '9', 'registered_on', 'not a real date in YYYY-MM-DD form'],
        ['taxpayer', '9', '10', 'vat_status', 'not one of: general, smallScale'],
        ['invoice', '2', '3', 'issuer_code', `unknown taxpayer ${UNKNOWN_TP}`],
        ['invoice', '4', '5', 'invoice_number', 'duplicate of row 3 in this file'],
      ],
    );
    assert.equal(rows[0]?.name, 'wrong check character', 'the whole record is kept');
  });

  it('rejects a file whose header lacks required columns, and lists files it cannot place', async () => {
    const report = await ingestDirectory(store, dir);
    const payment = report.files.find((f) => f.table === 'payment');
    // Run again, the file refused in the first test is refused again, with the reason on record (it
    // used to be reported as skipped: a success, with nothing loaded), and nothing is written twice.
    assert.equal(payment?.status, 'rejected', 'the rejected file is remembered by its content');
    assert.equal(
      payment?.problem,
      'tax_type,period_start,period_end,paid_on,amount: missing required column(s): tax_type, period_start, period_end, paid_on, amount (this same content was refused before)',
    );
    const q = await store.one<{ row_number: string; field: string; reason: string }>(
      `SELECT row_number, field, reason FROM quarantine WHERE table_name = 'payment'`,
    );
    assert.deepEqual(q, {
      row_number: '0',
      field: 'tax_type,period_start,period_end,paid_on,amount',
      reason: 'missing required column(s): tax_type, period_start, period_end, paid_on, amount',
    });
    assert.ok(report.skipped.some((s) => s.path.endsWith('README.txt')));
  });

  it('re-running the same load changes nothing', async () => {
    const before = await snapshot(store);
    const report = await ingestDirectory(store, dir);
    assert.deepEqual(
      report.files.filter((f) => f.status !== 'skipped').map((f) => [f.table, f.status]),
      [['payment', 'rejected']],
      'every file skipped but the one refused, which is refused again',
    );
    assert.deepEqual(await snapshot(store), before);
  });

  it('the same records in another file are recognised by natural key', async () => {
    const other = join(dir, 'again');
    mkdirSync(other);
    copyFileSync(join(dir, 'taxpayer.csv'), join(other, 'taxpayer-copy.csv'));
    writeFileSync(join(other, 'taxpayer-copy.csv'), '\n', { flag: 'a' }); // different bytes, same records
    const before = await store.one<{ n: string }>('SELECT count(*) AS n FROM taxpayer');
    const report = await ingestDirectory(store, other);
    assert.deepEqual(report.tables.taxpayer, { read: 14, loaded: 0, present: 10, quarantined: 4 });
    assert.deepEqual(await store.one<{ n: string }>('SELECT count(*) AS n FROM taxpayer'), before);
  });

  it('a record stored already with other values is not loaded: it is quarantined with each field that differs, both values beside it', async () => {
    const other = join(dir, 'corrected');
    mkdirSync(other);
    const [first, second] = taxpayers(2) as [Record<string, unknown>, Record<string, unknown>];
    writeCsv(join(other, 'taxpayer-corrected.csv'), taxpayerHeader, [{ ...first, employees: 52, total_assets: '13000000.00' }, second]);
    const before = await store.all('SELECT * FROM taxpayer ORDER BY credit_code');
    const report = await ingestDirectory(store, other);
    assert.deepEqual(report.tables.taxpayer, { read: 2, loaded: 0, present: 1, quarantined: 1 });
    assert.deepEqual(await store.all('SELECT * FROM taxpayer ORDER BY credit_code'), before, 'the stored record is kept');
    const rows = await store.all<{ row_number: string; line_number: string; field: string; reason: string; name: string }>(
      `SELECT row_number, line_number, field, reason, json_extract_string(record, '$.name') AS name FROM quarantine
       WHERE source_file LIKE '%taxpayer-corrected.csv' ORDER BY field`,
    );
    assert.deepEqual(rows, [
      {
        row_number: '1',
        line_number: '2',
        field: 'employees',
        reason: 'differs from the stored record of this key: stored 48, here 52; not loaded, the stored record is kept',
        name: first.name,
      },
      {
        row_number: '1',
        line_number: '2',
        field: 'total_assets',
        reason: 'differs from the stored record of this key: stored 12500000.00, here 13000000.00; not loaded, the stored record is kept',
        name: first.name,
      },
    ]);
  });

  it('places files by table name, longest name first', () => {
    assert.equal(tableForFile('x/invoice_quota.csv')?.name, 'invoice_quota');
    assert.equal(tableForFile('x/invoice-2025-10.parquet')?.name, 'invoice');
    assert.equal(tableForFile('x/invoices.csv'), undefined);
  });
});

describe('duplicates within a file, whether its keys come in order or not', () => {
  // Files sorted by their key are proven free of duplicates in one streaming pass; any break in the
  // order sends a file to the hash check. Both ways must find every repeated key, near or far.
  let dir: string;
  let store: Store;
  let code: string;
  before(async () => {
    dir = tempDir();
    const good = taxpayers(3);
    code = good[0]?.credit_code as string;
    writeCsv(join(dir, 'taxpayer.csv'), taxpayerHeader, good);
    store = await Store.open(join(dir, 'z.duckdb'));
    await ingestDirectory(store, dir);
    const gen = await Store.open(':memory:', { migrate: false, settings: { preserve_insertion_order: 'true' } });
    // 300,000 invoices (three row groups, read by both threads), numbers increasing with i; `repeat` maps
    // a row to the row whose number it repeats.
    const invoices = async (month: number, repeat: string) =>
      gen.exec(`COPY (SELECT printf('2544%02d%014d', ${month}, CASE ${repeat} ELSE i END) AS invoice_number, ${literal(code)} AS issuer_code, NULL::VARCHAR AS buyer_code,
          DATE '2025-10-01' AS issued_on, 100::DECIMAL(18,2) AS amount, 0::DECIMAL(18,2) AS tax, 'ordinary' AS kind, true AS digital, 'normal' AS status,
          NULL::VARCHAR AS reverses_number FROM range(300000) r(i) ORDER BY i) TO ${literal(join(dir, `invoice-2025-${month}.parquet`))} (FORMAT parquet, ROW_GROUP_SIZE 100000)`);
    await invoices(10, 'WHEN false THEN 0');
    await invoices(11, 'WHEN i = 250000 THEN 10'); // in order but for one number far back
    await invoices(12, 'WHEN i = 1 THEN 0'); // the second repeats the first
    // Returns keyed by (credit code, tax type, period start, period end): in order, except the fourth, which repeats the second.
    const filings = [0, 1, 2, 1].map((m) => ({ ...VALID.filing, credit_code: code, period_start: `2025-0${m + 1}-01`, period_end: `2025-0${m + 1}-28` }));
    writeCsv(join(dir, 'filing.csv'), Object.keys(VALID.filing as object), filings);
    gen.close();
    await ingestDirectory(store, dir);
  });
  after(() => store?.close());

  it('loads every record of a file whose keys increase throughout', async () => {
    const f = await store.one<{ rows_loaded: string; rows_quarantined: string }>(
      `SELECT rows_loaded, rows_quarantined FROM ingest_file WHERE source_file LIKE '%invoice-2025-10.parquet'`,
    );
    assert.deepEqual(f, { rows_loaded: '300000', rows_quarantined: '0' });
  });

  it('quarantines a repeated key whether it is far back, just before, or in a key of several columns', async () => {
    const q = await store.all<{ file: string; row_number: string; reason: string }>(
      `SELECT regexp_extract(source_file, '[^/]+$') AS file, row_number, reason FROM quarantine ORDER BY file, row_number`,
    );
    assert.deepEqual(
      q.map((r) => [r.file, r.row_number, r.reason]),
      [
        ['filing.csv', '4', 'duplicate of row 2 in this file'],
        ['invoice-2025-11.parquet', '250001', 'duplicate of row 11 in this file'],
        ['invoice-2025-12.parquet', '2', 'duplicate of row 1 in this file'],
      ],
    );
    const n = await store.one<{ n: string }>(`SELECT count(*) AS n FROM invoice`);
    assert.equal(n.n, String(300000 + 299999 + 299999));
  });
});

describe('typed Parquet columns wider than the model: amounts to the ten-thousandth, dates as timestamps', () => {
  // Exports of other systems type an amount NUMBER(18,4) and a date DATETIME: what the value says, not the
  // column's type, decides whether it is a yuan amount to the fen or a date.
  let store: Store;
  before(async () => {
    const dir = tempDir();
    writeCsv(join(dir, 'taxpayer.csv'), taxpayerHeader, [VALID.taxpayer as Record<string, unknown>]);
    const gen = await Store.open(':memory:', { migrate: false });
    await gen.exec(`COPY (SELECT ${literal(TP1)} AS credit_code, 'vat' AS tax_type, make_date(2025, m, 1) AS period_start, last_day(make_date(2025, m, 1)) AS period_end,
        (make_date(2025, m, 1) + INTERVAL 1 MONTH + INTERVAL 14 DAY)::TIMESTAMP AS due_date,
        CASE m WHEN 3 THEN TIMESTAMP '2025-04-10 09:30:00' ELSE (make_date(2025, m, 1) + INTERVAL 1 MONTH + INTERVAL 9 DAY)::TIMESTAMP END AS filed_on,
        CASE m WHEN 2 THEN 100000.1250 ELSE 100000.0000 + m END::DECIMAL(18,4) AS tax_base, 13000.1000::DECIMAL(18,4) AS tax_payable
      FROM range(1, 5) r(m)) TO ${literal(join(dir, 'filing.parquet'))} (FORMAT parquet)`);
    gen.close();
    store = await Store.open(join(dir, 'z.duckdb'));
    await ingestDirectory(store, dir);
  });
  after(() => store?.close());

  it('loads an amount whose digits after the fen are zeros, and a date at midnight, exactly', async () => {
    const rows = await store.all<{ period_start: string; due_date: string; tax_base: string; tax_payable: string }>(
      `SELECT period_start::VARCHAR AS period_start, due_date::VARCHAR AS due_date, tax_base::VARCHAR AS tax_base, tax_payable::VARCHAR AS tax_payable FROM filing ORDER BY period_start`,
    );
    assert.deepEqual(rows, [
      { period_start: '2025-01-01', due_date: '2025-02-15', tax_base: '100001.00', tax_payable: '13000.10' },
      { period_start: '2025-04-01', due_date: '2025-05-15', tax_base: '100004.00', tax_payable: '13000.10' },
    ]);
  });

  it('quarantines an amount with a part of a fen and a date with a time of day, saying which', async () => {
    const q = await store.all<{ row_number: string; field: string; reason: string }>(`SELECT row_number, field, reason FROM quarantine ORDER BY row_number`);
    assert.deepEqual(
      q.map((r) => [r.row_number, r.field, r.reason]),
      [
        ['2', 'tax_base', 'not an amount in yuan with at most 2 decimals'],
        ['3', 'filed_on', 'a time of day where a date is expected'],
      ],
    );
  });
});

describe('typed Parquet timestamps with a zone (instants, as Spark and pandas write them) are read in China time', () => {
  // A time adjusted to UTC is an instant: the bureau's dates and times are China's wall clock (UTC+8),
  // so 16:00 UTC is the next day's midnight there, and midnight UTC is 08:00 in the morning.
  let store: Store;
  before(async () => {
    const dir = tempDir();
    writeCsv(join(dir, 'taxpayer.csv'), taxpayerHeader, [VALID.taxpayer as Record<string, unknown>]);
    const gen = await Store.open(':memory:', { migrate: false });
    await gen.exec(`COPY (SELECT ${literal(TP1)} AS credit_code, 'vat' AS tax_type, make_date(2025, m, 1) AS period_start, last_day(make_date(2025, m, 1)) AS period_end,
        (make_date(2025, m, 1) + INTERVAL 1 MONTH + INTERVAL 13 DAY + INTERVAL 16 HOUR)::TIMESTAMPTZ AS due_date,
        CASE m WHEN 2 THEN TIMESTAMPTZ '2025-03-10 00:00:00+00' ELSE (make_date(2025, m, 1) + INTERVAL 1 MONTH + INTERVAL 8 DAY + INTERVAL 16 HOUR)::TIMESTAMPTZ END AS filed_on,
        100000.00::DECIMAL(18,2) AS tax_base, 13000.00::DECIMAL(18,2) AS tax_payable
      FROM range(1, 4) r(m)) TO ${literal(join(dir, 'filing.parquet'))} (FORMAT parquet)`);
    // China kept summer time from 1986 to 1991; its systems, and the bureau's, reckon UTC+8 all year.
    await gen.exec(`COPY (SELECT ${literal(TP1)} AS credit_code, unnest([TIMESTAMPTZ '2025-10-09 02:15:00+00', TIMESTAMPTZ '1988-06-01 02:15:00+00']) AS picked_at,
        'nanshan-1' AS hall, 'ordinary' AS kind, 25 AS quantity)
      TO ${literal(join(dir, 'invoice_pickup.parquet'))} (FORMAT parquet)`);
    gen.close();
    store = await Store.open(join(dir, 'z.duckdb'));
    await ingestDirectory(store, dir);
  });
  after(() => store?.close());

  it('a date at midnight in China is that date; a time is China’s wall clock', async () => {
    assert.deepEqual(
      await store.all(
        `SELECT period_start::VARCHAR AS period_start, due_date::VARCHAR AS due_date, filed_on::VARCHAR AS filed_on FROM filing ORDER BY period_start`,
      ),
      [
        { period_start: '2025-01-01', due_date: '2025-02-15', filed_on: '2025-02-10' },
        { period_start: '2025-03-01', due_date: '2025-04-15', filed_on: '2025-04-10' },
      ],
    );
    assert.deepEqual(await store.all(`SELECT picked_at::VARCHAR AS picked_at FROM invoice_pickup ORDER BY picked_at`), [
      { picked_at: '1988-06-01 10:15:00' },
      { picked_at: '2025-10-09 10:15:00' },
    ]);
  });

  it('quarantines a date whose instant is not midnight in China, saying so', async () => {
    const q = await store.all<{ row_number: string; field: string; reason: string }>(`SELECT row_number, field, reason FROM quarantine ORDER BY row_number`);
    assert.deepEqual(
      q.map((r) => [r.row_number, r.field, r.reason]),
      [['2', 'filed_on', 'a time of day in China time (UTC+8) where a date is expected']],
    );
  });
});

describe('a load killed with SIGKILL and re-run', () => {
  let dir: string;
  before(async () => {
    dir = tempDir();
    const city = join(dir, 'city');
    mkdirSync(city);
    // A city big enough that a load takes a few seconds, written by DuckDB itself.
    const gen = await Store.open(':memory:', { migrate: false });
    await gen.exec(`CREATE TABLE tp AS SELECT i, '91440300' || lpad(i::VARCHAR, 9, '0') AS c17 FROM range(40000) t(i)`);
    await gen.exec(`COPY (SELECT c17 || credit_code_check(c17) AS credit_code, '企业' || i AS name, 'enterprise' AS kind, 'general' AS vat_status, 'F51' AS industry,
        'futian' AS district, DATE '2020-01-01' AS registered_on, 10::BIGINT AS employees, 1000::DECIMAL(18,2) AS total_assets, 'actualAccounts' AS collection_mode,
        false AS high_tech, NULL::DATE AS high_tech_until, 0::DECIMAL(18,2) AS rnd_expense, 'B' AS credit_level FROM tp ORDER BY i) TO ${literal(join(city, 'taxpayer.parquet'))}`);
    for (let m = 1; m <= 8; m++) {
      await gen.exec(`COPY (SELECT '25442' || lpad((${m}::BIGINT * 1000000000 + j)::VARCHAR, 15, '0') AS invoice_number, c17 || credit_code_check(c17) AS issuer_code, NULL::VARCHAR AS buyer_code,
          DATE '2025-0${m}-01' + (j % 28)::INTEGER AS issued_on, ((j % 100000) / 100)::DECIMAL(18,2) AS amount, 0::DECIMAL(18,2) AS tax, 'ordinary' AS kind, true AS digital,
          CASE WHEN j % 50000 = 7 THEN 'bogus' ELSE 'normal' END AS status, NULL::VARCHAR AS reverses_number
        FROM range(400000) r(j) JOIN tp ON tp.i = j % 40000 ORDER BY j) TO ${literal(join(city, `invoice-2025-0${m}.parquet`))}`);
    }
    gen.close();
  });

  function ingestProcess(db: string, onLine?: (line: string, kill: () => void) => void): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['bin/zhishu.js', 'ingest', join(dir, 'city'), '--db', db], { stdio: ['ignore', 'ignore', 'pipe'] });
      let buffered = '';
      child.stderr.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        if (!onLine) return;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) onLine?.(line, () => child.kill('SIGKILL'));
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (code !== 0 && signal === null) process.stderr.write(buffered);
        resolve(signal === 'SIGKILL' ? null : code);
      });
    });
  }

  it('ends in exactly the state of an uninterrupted load', async () => {
    const whole = join(dir, 'whole.duckdb');
    const killed = join(dir, 'killed.duckdb');
    assert.equal(await ingestProcess(whole), 0);
    // Kill while the fourth file is being loaded: after the third has committed.
    const code = await ingestProcess(killed, (line, kill) => {
      if (line.startsWith('[3/9]')) setTimeout(kill, 150);
    });
    assert.equal(code, null, 'the first run was killed');
    {
      const s = await Store.open(killed);
      const files = Number((await s.one<{ n: string }>('SELECT count(*) AS n FROM ingest_file')).n);
      assert.ok(files >= 3 && files < 9, `interrupted part-way (${files} of 9 files committed)`);
      s.close();
    }
    assert.equal(await ingestProcess(killed), 0);
    const a = await Store.open(whole);
    const b = await Store.open(killed);
    assert.deepEqual(await snapshot(b), await snapshot(a));
    const n = await b.one<{ invoices: string; distinct: string; quarantined: string }>(
      `SELECT (SELECT count(*) FROM invoice) AS invoices, (SELECT count(DISTINCT invoice_number) FROM invoice) AS distinct,
              (SELECT count(*) FROM quarantine) AS quarantined`,
    );
    assert.deepEqual(n, { invoices: String(8 * 400000 - 8 * 8), distinct: String(8 * 400000 - 8 * 8), quarantined: String(8 * 8) });
    a.close();
    b.close();
  });
});

describe('a CSV file that is not UTF-8 text', () => {
  it('is refused as a whole, naming the first line that is not, and nothing of it is loaded', async () => {
    const dir = tempDir();
    const good = taxpayers(3);
    writeCsv(join(dir, 'taxpayer.csv'), taxpayerHeader, good);
    // The third record's name in GBK, as an export from an older system writes it: 深圳 is C9EE DBDA.
    const utf8 = readFileSync(join(dir, 'taxpayer.csv'));
    const name = Buffer.from(String(good[2]?.name));
    const at = utf8.indexOf(name);
    writeFileSync(join(dir, 'taxpayer.csv'), Buffer.concat([utf8.subarray(0, at), Buffer.from([0xc9, 0xee, 0xdb, 0xda]), utf8.subarray(at + 6)]));
    const store = await Store.open(join(dir, 'z.duckdb'));
    try {
      for (const run of ['first', 'again']) {
        const report = await ingestDirectory(store, dir);
        const [file] = report.files;
        assert.equal(file?.status, 'rejected', run);
        assert.match(
          file?.problem ?? '',
          /^\(file\): not UTF-8 text: line 4 \(at byte offset \d+\) is not; save the file as UTF-8 \(a GBK or GB18030 export must be converted\)/,
          run,
        );
      }
      assert.deepEqual(await store.one<{ n: string }>('SELECT count(*) AS n FROM taxpayer'), { n: '0' }, 'nothing loaded, not even the lines that are UTF-8');
      assert.deepEqual(await store.one<{ n: string; line: string }>(`SELECT count(*) AS n, max(line_number) AS line FROM quarantine WHERE field = '(file)'`), {
        n: '1',
        line: '4',
      });
    } finally {
      store.close();
    }
  });

  it('the check finds the first byte that is not UTF-8 across chunks, and a character cut by a chunk is not one', () => {
    const text = Buffer.from('credit_code,name\n1,深圳市\n2,南山区\n');
    for (let cut = 1; cut < text.length; cut++) {
      const c = new Utf8Check();
      c.update(text.subarray(0, cut));
      c.update(text.subarray(cut));
      assert.equal(c.end(), null, `cut at ${cut}`);
    }
    const bad = Buffer.concat([text, Buffer.from([0x33, 0x2c, 0xc9, 0xee, 0x0a])]);
    for (const cut of [1, text.length + 3, bad.length - 1]) {
      const c = new Utf8Check();
      c.update(bad.subarray(0, cut));
      c.update(bad.subarray(cut));
      assert.deepEqual(c.end(), { offset: text.length + 2, line: 4 }, `cut at ${cut}`);
    }
    const truncated = new Utf8Check();
    truncated.update(text.subarray(0, text.indexOf(Buffer.from('区')) + 1));
    assert.deepEqual(truncated.end(), { offset: text.indexOf(Buffer.from('区')), line: 3 }, 'a character the file ends inside');
  });
});

describe('CSV lines the reader cannot split into the header’s columns', () => {
  it('are quarantined with their line and how many fields they have against the header, in words', async () => {
    const dir = tempDir();
    const [good] = taxpayers(1) as [Record<string, unknown>];
    writeCsv(join(dir, 'taxpayer.csv'), taxpayerHeader, [good]);
    const text = readFileSync(join(dir, 'taxpayer.csv'), 'utf8');
    writeFileSync(join(dir, 'taxpayer.csv'), `${text}a,b,c,d,e\n${text.split('\n')[1]},x,y\n`);
    const store = await Store.open(join(dir, 'z.duckdb'));
    try {
      const report = await ingestDirectory(store, dir);
      assert.deepEqual(report.tables.taxpayer, { read: 3, loaded: 1, present: 0, quarantined: 2 });
      assert.deepEqual(await store.all('SELECT row_number, line_number, field, reason FROM quarantine ORDER BY line_number'), [
        { row_number: '2', line_number: '3', field: '(record)', reason: `fewer fields than the header: 5, the header has ${taxpayerHeader.length}` },
        {
          row_number: '3',
          line_number: '4',
          field: '(record)',
          reason: `more fields than the header: ${taxpayerHeader.length + 2}, the header has ${taxpayerHeader.length}`,
        },
      ]);
    } finally {
      store.close();
    }
  });
});

describe('a record of a taxpayer whose own record was refused', () => {
  it('says so beside "unknown taxpayer", where a taxpayer on no roll at all is only unknown', async () => {
    const dir = tempDir();
    const [good, bad] = taxpayers(2) as [Record<string, unknown>, Record<string, unknown>];
    writeCsv(join(dir, 'taxpayer.csv'), taxpayerHeader, [good, { ...bad, total_assets: '-1.00' }]);
    const person = VALID.company_person as Record<string, unknown>;
    writeCsv(join(dir, 'company_person.csv'), Object.keys(person), [
      { ...person, credit_code: good.credit_code },
      { ...person, credit_code: bad.credit_code },
      { ...person, credit_code: UNKNOWN_TP },
    ]);
    const store = await Store.open(join(dir, 'z.duckdb'));
    try {
      await ingestDirectory(store, dir);
      assert.deepEqual(await store.all(`SELECT row_number, field, reason FROM quarantine WHERE table_name = 'company_person' ORDER BY row_number`), [
        { row_number: '2', field: 'credit_code', reason: `unknown taxpayer ${bad.credit_code}: its own record is in quarantine` },
        { row_number: '3', field: 'credit_code', reason: `unknown taxpayer ${UNKNOWN_TP}` },
      ]);
    } finally {
      store.close();
    }
  });
});

describe('an optional column a file does not have', () => {
  it('loads the file with the column empty, one that has it checks it, and the file sent again with it fills a stored empty one in, replacing no stored value', async () => {
    // A bureau's export of returns from before the small-scale return's special-invoice line was read:
    // every record loads, the line empty (read as none). One that has the line is checked against the sales.
    const dir = tempDir();
    const taxpayer = VALID.taxpayer as Record<string, unknown>;
    writeCsv(join(dir, 'taxpayer.csv'), taxpayerHeader, [taxpayer, { ...taxpayer, credit_code: TP2, vat_status: 'smallScale' }]);
    const filing = VALID.filing as Record<string, unknown>;
    const small = { ...filing, credit_code: TP2, period_start: '2025-07-01', period_end: '2025-09-30', tax_base: '200000.00', tax_payable: '500.00' };
    // An outstanding return (filed_on empty: not filed, which is a value, not a figure not sent).
    const outstanding = { ...small, period_start: '2024-10-01', period_end: '2024-12-31', due_date: '2025-01-15', filed_on: '' };
    writeCsv(join(dir, 'filing-old.csv'), Object.keys(filing), [filing, outstanding]);
    writeCsv(
      join(dir, 'filing-new.csv'),
      [...Object.keys(filing), 'special_invoice_sales'],
      [
        { ...small, special_invoice_sales: '50000.00' },
        { ...small, period_start: '2025-04-01', period_end: '2025-06-30', special_invoice_sales: '200000.01' },
        { ...small, period_start: '2025-01-01', period_end: '2025-03-31', special_invoice_sales: '' },
      ],
    );
    const store = await Store.open(join(dir, 'z.duckdb'));
    try {
      const report = await ingestDirectory(store, dir);
      assert.deepEqual(report.tables.filing, { read: 5, loaded: 4, present: 0, quarantined: 1 });
      // TP1 (91…) sorts before TP2 (92…)
      assert.deepEqual(
        await store.all(
          `SELECT credit_code, period_end::VARCHAR AS period_end, special_invoice_sales::VARCHAR AS special FROM filing ORDER BY credit_code, period_end`,
        ),
        [
          { credit_code: TP1, period_end: '2025-10-31', special: null },
          { credit_code: TP2, period_end: '2024-12-31', special: null },
          { credit_code: TP2, period_end: '2025-03-31', special: null },
          { credit_code: TP2, period_end: '2025-09-30', special: '50000.00' },
        ],
      );
      assert.deepEqual(await store.all(`SELECT row_number, field, reason FROM quarantine WHERE table_name = 'filing'`), [
        { row_number: '2', field: 'special_invoice_sales', reason: 'sales on special invoices exceed the return’s sales (tax_base)' },
      ]);

      // The returns sent again with the line: an empty one stored takes the value, a stored one is kept
      // (a correction is refused, as ever), and one that also differs in its sales is refused whole. The
      // outstanding return sent again as filed is a correction too: its empty filing date said "not filed".
      const again = mkdtempSync(join(dir, 'again-'));
      writeCsv(
        join(again, 'filing-again.csv'),
        [...Object.keys(filing), 'special_invoice_sales'],
        [
          { ...filing, special_invoice_sales: '120000.00' },
          { ...small, period_start: '2025-07-01', period_end: '2025-09-30', special_invoice_sales: '40000.00' },
          { ...small, period_start: '2025-01-01', period_end: '2025-03-31', tax_base: '210000.00', special_invoice_sales: '10000.00' },
          { ...outstanding, filed_on: '2025-01-10', special_invoice_sales: '' },
        ],
      );
      const second = await ingestDirectory(store, again);
      assert.deepEqual(second.tables.filing, { read: 4, loaded: 0, present: 1, quarantined: 3 });
      assert.equal(second.files[0]?.filled, 1, 'one stored return filled in');
      assert.deepEqual(
        await store.all(
          `SELECT credit_code, period_end::VARCHAR AS period_end, tax_base::VARCHAR AS sales, special_invoice_sales::VARCHAR AS special FROM filing ORDER BY credit_code, period_end`,
        ),
        [
          { credit_code: TP1, period_end: '2025-10-31', sales: '820000.00', special: '120000.00' },
          { credit_code: TP2, period_end: '2024-12-31', sales: '200000.00', special: null },
          { credit_code: TP2, period_end: '2025-03-31', sales: '200000.00', special: null },
          { credit_code: TP2, period_end: '2025-09-30', sales: '200000.00', special: '50000.00' },
        ],
      );
      assert.deepEqual(
        await store.all(`SELECT row_number, field FROM quarantine WHERE table_name = 'filing' AND starts_with(reason, 'differs') ORDER BY row_number, field`),
        [
          { row_number: '2', field: 'special_invoice_sales' },
          { row_number: '3', field: 'special_invoice_sales' },
          { row_number: '3', field: 'tax_base' },
          { row_number: '4', field: 'filed_on' },
        ],
      );
    } finally {
      store.close();
    }
  });
});
