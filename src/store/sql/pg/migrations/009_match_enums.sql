-- DuckDB stores policy_match's status and category as ENUM types (its migration 009): a city match
-- writes them faster. PostgreSQL keeps TEXT; this file keeps the two engines' migrations in step
-- (same numbers and names).
SELECT 1;
