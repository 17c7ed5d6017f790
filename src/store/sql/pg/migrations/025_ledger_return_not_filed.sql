-- PostgreSQL form of ../../migrations/025_ledger_return_not_filed.sql: the status stays TEXT, so the new
-- status `returnNotFiled` needs no change of type; this file keeps the two engines' migrations in step
-- (same numbers and names).
SELECT 1;
