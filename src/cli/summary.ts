import { DISTRICTS, type District, TABLES } from '../model/index.ts';
import type { Store } from '../store/store.ts';

export interface CitySummary {
  taxpayers: number;
  byDistrict: { district: string; label: string; taxpayers: number }[];
  byKind: { kind: string; taxpayers: number }[];
  byVatStatus: { vatStatus: string; taxpayers: number }[];
  counts: Record<string, number>;
  quarantined: number;
}

// Every table of the model but the taxpayers, which the summary breaks down instead.
const COUNTED = TABLES.map((t) => t.name).filter((name) => name !== 'taxpayer');

/** What is in the store: taxpayers by district, kind and VAT status, and the size of every other table. */
export async function citySummary(store: Store): Promise<CitySummary> {
  const byDistrict = await store.all<{ district: string; n: string }>('SELECT district, count(*) AS n FROM taxpayer GROUP BY ALL ORDER BY n DESC, district');
  const byKind = await store.all<{ kind: string; n: string }>('SELECT kind, count(*) AS n FROM taxpayer GROUP BY ALL ORDER BY n DESC, kind');
  const byVat = await store.all<{ vat_status: string; n: string }>('SELECT vat_status, count(*) AS n FROM taxpayer GROUP BY ALL ORDER BY n DESC, vat_status');
  const counts: Record<string, number> = {};
  for (const t of COUNTED) counts[t] = Number((await store.one<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).n);
  const quarantined = Number(
    (await store.one<{ n: string }>('SELECT count(*) AS n FROM (SELECT DISTINCT source_sha256, table_name, row_number FROM quarantine)')).n,
  );
  return {
    taxpayers: byDistrict.reduce((s, r) => s + Number(r.n), 0),
    byDistrict: byDistrict.map((r) => ({ district: r.district, label: DISTRICTS[r.district as District] ?? r.district, taxpayers: Number(r.n) })),
    byKind: byKind.map((r) => ({ kind: r.kind, taxpayers: Number(r.n) })),
    byVatStatus: byVat.map((r) => ({ vatStatus: r.vat_status, taxpayers: Number(r.n) })),
    counts,
    quarantined,
  };
}
