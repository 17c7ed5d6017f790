-- The text columns that hold a value per taxpayer or per message in the three tables a city's pipeline
-- writes most rows of (policy_match: ten to fifteen million a quarter at a million taxpayers;
-- ledger_entry: eleven million; push_message: five million) are stored with the compression DuckDB
-- chooses for them anyway, named: FSST. Left to choose, DuckDB analyses every segment of a column for
-- every method it has before it writes; for these columns, whose values repeat little within a
-- segment, it chose FSST, or dictionaries for a few segments at about the same size. Named, the
-- analysis is FSST's alone: copying a city's rows into a table made this way took 3.5 s instead of
-- 4.2 and 5.2 s for policy_match, 2.9 and 3.1 s instead of 3.4 and 3.6 s for ledger_entry, and 5.7 s
-- instead of 6.4 and 6.5 s for push_message, in as many blocks (docs/benchmarks.md). Columns of a few
-- values (period, policy_id, category) keep DuckDB's choice: their dictionaries are far smaller.
-- DuckDB keeps the choice in its catalogue (its SQL text does not show it): a table made again with
-- CREATE TABLE AS would lose it. A database file of a later storage version than DuckDB's default
-- (v0.10.2; `storage_compatibility_version` 'v1.3.0' and later) refuses FSST by name, as it compresses
-- strings with dictionaries and FSST together there: such a file would need `dict_fsst` here.
-- Made again rather than altered (DuckDB cannot alter a column's compression), as migration 007
-- explains; the views read the tables by name. A served store's indexes on policy_match and
-- ledger_entry go with them, and `zhishu serve` makes them again at its start. PostgreSQL has nothing
-- of the kind (its TOAST compression applies to values over 2 kB).
CREATE TABLE policy_match_named (
  run_id BIGINT NOT NULL,
  credit_code VARCHAR USING COMPRESSION fsst NOT NULL,
  policy_id VARCHAR NOT NULL,
  period VARCHAR NOT NULL,
  status match_status NOT NULL,
  benefit DECIMAL(18,2),
  category policy_category NOT NULL,
  computed_at TIMESTAMP NOT NULL
);
INSERT INTO policy_match_named SELECT * FROM policy_match;
DROP TABLE policy_match;
ALTER TABLE policy_match_named RENAME TO policy_match;

CREATE TABLE ledger_entry_named (
  credit_code VARCHAR USING COMPRESSION fsst NOT NULL,
  period VARCHAR NOT NULL,
  period_end DATE NOT NULL,
  month DATE NOT NULL,
  policy_id VARCHAR NOT NULL,
  status ledger_status NOT NULL,
  enjoyed DECIMAL(18,2) NOT NULL,
  missed DECIMAL(18,2),
  built_at TIMESTAMP NOT NULL,
  claimed DECIMAL(18,2),
  match_status ledger_match,
  lapsed DECIMAL(18,2),
  group_claimed DECIMAL(18,2)
);
INSERT INTO ledger_entry_named SELECT * FROM ledger_entry;
DROP TABLE ledger_entry;
ALTER TABLE ledger_entry_named RENAME TO ledger_entry;

CREATE TABLE push_message_named (
  message_id VARCHAR USING COMPRESSION fsst NOT NULL,
  credit_code VARCHAR USING COMPRESSION fsst NOT NULL,
  role push_role NOT NULL,
  kind push_kind NOT NULL,
  period VARCHAR NOT NULL,
  policy_id VARCHAR,
  items VARCHAR,
  category VARCHAR NOT NULL,
  run_id BIGINT NOT NULL,
  benefit DECIMAL(18,2),
  deadline DATE NOT NULL,
  channel push_channel NOT NULL,
  recipient VARCHAR USING COMPRESSION fsst NOT NULL,
  subject VARCHAR,
  body VARCHAR,
  status push_status NOT NULL,
  scheduled_at TIMESTAMP NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at TIMESTAMP,
  last_error VARCHAR,
  created_at TIMESTAMP NOT NULL,
  sent_at TIMESTAMP,
  person_name VARCHAR,
  taxpayer_name VARCHAR USING COMPRESSION fsst,
  lacking VARCHAR,
  digest_items VARCHAR,
  group_claimed DECIMAL(18,2)
);
INSERT INTO push_message_named SELECT * FROM push_message;
DROP TABLE push_message;
ALTER TABLE push_message_named RENAME TO push_message;
