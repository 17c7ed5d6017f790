import { writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { TABLES } from '../model/index.ts';
import { PgDb } from '../store/pg.ts';
import { DEFAULT_DB_PATH, migrate, Store } from '../store/store.ts';
import { positiveInt } from './args.ts';
import { openStore } from './checks.ts';
import { registerCalc } from './commands/calc.ts';
import { registerDemo } from './commands/demo.ts';
import { registerGenerate } from './commands/generate.ts';
import { ingestText, runIngest, UsageError } from './commands/ingest.ts';
import { type DatabaseArgs, databaseOption, registerPg, schemaOption } from './commands/pg.ts';
import { registerPolicy } from './commands/policy.ts';
import { registerPush } from './commands/push.ts';
import { registerRules } from './commands/rules.ts';
import { registerServe } from './commands/serve.ts';
import { summaryText } from './commands/summaryText.ts';
import { fmtInt, table } from './format.ts';
import { citySummary } from './summary.ts';

// Commander's own errors (an option value its parser refused, an unknown option or command) are
// thrown rather than exiting with 1, so they exit 2 like every other usage error (see the end).
const program = new Command().name('zhishu').description('Zhishu (智数): tax big-data services for a city tax bureau').showHelpAfterError().exitOverride();

const dbOption = ['--db <path>', 'DuckDB database file', DEFAULT_DB_PATH] as const;

program
  .command('ingest')
  .description('load a directory of Parquet/CSV files, quarantining every bad record with its reason')
  .argument('<dir>', 'directory of files named after their table (taxpayer.parquet, invoice-2025-10.csv, ...)')
  .option(...dbOption)
  .option('--json', 'print the counts as JSON')
  .action(async (dir: string, opts: { db: string; json?: boolean }) => {
    const store = await Store.open(opts.db);
    const report = await runIngest(store, dir);
    console.log(opts.json ? JSON.stringify(report, null, 2) : ingestText(report));
    if (report.files.some((f) => f.status === 'rejected')) process.exitCode = 1;
  });

program
  .command('summary')
  .description('what the store holds: taxpayers by district, kind and VAT status; table sizes')
  .option(...dbOption)
  .option('--json', 'print as JSON')
  .action(async (opts: { db: string; json?: boolean }) => {
    const store = await openStore(opts.db);
    const summary = await citySummary(store);
    console.log(opts.json ? JSON.stringify(summary, null, 2) : summaryText(summary));
  });

program
  .command('quarantine')
  .description('list quarantined records with file, row, field and reason')
  .option(...dbOption)
  // A name that is no table would list nothing, as if the table had no record quarantined.
  .addOption(new Option('--table <name>', 'only this table').choices(TABLES.map((t) => t.name)))
  .option('--limit <n>', 'at most this many', positiveInt, 50)
  .option('--json', 'print as JSON')
  .action(async (opts: { db: string; table?: string; limit: number; json?: boolean }) => {
    const store = await openStore(opts.db);
    const rows = await store.all<Record<string, string>>(
      `SELECT table_name, source_file, row_number, line_number, field, reason, record FROM quarantine
       WHERE $1::VARCHAR IS NULL OR table_name = $1 ORDER BY source_file, row_number, field LIMIT $2`,
      [opts.table ?? null, opts.limit],
    );
    // How many more there are than --limit shows: a list cut at the limit said nothing of the rest.
    const { n } = await store.one<{ n: string }>('SELECT count(*) AS n FROM quarantine WHERE $1::VARCHAR IS NULL OR table_name = $1', [opts.table ?? null]);
    const more = Number(n) > rows.length ? `${rows.length} of ${fmtInt(Number(n))} shown: --limit ${n} for all` : null;
    if (opts.json) {
      console.log(JSON.stringify(rows, null, 2));
      if (more) process.stderr.write(`note: ${more}\n`);
    } else {
      // The CSV line beside the row (the header is line 1).
      console.log(
        table(
          ['table', 'file', 'row', 'line', 'field', 'reason'],
          rows.map((r) => [r.table_name ?? '', r.source_file ?? '', r.row_number ?? '', r.line_number ?? '', r.field ?? '', r.reason ?? '']),
        ),
      );
      if (more) console.log(more);
    }
  });

program
  .command('migrate')
  .description('apply pending schema migrations (to the DuckDB file, or with --database to a PostgreSQL schema)')
  .option(...dbOption)
  .option(...databaseOption)
  .option(...schemaOption)
  .action(async (opts: DatabaseArgs) => {
    let applied: number[];
    if (opts.database) {
      const pg = await PgDb.open(opts.database, { schema: opts.schema });
      try {
        applied = await pg.migrate();
      } finally {
        await pg.close();
      }
    } else applied = await migrate(await Store.open(opts.db, { migrate: false }));
    console.log(applied.length ? `applied migrations ${applied.join(', ')}` : 'schema is up to date');
  });

program
  .command('docs')
  .description('write a generated document to stdout or a file')
  .argument('<which>', 'data-model or calculator')
  .option('--write', 'write docs/<which>.md instead of printing it')
  .action(async (which: string, opts: { write?: boolean }) => {
    let text: string;
    if (which === 'data-model') {
      const { dataModelMarkdown } = await import('../model/dataModelDoc.ts');
      const { TABLES } = await import('../model/index.ts');
      const { factColumns } = await import('../rules/sql.ts');
      text = dataModelMarkdown(TABLES, factColumns());
    } else if (which === 'calculator') {
      const { calculatorMarkdown } = await import('../calc/calculatorDoc.ts');
      text = calculatorMarkdown();
    } else throw new UsageError(`unknown document '${which}' (known: data-model, calculator)`);
    if (opts.write) writeFileSync(`docs/${which}.md`, text);
    else process.stdout.write(text);
  });

registerGenerate(program);
registerRules(program);
registerCalc(program);
registerPolicy(program);
registerDemo(program);
registerPush(program);
registerPg(program);
registerServe(program);

// Both named, one would be ignored without a word (--database wins): a user who typed --db meant it.
// `pg copy` reads the one and writes the other.
program.hook('preAction', (_program, command) => {
  if (command.parent?.name() === 'pg') return;
  if (command.getOptionValueSource('db') === 'cli' && command.opts().database !== undefined)
    throw new UsageError('--db and --database name two stores: give one (--db for the DuckDB file, --database for a PostgreSQL server)');
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Exit codes: 0 done, 1 a runtime failure, 2 a usage error (a bad option value, an unknown taxpayer, ...).
  if (err instanceof CommanderError) {
    // Commander has printed the error (or the help) already.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`zhishu: ${err instanceof UsageError ? '' : 'error: '}${message}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  }
}
