import { SQL_TYPES, type TableSpec } from './spec.ts';

/** Bookkeeping tables that are not part of the domain model but live in the same store. */
const BOOKKEEPING = `## Bookkeeping tables

### schema_migration
Which migrations (src/store/sql/migrations/NNN_name.sql) have been applied.

| column | type | null | meaning |
|---|---|---|---|
| version | INTEGER | no | migration number (primary key) |
| name | VARCHAR | no | file name without number and extension |
| applied_at | TIMESTAMP | no | when it was applied |

### ingest_file
One row per file loaded (or rejected as a whole), by content. A file whose sha256 is here is skipped on a re-run.
Natural key: (sha256, table_name).

| column | type | null | meaning |
|---|---|---|---|
| sha256 | VARCHAR | no | SHA-256 of the file's bytes |
| table_name | VARCHAR | no | table the file was loaded into |
| source_file | VARCHAR | no | path as given to \`zhishu ingest\` |
| rows_read | BIGINT | no | records in the file |
| rows_loaded | BIGINT | no | records inserted |
| rows_present | BIGINT | no | valid records whose natural key was already in the store |
| rows_quarantined | BIGINT | no | records refused |
| key_min | VARCHAR | yes | smallest first natural-key column loaded (a later file overlapping no loaded range skips the check against stored keys) |
| key_max | VARCHAR | yes | largest first natural-key column loaded |
| status | VARCHAR | no | \`loaded\`, or \`rejected\` when the file as a whole was unusable (problem in quarantine, row 0) |
| loaded_at | TIMESTAMP | no | when the load committed |

### quarantine
Every refused record, one row per problem, with the record as it was read. Nothing is dropped silently.

| column | type | null | meaning |
|---|---|---|---|
| source_sha256 | VARCHAR | no | the file's SHA-256 |
| source_file | VARCHAR | no | the file's path |
| table_name | VARCHAR | no | the table it was meant for |
| row_number | BIGINT | no | 1-based data row in the file; 0 for a problem of the whole file |
| line_number | BIGINT | yes | CSV only: line in the file (the header is line 1) |
| field | VARCHAR | no | the column at fault (several, comma-separated, for a natural key); \`(record)\` or \`(file)\` when no single column is |
| reason | VARCHAR | no | why, in words (the same words as the record validator) |
| record | VARCHAR | yes | the record as JSON, as read |
| quarantined_at | TIMESTAMP | no | when |
`;

function typeText(spec: TableSpec['columns'][number]): string {
  const t = spec.type;
  const base = SQL_TYPES[t.kind];
  switch (t.kind) {
    case 'enum':
      return `${base}: ${t.values.map((v) => `\`${v}\``).join(', ')}`;
    case 'int':
      return `${base}, ${t.min}..${t.max ?? ''}`;
    case 'text':
      return `${base}(≤${t.max})${t.pattern ? `, ${t.patternHint ?? t.pattern}` : ''}`;
    case 'money':
      return `${base} yuan, ≥ 0`;
    case 'points':
      return `${base}, ≥ 0`;
    case 'creditCode':
      return `${base}(18), GB 32100 check character`;
    case 'industry':
      return `${base}, GB/T 4754 code`;
    default:
      return base;
  }
}

/** docs/data-model.md, generated from the table specs so the document cannot fall behind the code. */
export function dataModelMarkdown(tables: readonly TableSpec[]): string {
  const parts = [
    '# Data model',
    '',
    '<!-- Generated from src/model/tables/*.ts by `zhishu docs data-model`; test/schema.test.ts fails when it is out of date. -->',
    '',
    'Every table of the store, every field, its type and the rule ingest enforces. Money is exact: DECIMAL(18,2) yuan',
    '(integer fen), never a binary float. Dates are calendar dates (Asia/Shanghai); timestamps are local time without zone.',
    'Natural keys are enforced by ingest (a record whose key is already stored is counted as present and not inserted again).',
    '',
    '## Domain tables',
    '',
  ];
  for (const t of tables) {
    parts.push(`### ${t.name} (${t.zh})`, t.doc, '', `Natural key: (${t.naturalKey.join(', ')}).`, '');
    parts.push('| column | type | null | meaning |', '|---|---|---|---|');
    for (const c of t.columns) {
      const ref = c.refTaxpayer ? ' Must be a known taxpayer.' : '';
      parts.push(`| ${c.name} | ${typeText(c)} | ${c.required ? 'no' : 'yes'} | ${c.doc}.${ref} |`);
    }
    if (t.checks.length > 0) {
      parts.push('', 'Record rules:');
      for (const ch of t.checks) parts.push(`- ${ch.field}: ${ch.reason} (\`${ch.sql}\`)`);
    }
    parts.push('');
  }
  parts.push(BOOKKEEPING);
  return `${parts.join('\n').trimEnd()}\n`;
}
