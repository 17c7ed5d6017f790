/**
 * npm run bench:api [-- --taxpayers 20000 --seconds 10 --repeat 3 --rate 500]
 *
 * The HTTP API under load, with autocannon, against `zhishu serve` running in its own process on
 * the demo city: throughput and latency (median, p99) of the main read endpoints and the
 * calculator, first at a fixed 500 requests/s (the goal: p99 under 50 ms for a company's policy
 * list and for a calculation), then flat out. Side by side on the embedded DuckDB store and on
 * PostgreSQL (the server on this machine, ZHISHU_PG_URL) holding the same data. Writes its section
 * of docs/benchmarks.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => (argv.includes(name) ? (argv[argv.indexOf(name) + 1] ?? dflt) : dflt);
const N = Number(opt('--taxpayers', '20000'));
const SECONDS = Number(opt('--seconds', '10'));
const REPEAT = Number(opt('--repeat', '3'));
const RATE = Number(opt('--rate', '500'));
const PG_URL = process.env.ZHISHU_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const log = (s: string) => process.stderr.write(`api bench: ${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 1 : 0 });

const zhishu = (...args: string[]) =>
  execFileSync(process.execPath, ['bin/zhishu.js', ...args], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });

async function serve(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const port = 18000 + Math.floor(Math.random() * 2000);
  const child = spawn(process.execPath, ['bin/zhishu.js', 'serve', ...args, '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`zhishu serve ${args.join(' ')} did not start`);
}

async function token(url: string, username: string): Promise<string> {
  const r = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'zhishu-demo' }),
  });
  if (!r.ok) throw new Error(`login ${username}: ${r.status}`);
  return ((await r.json()) as { token: string }).token;
}

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  who: string;
  body?: unknown;
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, s: Scenario, tok: string, rate: number | null): Promise<Figures> {
  const runs: Figures[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const r = await autocannon({
      url: url + s.path,
      method: s.method,
      headers: { authorization: `Bearer ${tok}`, ...(s.body ? { 'content-type': 'application/json' } : {}) },
      body: s.body ? JSON.stringify(s.body) : undefined,
      duration: SECONDS,
      connections: rate ? 20 : 10,
      ...(rate ? { overallRate: rate } : {}),
    });
    runs.push({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx });
  }
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((a, r) => a + r.errors, 0),
  };
}

async function measure(engine: string, serveArgs: string[]): Promise<Map<string, { fixed: Figures; max: Figures }>> {
  const { url, child } = await serve(serveArgs);
  try {
    const tokens = { finance: await token(url, 'finance'), analyst: await token(url, 'analyst') };
    const me = (await (await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${tokens.finance}` } })).json()) as { user: { creditCode: string } };
    const code = me.user.creditCode;
    const list = (await (await fetch(`${url}/api/taxpayers/${code}/matches`, { headers: { authorization: `Bearer ${tokens.finance}` } })).json()) as {
      items: { policyId: string }[];
    };
    const policy = list.items[0]?.policyId ?? 'cit.smallLowProfit';
    const scenarios: Scenario[] = [
      { name: "a company's policy list", method: 'GET', path: `/api/taxpayers/${code}/matches`, who: 'finance' },
      {
        name: 'a calculation (VAT, small-scale)',
        method: 'POST',
        path: '/api/calc',
        who: 'finance',
        body: { calculation: 'vat.smallScale', period: '2026-Q1', inputs: { sales: '280000.00' } },
      },
      { name: 'an explanation', method: 'GET', path: `/api/taxpayers/${code}/matches/${policy}`, who: 'finance' },
      { name: "a company's ledger", method: 'GET', path: `/api/taxpayers/${code}/ledger`, who: 'finance' },
      { name: 'the city report (bureau)', method: 'GET', path: '/api/report/policy', who: 'analyst' },
    ];
    const out = new Map<string, { fixed: Figures; max: Figures }>();
    for (const s of scenarios) {
      log(`${engine}: ${s.name}`);
      const tok = tokens[s.who as keyof typeof tokens];
      out.set(s.name, { fixed: await load(url, s, tok, RATE), max: await load(url, s, tok, null) });
    }
    return out;
  } finally {
    child.kill();
  }
}

const work = mkdtempSync(join(tmpdir(), 'zhishu-api-bench-'));
try {
  const db = join(work, 'zhishu.duckdb');
  log(`building the demo city (${fmt(N)} taxpayers × 12 months): generate, ingest, match, ledger, push plan`);
  const demo = JSON.parse(zhishu('demo', '--no-serve', '--json', '--db', db, '--city', join(work, 'city'), '--taxpayers', String(N))) as {
    runs: { period: { period: string } }[];
  };
  const period = demo.runs.at(-1)?.period.period as string;
  const engines: [string, string[]][] = [['DuckDB (embedded)', ['--db', db]]];
  const pgSchema = `zhishu_api_bench_${process.pid}`;
  let pgReady = false;
  try {
    log('copying the same data into PostgreSQL');
    const on = ['--database', PG_URL, '--schema', pgSchema];
    zhishu('migrate', ...on);
    zhishu('pg', 'copy', '--db', db, ...on);
    pgReady = true;
    // The analytics run where the data lives: the latest quarter matched (and its ledger built) on
    // PostgreSQL itself; the earlier ones are not needed by the endpoints measured.
    log(`matching ${period} on PostgreSQL`);
    zhishu('match', '--period', period, ...on);
    zhishu('users', 'demo', ...on);
    engines.push(['PostgreSQL', ['--database', PG_URL, '--schema', pgSchema]]);
  } catch (err) {
    log(`PostgreSQL left out: ${(err as Error).message}`);
  }
  const results = new Map<string, Map<string, { fixed: Figures; max: Figures }>>();
  for (const [engine, args] of engines) results.set(engine, await measure(engine, args));
  if (pgReady) execFileSync('psql', [PG_URL, '-q', '-c', `DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`], { stdio: 'ignore' });

  const rows: string[] = [];
  for (const [engine, byScenario] of results) {
    for (const [name, f] of byScenario) {
      rows.push(
        `| ${name} | ${engine} | ${fmt(f.fixed.rps)} | ${fmt(f.fixed.p50)} | ${fmt(f.fixed.p99)} | ${fmt(f.max.rps)} | ${fmt(f.max.p50)} | ${fmt(f.max.p99)} | ${f.fixed.errors + f.max.errors} |`,
      );
    }
  }
  const goal = (engine: string, name: string) => {
    const f = results.get(engine)?.get(name);
    return f ? `${fmt(f.fixed.p99)} ms (${f.fixed.p99 < 50 && f.fixed.rps >= RATE * 0.95 ? 'met' : '**missed**'})` : 'not measured';
  };
  const section = `<!-- api -->
## HTTP API under load

\`npm run bench:api\` (demo city of ${fmt(N)} taxpayers × 12 months; \`zhishu serve\` in its own process, autocannon in
another; each figure the median of ${REPEAT} runs of ${SECONDS} s; ${RATE} requests/s fixed rate over 20 connections, then flat out
over 10). Latency in milliseconds. Every request comes from one company's login (the city report from an analyst's): after the
first, its policy list and explanations come from the server's per-run cache (src/api/freshness.ts), which is what a company's
repeated reads cost; the ledger and inbox are read from the database on every request.

| endpoint | engine | req/s at ${RATE}/s | p50 | p99 | req/s flat out | p50 | p99 | errors |
|---|---|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Goal (p99 under 50 ms at ${RATE} requests/s): a company's policy list on DuckDB ${goal('DuckDB (embedded)', "a company's policy list")}, on
PostgreSQL ${goal('PostgreSQL', "a company's policy list")}; a calculation on DuckDB ${goal('DuckDB (embedded)', 'a calculation (VAT, small-scale)')}, on PostgreSQL
${goal('PostgreSQL', 'a calculation (VAT, small-scale)')}.
<!-- /api -->`;
  const doc = existsSync('docs/benchmarks.md') ? readFileSync('docs/benchmarks.md', 'utf8') : '# Benchmarks\n';
  writeFileSync(
    'docs/benchmarks.md',
    doc.includes('<!-- api -->') ? doc.replace(/<!-- api -->[\s\S]*<!-- \/api -->/, section) : `${doc.trimEnd()}\n\n${section}\n`,
  );
  process.stderr.write(`${section}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
