import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type CalcResponse, calculate } from '../../calc/calculate.ts';
import { CalcError } from '../../calc/errors.ts';
import { DEFAULT_LAW_DIR } from '../../calc/law.ts';
import { CALCULATIONS } from '../../calc/registry.ts';
import { table } from '../format.ts';

/** Human-readable form of a result: the lines with their formulas and legal sources. */
export function calcText(r: CalcResponse): string {
  const rows = r.lines.map((l) => [
    `${l.label.zh} ${l.label.en}`,
    l.amount ?? l.value ?? '',
    l.formula + (l.rounding ? ` [${l.rounding}]` : ''),
    l.parameters.map((p) => `${p.name}=${p.value} (${p.source}, ${p.from}..${p.to}) [${p.confidence}]`).join('; '),
  ]);
  const out = [`${r.title.zh} ${r.title.en} — ${r.period.text} (${r.period.from}..${r.period.to})`, table(['line', 'amount', 'how', 'law'], rows)];
  if (r.notes.length > 0) out.push(...r.notes.map((n) => `note: ${n}`));
  out.push(
    Object.entries(r.result)
      .filter(([, v]) => typeof v !== 'object' || v === null)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
  );
  return out.join('\n');
}

export function registerCalc(program: Command): void {
  program
    .command('calc')
    .description('tax and fee calculator: reads a JSON request, prints the JSON result with every line explained')
    .option('--input <file>', 'the request: {"calculation": ..., "period": ..., "inputs": {...}} (- for stdin)')
    .option('--text', 'print the lines as a table for people instead of JSON')
    .option('--list', 'list the calculations and the periods they take')
    .option('--law <dir>', 'law directory', DEFAULT_LAW_DIR)
    .action((opts: { input?: string; text?: boolean; list?: boolean; law: string }) => {
      if (opts.list) {
        console.log(
          table(
            ['calculation', 'periods', 'title'],
            [...CALCULATIONS.values()].map((c) => [c.name, c.periodKinds.join(', '), `${c.title.zh} ${c.title.en}`]),
          ),
        );
        return;
      }
      try {
        if (!opts.input) throw new CalcError('request.invalid', '', 'give --input <file> (or - for stdin), or --list');
        let request: unknown;
        try {
          request = JSON.parse(readFileSync(opts.input === '-' ? 0 : opts.input, 'utf8'));
        } catch (err) {
          throw new CalcError('request.invalid', '', `the request is not readable JSON: ${(err as Error).message}`);
        }
        const result = calculate(request, opts.law);
        console.log(opts.text ? calcText(result) : JSON.stringify(result, null, 2));
      } catch (err) {
        if (!(err instanceof CalcError)) throw err;
        // Integrators read stdout; people read stderr.
        console.log(JSON.stringify(err.toJSON(), null, 2));
        process.stderr.write(`zhishu calc: ${err.message}\n`);
        process.exitCode = 2;
      }
    });
}
