/**
 * The pages DuckDB's own allocator frees, kept for reuse by a city-wide run.
 *
 * Beside its buffer blocks (kept by block_allocator_memory: store.ts, keepFreedBlocksForCity), DuckDB
 * allocates the working memory of a statement (the pointer tables of its hash joins, the tables of its
 * aggregates as they grow, the lists it builds, the strings it compresses) with jemalloc, built into it
 * on Linux. DuckDB has jemalloc hand the pages of freed memory back to the kernel after about a second
 * (its `dirty_decay_ms`), so the next statement's hash tables fault fresh pages in again, each costing a
 * page fault and a zeroed page; on the virtual machines Zhishu runs on that is dear (docs/architecture.md,
 * "Memory DuckDB has touched"). A push plan of a million taxpayers, statement after statement, took 0.65
 * to 0.72 million page faults, most of them there; with the decay off, 0.33 to 0.46 million.
 *
 * jemalloc is told through its control interface, `mallctl`, which DuckDB's library exports as
 * `duckdb_je_mallctl`, called through koffi: every arena's decay set to -1 (never hand pages back), and
 * the default for arenas made later. What the process has freed then stays in it until it exits, as the
 * kept blocks do. Where DuckDB is not built with jemalloc (not Linux, or musl) there is nothing to tell.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type Mallctl = (name: string, oldp: Buffer | null, oldlenp: number[] | null, newp: Buffer | null, newlen: number) => number;
let mallctl: Mallctl | null | undefined;

/** The path of DuckDB's library as this process has it mapped, from /proc/<pid>/maps text; null if it has none. */
export function duckdbLibrary(maps: string): string | null {
  for (const line of maps.split('\n')) {
    const path = line.trim().split(/\s+/)[5];
    if (path?.endsWith('/libduckdb.so')) return path;
  }
  return null;
}

/** DuckDB's jemalloc control, loaded once through koffi; null where DuckDB's library has none, or is not loaded yet. */
function duckdbMallctl(): Mallctl | null {
  if (mallctl !== undefined) return mallctl;
  if (process.platform !== 'linux') return null;
  const lib = duckdbLibrary(readFileSync('/proc/self/maps', 'utf8'));
  if (!lib) return null;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    mallctl = koffi
      .load(lib)
      .func('int duckdb_je_mallctl(const char *name, _Inout_ void *oldp, _Inout_ size_t *oldlenp, void *newp, size_t newlen)') as Mallctl;
  } catch {
    mallctl = null; // a DuckDB built without jemalloc (musl) exports no such function
  }
  return mallctl;
}

/** Reads a signed 64-bit setting of DuckDB's jemalloc (a decay, in ms); null where it cannot be read. */
export function jemallocDecay(name: string): number | null {
  const ctl = duckdbMallctl();
  if (!ctl) return null;
  const out = Buffer.alloc(8);
  return ctl(name, out, [8], null, 0) === 0 ? Number(out.readBigInt64LE()) : null;
}

function setDecay(ctl: Mallctl, name: string, ms: number): boolean {
  const value = Buffer.alloc(8);
  value.writeBigInt64LE(BigInt(ms));
  return ctl(name, null, null, value, 8) === 0;
}

let kept = false;

/**
 * Has DuckDB's jemalloc keep the pages it frees (every arena's dirty and muzzy decay -1, and the default
 * for later arenas), unless ZHISHU_KEEP_FREED_PAGES=0; once per process, as the setting lasts. Returns
 * whether jemalloc was told (now or before); false where there is none to tell. It needs DuckDB's library
 * loaded: call it with a store open.
 */
export function keepFreedPages(): boolean {
  if (kept) return true;
  if (process.env.ZHISHU_KEEP_FREED_PAGES === '0') return false;
  const ctl = duckdbMallctl();
  if (!ctl) return false;
  if (!setDecay(ctl, 'arenas.dirty_decay_ms', -1) || !setDecay(ctl, 'arenas.muzzy_decay_ms', -1)) return false;
  const count = Buffer.alloc(4);
  const narenas = ctl('arenas.narenas', count, [4], null, 0) === 0 ? count.readUInt32LE() : 0;
  // Arenas not made yet answer with an error; the default above covers them when they are.
  for (let i = 0; i < narenas; i++) {
    setDecay(ctl, `arena.${i}.dirty_decay_ms`, -1);
    setDecay(ctl, `arena.${i}.muzzy_decay_ms`, -1);
  }
  kept = true;
  return true;
}
