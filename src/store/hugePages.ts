/**
 * DuckDB's buffer blocks on huge pages, where Linux leaves that to the program.
 *
 * When its block allocator is given memory (block_allocator_memory above 0, which a city-wide match, plan
 * or ledger sets: keepFreedBlocksForCity), DuckDB maps one region of virtual memory for its buffer blocks and
 * touches each new block a 4 KiB page at a time. Every first touch is a page fault, and on the virtual
 * machines Zhishu runs on a fault is dear: a match of a million taxpayers took 0.9 million of them,
 * and a quarter of its CPU time went to faulting and zeroing pages (docs/architecture.md, "Memory DuckDB
 * has touched"). Transparent huge pages back such a region with 2 MiB pages, 512 times fewer faults;
 * where the kernel's setting is `madvise` (the default of many distributions) it does so only for
 * memory its program asks for with madvise(MADV_HUGEPAGE), and DuckDB does not ask. So the store asks
 * for it: the region DuckDB maps when the setting is made is found in /proc/self/maps, by what was not
 * there before, and advised. The advice changes no byte a program reads, only the size of the pages
 * behind them. With `always` there is nothing to ask, with `never` nothing to gain; elsewhere than on
 * Linux, or with ZHISHU_HUGE_PAGES=0, the store does not ask.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A mapping of the process's virtual memory: [start, end). */
export interface Region {
  start: bigint;
  end: bigint;
}

/** DuckDB maps its blocks' region at 80 % of the memory it finds; no other mapping made then is so large. */
export const REGION_MIN_BYTES = 256n * 1024n * 1024n;
const MADV_HUGEPAGE = 14;

/** The anonymous mappings a program may read and write (`rw-p`, no file, no name such as [heap]), from /proc/<pid>/maps text. */
export function anonymousRegions(maps: string): Region[] {
  return maps.split('\n').flatMap((line) => {
    const [range, perms, , , inode, name] = line.trim().split(/\s+/);
    if (!range || perms !== 'rw-p' || inode !== '0' || name) return [];
    const [start, end] = range.split('-').map((hex) => BigInt(`0x${hex}`));
    return start === undefined || end === undefined ? [] : [{ start, end }];
  });
}

/** The regions of after, at least minBytes long, that before had no mapping starting where they start. */
export function newRegions(before: readonly Region[], after: readonly Region[], minBytes = REGION_MIN_BYTES): Region[] {
  const known = new Set(before.map((r) => r.start));
  return after.filter((r) => r.end - r.start >= minBytes && !known.has(r.start));
}

/** The kernel's transparent huge page setting, or null where there is none to read (not Linux, or no THP). */
export function hugePageMode(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): 'always' | 'madvise' | 'never' | null {
  try {
    const chosen = /\[(always|madvise|never)\]/.exec(read('/sys/kernel/mm/transparent_hugepage/enabled'));
    return (chosen?.[1] as 'always' | 'madvise' | 'never' | undefined) ?? null;
  } catch {
    return null;
  }
}

type Madvise = (addr: bigint, length: bigint, advice: number) => number;
let madvise: Madvise | null | undefined;
/** libc's madvise through koffi (an FFI with prebuilt binaries), loaded once; null where it cannot be. */
function libcMadvise(): Madvise | null {
  if (madvise !== undefined) return madvise;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    madvise = koffi.load('libc.so.6').func('int madvise(uintptr_t addr, size_t length, int advice)') as Madvise;
  } catch {
    madvise = null;
  }
  return madvise;
}

/** Whether the store asks for huge pages in this process: on Linux with THP `madvise`, unless ZHISHU_HUGE_PAGES=0. */
export function asksForHugePages(): boolean {
  return process.platform === 'linux' && process.env.ZHISHU_HUGE_PAGES !== '0' && hugePageMode() === 'madvise';
}

/**
 * Runs act, which may make DuckDB map its blocks' region (opening an instance with block_allocator_memory,
 * or setting it), then advises the large anonymous mappings made meanwhile to be backed by huge pages.
 * Returns act's value. Advice the kernel refuses is let go: it changes the size of pages, never a result.
 */
export async function withHugePages<T>(act: () => Promise<T>): Promise<T> {
  if (!asksForHugePages()) return await act();
  const mapped = () => anonymousRegions(readFileSync('/proc/self/maps', 'utf8'));
  const before = mapped();
  const value = await act();
  const advise = libcMadvise();
  if (advise) for (const r of newRegions(before, mapped())) advise(r.start, r.end - r.start, MADV_HUGEPAGE);
  return value;
}
