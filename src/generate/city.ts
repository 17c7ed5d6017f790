import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { literal, Store } from '../store/store.ts';
import { REDUCTION_CODES } from './reductionCodes.ts';
import { type GeneratorSettings, type GeneratorSettingsInput, monthLabel, parseSettings, setVariableSql, sqlVariables } from './settings.ts';

export { calibrationReport } from './calibration.ts';

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');

/** Output tables in load order; `invoice` is written one file per month. */
export const OUTPUT_TABLES = [
  'taxpayer',
  'company_person',
  'filing',
  'filing_reduction',
  'cit_quarter_info',
  'cit_annual_info',
  'payment',
  'invoice_quota',
  'invoice',
  'invoice_pickup',
  'hall_visit',
  'credit_event',
  'application',
  'employment_report',
  'enterprise_list',
] as const;
export type OutputTable = (typeof OUTPUT_TABLES)[number];

export interface GeneratedFile {
  table: OutputTable;
  /** Absolute path of the file written. */
  file: string;
  rows: number;
}

export interface GenerateStep extends GeneratedFile {
  ms: number;
  /** How many files were finished before this one (files are written side by side, so not always in plan order). */
  index: number;
  total: number;
}

/**
 * What the generator is, as a short hash of its own sources (the SQL, the settings and their defaults,
 * this file, the placeholder codes): the same seed and settings give the same city while it is
 * unchanged, so a city made by another version is told apart by it.
 */
export function generatorVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const files = [
    ...readdirSync(SQL_DIR)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => join(SQL_DIR, f)),
    ...['city.ts', 'settings.ts', 'reductionCodes.ts'].map((f) => join(here, f)),
  ].sort();
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.slice(here.length)).update(readFileSync(f));
  return hash.digest('hex').slice(0, 12);
}

export function readGeneratorSql(name: string): string {
  return readFileSync(join(SQL_DIR, `${name}.sql`), 'utf8');
}

/** File names the generator writes, in order: the table name first, invoices per month. */
export function plannedFiles(settings: GeneratorSettings): { table: OutputTable; name: string; month?: number }[] {
  const ext = settings.format;
  const out: { table: OutputTable; name: string; month?: number }[] = [];
  for (const table of OUTPUT_TABLES) {
    if (table === 'invoice') {
      for (let m = 0; m < settings.months; m++) out.push({ table, name: `invoice-${monthLabel(settings.start, m)}.${ext}`, month: m });
    } else {
      out.push({ table, name: `${table}.${ext}` });
    }
  }
  return out;
}

/** What one connection needs before it can run an output query: the settings as variables, then session.sql's macros. */
function sessionSql(settings: GeneratorSettings): string {
  const statements = Object.entries(sqlVariables(settings)).map(([k, v]) => setVariableSql(k, v));
  statements.push(
    setVariableSql('code_vat_exempt', REDUCTION_CODES.vatSmallScaleExemption),
    setVariableSql('code_vat_rate_cut', REDUCTION_CODES.vatSmallScaleRateCut),
    setVariableSql('code_surcharge_halving', REDUCTION_CODES.surchargeHalving),
    setVariableSql('code_cit_slpe', REDUCTION_CODES.citSmallLowProfit),
    setVariableSql('code_cit_high_tech', REDUCTION_CODES.citHighTech),
    setVariableSql('code_iit_business_halving', REDUCTION_CODES.iitIndividualBusinessHalving),
    setVariableSql('code_education_exemption', REDUCTION_CODES.educationSurchargeExemption),
    setVariableSql('month', 0),
    readGeneratorSql('session'),
  );
  return statements.join('\n');
}

/**
 * Sets the settings as DuckDB variables, creates the macros (session.sql) and runs setup.sql on
 * the store: afterwards the tables every output query reads (tp, hall_day, filing_v) are there.
 */
export async function prepareGenerator(store: Store, settings: GeneratorSettings): Promise<void> {
  await store.exec(sessionSql(settings));
  await store.exec(readGeneratorSql('setup'));
}

/** Relative time to write each file (seconds per million taxpayers, measured): the writers take the costliest first. */
const WRITE_COST: Record<OutputTable, number> = {
  invoice: 8,
  payment: 7,
  filing: 6,
  invoice_quota: 5,
  credit_event: 4,
  hall_visit: 2.5,
  company_person: 2,
  filing_reduction: 1.7,
  cit_quarter_info: 0.5,
  cit_annual_info: 0.2,
  taxpayer: 1.2,
  application: 0.4,
  invoice_pickup: 0.4,
  employment_report: 0.2,
  enterprise_list: 0.1,
};

/**
 * How many files are written side by side. DuckDB's order-preserving Parquet writer keeps a
 * second thread mostly idle (a month of invoices took as long on one thread as on two), and its
 * row groups would depend on how the threads met; so each file is written by one thread, and as
 * many files at once as there are cores (at most 4: each writer holds its row groups in memory).
 */
const WRITERS = Math.max(1, Math.min(4, availableParallelism()));

/**
 * Generates a seeded synthetic city into outDir: one file per table (invoices one per
 * month). All rows are produced by DuckDB SQL (src/generate/sql); this function sets the
 * settings as DuckDB variables, makes the shared tables on all cores, then writes the files
 * with COPY, several at once, each on its own connection and thread (same seed, same bytes).
 */
export async function generateCity(
  settingsInput: GeneratorSettingsInput | GeneratorSettings,
  outDir: string,
  onProgress?: (step: GenerateStep) => void,
): Promise<{ files: GeneratedFile[]; ms: number }> {
  const settings = parseSettings(settingsInput as GeneratorSettingsInput);
  const started = performance.now();
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const spill = mkdtempSync(join(tmpdir(), 'zhishu-generate-'));
  const store = await Store.open(':memory:', {
    migrate: false,
    settings: { threads: String(WRITERS), memory_limit: '3GB', preserve_insertion_order: 'true' },
  });
  const writers: DuckDBConnection[] = [];
  try {
    await store.exec(`SET temp_directory = ${literal(spill)}`);
    await prepareGenerator(store, settings);
    await store.exec('SET threads = 1');
    writers.push(store.connection);
    for (let i = 1; i < WRITERS; i++) {
      const c = await store.connect();
      writers.push(c);
      await c.run(sessionSql(settings));
    }

    // zstd at level 1 writes a month of a million taxpayers' invoices in two thirds of the time of the
    // default level 3, and the files come out no larger (these columns are hashes and sequences).
    const parquet = '(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, DICTIONARY_SIZE_LIMIT 1)';
    const options = settings.format === 'parquet' ? parquet : '(FORMAT csv, HEADER true)';
    const plan = plannedFiles(settings);
    const files: GeneratedFile[] = new Array(plan.length);
    const queries = new Map(OUTPUT_TABLES.map((t) => [t, readGeneratorSql(t).trim().replace(/;\s*$/, '')]));
    // Largest first, so that the last files to finish are small ones and no writer idles long at the end.
    const order = plan.map((entry, i) => ({ entry, i })).sort((a, b) => WRITE_COST[b.entry.table] - WRITE_COST[a.entry.table] || a.i - b.i);
    let next = 0;
    let written = 0;
    let failed = false;
    // Each writer takes the next file of the plan until none is left (or another writer failed).
    const write = async (c: DuckDBConnection): Promise<void> => {
      while (!failed && next < plan.length) {
        const { entry, i } = order[next++] as (typeof order)[number];
        const t0 = performance.now();
        if (entry.month !== undefined) await c.run(setVariableSql('month', entry.month));
        const file = join(dir, entry.name);
        const result = await c.runAndReadAll(`COPY (\n${queries.get(entry.table)}\n) TO ${literal(file)} ${options}`);
        const rows = Number(result.getRowObjectsJson()[0]?.Count ?? 0);
        files[i] = { table: entry.table, file, rows };
        onProgress?.({ table: entry.table, file, rows, ms: Math.round(performance.now() - t0), index: written++, total: plan.length });
      }
    };
    const outcomes = await Promise.allSettled(
      writers.map((c) =>
        write(c).catch((err: unknown) => {
          failed = true;
          throw err;
        }),
      ),
    );
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
    return { files, ms: Math.round(performance.now() - started) };
  } finally {
    for (const c of writers.slice(1)) c.closeSync();
    store.close();
    rmSync(spill, { recursive: true, force: true });
  }
}
