import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Catalogue } from '../law/catalogue.ts';
import { type MatchOptions, type MatchRun, runMatch } from '../match/match.ts';
import { parseQuarter } from '../match/period.ts';
import { bindNamed, type Db } from '../store/db.ts';
import { buildLedger, type LedgerBuild, loadCatalogueTables } from './ledger.ts';

const SQL = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'sql', 'waiting.sql'), 'utf8');

/** A taxpayer and an earlier quarter whose ledger waits on a return filed since. */
export interface FiledSince {
  creditCode: string;
  period: string;
}

/**
 * The taxpayers and quarters of the year before `period` whose ledger rows wait on a return of the
 * quarter (`returnNotFiled`) that is no longer outstanding (sql/waiting.sql). A quarter's build reads
 * the returns as they are then: a late filer's rows would wait for ever unless the quarter is built
 * again for it.
 */
export async function waitingFiledSince(db: Db, catalogue: Catalogue, period: string): Promise<FiledSince[]> {
  const q = parseQuarter(period);
  return db.transaction(async (tx) => {
    await loadCatalogueTables(tx, catalogue, q.end);
    const b = bindNamed(SQL, { period: q.period, first_quarter: `${q.period.slice(0, 4)}-Q1` });
    const rows = await tx.all<{ credit_code: string; period: string }>(b.sql, b.params);
    return rows.map((r) => ({ creditCode: r.credit_code, period: r.period }));
  });
}

export interface FiledSinceRematch extends FiledSince {
  run: MatchRun;
  ledger: LedgerBuild;
}

/**
 * Re-matches each taxpayer and quarter `waitingFiledSince` finds, from its current data, and builds
 * that quarter's ledger for it again: what waited on the return is now enjoyed (claimed on it),
 * missed, or whatever the return makes it. Each is a re-match of its own (`inTransaction` gives the
 * work to do in its transaction, e.g. the taxpayer's push plan for the quarter) and a ledger build of
 * its own: interrupted, the next call finds the rest, and nothing twice.
 */
export async function rematchFiledSince(
  db: Db,
  catalogue: Catalogue,
  period: string,
  options: {
    lawDir?: string;
    now?: Date;
    inTransaction?: (w: FiledSince) => MatchOptions['inTransaction'];
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<FiledSinceRematch[]> {
  const waiting = await waitingFiledSince(db, catalogue, period);
  const out: FiledSinceRematch[] = [];
  for (const w of waiting) {
    const now = options.now ?? new Date();
    const run = await runMatch(db, { period: w.period, only: w.creditCode, lawDir: options.lawDir, now, inTransaction: options.inTransaction?.(w) });
    const ledger = await buildLedger(db, catalogue, w.period, now, w.creditCode);
    out.push({ ...w, run, ledger });
    options.onProgress?.(out.length, waiting.length);
  }
  return out;
}
