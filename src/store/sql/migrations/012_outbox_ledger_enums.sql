-- The closed sets of the outbox and of the ledger become ENUM types, as policy_match's did in
-- migration 009: a city's push plan writes five million outbox rows and more, its ledger ten million
-- rows, and writing string columns into the database file is much of what they cost (docs/policy.md).
-- The values are the code's (src/model/enums.ts ROLES and CHANNELS, src/push/message.ts MESSAGE_KINDS
-- and MESSAGE_STATUSES, src/ledger/ledger.ts LEDGER_STATUSES; test/schema.test.ts checks them), each
-- list in the order of its values as text, so that ORDER BY, min() and comparisons give what they gave
-- on VARCHAR and what PostgreSQL (TEXT) gives. Growing a list takes a new type and a new table, as
-- here. Made again rather than altered, as migration 007 explains: the same columns in the same
-- order, the NOT NULLs put back. The serving index on ledger_entry goes with the old table; `zhishu
-- serve` makes it again when it starts (src/api/sql/serving_indexes.sql).
CREATE TYPE push_role AS ENUM ('financeOfficer', 'legalRepresentative', 'taxHandler');
CREATE TYPE push_kind AS ENUM ('digest', 'nearMiss', 'relief');
CREATE TYPE push_channel AS ENUM ('email', 'inApp', 'sms');
CREATE TYPE push_status AS ENUM ('failed', 'planned', 'sending', 'sent', 'skipped');
CREATE TYPE ledger_status AS ENUM ('enjoyed', 'matchedNoCode', 'missed', 'notStacked');

CREATE TABLE push_message_typed AS
SELECT * REPLACE (CAST(role AS push_role) AS role, CAST(kind AS push_kind) AS kind, CAST(channel AS push_channel) AS channel,
  CAST(status AS push_status) AS status)
FROM push_message;
ALTER TABLE push_message_typed ALTER message_id SET NOT NULL;
ALTER TABLE push_message_typed ALTER credit_code SET NOT NULL;
ALTER TABLE push_message_typed ALTER role SET NOT NULL;
ALTER TABLE push_message_typed ALTER kind SET NOT NULL;
ALTER TABLE push_message_typed ALTER period SET NOT NULL;
ALTER TABLE push_message_typed ALTER category SET NOT NULL;
ALTER TABLE push_message_typed ALTER run_id SET NOT NULL;
ALTER TABLE push_message_typed ALTER deadline SET NOT NULL;
ALTER TABLE push_message_typed ALTER channel SET NOT NULL;
ALTER TABLE push_message_typed ALTER recipient SET NOT NULL;
ALTER TABLE push_message_typed ALTER status SET NOT NULL;
ALTER TABLE push_message_typed ALTER scheduled_at SET NOT NULL;
ALTER TABLE push_message_typed ALTER attempts SET NOT NULL;
ALTER TABLE push_message_typed ALTER created_at SET NOT NULL;
DROP TABLE push_message;
ALTER TABLE push_message_typed RENAME TO push_message;

CREATE TABLE ledger_entry_typed AS SELECT * REPLACE (CAST(status AS ledger_status) AS status) FROM ledger_entry;
ALTER TABLE ledger_entry_typed ALTER credit_code SET NOT NULL;
ALTER TABLE ledger_entry_typed ALTER period SET NOT NULL;
ALTER TABLE ledger_entry_typed ALTER period_end SET NOT NULL;
ALTER TABLE ledger_entry_typed ALTER month SET NOT NULL;
ALTER TABLE ledger_entry_typed ALTER policy_id SET NOT NULL;
ALTER TABLE ledger_entry_typed ALTER status SET NOT NULL;
ALTER TABLE ledger_entry_typed ALTER enjoyed SET NOT NULL;
ALTER TABLE ledger_entry_typed ALTER built_at SET NOT NULL;
DROP TABLE ledger_entry;
ALTER TABLE ledger_entry_typed RENAME TO ledger_entry;
