import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

/** One problem of a law file, located for the person who has to fix it. */
export interface LawFileError {
  file: string;
  line: number;
  field: string;
  message: string;
}

/**
 * Reads a YAML file and validates it with a zod schema. Every problem is
 * reported with the file, the line of the offending value and its field path;
 * the file is not partly accepted.
 */
export function readYaml<T>(file: string, schema: z.ZodType<T>): { value?: T; errors: LawFileError[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return { errors: doc.errors.map((e) => ({ file, line: e.linePos?.[0]?.line ?? 1, field: '', message: e.message.split('\n')[0] ?? e.message })) };
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return { value: result.data, errors: [] };
  return {
    errors: result.error.issues.map((issue) => {
      // The deepest node that exists on the path gives the line (a missing field points at its parent).
      let line = 1;
      for (let n = issue.path.length; n >= 0; n--) {
        const node = doc.getIn(issue.path.slice(0, n) as (string | number)[], true);
        if (isNode(node) && node.range) {
          line = lineCounter.linePos(node.range[0]).line;
          break;
        }
      }
      return { file, line, field: issue.path.join('.'), message: issue.message };
    }),
  };
}
