-- PostgreSQL form of ../../migrations/013_ledger_claims.sql: the status stays TEXT, so the two columns
-- are added (last, as on DuckDB) and the rows there are sorted out in place.
ALTER TABLE ledger_entry ADD COLUMN claimed NUMERIC(18,2), ADD COLUMN match_status TEXT COLLATE "C";
UPDATE ledger_entry SET claimed = enjoyed WHERE status = 'enjoyed';
UPDATE ledger_entry SET match_status = 'matched' WHERE status <> 'enjoyed';
UPDATE ledger_entry SET status = CASE WHEN missed IS NULL THEN 'missedAmountUnknown' ELSE 'nothingToClaim' END, missed = NULL
WHERE status = 'missed' AND (missed IS NULL OR missed <= 0);
