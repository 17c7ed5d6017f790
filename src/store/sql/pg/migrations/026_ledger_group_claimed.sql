-- PostgreSQL form of ../../migrations/026_ledger_group_claimed.sql.
ALTER TABLE ledger_entry ADD COLUMN group_claimed NUMERIC(18,2);
