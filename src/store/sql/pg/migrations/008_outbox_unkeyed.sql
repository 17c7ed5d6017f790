-- Nothing to change here: DuckDB's outbox drops the index of its primary key (see
-- ../../migrations/008_outbox_unkeyed.sql); PostgreSQL keeps push_message's primary key, whose
-- B-tree its push plan asks for the ids already there (WHERE NOT EXISTS), as do the lookups by id. The
-- file keeps both engines at the same migration version, which `zhishu pg copy` requires.
SELECT 1;
