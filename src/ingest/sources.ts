import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { TABLES, type TableSpec } from '../model/index.ts';
import { Utf8Check } from './utf8.ts';

export type SourceFormat = 'parquet' | 'csv';

export interface SourceFile {
  path: string;
  table: TableSpec;
  format: SourceFormat;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

const FORMATS: Record<string, SourceFormat> = { '.parquet': 'parquet', '.csv': 'csv' };

/**
 * The table a file belongs to, from its name: the table name itself, or the
 * table name followed by '-' (e.g. invoice-2025-10.parquet). The longest
 * matching table name wins, so invoice_quota.csv is not read as invoices.
 */
export function tableForFile(path: string): TableSpec | undefined {
  const stem = basename(path, extname(path));
  return [...TABLES].sort((a, b) => b.name.length - a.name.length).find((t) => stem === t.name || stem.startsWith(`${t.name}-`));
}

/** Lists a directory's loadable files in load order (taxpayers first, then by table order and name). */
export async function discover(dir: string): Promise<{ files: SourceFile[]; skipped: SkippedFile[] }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: SourceFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const e of entries) {
    // Hidden files (a generator's manifest, an editor's swap file) are not data.
    const path = join(dir, e.name);
    const isFile = e.isFile() || (e.isSymbolicLink() && (await stat(path).catch(() => null))?.isFile() === true);
    if (!isFile || e.name.startsWith('.')) continue;
    const format = FORMATS[extname(e.name).toLowerCase()];
    const table = tableForFile(path);
    if (!format) skipped.push({ path, reason: `not a Parquet or CSV file` });
    else if (!table) skipped.push({ path, reason: `name does not start with a table name (${TABLES.map((t) => t.name).join(', ')})` });
    else files.push({ path, table, format });
  }
  const order = (t: TableSpec) => TABLES.indexOf(t);
  files.sort((a, b) => order(a.table) - order(b.table) || a.path.localeCompare(b.path));
  return { files, skipped };
}

/**
 * A file's content hash, and for CSV where it stops being UTF-8 text (null: it is), from one read of
 * its bytes. Parquet stores its strings as UTF-8 by definition.
 */
export async function fingerprint(file: SourceFile): Promise<{ sha256: string; notUtf8: { offset: number; line: number } | null }> {
  const hash = createHash('sha256');
  const utf8 = file.format === 'csv' ? new Utf8Check() : null;
  for await (const chunk of createReadStream(file.path)) {
    hash.update(chunk as Buffer);
    utf8?.update(chunk as Buffer);
  }
  return { sha256: hash.digest('hex'), notUtf8: utf8?.end() ?? null };
}
