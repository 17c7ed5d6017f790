import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SQL_TYPES, type TableSpec } from '../model/index.ts';
import { ident, literal, type Store } from '../store/store.ts';
import { isLookupChecked, lookupSql, lookupTable, problemsOf, raw, typedExpr } from './checks.ts';
import { discover, fingerprint, type SkippedFile, type SourceFile } from './sources.ts';

export interface FileResult {
  file: string;
  table: string;
  sha256: string;
  /** loaded now; 'skipped' when this exact content was loaded before; 'rejected' when the file as a whole is unusable (now, or this content before). */
  status: 'loaded' | 'skipped' | 'rejected';
  read: number;
  loaded: number;
  /** valid records whose natural key was already in the store (nothing changed but what `filled` counts). */
  present: number;
  /**
   * Of `present`, stored records an empty `fillable` column of which this file gave a value, equal in
   * everything else (a return sent again with a line that was not sent before): the value is taken.
   */
  filled?: number;
  quarantined: number;
  ms: number;
  problem?: string;
}

export interface TableCounts {
  read: number;
  loaded: number;
  present: number;
  quarantined: number;
}

export interface IngestReport {
  dir: string;
  files: FileResult[];
  skipped: SkippedFile[];
  tables: Record<string, TableCounts>;
  ms: number;
}

export interface IngestOptions {
  onFile?: (result: FileResult, index: number, total: number) => void;
  onStart?: (file: SourceFile, index: number, total: number) => void;
}

const SRC = '__ingest_src';
const DUP = '__ingest_dup';
const REJ = '__ingest_rejects';

/**
 * The reader of a file. CSV is read with the dialect fixed (comma, double
 * quotes, UTF-8, a header row) and every column as text, so that one bad
 * line cannot mislead a sniffer and every value reaches the checks as written.
 */
function readerSql(file: SourceFile, header: string[]): string {
  const path = literal(resolve(file.path));
  if (file.format === 'parquet') return `read_parquet(${path}, file_row_number = true)`;
  const columns = `{${header.map((h) => `${literal(h)}: 'VARCHAR'`).join(', ')}}`;
  return `read_csv(${path}, columns = ${columns}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    ignore_errors = true, store_rejects = true, rejects_table = '${REJ}', rejects_scan = '${REJ}_scan')`;
}

/** The names in a CSV file's header line. */
async function csvHeader(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const first =
      buffer
        .subarray(0, bytesRead)
        .toString('utf8')
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)[0] ?? '';
    return first.split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  } finally {
    await handle.close();
  }
}

/** Column names and types of a source file, as DuckDB reads them. */
async function describe(store: Store, file: SourceFile): Promise<Map<string, string>> {
  if (file.format === 'csv') return new Map((await csvHeader(file.path)).map((h) => [h, 'VARCHAR']));
  const rows = await store.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${readerSql(file, [])}`);
  return new Map(rows.filter((r) => r.column_name !== 'file_row_number').map((r) => [r.column_name, r.column_type]));
}

/** A file-level problem (missing or unknown columns), or null if the header fits the table. */
function headerProblem(spec: TableSpec, columns: Map<string, string>): { field: string; reason: string } | null {
  const missing = spec.columns.filter((c) => c.required && !columns.has(c.name)).map((c) => c.name);
  if (missing.length > 0) return { field: missing.join(','), reason: `missing required column(s): ${missing.join(', ')}` };
  const known = new Set(spec.columns.map((c) => c.name));
  const unknown = [...columns.keys()].filter((c) => !known.has(c));
  if (unknown.length > 0) return { field: unknown.join(','), reason: `unknown column(s): ${unknown.join(', ')}` };
  return null;
}

/**
 * Loads one file in one transaction: the records that pass every check go to
 * their table (unless their natural key is already there), the others to
 * quarantine with row, field and reason, and the file's hash to ingest_file.
 * A crash at any point leaves either all of it or none of it.
 */
async function loadFile(store: Store, file: SourceFile, sha256: string, notUtf8: { offset: number; line: number } | null = null): Promise<FileResult> {
  const started = Date.now();
  const spec = file.table;
  const base = { file: file.path, table: spec.name, sha256 };
  const prior = await store.all<{ rows_read: string; rows_loaded: string; rows_present: string; rows_quarantined: string; status: string }>(
    'SELECT rows_read, rows_loaded, rows_present, rows_quarantined, status FROM ingest_file WHERE sha256 = $1 AND table_name = $2',
    [sha256, spec.name],
  );
  // The same bytes refused as a whole before are refused again, with the reason on record: reported as
  // skipped, a re-run of an unchanged bad file read as a success (exit 0, nothing loaded).
  if (prior[0]?.status === 'rejected') {
    const [q] = await store.all<{ field: string; reason: string }>(
      'SELECT field, reason FROM quarantine WHERE source_sha256 = $1 AND table_name = $2 AND row_number = 0 ORDER BY quarantined_at DESC LIMIT 1',
      [sha256, spec.name],
    );
    const why = q ? `${q.field}: ${q.reason}` : 'refused as a whole';
    return {
      ...base,
      status: 'rejected',
      read: 0,
      loaded: 0,
      present: 0,
      quarantined: 0,
      ms: Date.now() - started,
      problem: `${why} (this same content was refused before)`,
    };
  }
  if (prior[0]) {
    return {
      ...base,
      status: 'skipped',
      read: Number(prior[0].rows_read),
      loaded: 0,
      present: Number(prior[0].rows_read) - Number(prior[0].rows_quarantined),
      quarantined: 0,
      ms: Date.now() - started,
    };
  }

  let columns: Map<string, string>;
  let problem: { field: string; reason: string } | null;
  try {
    columns = await describe(store, file);
    problem = notUtf8
      ? {
          field: '(file)',
          reason: `not UTF-8 text: line ${notUtf8.line} (at byte offset ${notUtf8.offset}) is not; save the file as UTF-8 (a GBK or GB18030 export must be converted)`,
        }
      : headerProblem(spec, columns);
  } catch (err) {
    columns = new Map();
    problem = { field: '(file)', reason: `unreadable: ${(err as Error).message.split('\n')[0]}` };
  }
  if (problem) {
    const p = problem;
    await store.transaction(async () => {
      // Row 0: the file as a whole; its line where one is to blame (the first that is not UTF-8).
      await store.exec('INSERT INTO quarantine VALUES ($1, $2, $3, 0, $4, $5, $6, NULL, current_timestamp)', [
        sha256,
        file.path,
        spec.name,
        notUtf8?.line ?? null,
        p.field,
        p.reason,
      ]);
      await store.exec(`INSERT INTO ingest_file VALUES ($1, $2, $3, 0, 0, 0, 0, NULL, NULL, 'rejected', current_timestamp)`, [sha256, spec.name, file.path]);
    });
    return { ...base, status: 'rejected', read: 0, loaded: 0, present: 0, quarantined: 0, ms: Date.now() - started, problem: `${p.field}: ${p.reason}` };
  }

  const problems = problemsOf(spec, columns);
  const presentColumns = spec.columns.filter((c) => columns.has(c.name));
  // Raw values are kept only where they differ from the typed ones (text to parse); typed Parquet columns are kept once.
  const isNative = (name: string) => columns.get(name) === SQL_TYPES[spec.columns.find((c) => c.name === name)?.type.kind ?? 'text'];
  const keptRaw = presentColumns.filter((c) => !isNative(c.name));
  const rawSelect = presentColumns.map((c) => `${ident(c.name)} AS ${raw(c.name)}`).join(', ');
  const typedSelect = spec.columns.map((c) => `${typedExpr(c, columns.get(c.name))} AS ${ident(c.name)}`).join(',\n  ');
  const okExpr = `NOT (${problems.map((p) => `coalesce(${p.when}, false)`).join('\n  OR ')})`;
  const recordJsonOf = (q: string) =>
    `json_object(${presentColumns.map((c) => `${literal(c.name)}, ${q}${isNative(c.name) ? ident(c.name) : raw(c.name)}`).join(', ')})::VARCHAR`;
  const recordJson = recordJsonOf('');
  const keyCols = spec.naturalKey.map(ident).join(', ');
  const cols = spec.columns.map((c) => ident(c.name)).join(', ');
  const lookupNames = spec.columns.filter((c) => isLookupChecked(c) && columns.has(c.name)).map((c) => lookupTable(c.name));

  return store.transaction(async () => {
    // 1. The raw records with their row number (and, for CSV, line number), as read.
    let csvRejects = 0;
    let source: string;
    if (file.format === 'parquet') {
      source = `(SELECT file_row_number + 1 AS __row, NULL::BIGINT AS __line, ${rawSelect} FROM ${readerSql(file, [])})`;
    } else {
      source = SRC;
      await store.exec(`DROP TABLE IF EXISTS ${REJ}; DROP TABLE IF EXISTS ${REJ}_scan;
        CREATE TEMP TABLE __ingest_csv AS SELECT row_number() OVER () AS __n, ${rawSelect} FROM ${readerSql(file, [...columns.keys()])}`);
      // Rows DuckDB's CSV reader could not split into the header's columns keep their line number from the
      // reader. It reports a line of the wrong width more than once, counting on as it goes ("Found: 2",
      // "Found: 3"): the count said is the line's own, and said in words. The least of the texts, as
      // before, named a count that was no line's ("Found: 10" for a line of 5 fields, 10 < 2 as text).
      csvRejects = await store.change(
        `INSERT INTO quarantine
        SELECT $1, $2, $3, line - 1, line, '(record)',
          CASE WHEN bool_and(error_type = 'MISSING COLUMNS') AND min(found) IS NOT NULL
                 THEN 'fewer fields than the header: ' || min(found) || ', the header has ' || max(expected)
               WHEN bool_and(error_type = 'TOO MANY COLUMNS') AND max(found) IS NOT NULL
                 THEN 'more fields than the header: ' || max(found) || ', the header has ' || max(expected)
               WHEN bool_and(error_type = 'UNQUOTED VALUE') THEN 'a quoted value is not closed'
               ELSE min(error_type || ': ' || error_message) END,
          min(csv_line), current_timestamp
        FROM (SELECT *, TRY_CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS INTEGER) AS found,
                TRY_CAST(regexp_extract(error_message, 'Expected Number of Columns: (\\d+)', 1) AS INTEGER) AS expected
              FROM ${REJ})
        GROUP BY line`,
        [sha256, file.path, spec.name],
      );
      // The reader numbers accepted rows consecutively; put back the lines it rejected in between (line 1 is the header).
      await store.exec(`CREATE TEMP TABLE __ingest_rej_lines AS
          SELECT line - row_number() OVER (ORDER BY line) - 1 AS accepted_before FROM (SELECT DISTINCT line FROM ${REJ});
        CREATE TEMP TABLE ${SRC} AS
          SELECT __n + (SELECT count(*) FROM __ingest_rej_lines WHERE accepted_before < __n) AS __row,
                 __n + 1 + (SELECT count(*) FROM __ingest_rej_lines WHERE accepted_before < __n) AS __line,
                 * EXCLUDE (__n)
          FROM __ingest_csv;
        DROP TABLE __ingest_csv; DROP TABLE __ingest_rej_lines; DROP TABLE IF EXISTS ${REJ}; DROP TABLE IF EXISTS ${REJ}_scan`);
    }
    // 2. The distinct credit and industry codes that fail their check (usually none).
    for (const sql of lookupSql(spec, new Set(columns.keys()), source)) await store.exec(sql);
    // Typed values and one ok flag per record, computed as the source streams by: nothing is staged.
    const keyHash = `hash(${spec.naturalKey.map((k) => raw(k)).join(', ')})`;
    const checked = `(SELECT __row, __line, ${[...keptRaw.map((c) => raw(c.name)), ''].join(', ')} ${typedSelect}, ${okExpr} AS __ok, ${keyHash} AS __key_hash FROM ${source})`;

    // 3. Within one file, the first record of a natural key wins; later ones are kept in quarantine.
    //    A file with a key of one column often comes sorted by it (a month of invoice numbers): one
    //    streaming pass tells whether every key is greater than the one before it, and then no key
    //    repeats (a month of a million taxpayers' invoices: 0.5 s). The pass also gives the rows and
    //    the key range (step 4). A chain that breaks anywhere, or a missing key, sends the file the long
    //    way, and so does a key of several columns (compared as structs, the pass took 2.5 s on 22.5
    //    million returns, and a file sorted by credit code and then tax type is rare): candidates are
    //    found on a 64-bit hash of the key, then confirmed exactly. Sorting the hashes and comparing
    //    each with the one before it finds them in a third of the time of grouping them (those returns:
    //    2 s, not 6.5): a hash table of millions of groups misses the cache at every row.
    const k1Raw = raw(spec.naturalKey[0] as string);
    const chain =
      spec.naturalKey.length === 1
        ? `count(*) FILTER (WHERE prev IS NULL) AS chains, count(*) FILTER (WHERE k1 IS NULL OR NOT (k1 > prev)) AS unordered
          FROM (SELECT ${k1Raw} AS k1, lag(${k1Raw}) OVER () AS prev FROM ${source})`
        : `NULL AS chains, NULL AS unordered FROM (SELECT ${k1Raw} AS k1 FROM ${source})`;
    const scan = await store.one<{ n: string; lo: string | null; hi: string | null; chains: string | null; unordered: string | null }>(
      `SELECT count(*) AS n, min(k1)::VARCHAR AS lo, max(k1)::VARCHAR AS hi, ${chain}`,
    );
    const increasing = scan.chains !== null && Number(scan.chains) <= 1 && Number(scan.unordered) === 0;
    const candidates = increasing
      ? 0
      : Number(
          (
            await store.one<{ n: string }>(
              `SELECT count(*) AS n FROM (SELECT h = lag(h) OVER (ORDER BY h) AS repeated FROM (SELECT ${keyHash} AS h FROM ${source})) WHERE repeated`,
            )
          ).n,
        );
    let dups = 0;
    if (candidates > 0) {
      await store.exec(`CREATE TEMP TABLE ${DUP} AS
        SELECT __row, __line, first_row, record FROM (
          SELECT __row, __line, min(__row) OVER (PARTITION BY ${keyCols}) AS first_row, ${recordJson} AS record
          FROM ${checked}
          WHERE __ok AND __key_hash IN (SELECT ${keyHash} AS h FROM ${source} GROUP BY h HAVING count(*) > 1))
        WHERE __row <> first_row`);
      dups = await store.change(
        `INSERT INTO quarantine SELECT $1, $2, $3, __row, __line, $4, 'duplicate of row ' || first_row || ' in this file', record, current_timestamp FROM ${DUP}`,
        [sha256, file.path, spec.name, spec.naturalKey.join(',')],
      );
    }

    // 4. The rest goes in, except what the store already holds. Every stored record came in through a
    //    file whose key range is in ingest_file; when this file's range overlaps none of them (a new month
    //    of invoices), no stored key can match and the anti-join against the whole table is skipped.
    const k1 = ident(spec.naturalKey[0] as string);
    const range = { lo: scan.lo, hi: scan.hi };
    const overlapping = await store.one<{ n: string }>(
      `SELECT count(*) AS n FROM ingest_file WHERE table_name = $1 AND rows_loaded > 0 AND key_min <= $3 AND key_max >= $2`,
      [spec.name, range.lo, range.hi],
    );
    const againstStored =
      Number(overlapping.n) > 0 ? `ANTI JOIN (SELECT ${keyCols} FROM ${ident(spec.name)} WHERE ${k1} BETWEEN $1 AND $2) t USING (${keyCols})` : '';
    const loaded = await store.change(
      `INSERT INTO ${ident(spec.name)} (${cols})
      SELECT ${cols} FROM ${checked} s
      ${dups > 0 ? `ANTI JOIN ${DUP} d USING (__row)` : ''}
      ${againstStored}
      WHERE s.__ok`,
      againstStored ? [range.lo, range.hi] : [],
    );
    // 5. Every problem of every refused record, with the record as it was read. Records are refused
    //    exactly when they were neither loaded nor duplicates nor already present, so the (costly) pass
    //    that lists problems runs only when some were.
    const rows = Number(scan.n);
    const stored = againstStored ? Number((await store.one<{ n: string }>(`SELECT count(*) AS n FROM ${checked} WHERE __ok`)).n) - dups - loaded : 0;
    const refused = rows - loaded - dups - stored;
    // A record whose key is stored with other values (a correction sent as a file) is not loaded: the
    // stored record stays, and this one goes to quarantine with each field that differs, both values
    // beside it. Counted as already present, it was dropped without a word until 2026-12-01.
    let conflicts = 0;
    // Only the columns the file has: one it leaves out (an optional column) reads as empty here.
    const others = spec.columns.filter((c) => !spec.naturalKey.includes(c.name) && columns.has(c.name));
    // A stored record equal to this one but for columns it has empty where empty means "not said"
    // (`fillable`) and this one fills (the returns sent again once a source gives their special-invoice
    // line) takes those values: nothing stored is replaced, so it is no correction, and nothing stays
    // unread. Where empty is a value (a consumer invoice's buyer, an outstanding return's filing date),
    // a record that fills it changes what the stored one says: a correction, refused whole below, as is
    // a record that also differs in a value the store holds.
    let filled = 0;
    const fillable = others.filter((c) => c.fillable);
    if (stored > 0 && fillable.length > 0) {
      const col = (c: { name: string }) => ident(c.name);
      const same = others.map((c) => `(s.${col(c)} IS NOT DISTINCT FROM t.${col(c)}${c.fillable ? ` OR t.${col(c)} IS NULL` : ''})`).join(' AND ');
      const fills = fillable.map((c) => `(t.${col(c)} IS NULL AND s.${col(c)} IS NOT NULL)`).join(' OR ');
      filled = await store.change(
        `UPDATE ${ident(spec.name)} t SET ${fillable.map((c) => `${col(c)} = coalesce(t.${col(c)}, s.${col(c)})`).join(', ')}
         FROM (SELECT * FROM ${checked} s0 ${dups > 0 ? `ANTI JOIN ${DUP} u USING (__row)` : ''} WHERE s0.__ok) s
         WHERE ${spec.naturalKey.map((k) => `t.${ident(k)} = s.${ident(k)}`).join(' AND ')} AND t.${k1} BETWEEN $1 AND $2
           AND ${same} AND (${fills})`,
        [range.lo, range.hi],
      );
    }
    if (stored > 0 && others.length > 0) {
      const diffs = others
        .map(
          (c) =>
            `CASE WHEN s.${ident(c.name)} IS DISTINCT FROM t.${ident(c.name)} THEN {'field': ${literal(c.name)}, 'stored': t.${ident(c.name)}::VARCHAR, 'here': s.${ident(c.name)}::VARCHAR} END`,
        )
        .join(',\n  ');
      await store.exec(
        `INSERT INTO quarantine
         SELECT $1, $2, $3, __row, __line, d.field,
           'differs from the stored record of this key: stored ' || coalesce(d.stored, '(empty)') || ', here ' || coalesce(d.here, '(empty)') || '; not loaded, the stored record is kept',
           record, current_timestamp
         FROM (SELECT s.__row, s.__line, ${recordJsonOf('s.')} AS record, unnest(list_filter([${diffs}], x -> x IS NOT NULL)) AS d
               FROM ${checked} s
               ${dups > 0 ? `ANTI JOIN ${DUP} u USING (__row)` : ''}
               JOIN (SELECT * FROM ${ident(spec.name)} WHERE ${k1} BETWEEN $4 AND $5) t USING (${keyCols})
               WHERE s.__ok)`,
        [sha256, file.path, spec.name, range.lo, range.hi],
      );
      conflicts = Number(
        (
          await store.one<{ n: string }>(
            `SELECT count(DISTINCT row_number) AS n FROM quarantine WHERE source_sha256 = $1 AND table_name = $2 AND starts_with(reason, 'differs from the stored record')`,
            [sha256, spec.name],
          )
        ).n,
      );
    }
    if (refused > 0) {
      const problemList = problems.map((p) => `CASE WHEN ${p.when} THEN {'field': ${literal(p.field)}, 'reason': ${p.reason}} END`).join(',\n  ');
      await store.exec(
        `INSERT INTO quarantine
         SELECT $1, $2, $3, __row, __line, p.field, p.reason, record, current_timestamp
         FROM (SELECT __row, __line, ${recordJson} AS record, unnest(list_filter([${problemList}], x -> x IS NOT NULL)) AS p
               FROM ${checked} WHERE NOT __ok)`,
        [sha256, file.path, spec.name],
      );
    }
    const read = rows + csvRejects;
    if (file.format === 'csv') await store.exec(`DROP TABLE ${SRC}`);
    const [q] = await store.all<{ n: string }>(`SELECT count(DISTINCT row_number) AS n FROM quarantine WHERE source_sha256 = $1 AND table_name = $2`, [
      sha256,
      spec.name,
    ]);
    const quarantined = Number(q?.n ?? 0);
    await store.exec(`INSERT INTO ingest_file VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'loaded', current_timestamp)`, [
      sha256,
      spec.name,
      file.path,
      read,
      loaded,
      stored - conflicts,
      quarantined,
      range.lo,
      range.hi,
    ]);
    const scratch = [...(candidates > 0 ? [DUP] : []), ...lookupNames];
    if (scratch.length > 0) await store.exec(scratch.map((n) => `DROP TABLE ${n};`).join(' '));
    return { ...base, status: 'loaded' as const, read, loaded, present: stored - conflicts, filled, quarantined, ms: Date.now() - started };
  });
}

/** Loads every file of a directory, file by file; re-running it loads nothing twice. */
export async function ingestDirectory(store: Store, dir: string, options: IngestOptions = {}): Promise<IngestReport> {
  const started = Date.now();
  const { files, skipped } = await discover(dir);
  const results: FileResult[] = [];
  for (const [i, file] of files.entries()) {
    options.onStart?.(file, i, files.length);
    const { sha256, notUtf8 } = await fingerprint(file);
    const result = await loadFile(store, file, sha256, notUtf8);
    results.push(result);
    options.onFile?.(result, i, files.length);
  }
  await store.checkpoint();
  const tables: Record<string, TableCounts> = {};
  for (const r of results) {
    const t = tables[r.table] ?? { read: 0, loaded: 0, present: 0, quarantined: 0 };
    tables[r.table] = t;
    t.read += r.read;
    t.loaded += r.loaded;
    t.present += r.present;
    t.quarantined += r.quarantined;
  }
  return { dir, files: results, skipped, tables, ms: Date.now() - started };
}
