-- DuckDB stores the closed string facts of taxpayer_fact as ENUM types (its migration 007): its scans
-- compare them as small integers. PostgreSQL keeps TEXT, which its B-trees and planner handle as well;
-- this file keeps the two engines' migrations in step (same numbers and names).
SELECT 1;
