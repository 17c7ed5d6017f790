-- DuckDB stores the outbox's role, kind, channel and status and the ledger's status as ENUM types (its
-- migration 012): a city's plan and ledger write them faster. PostgreSQL keeps TEXT; this file keeps
-- the two engines' migrations in step (same numbers and names).
SELECT 1;
