import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { entriesAt, loadCatalogue, sourcesAt } from '../../law/catalogue.ts';
import { explain, type FactRow } from '../../rules/interpret.ts';
import { checkLaw, checkLawDir } from '../checks.ts';
import { UsageError } from './ingest.ts';

const today = () => new Date().toISOString().slice(0, 10);

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('the policy, tag and warning catalogue under law/');

  rules
    .command('check')
    .description('validate every law file; exits 1 when any has a problem')
    .option('--law <dir>', 'law directory', 'law')
    .action((opts: { law: string }) => {
      checkLawDir(opts.law);
      const c = loadCatalogue(opts.law);
      for (const e of c.errors) process.stderr.write(`${e.file}:${e.line}: ${e.field ? `${e.field}: ` : ''}${e.message}\n`);
      console.log(`${c.entries.length} catalogue entries and ${c.parameters.length} parameters loaded, ${c.errors.length} problem(s)`);
      if (c.errors.length > 0) process.exitCode = 1;
    });

  rules
    .command('eval')
    .description('explain the entries in force on a date for one set of facts (JSON), e.g. to try "what if"')
    .requiredOption('--facts <file>', 'JSON object of facts, e.g. {"employees": 120, "total_assets": "3000000.00"} (- for stdin)')
    .option('--rule <id>', 'only this entry')
    .option('--date <YYYY-MM-DD>', 'the date whose law applies', today())
    .option('--law <dir>', 'law directory', 'law')
    .action((opts: { facts: string; rule?: string; date: string; law: string }) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new UsageError(`--date '${opts.date}' is not a date (YYYY-MM-DD)`);
      let facts: FactRow;
      try {
        facts = JSON.parse(readFileSync(opts.facts === '-' ? 0 : opts.facts, 'utf8')) as FactRow;
      } catch (err) {
        throw new UsageError(`--facts: ${(err as Error).message}`);
      }
      if (typeof facts !== 'object' || facts === null || Array.isArray(facts)) throw new UsageError('--facts must hold one JSON object');
      const c = checkLaw(opts.law);
      const inForce = entriesAt(c, opts.date).filter(({ entry }) => !opts.rule || entry.id === opts.rule);
      if (opts.rule && inForce.length === 0) throw new UsageError(`no entry '${opts.rule}' in force on ${opts.date}`);
      const results = inForce.map(({ entry, rule }) => ({ id: entry.id, title: entry.title, sources: sourcesAt(entry, opts.date), ...explain(rule, facts) }));
      console.log(JSON.stringify({ date: opts.date, results }, null, 2));
    });
}
