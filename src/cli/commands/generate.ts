import type { Command } from 'commander';
import { DEFAULT_LAW_DIR, lawParameters } from '../../calc/law.ts';
import { filingCalendar } from '../../law/filingDeadline.ts';
import { fileFormat, nonNegativeInt, positiveInt, yearMonth } from '../args.ts';
import { fmtInt, fmtMs, table } from '../format.ts';

export interface GenerateArgs {
  taxpayers: number;
  months: number;
  seed: number;
  start: string;
  out: string;
  format: 'parquet' | 'csv';
  /** The published filing deadlines the city's returns are due on (default: the law directory's). */
  filingDeadlines?: string[];
}

/** The published filing deadlines of a law directory (its `filing.deadline`), as the generator takes them. */
export function lawFilingDeadlines(dir: string = DEFAULT_LAW_DIR): string[] {
  return [...filingCalendar([...lawParameters(dir).values()]).values()].map((d) => d.date);
}

/** Generates a city with one progress line per file on stderr; returns the calibration report rows. */
export async function runGenerate(args: GenerateArgs, quiet = false) {
  // Loaded on demand: the generator is only needed by generate and demo.
  const { generateCity, calibrationReport } = await import('../../generate/city.ts');
  const { parseSettings } = await import('../../generate/settings.ts');
  const settings = parseSettings({
    taxpayers: args.taxpayers,
    months: args.months,
    seed: args.seed,
    start: args.start,
    format: args.format,
    filingDeadlines: args.filingDeadlines ?? lawFilingDeadlines(),
  });
  const result = await generateCity(settings, args.out, (step) => {
    if (!quiet) process.stderr.write(`[${step.index + 1}/${step.total}] ${step.file}: ${fmtInt(step.rows)} rows, ${fmtMs(step.ms)}\n`);
  });
  const report = await calibrationReport(args.out);
  return { result, report };
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('write a seeded synthetic city (Parquet, or CSV) to a directory')
    .requiredOption('--out <dir>', 'output directory')
    .option('--taxpayers <n>', 'number of taxpayers', positiveInt, 20000)
    .option('--months <n>', 'number of months', positiveInt, 12)
    .option('--seed <n>', 'random seed (same seed, same bytes)', nonNegativeInt, 1)
    .option('--start <YYYY-MM>', 'first month', yearMonth, '2025-10')
    .option('--format <format>', 'parquet or csv', fileFormat, 'parquet')
    .option('--json', 'print the files and calibration report as JSON')
    .action(async (opts: GenerateArgs & { json?: boolean }) => {
      const { result, report } = await runGenerate(opts, false);
      if (opts.json) {
        console.log(JSON.stringify({ ...result, calibration: report }, null, 2));
        return;
      }
      console.log(
        table(
          ['file', 'rows'],
          result.files.map((f) => [f.file, f.rows]),
        ),
      );
      console.log(`generated in ${fmtMs(result.ms)}\n\nCalibration (generated against target)`);
      console.log(
        table(
          ['metric', 'target', 'generated'],
          report.map((r) => [r.metric, r.target, r.generated]),
        ),
      );
    });
}
