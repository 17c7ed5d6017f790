/**
 * npm run bench:policy [-- --taxpayers 1000000] [--repeat 3] [--compare <git revision>] [--pg URL | --no-pg]
 *                       [--allocator-rounds N] [--huge-page-rounds N] [--allocator-only]
 *
 * The policy robot's pipeline on a generated city: facts → match → ledger → push plan, each stage in
 * its own process (wall time, CPU time and peak RSS per stage), then the single-taxpayer re-match
 * latency (median and p99), side by side with the alternatives a user would write: evaluating the
 * rules row by row in TypeScript, and re-matching from a stored facts row in TypeScript; the same
 * re-match on PostgreSQL (the city's registrations and returns copied there and matched first). The push
 * plan runs `--repeat` times on copies of the matched database (median reported); with `--compare`
 * the planner of that git revision runs beside it on the same copies (up to --plan-limit taxpayers).
 * Then the match, the ledger and the plan with DuckDB's freed blocks kept up to the memory limit and
 * with its default, in turn (--allocator-rounds, default --repeat), and with DuckDB's kept blocks on huge pages and
 * not (--huge-page-rounds, default --repeat); --allocator-only stops after those two.
 * Writes its sections of docs/benchmarks.md.
 *
 * The ingested city is kept in the system's temporary directory, named by its size and a hash of the
 * generator, ingest and schema sources, and reused while they do not change (a 1,000,000-taxpayer
 * city takes minutes to generate and load); --fresh builds it again.
 *
 * Internally `bench/policy.ts --stage plan <db> <period> <planner module>` runs one push plan, as
 * the match command does: inside a transaction.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hugePageMode } from '../src/store/hugePages.ts';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => (argv.includes(name) ? (argv[argv.indexOf(name) + 1] ?? dflt) : dflt);

if (argv[0] === '--stage') await stage(argv.slice(1));
else await main();

/**
 * One push plan in this process: prints { ms, cpuMs, maxRssMiB, plan }. `standalone` plans as `zhishu push
 * plan` does (each batch its own transaction), otherwise inside one transaction, as `zhishu match` does.
 */
async function stage([name, db, period, module, ...flags]: string[]): Promise<void> {
  if (name !== 'plan' || !db || !period || !module) throw new Error('usage: bench/policy.ts --stage plan <db> <period> <planner module> [keyed] [standalone]');
  const keyed = flags.includes('keyed');
  const standalone = flags.includes('standalone');
  const { Store } = await import('../src/store/store.ts');
  const { catalogueOf, DEFAULT_LAW_DIR } = await import('../src/match/match.ts');
  const { parseQuarter } = await import('../src/match/period.ts');
  const planner = (await import(pathToFileURL(resolve(module)).href)) as Record<string, unknown>;
  const planPushes = planner.planPushes as (
    s: unknown,
    e: unknown,
    o: { period: string; now: Date; lacking?: unknown; words?: unknown; onProgress?: (p: { halved: number }) => void },
  ) => Promise<unknown>;
  const { itemWords } = await import('../src/match/lacking.ts');
  const store = await Store.open(db);
  // A planner written before migration 008 inserts with ON CONFLICT, which needs the outbox's ids
  // under a unique index: its copy gets one back (on the empty outbox, before the clock starts).
  if (keyed) await store.exec('CREATE UNIQUE INDEX push_message_id ON push_message (message_id)');
  const entries = catalogueOf(DEFAULT_LAW_DIR).catalogue.entries;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // The match command plans inside the transaction that writes the results; `zhishu push plan` on its own.
  // What each near miss lacks is asked of the match part, as the commands ask it.
  // A planner from before b5808ab looks the words up by lackingKey(creditCode, policyId) in one flat map.
  const byTaxpayer = itemWords(store, DEFAULT_LAW_DIR, period);
  const key = planner.lackingKey as ((c: string, p: string) => string) | undefined;
  const lacking = key
    ? async (nearMisses: readonly { creditCode: string; policyId: string }[]) =>
        new Map([...(await byTaxpayer(nearMisses))].flatMap(([c, policies]) => [...policies].map(([p, words]) => [key(c, p), words] as const)))
    : byTaxpayer;
  // `words` since the reliefs' notices, `lacking` before: each planner reads its own and ignores the other.
  // Batches planned again as halves, out of DuckDB's memory limit (a planner from before 2026-12-03 says nothing).
  let halved = 0;
  const options = {
    period,
    now: new Date(`${parseQuarter(period).end}T00:00:00Z`),
    lacking,
    words: lacking,
    onProgress: (p: { halved: number }) => {
      halved = p.halved;
    },
  };
  const plan = standalone ? await planPushes(store, entries, options) : await store.transaction(() => planPushes(store, entries, options));
  // Until the outbox is in the database file, as the command's exit leaves it (policyPhase.ts).
  const c0 = performance.now();
  await store.checkpoint();
  const checkpointMs = performance.now() - c0;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  store.close();
  process.stdout.write(
    `${JSON.stringify({ ms, checkpointMs, cpuMs: (cpu.user + cpu.system) / 1000, sysMs: cpu.system / 1000, minorFaults: process.resourceUsage().minorPageFault, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), halved, plan })}\n`,
  );
}

async function main(): Promise<void> {
  const N = Number(opt('--taxpayers', '1000000'));
  const SAMPLE = Number(opt('--rematch', '1000'));
  const PLAN_LIMIT = Number(opt('--plan-limit', '200000'));
  const REPEAT = Number(opt('--repeat', N <= PLAN_LIMIT ? '3' : '1'));
  const COMPARE = argv.includes('--compare') ? opt('--compare', '') : null;
  const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : n < 100 ? 1 : 0 });
  const log = (s: string) => process.stderr.write(`policy bench: ${s}\n`);
  const secs = (ms: number) => `${fmt(ms / 1000)} s`;
  /** Puts a section of docs/benchmarks.md in place (between its markers), or at the end the first time, and shows it. */
  const writeSection = (marker: string, section: string) => {
    const doc = existsSync('docs/benchmarks.md') ? readFileSync('docs/benchmarks.md', 'utf8') : '# Benchmarks\n';
    writeFileSync(
      'docs/benchmarks.md',
      doc.includes(`<!-- ${marker} -->`)
        ? doc.replace(new RegExp(`<!-- ${marker} -->[\\s\\S]*<!-- /${marker} -->`), () => section)
        : `${doc.trimEnd()}\n\n${section}\n`,
    );
    process.stderr.write(`${section}\n`);
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

  type Result = { ms: number; maxRssMiB: number; [k: string]: unknown };
  const run = (script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Result => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, ...args], {
      env,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return JSON.parse(out.trim().split('\n').pop() as string) as Result;
  };
  // The copy is synced to disk before the stage that reads it starts, so that the kernel does not write
  // gigabytes of it back while the stage is timed.
  const copyDb = (from: string, to: string) => {
    for (const f of [to, `${to}.wal`]) rmSync(f, { force: true });
    for (const [a, b] of [
      [from, to],
      [`${from}.wal`, `${to}.wal`],
    ] as const) {
      if (!existsSync(a)) continue;
      copyFileSync(a, b);
      const fd = openSync(b, 'r+');
      fsyncSync(fd);
      closeSync(fd);
    }
  };

  // The generated city depends on the generator, the ingest and the schema: a change to any of them
  // makes another city.
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
  const sources = ['src/generate', 'src/ingest', 'src/model', 'src/store/sql'].flatMap(files);
  const hash = createHash('sha256');
  for (const f of sources.sort()) hash.update(f).update(readFileSync(f));
  const cacheDir = join(tmpdir(), 'zhishu-policy-bench');
  const cached = join(cacheDir, `city-${N}-${hash.digest('hex').slice(0, 12)}.duckdb`);

  const work = mkdtempSync(join(tmpdir(), 'zhishu-policy-bench-'));
  try {
    const db = join(work, 'zhishu.duckdb');
    let gen: Result | null = null;
    let ing: Result | null = null;
    if (existsSync(cached) && !argv.includes('--fresh')) log(`reusing the ingested city ${cached}`);
    else {
      const city = join(work, 'city');
      log(`generating ${fmt(N)} taxpayers × 12 months`);
      gen = run('bench/phase.ts', ['generate', city, '', String(N)]);
      log(`ingesting (${fmt(gen.ms)} ms to generate)`);
      ing = run('bench/phase.ts', ['ingest', city, db]);
      rmSync(city, { recursive: true, force: true });
      mkdirSync(cacheDir, { recursive: true });
      copyDb(db, `${cached}.part`);
      renameSync(`${cached}.part`, cached);
      writeFileSync(`${cached}.json`, JSON.stringify({ generateMs: gen.ms, ingestMs: ing.ms }));
    }
    const built = existsSync(`${cached}.json`) ? (JSON.parse(readFileSync(`${cached}.json`, 'utf8')) as { generateMs: number; ingestMs: number }) : null;
    copyDb(cached, db);

    // The latest full quarter of the generated window (the generator starts in 2025-10 by default).
    const period = '2026-Q3';
    log(`matching ${period}`);
    const match = run('bench/policyPhase.ts', ['match', db, period]);
    // The ledger of the allocator's comparison starts from the city as matched, before its ledger.
    const matchedOnly = join(work, 'matched-only.duckdb');
    copyDb(db, matchedOnly);
    log('ledger');
    const ledger = run('bench/policyPhase.ts', ['ledger', db, period]);

    // Every plan starts from the same matched database, so runs and planners compare like for like.
    const matched = join(work, 'matched.duckdb');
    copyDb(db, matched);
    const here = dirname(fileURLToPath(import.meta.url));
    const planner = join(here, '..', 'src', 'push', 'plan.ts');

    // Each stage of the pipeline in its own process on copies of one city, two ways that differ by the
    // environment only, in turn, the order swapped each round: medians, CPU time, of it the kernel's, minor
    // page faults, peak RSS. Rows of a table of docs/benchmarks.md, and the three stages' total.
    type Setting = { label: string; env: NodeJS.ProcessEnv };
    const compareStages = (name: string, settings: [Setting, Setting], rounds: number): { rows: string[]; total: string } => {
      const stages = [
        { label: 'facts and match', from: cached, script: 'bench/policyPhase.ts', args: (c: string) => ['match', c, period] },
        { label: 'ledger', from: matchedOnly, script: 'bench/policyPhase.ts', args: (c: string) => ['ledger', c, period] },
        {
          label: "push plan, inside the match's transaction",
          from: matched,
          script: 'bench/policy.ts',
          args: (c: string) => ['--stage', 'plan', c, period, planner],
        },
      ];
      const results = stages.map(() => settings.map(() => [] as Result[]));
      for (let r = 0; r < rounds; r++) {
        stages.forEach((st, si) => {
          for (const k of r % 2 === 0 ? [0, 1] : [1, 0]) {
            const setting = settings[k] as Setting;
            const copy = join(work, `${name}.duckdb`);
            copyDb(st.from, copy);
            log(`${name}: ${st.label}, ${setting.label} (${r + 1}/${rounds})`);
            try {
              (results[si] as Result[][])[k]?.push(run(st.script, st.args(copy), { ...process.env, ...setting.env }));
            } finally {
              for (const f of [copy, `${copy}.wal`]) rmSync(f, { force: true });
            }
          }
        });
      }
      const med = (rs: Result[], key: string) => median(rs.map((x) => x[key] as number));
      const cell = (rs: Result[]) =>
        `${secs(med(rs, 'ms'))} (${rs.map((x) => secs(x.ms)).join(', ')}); CPU ${secs(med(rs, 'cpuMs'))}, kernel ${secs(med(rs, 'sysMs'))}; ${fmt(med(rs, 'minorFaults') / 1e6)} M page faults; ${fmt(med(rs, 'maxRssMiB'))} MiB`;
      const rows = stages.map((st, si) => {
        const [a, b] = results[si] as [Result[], Result[]];
        return `| ${st.label} | ${cell(a)} | ${cell(b)} | ${(med(a, 'ms') / med(b, 'ms')).toFixed(2)}× |`;
      });
      const sum = (k: number) => stages.reduce((acc, _, si) => acc + med((results[si] as Result[][])[k] as Result[], 'ms'), 0);
      return { rows, total: `| **the three stages** | **${secs(sum(0))}** | **${secs(sum(1))}** | **${(sum(0) / sum(1)).toFixed(2)}×** |` };
    };

    // A comparison of two settings, stage by stage (compareStages), as its own section of docs/benchmarks.md:
    // the intro says what differs; the table's columns are the two settings' short names.
    const compareSection = (c: {
      flag: string;
      marker: string;
      title: string;
      settings: [Setting, Setting];
      heads: [string, string, string];
      intro: (rounds: string) => string;
    }) => {
      const rounds = Number(opt(c.flag, String(REPEAT)));
      if (rounds <= 0) return;
      const { rows, total } = compareStages(c.marker, c.settings, rounds);
      const roundsText = `medians of ${rounds} round${rounds === 1 ? '' : 's'} (each run in brackets)`;
      writeSection(
        `${c.marker}-${N}`,
        `<!-- ${c.marker}-${N} -->
### ${c.title}, ${fmt(N)} taxpayers

\`npm run bench:policy -- ${argv.join(' ')}\`, ${new Date().toISOString().slice(0, 10)}${c.intro(roundsText)}

| stage | ${c.heads.join(' | ')} |
|---|---|---|---|
${rows.join('\n')}
${total}
<!-- /${c.marker}-${N} -->`,
      );
    };

    // DuckDB's block allocator (src/store/store.ts, keepFreedBlocksForCity; docs/architecture.md): each stage
    // of the pipeline with freed blocks kept for reuse up to the memory limit (ZHISHU_BLOCK_ALLOCATOR_MEMORY=3GB,
    // what a city-wide match, plan or ledger does by itself where the city is large for DuckDB's memory) and with DuckDB's
    // default (=0: their pages handed back to the kernel).
    compareSection({
      flag: '--allocator-rounds',
      marker: 'allocator',
      title: "DuckDB's block allocator",
      settings: [
        { label: 'kept up to the memory limit (`ZHISHU_BLOCK_ALLOCATOR_MEMORY=3GB`)', env: { ZHISHU_BLOCK_ALLOCATOR_MEMORY: '3GB' } },
        { label: "DuckDB's default (`ZHISHU_BLOCK_ALLOCATOR_MEMORY=0`)", env: { ZHISHU_BLOCK_ALLOCATOR_MEMORY: '0' } },
      ],
      heads: ['kept up to the memory limit', "DuckDB's default", 'time, kept ÷ default'],
      intro: (rounds) => `. Each stage of the pipeline in its own
process on a copy of one city (${period}), with DuckDB's freed buffer blocks kept for reuse up to the memory limit (3 GB) and with
DuckDB's default (their pages handed back to the kernel, touched again for the next block), in turn, the order swapped each
round: ${rounds}, the process's CPU time, of it the time in the kernel, minor
page faults, peak RSS. A city-wide match, push plan or ledger keeps them by itself where the city is large for DuckDB's memory (with 3 GB,
from about 732,000 taxpayers): docs/architecture.md, "Memory DuckDB has touched". Blocks kept are on
huge pages in both columns where the kernel leaves that to the program (src/store/hugePages.ts; the section below).`,
    });

    // Huge pages (src/store/hugePages.ts): the region of DuckDB's kept blocks advised MADV_HUGEPAGE, as the
    // store does where the kernel's setting is madvise, and not (ZHISHU_HUGE_PAGES=0).
    compareSection({
      flag: '--huge-page-rounds',
      marker: 'huge-pages',
      title: "DuckDB's blocks on huge pages",
      settings: [
        { label: 'asked for (the default)', env: { ZHISHU_HUGE_PAGES: '1' } },
        { label: 'not asked for (`ZHISHU_HUGE_PAGES=0`)', env: { ZHISHU_HUGE_PAGES: '0' } },
      ],
      heads: ['asked for', 'not asked for', 'time, asked ÷ not'],
      intro: (rounds) => `; the kernel's transparent huge pages: \`${hugePageMode() ?? 'none to read'}\`.
Each stage of the pipeline in its own process on a copy of one city (${period}), the store asking the kernel to back the region of
DuckDB's kept buffer blocks by 2 MiB pages (madvise MADV_HUGEPAGE, src/store/hugePages.ts) and not asking, in turn, the order
swapped each round: ${rounds}, CPU time, of it the kernel's, minor page faults, peak RSS.
The region exists where blocks are kept: a city-wide match, push plan or ledger of a city large for DuckDB's memory.`,
    });

    // jemalloc's freed pages (src/store/freedPages.ts): kept by a city-wide run (its decay off), as the store
    // does for a city large for DuckDB's memory, and handed back as DuckDB has them (ZHISHU_KEEP_FREED_PAGES=0).
    compareSection({
      flag: '--freed-page-rounds',
      marker: 'freed-pages',
      title: "The pages DuckDB's jemalloc frees",
      settings: [
        { label: 'kept (the default)', env: { ZHISHU_KEEP_FREED_PAGES: '1' } },
        { label: 'handed back (`ZHISHU_KEEP_FREED_PAGES=0`)', env: { ZHISHU_KEEP_FREED_PAGES: '0' } },
      ],
      heads: ['kept', 'handed back', 'time, kept ÷ handed back'],
      intro: (rounds) => `. Each stage of the pipeline in its own
process on a copy of one city (${period}), the working memory DuckDB's statements free (hash tables, lists, strings being
compressed, allocated with jemalloc) kept by the process for the next statement (every arena's decay -1, src/store/freedPages.ts)
and handed back to the kernel after about a second as DuckDB configures jemalloc, in turn, the order swapped each round:
${rounds}, CPU time, of it the kernel's, minor page faults, peak RSS. The store keeps them for a city-wide
push plan of a city large for DuckDB's memory (the match and the ledger, which gained nothing by it, leave DuckDB's decay: their
columns differ by chance alone); the buffer blocks are kept in both columns.`,
    });

    rmSync(matchedOnly, { force: true });
    if (argv.includes('--allocator-only')) return;
    // `again` plans the copy a second time in another process, as the next night's `zhishu push plan` finds
    // the outbox the first one filled: the same results, so nothing new, but every batch reads what is there.
    const planOnCopy = (module: string, label: string, i: number, keyed = false, standalone = false, again: Result[] = []): Result => {
      const copy = join(work, `plan-${i}.duckdb`);
      copyDb(matched, copy);
      log(`push plan, ${label} (${i + 1}/${REPEAT})`);
      const args = ['--stage', 'plan', copy, period, module, ...(keyed ? ['keyed'] : []), ...(standalone ? ['standalone'] : [])];
      try {
        const first = run('bench/policy.ts', args);
        if (standalone) {
          log(`push plan again, ${label} (${i + 1}/${REPEAT})`);
          again.push(run('bench/policy.ts', args));
        }
        return first;
      } finally {
        for (const f of [copy, `${copy}.wal`]) rmSync(f, { force: true });
        rmSync(`${copy}.tmp`, { recursive: true, force: true });
      }
    };
    let previous: string | null = null;
    if (COMPARE && N <= PLAN_LIMIT) {
      // The planner of that revision, its relative imports pointed at today's modules (the message
      // texts, settings and times it uses are unchanged).
      const text = execFileSync('git', ['show', `${COMPARE}:src/push/plan.ts`], { encoding: 'utf8' });
      previous = join(work, 'previous-plan.ts');
      writeFileSync(
        previous,
        text.replace(/from '(\.\.?\/[^']+)'/g, (_, p: string) => `from '${resolve(here, '..', 'src', 'push', p)}'`),
      );
      // Its SQL too (a planner since set-wise reads sql/ beside itself), as that revision has it.
      for (const file of ['sql/plan.sql', 'sql/postgres/plan.sql']) {
        if (spawnSync('git', ['cat-file', '-e', `${COMPARE}:src/push/${file}`], { stdio: 'ignore' }).status !== 0) continue;
        mkdirSync(dirname(join(work, file)), { recursive: true });
        writeFileSync(join(work, file), execFileSync('git', ['show', `${COMPARE}:src/push/${file}`], { encoding: 'utf8', maxBuffer: 1 << 26 }));
      }
    }
    // A planner from before migration 008 inserts with ON CONFLICT, which needs a unique index on the ids.
    const previousKeyed =
      previous !== null && spawnSync('git', ['cat-file', '-e', `${COMPARE}:src/store/sql/migrations/008_outbox_unkeyed.sql`], { stdio: 'ignore' }).status !== 0;
    const current: Result[] = [];
    const alone: Result[] = [];
    const again: Result[] = [];
    const before: Result[] = [];
    for (let i = 0; i < REPEAT; i++) {
      current.push(planOnCopy(planner, 'set-wise planner, inside one transaction', i));
      alone.push(planOnCopy(planner, 'set-wise planner, standalone', i, false, true, again));
      if (previous) before.push(planOnCopy(previous, `planner of ${COMPARE}`, i, previousKeyed));
    }
    // The pipeline as a user runs it: `zhishu match` on the ingested city (facts, match, the plan in its
    // transaction with what the near misses lack, the ledger), one process, until it exits.
    const command: { ms: number; planned: number }[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const copy = join(work, `command-${i}.duckdb`);
      copyDb(cached, copy);
      log(`zhishu match, as a user runs it (${i + 1}/${REPEAT})`);
      try {
        const t0 = performance.now();
        const out = execFileSync(process.execPath, [join(here, '..', 'bin', 'zhishu.js'), 'match', '--db', copy, '--period', period, '--json'], {
          encoding: 'utf8',
          maxBuffer: 1 << 26,
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const ms = performance.now() - t0;
        command.push({ ms, planned: (JSON.parse(out) as { plan: { planned: number } | null }).plan?.planned ?? 0 });
      } finally {
        for (const f of [copy, `${copy}.wal`]) rmSync(f, { force: true });
        rmSync(`${copy}.tmp`, { recursive: true, force: true });
      }
    }
    // The next quarter, as a user runs it: the quarter before matched and planned first (not timed), so
    // the reliefs without an estimate told then are not told again (src/push/README.md, "Once in four
    // quarters"), which is how every quarter after a bureau's first runs.
    const next: { ms: number; planned: number; toldRecently: number; candidates: number }[] = [];
    const before2 = '2026-Q2';
    for (let i = 0; i < REPEAT; i++) {
      const copy = join(work, `next-${i}.duckdb`);
      copyDb(cached, copy);
      const zhishu = (p: string) =>
        execFileSync(process.execPath, [join(here, '..', 'bin', 'zhishu.js'), 'match', '--db', copy, '--period', p, '--json'], {
          encoding: 'utf8',
          maxBuffer: 1 << 26,
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      try {
        log(`zhishu match ${before2}, then ${period} as a user runs it (${i + 1}/${REPEAT})`);
        zhishu(before2);
        const t0 = performance.now();
        const out = zhishu(period);
        const ms = performance.now() - t0;
        const p = (JSON.parse(out) as { plan: { planned: number; toldRecently: number; candidates: number } | null }).plan;
        next.push({ ms, planned: p?.planned ?? 0, toldRecently: p?.toldRecently ?? 0, candidates: p?.candidates ?? 0 });
      } finally {
        for (const f of [copy, `${copy}.wal`]) rmSync(f, { force: true });
        rmSync(`${copy}.tmp`, { recursive: true, force: true });
      }
    }
    log(`re-matching ${SAMPLE} single taxpayers`);
    const re = run('bench/policyPhase.ts', ['rematch', db, period, String(SAMPLE)]);
    // The same re-match on PostgreSQL (where a bureau would serve from), unless --no-pg.
    const PG_URL = opt('--pg', process.env.ZHISHU_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
    let rePg: Result | null = null;
    if (!argv.includes('--no-pg')) {
      log(`re-matching ${SAMPLE} single taxpayers on PostgreSQL (the city copied and matched there first)`);
      rePg = run('bench/policyPhase.ts', ['rematch-pg', db, period, PG_URL, String(SAMPLE)]);
    }
    log('row-by-row interpreter on 100,000 taxpayers');
    const interp = run('bench/policyPhase.ts', ['interpreter', db, period, '100000']);

    const m = match.run as { entries: number; taxpayers: number; byStatus: Record<string, number> };
    const factsMs = match.factsMs as number;
    const matchMs = match.matchMs as number;
    const planMs = median(current.map((r) => r.ms));
    const plan = current[0]?.plan as { planned: number; digests: number; candidates: number };
    const pipelineMs = match.ms + ledger.ms + planMs;
    const aloneMs = median(alone.map((r) => r.ms));
    const commandsMs = match.ms + ledger.ms + aloneMs;
    const commandMs = median(command.map((c) => c.ms));
    const nextMs = median(next.map((c) => c.ms));
    const interpPerTaxpayerMs = (interp.evalMs as number) / (interp.rows as number);
    const stageRow = (name: string, ms: number | string, rss: number | string, note = '') =>
      `| ${name} | ${typeof ms === 'number' ? secs(ms) : ms} | ${rss} | ${note} |`;
    const runsText = (rs: Result[]) => (rs.length > 1 ? `median of ${rs.length}: ${rs.map((r) => secs(r.ms)).join(', ')}; ` : '');
    const planned = (rs: Result[], key: 'planned' | 'alreadyPlanned') => fmt(Number((rs[0]?.plan as Record<string, number> | undefined)?.[key] ?? 0));
    const planNote = (rs: Result[], what = `${planned(rs, 'planned')} messages`) =>
      `${runsText(rs)}CPU ${secs(median(rs.map((r) => r.cpuMs as number)))}; checkpoint ${secs(median(rs.map((r) => (r.checkpointMs as number | undefined) ?? 0)))}; ${what}`;
    const buildText =
      gen && ing
        ? `${fmt(gen.ms / 1000)} s to generate, ${fmt(ing.ms / 1000)} s to ingest`
        : built
          ? `${fmt(built.generateMs / 1000)} s to generate, ${fmt(built.ingestMs / 1000)} s to ingest when it was built`
          : 'generated earlier';
    const section = `<!-- policy-${N} -->
## Policy robot: facts → match → ledger → push plan, ${fmt(N)} taxpayers

\`${process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY ? `ZHISHU_BLOCK_ALLOCATOR_MEMORY=${process.env.ZHISHU_BLOCK_ALLOCATOR_MEMORY} ` : ''}npm run bench:policy -- --taxpayers ${N}${REPEAT !== (N <= PLAN_LIMIT ? 3 : 1) ? ` --repeat ${REPEAT}` : ''}${COMPARE ? ` --compare ${COMPARE}` : ''}\`, ${new Date().toISOString().slice(0, 10)}. A generated city (${buildText},
not part of the pipeline), quarter ${period}: ${m.entries} policies in force × ${fmt(m.taxpayers)} taxpayers;
${fmt(m.byStatus.matched ?? 0)} matched, ${fmt(m.byStatus.nearMiss ?? 0)} near misses, ${fmt(m.byStatus.unknown ?? 0)} unknown pairs stored. Each stage runs in its own
process and ends with a CHECKPOINT (timed with it: the writes in the database file, as the command's exit leaves them);
peak RSS includes DuckDB's memory (its limit is 3 GB). The push plan runs on a fresh copy of the matched database each time, in
turn two ways: inside one transaction, as \`zhishu match\` plans in the transaction that writes its results, and standalone, as
\`zhishu push plan\` runs after \`zhishu match --no-push\` (each batch of 250,000 taxpayers its own transaction: a crash leaves whole
taxpayers planned, and the next plan completes them); ${fmt(plan.candidates)} single messages called for, ${fmt(plan.digests)} digests among the rows written.
A noisy 2-core machine shared with other work: CPU time is the steadier figure.

| stage | wall time | peak RSS (MiB) | |
|---|---:|---:|---|
${stageRow('facts (SQL over the returns)', factsMs, '', 'same process as the match')}
${stageRow('match (every rule, its loosened form and its benefit, one query)', matchMs + (match.checkpointMs as number), match.maxRssMiB, `${fmt((m.entries * m.taxpayers) / (matchMs / 1000) / 1e6)} M taxpayer-policy pairs/s; checkpoint ${secs(match.checkpointMs as number)}`)}
${stageRow('ledger', ledger.ms, ledger.maxRssMiB, `checkpoint ${secs(ledger.checkpointMs as number)}`)}
${stageRow("push plan (set-wise, sql/plan.sql), inside the match's transaction", planMs, median(current.map((r) => r.maxRssMiB)), planNote(current))}
${stageRow('push plan, standalone (`zhishu push plan`)', aloneMs, median(alone.map((r) => r.maxRssMiB)), planNote(alone))}
${stageRow('push plan again, standalone: the next night, the same results, the outbox full (not part of the pipeline)', median(again.map((r) => r.ms)), median(again.map((r) => r.maxRssMiB)), planNote(again, `${planned(again, 'alreadyPlanned')} messages found planned already, ${planned(again, 'planned')} new`))}
${before.length > 0 ? `${stageRow(`push plan, the planner of ${COMPARE} (inside one transaction)`, median(before.map((r) => r.ms)), median(before.map((r) => r.maxRssMiB)), planNote(before))}\n` : ''}| **whole pipeline, the plan inside the match's transaction** (\`zhishu match\`, \`zhishu ledger\`) | **${secs(pipelineMs)}** | | goal 60 s: ${pipelineMs <= 60000 ? 'met' : '**missed**'} |
| **whole pipeline, one command per stage** (\`zhishu match --no-push\`, \`zhishu ledger\`, \`zhishu push plan\`) | **${secs(commandsMs)}** | | goal 60 s: ${commandsMs <= 60000 ? 'met' : '**missed**'} |
| **whole pipeline, \`zhishu match\` as a user runs it** (facts, match, the plan in its transaction, ledger: one process, from start to exit) | **${secs(commandMs)}** | | ${command.length > 1 ? `median of ${command.length}: ${command.map((c) => secs(c.ms)).join(', ')}; ` : ''}${fmt(command[0]?.planned ?? 0)} messages planned (its clock is today's: other times than the rows above); goal 60 s: ${commandMs <= 60000 ? 'met' : '**missed**'} |
| **the next quarter, \`zhishu match\` as a user runs it** (${period} on a copy where ${before2} was matched and planned first: reliefs without an estimate told then are not told again) | **${secs(nextMs)}** | | ${next.length > 1 ? `median of ${next.length}: ${next.map((c) => secs(c.ms)).join(', ')}; ` : ''}${fmt(next[0]?.candidates ?? 0)} single messages called for, ${fmt(next[0]?.toldRecently ?? 0)} reliefs told the quarter before, ${fmt(next[0]?.planned ?? 0)} messages planned; ${nextMs <= 60000 ? 'under' : 'over'} 60 s (the goal is the first quarter's, above) |

The outbox keeps what each message's words are made of, not the words (they are rendered when it is
sent), and on DuckDB no index on its ids (migration 008). The plan's time goes into deciding what to write,
the digests' ids and lines above all, the candidate lists and the allocation, then writing the rows (src/push/README.md,
"What it costs"). Inside a transaction DuckDB reads what that transaction wrote, here the plan's own working tables, on one
thread: the same plan takes longer there than standalone.${previousKeyed ? ` The planner of ${COMPARE} inserts with ON CONFLICT, so its copy of the outbox gets back the unique index on the ids it was written for.` : ''}${COMPARE && N > PLAN_LIMIT ? ` The message-by-message planner is not run above ${fmt(PLAN_LIMIT)} taxpayers (at 100,000 it took 6 GB).` : ''}

Side by side, the alternative a user would write: the same rules evaluated row by row in TypeScript
(Zhishu's own interpreter, no traces) took ${fmt(interpPerTaxpayerMs * 1000)} µs per taxpayer for ${interp.policies} policies on ${fmt(interp.rows as number)}
taxpayers, i.e. ${fmt((interpPerTaxpayerMs * m.taxpayers) / 1000)} s for the city — ${fmt((interpPerTaxpayerMs * m.taxpayers) / matchMs)}× the set-wise match — before
loading the facts into JavaScript or writing any result.

Single-taxpayer re-match (\`runMatch(db, { period, only })\`: the taxpayer's facts recomputed in SQL from its
registration and returns, every policy in force, the results written, one transaction), measured as a serving
process sees it: one long-lived store, the serving indexes made as \`zhishu serve\` makes them at start
(src/api/sql/serving_indexes.sql, ${fmt((re.indexMs as number) / 1000)} s here), ${re.warm} re-matches to warm up, then ${re.n} sampled taxpayers one after another.
Goal: p99 under 5 ms — ${(re.sqlP99 as number) < 5 ? 'met' : '**missed**'}. Load average during the sample: ${fmt(re.load as number)} on 2 cores (other work shares the machine).

| single-taxpayer re-match | median | p99 | |
|---|---:|---:|---|
| serving store (serving indexes), ${re.n} taxpayers | ${fmt(re.sqlMedian as number)} ms | ${fmt(re.sqlP99 as number)} ms | process CPU median ${fmt(re.cpuMedian as number)} ms, p99 ${fmt(re.cpuP99 as number)} ms |
| batch store (no index on the taxpayer), ${re.before} taxpayers | ${fmt(re.batchMedian as number)} ms | ${fmt(re.batchP99 as number)} ms | before the indexes are made: \`taxpayer\` and \`filing\` scanned for one taxpayer |
| serving store, DuckDB on one thread (\`SET threads = 1\`, no worker to wake), as many other taxpayers after them | ${fmt(re.oneThreadMedian as number)} ms | ${fmt(re.oneThreadP99 as number)} ms | process CPU median ${fmt(re.oneThreadCpuMedian as number)} ms |
| alternative: the stored facts row read by SQL, every policy evaluated in TypeScript (nothing recomputed or written) | ${fmt(re.memMedian as number)} ms | ${fmt(re.memP99 as number)} ms | |
| floor, what is written: the same rows written again for the same taxpayers (run, facts, results appended; commit), nothing read, planned or evaluated | ${fmt(re.floorMedian as number)} ms | ${fmt(re.floorP99 as number)} ms | what any durable re-match on DuckDB pays at least |
| floor, what is read: the rows the facts read, looked up by credit code (\`taxpayer\`, \`filing\`, \`filing_reduction\`, \`cit_quarter_info\`, \`cit_annual_info\`, \`employment_report\`, \`enterprise_list\`: seven prepared SELECTs by the serving indexes), nothing computed or written | ${fmt(re.readsMedian as number)} ms | ${fmt(re.readsP99 as number)} ms | what any re-match from current data on DuckDB reads at least, beside what it writes |
${
  rePg
    ? `| PostgreSQL (serving indexes), ${rePg.n} taxpayers: one prepared statement | ${fmt(rePg.median as number)} ms | ${fmt(rePg.p99 as number)} ms | this process's CPU median ${fmt(rePg.cpuMedian as number)} ms (the server's is not counted); load ${fmt(rePg.load as number)} |
| alternative on PostgreSQL: the statements one by one, rules in TypeScript (DuckDB's form), the same taxpayers in turn with the row above | ${fmt(rePg.statementsMedian as number)} ms | ${fmt(rePg.statementsP99 as number)} ms | this process's CPU median ${fmt(rePg.statementsCpuMedian as number)} ms |
`
    : ''
}
${
  rePg
    ? `On PostgreSQL (\`--pg URL\`, default the local server; \`--no-pg\` skips it): the tables of the city the facts read (\`taxpayer\`, \`filing\`, \`filing_reduction\`, \`cit_quarter_info\`, \`cit_annual_info\`, \`employment_report\`, \`enterprise_list\`) copied by \`zhishu pg copy\`'s code
(${secs(rePg.copyMs as number)}), a city-wide match there (${secs(rePg.cityMs as number)} for ${fmt(rePg.cityTaxpayers as number)} taxpayers), the same serving indexes (${secs(rePg.indexMs as number)}), then the same warm-up and
sample. There a re-match is one prepared statement, its own transaction (src/match/sql/postgres/rematch.sql). The server runs with its defaults
(every commit waits for its WAL to reach the disk). Goal: p99 under 5 ms — ${(rePg.p99 as number) < 5 ? 'met' : '**missed**'}.

`
    : ''
}Where the serving re-match spends its time, and what was tried, is in docs/policy.md.
<!-- /policy-${N} -->`;
    writeSection(`policy-${N}`, section);
    log(`the ingested city stays in ${cached} (${fmt(statSync(cached).size / 2 ** 20)} MiB) for the next run`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
