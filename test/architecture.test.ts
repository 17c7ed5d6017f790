import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';

// The parts of src/ and what each may import, as its README says ("May import: `a`, `b`"): data flows one way.
const SRC = resolve('src');
const PARTS = readdirSync(SRC, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

/** The other parts a part's TypeScript imports (type-only imports included), with one importing file each. */
function importsOf(part: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of files(join(SRC, part))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = relative(SRC, resolve(file, '..', m[1] as string)).split(sep)[0] as string;
      if (target !== part && PARTS.includes(target) && !found.has(target)) found.set(target, relative(SRC, file));
    }
  }
  return found;
}

/** The parts a README allows: the backquoted names of its "May import:" line ("every other part": all). */
function allowed(part: string): Set<string> {
  const readme = readFileSync(join(SRC, part, 'README.md'), 'utf8');
  const line = /May import:([^\n]*(?:\n(?!\n)[^\n]*)*)/.exec(readme)?.[1];
  assert.ok(line !== undefined, `src/${part}/README.md says what it may import`);
  if (/every other part/.test(line)) return new Set(PARTS.filter((p) => p !== part));
  const sentence = line.split(/\.\s/)[0] as string;
  return new Set([...sentence.matchAll(/`([a-z]+)`/g)].map((m) => m[1] as string).filter((p) => PARTS.includes(p)));
}

describe('architecture: the parts of src/ import only what their READMEs allow, and never in a cycle', () => {
  it('every part has a README that says what it may import, and keeps to it', () => {
    assert.ok(PARTS.length >= 10, `${PARTS.length} parts`);
    const broken: string[] = [];
    for (const part of PARTS) {
      const may = allowed(part);
      for (const [target, file] of importsOf(part))
        if (!may.has(target)) broken.push(`src/${file} imports ${target}, which src/${part}/README.md does not allow`);
    }
    assert.deepEqual(broken, []);
  });

  it('the imports between parts form no cycle', () => {
    const edges = new Map(PARTS.map((p) => [p, [...importsOf(p).keys()]]));
    const state = new Map<string, 'open' | 'done'>();
    const visit = (p: string, path: string[]): void => {
      if (state.get(p) === 'done') return;
      if (state.get(p) === 'open') assert.fail(`import cycle: ${[...path.slice(path.indexOf(p)), p].join(' → ')}`);
      state.set(p, 'open');
      for (const q of edges.get(p) ?? []) visit(q, [...path, p]);
      state.set(p, 'done');
    };
    for (const p of PARTS) visit(p, []);
  });

  it('would catch a forbidden import', () => {
    // The checks above read these: model imports nothing of Zhishu, so an import of store from it is refused.
    assert.deepEqual([...allowed('model')], []);
    assert.ok(!allowed('store').has('match') && allowed('cli').has('match'));
  });
});
