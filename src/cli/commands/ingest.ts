import { existsSync, statSync } from 'node:fs';
import { type IngestReport, ingestDirectory } from '../../ingest/ingest.ts';
import type { Store } from '../../store/store.ts';
import { fmtInt, fmtMs, fmtRate, table } from '../format.ts';

export class UsageError extends Error {}

/** Loads a directory with one progress line per file on stderr. */
export async function runIngest(store: Store, dir: string, quiet = false): Promise<IngestReport> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`not a directory: ${dir}`);
  return ingestDirectory(store, dir, {
    onFile: (r, i, n) => {
      if (quiet) return;
      const what =
        r.status === 'skipped'
          ? 'already loaded, skipped'
          : r.status === 'rejected'
            ? `REJECTED: ${r.problem}`
            : `${fmtInt(r.read)} read, ${fmtInt(r.loaded)} loaded, ${fmtInt(r.present)} already present${r.filled ? ` (${fmtInt(r.filled)} with empty columns filled in)` : ''}, ${fmtInt(r.quarantined)} quarantined, ${fmtMs(r.ms)} (${fmtRate(r.read, r.ms)})`;
      process.stderr.write(`[${i + 1}/${n}] ${r.file}: ${what}\n`);
    },
  });
}

export function ingestText(report: IngestReport): string {
  const rows = Object.entries(report.tables).map(([t, c]) => [t, c.read, c.loaded, c.present, c.quarantined]);
  const lines = [table(['table', 'read', 'loaded', 'already present', 'quarantined'], rows)];
  for (const f of report.files.filter((x) => x.status === 'rejected')) lines.push(`rejected file ${f.file}: ${f.problem}`);
  for (const s of report.skipped) lines.push(`not loaded: ${s.path}: ${s.reason}`);
  lines.push(`${report.files.length} files in ${fmtMs(report.ms)}`);
  return lines.join('\n');
}
