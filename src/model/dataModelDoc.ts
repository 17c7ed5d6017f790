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
One row per file loaded (or rejected as a whole), by content. A file whose sha256 is here is skipped on a re-run; one rejected as a whole is reported rejected again, with its reason, and nothing is written.
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

### taxpayer_fact
The facts the policy rules read, per taxpayer and quarter (src/match/sql/facts.sql), appended by every match run with the moment
they were computed. The fact columns are those of the rules' fact schema (docs/rules.md, src/rules/facts.ts), in its order; a NULL fact is
unknown. \`current_fact\` is the view of the latest row per taxpayer and period.

| column | type | null | meaning |
|---|---|---|---|
| credit_code | VARCHAR | no | the taxpayer |
| period | VARCHAR | no | the quarter described, e.g. \`2026-Q1\` |
| period_start, period_end | DATE | no | its first and last day |
| computed_at | TIMESTAMP | no | when the facts were computed (the match run's moment) |
@FACTS@

### match_run
One row per match: a whole-city run or a single-taxpayer re-match.

| column | type | null | meaning |
|---|---|---|---|
| run_id | BIGINT | no | run number (primary key) |
| period | VARCHAR | no | the quarter matched |
| scope | VARCHAR | no | \`city\`, or the credit code re-matched |
| catalogue_sha256 | VARCHAR | no | digest of the law directory (parameters and policies) the rules came from |
| entries | BIGINT | no | policies in force that were matched |
| started_at | TIMESTAMP | no | when the run started (equal to the computed_at of its facts and results) |
| finished_at | TIMESTAMP | yes | when it committed |

### policy_match
The answers worth keeping: matched, near miss and unknown per taxpayer, policy and quarter (a pair without a row is not
eligible). \`current_match\` is the view of each taxpayer's latest run per period. On DuckDB \`credit_code\` is stored with FSST
compression, named rather than chosen by DuckDB segment by segment (migration 029).

| column | type | null | meaning |
|---|---|---|---|
| run_id | BIGINT | no | the match run |
| credit_code | VARCHAR | no | the taxpayer |
| policy_id | VARCHAR | no | the catalogue entry (law/policies/<id>.yaml) |
| period | VARCHAR | no | the quarter |
| status | VARCHAR | no | \`matched\`, \`nearMiss\` (false, but true with every numeric limit loosened by 10 %) or \`unknown\` (a fact is missing); on DuckDB the ENUM \`match_status\` of these three (migration 009) |
| benefit | DECIMAL(18,2) | yes | the benefit formula's estimate for the quarter, yuan (matched and near miss; NULL when a fact it reads is missing or the policy has no formula) |
| category | VARCHAR | no | the policy's category (vat, surcharges, cit, iit, stampDuty, other); on DuckDB the ENUM \`policy_category\` of these (migration 009) |
| computed_at | TIMESTAMP | no | the run's moment |

### ledger_entry
The benefit ledger (政策红利账本), rebuilt per quarter by \`zhishu match\` (src/ledger; docs/policy.md, "Ledger and report"). On DuckDB
\`credit_code\` is stored with FSST compression, named (migration 029).

| column | type | null | meaning |
|---|---|---|---|
| credit_code | VARCHAR | no | the taxpayer |
| period | VARCHAR | no | the quarter |
| period_end | DATE | no | its last day |
| month | DATE | no | a claim (\`enjoyed\`, \`claimedNotEligible\`): the first day of the month the claiming return ends (monthly filers claim monthly; the annual CIT return's claim beyond the year's prepayments: December); any other row: the quarter's last month |
| policy_id | VARCHAR | no | the policy |
| status | VARCHAR | no | \`enjoyed\` (a reduction code of the policy claimed on a return ending in the month, and the match does not contradict it: matched, or unverified when \`match_status\` is \`unknown\` or NULL; of the annual CIT return, what it claims beyond the year's prepayments' claims of the policy), \`claimedNotEligible\` (claimed, but the match says the taxpayer is not eligible: \`match_status\` \`nearMiss\` or \`notEligible\`; a risk to review, not enjoyed), \`claimedLapsedInYear\` (claimed, but the policy is settled on the year and the latest quarter of the year that judged it fails it: to be repaid, not enjoyed), \`missed\` (matched, has reduction codes, none claimed in the whole quarter, estimated worth more than 0.00; of reliefs that do not stack, only the one worth most), \`missedAmountUnknown\` (the same, but with no estimate: a fact it reads is missing), \`nothingToClaim\` (the same, but estimated worth 0.00 or less this quarter), \`lapsedInYear\` (would be \`missed\` or \`missedAmountUnknown\`, but the policy is settled on the year, as the small low-profit relief is, and the latest quarter of the year that judged it fails it, which takes the relief back: its estimate in \`lapsed\`), \`claimedOnAnnualReturn\` (would be \`missed\` or \`missedAmountUnknown\`, but the year's annual CIT return (汇算清缴) claims the policy: not missed, its estimate in \`lapsed\`), \`notStacked\` (matched, unclaimed, but a relief it does not stack with is enjoyed or worth more, or, neither having a reduction code, ranked better: counted instead), \`matchedNoCode\` (matched; the policy has no reduction code, so a claim cannot be seen; of such reliefs that do not stack, the best ranked), \`returnNotFiled\` (would be \`missed\` or \`missedAmountUnknown\`, but a return of the quarter of the relief's tax, the one that would claim it, is outstanding (\`filing.filed_on\` empty): the company can still claim it when it files, so it is not missed; its estimate in \`lapsed\`); on DuckDB the ENUM \`ledger_status\` of these eleven (migration 025) |
| enjoyed | DECIMAL(18,2) | no | for \`enjoyed\`: reductions claimed for the policy in the month, yuan; 0.00 on every other row |
| missed | DECIMAL(18,2) | yes | for \`missed\` only: the estimated benefit not claimed, yuan, more than 0.00 (for a relief that does not stack with one enjoyed, what it is worth beyond it) |
| built_at | TIMESTAMP | no | when the row was last built: by the ledger's build of its quarter, or by a build of another quarter of its year that judged it again (\`lapsedInYear\`, \`claimedOnAnnualReturn\`, and the reliefs of its group) |
| claimed | DECIMAL(18,2) | yes | for a claim (\`enjoyed\`, \`claimedNotEligible\`, \`claimedLapsedInYear\`): reductions claimed for the policy in the month, yuan, whether enjoyed or not |
| match_status | VARCHAR | yes | what the match said of the policy for the taxpayer and quarter when the ledger was built: \`matched\`, \`nearMiss\`, \`unknown\`, or \`notEligible\` (the policy was matched for the quarter and the taxpayer has no result: its rule was false); NULL: not judged (the taxpayer was not matched for the quarter, the policy was not in force on its last day, or the row was built before migration 013); on DuckDB the ENUM \`ledger_match\` of these four |
| lapsed | DECIMAL(18,2) | yes | for \`lapsedInYear\`, \`claimedOnAnnualReturn\` and \`returnNotFiled\` only: what the quarter's unclaimed relief was estimated worth (as \`missed\` would hold it; NULL: of no estimate) before a later quarter of the year took it back, when the annual return claimed it, or while its return is not filed; kept so that a later build finding the taxpayer qualifying again, or no such claim, makes the row \`missed\` (or \`missedAmountUnknown\`) again |
| group_claimed | DECIMAL(18,2) | yes | a relief of a group that does not stack, missed while the taxpayer enjoyed another of its group in the quarter: what it enjoyed of the group, yuan, which the estimate in \`missed\` (or, once the row is \`lapsedInYear\`, \`claimedOnAnnualReturn\` or \`returnNotFiled\`, in \`lapsed\`) is net of; alone the relief is worth the two summed, as \`zhishu explain\` gives it. NULL otherwise, and on rows built before migration 026 |

### push_message
The outbox of the policy robot (src/push): one row per message planned for one person of a taxpayer. message_id is the
idempotency key, derived from period, taxpayer, role, kind and policy (or the digest's items), so planning again adds
nothing. Times are local (Asia/Shanghai). A row keeps what its texts are made of; the subject and body are put together
when the message is sent or shown, with the catalogue's titles (src/push/message.ts renderMessage). On DuckDB
\`message_id\`, \`credit_code\`, \`recipient\` and \`taxpayer_name\` are stored with FSST compression, named (migration 029).

| column | type | null | meaning |
|---|---|---|---|
| message_id | VARCHAR | no | \`period.credit_code.role.kind.subject\`, subject = policy id or \`digest-\` and a hash of its items (unique: the primary key on PostgreSQL; on DuckDB kept unique by the planner without an index, migration 008; also the e-mail Message-ID's left part) |
| credit_code | VARCHAR | no | the taxpayer |
| role | VARCHAR | no | the person, by role in company_person: \`legalRepresentative\`, \`financeOfficer\`, \`taxHandler\` (a person holding several roles of the taxpayer, the first of them: src/push/README.md, "One person, several roles"); on DuckDB the ENUM \`push_role\` of these (migration 012) |
| kind | VARCHAR | no | \`relief\` (a matched policy to claim), \`nearMiss\` (what is lacking), \`digest\` (several merged by the frequency cap); on DuckDB the ENUM \`push_kind\` (migration 012) |
| period | VARCHAR | no | the period of the match results, e.g. 2026-Q1 |
| policy_id | VARCHAR | yes | the catalogue entry; empty for a digest |
| items | VARCHAR | yes | digest only: the messages it stands for (they are never planned alone), comma-separated, each \`kind.policy_id\`: its message_id without the prefix the row carries (\`period.credit_code.role.\`); rows planned before that hold the full ids |
| category | VARCHAR | no | the entry's category (vat, surcharges, cit, iit, stampDuty, other); a digest's categories, comma-separated |
| run_id | BIGINT | no | the match run whose results the message comes from |
| benefit | DECIMAL(18,2) | yes | estimated benefit in yuan (a relief of a group the taxpayer claimed another relief of in the period: what it adds to that claim); a digest: the sum over its reliefs; empty when unknown |
| deadline | DATE | no | the filing deadline the message is timed ahead of (the filing's due_date, else the deadline published for the month after the period, else the 15th of that month moved past a weekend) |
| channel | VARCHAR | no | \`inApp\`, \`email\` or \`sms\`; becomes \`inApp\` when SMS is not configured or an e-mail's fate is uncertain; on DuckDB the ENUM \`push_channel\` (migration 012) |
| recipient | VARCHAR | no | e-mail address, mobile number, or \`inbox:credit_code/role\` |
| subject | VARCHAR | yes | empty: rendered when sent or shown (src/push/message.ts), from the columns below; set only on rows planned before texts were rendered at sending, which are sent as written |
| body | VARCHAR | yes | empty, or as for subject |
| status | VARCHAR | no | \`planned\`, \`sending\` (an attempt is in flight), \`sent\`, \`failed\` (refused for good or out of attempts), \`skipped\` (the latest match run no longer supports it, or, not yet tried, its relief was taken back by a later quarter of the year: the ledger's \`lapsedInYear\`); on DuckDB the ENUM \`push_status\` (migration 012) |
| scheduled_at | TIMESTAMP | no | when it should go out: lead days before the deadline, never before planning, inside the sending hours, outside the person's quiet hours |
| attempts | INTEGER | no | attempts made so far |
| next_attempt_at | TIMESTAMP | yes | after a failed attempt: not before this (exponential back-off) |
| last_error | VARCHAR | yes | why the last attempt failed, or why the channel changed or the message was skipped |
| created_at | TIMESTAMP | no | when it was planned |
| sent_at | TIMESTAMP | yes | when the channel took it |
| person_name | VARCHAR | yes | whom the message greets, as planned (the person of that role) |
| taxpayer_name | VARCHAR | yes | the taxpayer's name, as planned |
| lacking | VARCHAR | yes | JSON array of phrases: a near miss, what it lacks (empty when not explained); a relief, what the company must mind, the catalogue's \`notices\` that hold of its facts (null when none does; a plan words a relief planned and not yet tried again when they change) |
| digest_items | VARCHAR | yes | a digest: JSON array of its lines in the order of items, each \`{benefit, deadline, lacking, group_claimed}\`, \`lacking\` and \`group_claimed\` as the columns above for the line's item (rows planned before that also carry kind and policy_id; lines planned before 2026-12-02 have no group_claimed) |
| group_claimed | DECIMAL(18,2) | yes | a relief of an exclusive group the taxpayer claimed another relief of in the period: that claim in yuan, which benefit is net of (the message says so); empty otherwise and for a digest (its lines carry theirs) |

### push_attempt
Every delivery attempt, written before the channel is called and completed after. Natural key: (message_id, attempt).

| column | type | null | meaning |
|---|---|---|---|
| message_id | VARCHAR | no | the message |
| attempt | INTEGER | no | 1 for the first attempt, and so on |
| channel | VARCHAR | no | the channel tried |
| recipient | VARCHAR | no | the address tried |
| started_at | TIMESTAMP | no | when the attempt was recorded (before delivery) |
| finished_at | TIMESTAMP | yes | when its outcome was recorded; empty while in flight or when the process died during it |
| outcome | VARCHAR | yes | \`delivered\`, \`alreadyDelivered\` (an earlier attempt had delivered it), \`failed\` (retried after back-off), \`rejected\` (refused for good), \`notConfigured\` or \`uncertain\` (moved to the inbox), \`interrupted\` (the process stopped; not delivered) |
| error | VARCHAR | yes | the channel's error or a note |

### inbox_message
The in-app inbox (站内信): one row per message delivered in the app. Delivering the same message_id again adds nothing.

| column | type | null | meaning |
|---|---|---|---|
| message_id | VARCHAR | no | the push message (primary key) |
| credit_code | VARCHAR | no | the taxpayer |
| role | VARCHAR | no | whose inbox in that taxpayer |
| subject | VARCHAR | no | as delivered (rendered when sent) |
| body | VARCHAR | no | as delivered |
| delivered_at | TIMESTAMP | no | when it reached the inbox |
| read_at | TIMESTAMP | yes | when the person opened it (set by the app) |

### email_sent_log
The e-mail adapter's log of SMTP transactions, consulted before any e-mail is sent again.

| column | type | null | meaning |
|---|---|---|---|
| message_id | VARCHAR | no | the push message (primary key) |
| header_message_id | VARCHAR | no | the Message-ID header sent, \`<message_id@domain>\` |
| recipient | VARCHAR | no | the address |
| state | VARCHAR | no | \`pending\` (written before connecting; left so if the process died or the connection broke after DATA: uncertain), \`accepted\` (the server answered 250 to the data), \`notAccepted\` (refused, or failed before DATA) |
| prepared_at | TIMESTAMP | no | when the transaction was started |
| finished_at | TIMESTAMP | yes | when its result was known |
| response | VARCHAR | yes | the server's reply or the error |

### app_user
Accounts of the HTTP API and the web app (src/api). Bureau staff see the whole city; a company user acts for one
taxpayer in one role.

| column | type | null | meaning |
|---|---|---|---|
| username | VARCHAR | no | login name (primary key) |
| display_name | VARCHAR | no | the name shown |
| role | VARCHAR | no | \`bureauAdmin\`, \`bureauAnalyst\`, \`bureauOfficer\` (bureau staff), or \`legalRepresentative\`, \`financeOfficer\`, \`taxHandler\` (a company user) |
| credit_code | VARCHAR | yes | the one taxpayer a company user acts for; empty for bureau staff |
| password_hash | VARCHAR | no | argon2id in PHC form (algorithm, memory, passes, lanes, salt, hash); never the password |
| created_at | TIMESTAMP | no | when the account was added (UTC) |
| disabled_at | TIMESTAMP | yes | when it was disabled: no login, no session |

### app_session
Sessions opened by logging in. Only a SHA-256 of the token is kept, so a copy of the table opens no session.

| column | type | null | meaning |
|---|---|---|---|
| token_sha256 | VARCHAR | no | SHA-256 of the session token, hex (primary key) |
| username | VARCHAR | no | the account |
| created_at | TIMESTAMP | no | when it was opened (UTC) |
| expires_at | TIMESTAMP | no | when it stops working (UTC; 8 hours by default) |
| ended_at | TIMESTAMP | yes | when its user logged out |

### audit_log
Every read of a company's data by bureau staff, every change through the API and every refused attempt, written
before the answer leaves.

| column | type | null | meaning |
|---|---|---|---|
| occurred_at | TIMESTAMP | no | when (UTC) |
| username | VARCHAR | no | who |
| role | VARCHAR | no | in which role |
| action | VARCHAR | no | what: \`read.taxpayer\`, \`read.matches\`, \`read.explanation\`, \`read.ledger\`, \`read.messages\`, \`read.outbox\`, \`message.read\`, \`user.create\`, \`campaign.plan\`, \`read.report.taxpayers\` and \`export.report.taxpayers\` (the taxpayers behind a figure of the city report, read or downloaded: the filter is in \`path\`, no one company); \`denied.\` and the action for a refusal |
| credit_code | VARCHAR | yes | the company whose data it was |
| method | VARCHAR | no | the HTTP method |
| path | VARCHAR | no | the path and query asked for |
| status | INTEGER | no | the HTTP status answered |

When \`zhishu serve\` starts it adds indexes on credit_code to the tables a company's pages and a
single-taxpayer re-match read (taxpayer, filing, filing_reduction, cit_quarter_info, cit_annual_info, employment_report, enterprise_list, company_person, taxpayer_fact,
policy_match, ledger_entry, inbox_message; src/api/sql/serving_indexes.sql). A batch-only store has none: ingest and the city-wide match
are faster without them.
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
/** A fact column of taxpayer_fact, as the rules declare it (src/rules/sql.ts factColumns; the model does not import the rules). */
export interface FactColumn {
  name: string;
  type: string;
  doc: string;
}

const factRows = (facts: readonly FactColumn[]) => facts.map((f) => `| ${f.name} | ${f.type} | yes | ${f.doc.replaceAll('|', '\\|')} |`).join('\n');

export function dataModelMarkdown(tables: readonly TableSpec[], facts: readonly FactColumn[]): string {
  const parts = [
    '# Data model',
    '',
    '<!-- Generated from src/model/tables/*.ts and src/rules/facts.ts by `zhishu docs data-model`; test/schema.test.ts fails when it is out of date. -->',
    '',
    'Every table of the store, every field, its type and the rule ingest enforces. Money is exact: DECIMAL(18,2) yuan',
    "(integer fen), never a binary float. Dates are calendar dates (Asia/Shanghai); timestamps are without zone: the push tables' (when a message is due, tried, sent, delivered) in China time (UTC+8), in which sending and quiet hours are reckoned; every other stamp (ingest, match runs and facts, ledger builds, accounts, sessions, audit) in UTC, on both engines whatever the machine's zone.",
    'Natural keys are enforced by ingest (a record whose key is already stored is counted as present and not inserted again; where it differs, it is quarantined, unless it only fills in columns the stored record has empty where empty means the source did not say: a column whose meaning says so).',
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
  parts.push(BOOKKEEPING.replace('@FACTS@', factRows(facts)));
  return `${parts.join('\n').trimEnd()}\n`;
}
