-- PostgreSQL form of ../../migrations/017_ledger_annual_claims.sql: the status stays TEXT, so the new
-- status `claimedOnAnnualReturn` needs no change of type; this file keeps the two engines' migrations
-- in step (same numbers and names).
SELECT 1;
