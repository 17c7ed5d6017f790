import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { literal, Store } from '../store/store.ts';
import { REDUCTION_CODES } from './reductionCodes.ts';
import { type GeneratorSettings, type GeneratorSettingsInput, monthLabel, parseSettings, setVariableSql, sqlVariables } from './settings.ts';

export { calibrationReport } from './calibration.ts';

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');

/**
 * Tables whose query keeps a fraction of each scanned batch (payments are the paid returns of
 * filing_v): DuckDB's order-preserving Parquet writer then cuts row groups where the threads happen
 * to meet, so the bytes (not the rows) could differ between two runs. Written by one thread, their
 * row groups are the same every time. The other queries keep or multiply whole batches.
 */
const ONE_THREAD: ReadonlySet<OutputTable> = new Set(['payment']);

/** Output tables in load order; `invoice` is written one file per month. */
export const OUTPUT_TABLES = [
  'taxpayer',
  'company_person',
  'filing',
  'filing_reduction',
  'payment',
  'invoice_quota',
  'invoice',
  'invoice_pickup',
  'hall_visit',
  'credit_event',
  'application',
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
  /** 0-based position of this file among all files written (the last one is total - 1). */
  index: number;
  total: number;
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

/**
 * Sets the settings as DuckDB variables and runs setup.sql on the store: afterwards the
 * macros and the tables every output query reads (tp, hall_day, filing_v) are there.
 */
export async function prepareGenerator(store: Store, settings: GeneratorSettings): Promise<void> {
  const vars = sqlVariables(settings);
  const statements = Object.entries(vars).map(([k, v]) => setVariableSql(k, v));
  statements.push(
    setVariableSql('code_vat_exempt', REDUCTION_CODES.vatSmallScaleExemption),
    setVariableSql('code_vat_rate_cut', REDUCTION_CODES.vatSmallScaleRateCut),
    setVariableSql('code_surcharge_halving', REDUCTION_CODES.surchargeHalving),
    setVariableSql('code_cit_slpe', REDUCTION_CODES.citSmallLowProfit),
    setVariableSql('code_cit_high_tech', REDUCTION_CODES.citHighTech),
    setVariableSql('month', 0),
  );
  await store.exec(statements.join('\n'));
  await store.exec(readGeneratorSql('setup'));
}

/**
 * Generates a seeded synthetic city into outDir: one file per table (invoices one per
 * month). All rows are produced by DuckDB SQL (src/generate/sql); this function only
 * sets the settings as DuckDB variables and writes each query with COPY.
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
    settings: { threads: '2', memory_limit: '3GB', preserve_insertion_order: 'true' },
  });
  try {
    await store.exec(`SET temp_directory = ${literal(spill)}`);
    await prepareGenerator(store, settings);

    // zstd at level 1 writes a month of a million taxpayers' invoices in two thirds of the time of the
    // default level 3, and the files come out no larger (these columns are hashes and sequences).
    const parquet = '(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, DICTIONARY_SIZE_LIMIT 1)';
    const options = settings.format === 'parquet' ? parquet : '(FORMAT csv, HEADER true)';
    const plan = plannedFiles(settings);
    const files: GeneratedFile[] = [];
    const queries = new Map<OutputTable, string>();
    for (const [index, entry] of plan.entries()) {
      const t0 = performance.now();
      if (entry.month !== undefined) await store.exec(setVariableSql('month', entry.month));
      let query = queries.get(entry.table);
      if (query === undefined) {
        query = readGeneratorSql(entry.table).trim().replace(/;\s*$/, '');
        queries.set(entry.table, query);
      }
      const file = join(dir, entry.name);
      if (ONE_THREAD.has(entry.table)) await store.exec('SET threads = 1');
      const result = await store.all<{ Count: string | number }>(`COPY (\n${query}\n) TO ${literal(file)} ${options}`);
      if (ONE_THREAD.has(entry.table)) await store.exec('SET threads = 2');
      const rows = Number(result[0]?.Count ?? 0);
      files.push({ table: entry.table, file, rows });
      onProgress?.({ table: entry.table, file, rows, ms: Math.round(performance.now() - t0), index, total: plan.length });
    }
    return { files, ms: Math.round(performance.now() - started) };
  } finally {
    store.close();
    rmSync(spill, { recursive: true, force: true });
  }
}
