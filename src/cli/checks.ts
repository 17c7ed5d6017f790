import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { catalogueOf } from '../match/match.ts';
import { parseQuarter, quarterOf } from '../match/period.ts';
import type { Db } from '../store/db.ts';
import { Store } from '../store/store.ts';
import { UsageError } from './commands/ingest.ts';

const isDirectory = (path: string) => existsSync(path) && statSync(path).isDirectory();

/** Refuses a --law path that is not a law directory, before anything reads it (a raw ENOENT otherwise). */
export function checkLawDir(dir: string): void {
  if (!isDirectory(dir) || !existsSync(join(dir, 'parameters.yaml')) || !isDirectory(join(dir, 'policies')))
    throw new UsageError(`--law ${dir}: not a law directory (it needs parameters.yaml and policies/)`);
}

/** The law directory checked and loaded: its catalogue (catalogueOf caches it for the matching and explanations that follow). */
export function checkLaw(dir: string): ReturnType<typeof catalogueOf>['catalogue'] {
  checkLawDir(dir);
  try {
    return catalogueOf(dir).catalogue;
  } catch (err) {
    // catalogueOf refuses a catalogue with problems, and says how to list them.
    throw new UsageError(`--law ${dir}: ${(err as Error).message}`);
  }
}

/**
 * Opens the DuckDB store of a command that works on loaded data. Store.open creates a missing file (and
 * its directories), which is right for ingest, demo and migrate; here a mistyped --db would otherwise
 * answer from a new, empty store.
 */
export async function openStore(path: string): Promise<Store> {
  if (!existsSync(path)) throw new UsageError(`no store at ${path}: load data first with zhishu ingest DIR --db ${path} (or zhishu demo --db ${path})`);
  if (statSync(path).isDirectory()) throw new UsageError(`--db ${path}: a directory, not a DuckDB store file`);
  return Store.open(path);
}

/** Refuses a quarter no match ran for: there is nothing to plan or show, and an empty answer would say nothing was found. */
export async function checkMatchRun(db: Db, period: string, what = 'plan'): Promise<void> {
  const runs = await db.all('SELECT 1 FROM match_run WHERE period = $1 LIMIT 1', [period]);
  if (runs.length > 0) return;
  // Without returns, matching the quarter would be refused too: say so rather than send the user there.
  await checkReturnsIn(db, period, what);
  throw new UsageError(`no match run for ${period}: run zhishu match --period ${period} first`);
}

/**
 * All quarters with returns in the store, oldest first; of one year only with `year` (the returns of
 * that year read, not a city's every return: ledger and report ask this on each call). An annual CIT
 * return ends on 31 December but is no quarter's: it does not count.
 */
export async function quartersInStore(db: Db, year?: number): Promise<string[]> {
  const rows = await db.all<{ d: string }>(
    `SELECT DISTINCT period_end::VARCHAR AS d FROM filing WHERE extract(month FROM period_end) % 3 = 0 AND period_start <= period_end - INTERVAL '2 months' AND tax_type <> 'citAnnual'
       ${year === undefined ? '' : 'AND period_end BETWEEN $1::DATE AND $2::DATE'} ORDER BY 1`,
    year === undefined ? [] : [`${year}-01-01`, `${year}-12-31`],
  );
  return rows.map((r) => quarterOf(r.d).period);
}

/**
 * Refuses a quarter with no return in the store: its facts would all be missing, and a run of every
 * result unknown would be recorded as if it were the quarter's answer.
 */
export async function checkReturnsIn(db: Db, period: string, what = 'match'): Promise<void> {
  const q = parseQuarter(period);
  if ((await db.all("SELECT 1 FROM filing WHERE period_end BETWEEN $1::DATE AND $2::DATE AND tax_type <> 'citAnnual' LIMIT 1", [q.start, q.end])).length > 0)
    return;
  const quarters = await quartersInStore(db);
  throw new UsageError(
    `no returns of ${period} in the store, so nothing to ${what}${
      quarters.length === 0
        ? ': load data first'
        : quarters.length === 1
          ? ` (the returns are of ${quarters[0]})`
          : ` (the returns cover ${quarters[0]} to ${quarters[quarters.length - 1]})`
    }`,
  );
}

/** Refuses a well-formed credit code that is not on the store's roll: an empty answer would hide the typo. */
export async function checkTaxpayer(db: Db, code: string): Promise<{ registeredOn: string }> {
  const [found] = await db.all<{ d: string }>('SELECT registered_on::VARCHAR AS d FROM taxpayer WHERE credit_code = $1 LIMIT 1', [code]);
  if (!found) throw new UsageError(`no taxpayer ${code} in the store`);
  return { registeredOn: found.d };
}

/** Refuses an --smtp that is not an smtp:// or smtps:// URL naming a host. The URL is not repeated: it may hold a password. */
export function checkSmtpUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('--smtp is not a URL (e.g. smtp://127.0.0.1:25 or smtps://user:password@mail.example.com:465)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new UsageError(`--smtp has the scheme ${url.protocol.slice(0, -1)}: give an smtp:// or smtps:// URL`);
  if (url.hostname === '') throw new UsageError('--smtp names no host (e.g. smtp://127.0.0.1:25)');
}
