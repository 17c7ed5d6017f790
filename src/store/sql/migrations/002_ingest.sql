-- Ingest bookkeeping: which files were loaded (by content hash), and every
-- record that was refused, with where it came from and why.

CREATE TABLE ingest_file (
  sha256 VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  source_file VARCHAR NOT NULL,
  rows_read BIGINT NOT NULL,
  rows_loaded BIGINT NOT NULL,
  rows_present BIGINT NOT NULL,
  rows_quarantined BIGINT NOT NULL,
  -- smallest and largest first natural-key column among the records loaded: a later file whose range
  -- overlaps none of these cannot hold a stored key, and skips the anti-join against the table
  key_min VARCHAR,
  key_max VARCHAR,
  -- 'loaded', or 'rejected' when the file as a whole could not be read (its problem is in quarantine, row 0)
  status VARCHAR NOT NULL,
  loaded_at TIMESTAMP NOT NULL,
  PRIMARY KEY (sha256, table_name)
);

CREATE TABLE quarantine (
  source_sha256 VARCHAR NOT NULL,
  source_file VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  row_number BIGINT NOT NULL,
  line_number BIGINT,
  field VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  record VARCHAR,
  quarantined_at TIMESTAMP NOT NULL
);
