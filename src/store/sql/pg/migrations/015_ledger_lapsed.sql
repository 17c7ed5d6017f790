-- PostgreSQL form of ../../migrations/015_ledger_lapsed.sql: the status stays TEXT, so the new
-- status needs no change of type; the column `lapsed` comes last, as on DuckDB.
ALTER TABLE ledger_entry ADD COLUMN lapsed NUMERIC(18,2);
