-- Nothing to change here: DuckDB's policy_match, ledger_entry and push_message name the compression of
-- their per-taxpayer text columns (see ../../migrations/029_text_compression_named.sql), which DuckDB
-- would otherwise choose segment by segment as it writes. PostgreSQL stores rows, and compresses a
-- value (TOAST) only over about 2 kB. The file keeps both engines at the same migration version, which
-- `zhishu pg copy` requires.
SELECT 1;
