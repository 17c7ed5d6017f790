-- PostgreSQL form of ../../migrations/002_ingest.sql: the same tables, columns, order, NOT NULL and keys
-- (test/postgres.test.ts compares the two). Text is COLLATE "C", compared and sorted byte by byte as
-- DuckDB does, whatever the server's locale.

-- Ingest bookkeeping: which files were loaded (by content hash), and every
-- record that was refused, with where it came from and why.

CREATE TABLE ingest_file (
  sha256 TEXT COLLATE "C" NOT NULL,
  table_name TEXT COLLATE "C" NOT NULL,
  source_file TEXT COLLATE "C" NOT NULL,
  rows_read BIGINT NOT NULL,
  rows_loaded BIGINT NOT NULL,
  rows_present BIGINT NOT NULL,
  rows_quarantined BIGINT NOT NULL,
  -- smallest and largest first natural-key column among the records loaded: a later file whose range
  -- overlaps none of these cannot hold a stored key, and skips the anti-join against the table
  key_min TEXT COLLATE "C",
  key_max TEXT COLLATE "C",
  -- 'loaded', or 'rejected' when the file as a whole could not be read (its problem is in quarantine, row 0)
  status TEXT COLLATE "C" NOT NULL,
  loaded_at TIMESTAMP NOT NULL,
  PRIMARY KEY (sha256, table_name)
);

CREATE TABLE quarantine (
  source_sha256 TEXT COLLATE "C" NOT NULL,
  source_file TEXT COLLATE "C" NOT NULL,
  table_name TEXT COLLATE "C" NOT NULL,
  row_number BIGINT NOT NULL,
  line_number BIGINT,
  field TEXT COLLATE "C" NOT NULL,
  reason TEXT COLLATE "C" NOT NULL,
  record TEXT COLLATE "C",
  quarantined_at TIMESTAMP NOT NULL
);
