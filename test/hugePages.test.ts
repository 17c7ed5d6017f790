import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { anonymousRegions, asksForHugePages, hugePageMode, newRegions, REGION_MIN_BYTES } from '../src/store/hugePages.ts';
import { keepFreedBlocksForCity, Store } from '../src/store/store.ts';
import { savedEnv } from './helpers/env.ts';
import { tempDir } from './helpers/tmp.ts';

/** The large mappings of this process the kernel was asked to back by huge pages (smaps' VmFlags `hg`), by start. */
function advisedRegions(): Set<bigint> {
  const advised = new Set<bigint>();
  let current: { start: bigint; size: bigint } | null = null;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (range) current = { start: BigInt(`0x${range[1]}`), size: BigInt(`0x${range[2]}`) - BigInt(`0x${range[1]}`) };
    else if (current && line.startsWith('VmFlags:') && / hg\b/.test(line) && current.size >= REGION_MIN_BYTES) advised.add(current.start);
  }
  return advised;
}
const added = (before: Set<bigint>, after: Set<bigint>) => [...after].filter((s) => !before.has(s)).length;
const linux = process.platform === 'linux';

describe("DuckDB's buffer blocks on huge pages (src/store/hugePages.ts)", () => {
  it('reads the anonymous read-write mappings from /proc/<pid>/maps and finds those made since, large ones only', () => {
    const before = anonymousRegions(
      [
        '55d0c0000000-55d0c0400000 rw-p 00000000 00:00 0 ',
        '55d0c1000000-55d0c2000000 rw-p 00000000 00:00 0                          [heap]',
        '7f0000000000-7f0080000000 ---p 00000000 00:00 0 ',
        '7f1000000000-7f1000200000 r-xp 00000000 fd:01 1234                       /usr/lib/libduckdb.so',
        '7f2000000000-7f2000100000 rw-p 00010000 fd:01 1234                       /usr/lib/libduckdb.so',
      ].join('\n'),
    );
    assert.deepEqual(before, [{ start: 0x55d0c0000000n, end: 0x55d0c0400000n }], 'not [heap], nor memory without access, nor a file');
    const after = anonymousRegions(
      [
        '55d0c0000000-55d0c0400000 rw-p 00000000 00:00 0 ',
        '7f3000000000-7f3480000000 rw-p 00000000 00:00 0 ', // 18 GiB: DuckDB's blocks
        '7f4000000000-7f4000800000 rw-p 00000000 00:00 0 ', // 8 MiB: a thread's stack, say
      ].join('\n'),
    );
    assert.deepEqual(newRegions(before, after), [{ start: 0x7f3000000000n, end: 0x7f3480000000n }]);
    assert.deepEqual(newRegions(after, after), [], 'nothing new: nothing to advise');
  });

  it("reads the kernel's setting, the one in brackets", () => {
    assert.equal(
      hugePageMode(() => 'always [madvise] never\n'),
      'madvise',
    );
    assert.equal(
      hugePageMode(() => '[always] madvise never\n'),
      'always',
    );
    assert.equal(
      hugePageMode(() => {
        throw new Error('ENOENT');
      }),
      null,
    );
  });

  it('asks for huge pages for the region DuckDB maps when it keeps freed blocks, opened so or set so for a city, and not with ZHISHU_HUGE_PAGES=0', {
    skip: !linux && 'Linux only',
  }, async () => {
    const dir = tempDir();
    const restore = savedEnv('ZHISHU_BLOCK_ALLOCATOR_MEMORY', 'ZHISHU_HUGE_PAGES');
    // Where the kernel's setting is madvise (this machine kind's) each case below maps one region and
    // advises it; with always or never the store asks nothing, and nothing is advised.
    delete process.env.ZHISHU_HUGE_PAGES;
    const expected = asksForHugePages() ? 1 : 0;
    try {
      // Opened keeping blocks: the region is mapped as the instance opens.
      process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY = '64MB';
      let before = advisedRegions();
      const opened = await Store.open(join(dir, 'opened.duckdb'));
      assert.equal(added(before, advisedRegions()), expected, `opened with block_allocator_memory (THP ${hugePageMode()})`);
      opened.close();

      // A city large for DuckDB's memory: the region is mapped as the setting is made.
      delete process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY;
      const city = await Store.open(join(dir, 'city.duckdb'), { settings: { memory_limit: '64MB' } });
      await city.exec(
        `INSERT INTO taxpayer SELECT printf('91110000%010d', i), 'Company ' || i, 'enterprise', 'general', 'I65', 'futian', DATE '2020-01-01', 10, 1000000, 'actualAccounts', false, NULL, 0, 'A' FROM range(20000) t(i)`,
      );
      before = advisedRegions();
      assert.equal(await keepFreedBlocksForCity(city), '64MB');
      assert.equal(added(before, advisedRegions()), expected, `set for a city (THP ${hugePageMode()})`);
      // DuckDB works on from the advised region: a query that takes blocks gives the right answer.
      const [sum] = await city.all<{ n: string }>('SELECT sum(length(name))::BIGINT AS n FROM taxpayer');
      assert.equal(sum?.n, String([...Array(20000).keys()].reduce((n, i) => n + `Company ${i}`.length, 0)));
      city.close();

      // Turned off: DuckDB maps its region, and nothing is asked.
      process.env.ZHISHU_HUGE_PAGES = '0';
      process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY = '64MB';
      before = advisedRegions();
      const off = await Store.open(join(dir, 'off.duckdb'));
      assert.equal(added(before, advisedRegions()), 0, 'ZHISHU_HUGE_PAGES=0');
      off.close();
    } finally {
      restore();
    }
  });
});
