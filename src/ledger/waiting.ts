import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatYuan, parseYuan } from '../calc/money.ts';
import type { Catalogue } from '../law/catalogue.ts';
import { type MatchOptions, runMatch } from '../match/match.ts';
import { parseQuarter } from '../match/period.ts';
import { bindNamed, type Db } from '../store/db.ts';
import { buildLedger, loadCatalogueTables } from './ledger.ts';

const SQL = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'sql', 'waiting.sql'), 'utf8');

/** A taxpayer and an earlier quarter whose ledger waits on a return filed since. */
export interface FiledSince {
  creditCode: string;
  period: string;
}

/**
 * The taxpayers and quarters among the four before `period` whose ledger rows wait on a return of the
 * quarter (`returnNotFiled`) that is no longer outstanding (sql/waiting.sql). A quarter's build reads
 * the returns as they are then: a late filer's rows would wait for ever unless the quarter is built
 * again for it.
 */
export async function waitingFiledSince(db: Db, catalogue: Catalogue, period: string): Promise<FiledSince[]> {
  const q = parseQuarter(period);
  return db.transaction(async (tx) => {
    await loadCatalogueTables(tx, catalogue, q.end);
    // The same quarter a year before: the four quarters before `period` start there.
    const b = bindNamed(SQL, { period: q.period, since: `${Number(q.period.slice(0, 4)) - 1}${q.period.slice(4)}` });
    const rows = await tx.all<{ credit_code: string; period: string }>(b.sql, b.params);
    return rows.map((r) => ({ creditCode: r.credit_code, period: r.period }));
  });
}

/** An earlier quarter judged again: its taxpayers whose return came in, and how it was done. */
export interface FiledSinceRematch {
  period: string;
  creditCodes: string[];
  /**
   * `each`: every taxpayer re-matched and its ledger rows built alone; `city`: the quarter matched and
   * its ledger built city-wide again (more taxpayers than `singleLimit`).
   */
  how: 'each' | 'city';
  /** What the taxpayers now miss in the quarter, yuan (their ledger rows, after). */
  missed: string;
}

/**
 * Judges again each quarter `waitingFiledSince` finds, from current data: what waited on the return
 * is now enjoyed (claimed on it), missed, or whatever the return makes it. A few taxpayers of a
 * quarter (up to `singleLimit`, default 50) are re-matched one by one, each with its ledger rows
 * built again; more, and the quarter is matched and its ledger built city-wide, set-wise: a re-match
 * of one taxpayer on a store without the serving indexes reads its returns by a scan (0.4 s each at
 * 100,000 taxpayers, where the quarter's city match and ledger take about 7 s; docs/policy.md).
 * `inTransaction(period, only)` gives the work to do in each match's transaction (the CLI's push
 * plan, of the one taxpayer or of the city). Each match and build is its own transaction:
 * interrupted, the next call finds what is left, and does nothing twice.
 */
export async function rematchFiledSince(
  db: Db,
  catalogue: Catalogue,
  period: string,
  options: {
    lawDir?: string;
    now?: Date;
    singleLimit?: number;
    inTransaction?: (period: string, only: string | undefined) => MatchOptions['inTransaction'];
    onProgress?: (step: string) => void;
  } = {},
): Promise<FiledSinceRematch[]> {
  const waiting = await waitingFiledSince(db, catalogue, period);
  const byPeriod = new Map<string, string[]>();
  for (const w of waiting) {
    const codes = byPeriod.get(w.period);
    if (codes) codes.push(w.creditCode);
    else byPeriod.set(w.period, [w.creditCode]);
  }
  const out: FiledSinceRematch[] = [];
  for (const [p, codes] of byPeriod) {
    const now = options.now ?? new Date();
    const how = codes.length > (options.singleLimit ?? 50) ? 'city' : 'each';
    options.onProgress?.(
      `${p}: ${codes.length} taxpayers waited on a return filed since; ${how === 'city' ? 'the quarter matched again' : 're-matched one by one'}`,
    );
    if (how === 'city') {
      await runMatch(db, { period: p, lawDir: options.lawDir, now, inTransaction: options.inTransaction?.(p, undefined) });
      await buildLedger(db, catalogue, p, now);
    } else {
      for (const code of codes) {
        await runMatch(db, { period: p, only: code, lawDir: options.lawDir, now, inTransaction: options.inTransaction?.(p, code) });
        await buildLedger(db, catalogue, p, now, code);
      }
    }
    // Summed in fen, a thousand taxpayers a query (a server takes at most 65,535 parameters).
    let fen = 0;
    for (let i = 0; i < codes.length; i += 1000) {
      const part = codes.slice(i, i + 1000);
      const { missed } = await db.one<{ missed: string }>(
        `SELECT CAST(coalesce(sum(missed), 0.00) AS VARCHAR) AS missed FROM ledger_entry WHERE period = $1 AND credit_code IN (${part.map((_, k) => `$${k + 2}`).join(', ')})`,
        [p, ...part],
      );
      fen += parseYuan(missed);
    }
    out.push({ period: p, creditCodes: codes, how, missed: formatYuan(fen) });
  }
  return out;
}
