-- Indexes for serving one company at a time: every company route, and a single-taxpayer re-match,
-- looks up rows by credit code.
-- They are made when `zhishu serve` starts, not by a migration, because the batch work (ingest and
-- the city-wide match over millions of rows) is faster without them and a batch-only store never
-- needs them; once made, later matches keep them up to date. The same statements run on DuckDB
-- (ART indexes, used for equality lookups) and PostgreSQL (B-trees).
CREATE INDEX IF NOT EXISTS serve_taxpayer_code ON taxpayer (credit_code);
-- A single-taxpayer re-match recomputes the facts from the taxpayer's returns (src/match/sql/facts.sql).
CREATE INDEX IF NOT EXISTS serve_filing_code ON filing (credit_code);
CREATE INDEX IF NOT EXISTS serve_reduction_code ON filing_reduction (credit_code);
CREATE INDEX IF NOT EXISTS serve_employment_code ON employment_report (credit_code);
CREATE INDEX IF NOT EXISTS serve_quarter_info_code ON cit_quarter_info (credit_code);
CREATE INDEX IF NOT EXISTS serve_annual_info_code ON cit_annual_info (credit_code);
CREATE INDEX IF NOT EXISTS serve_list_code ON enterprise_list (credit_code);
CREATE INDEX IF NOT EXISTS serve_person_code ON company_person (credit_code);
CREATE INDEX IF NOT EXISTS serve_fact_code ON taxpayer_fact (credit_code);
CREATE INDEX IF NOT EXISTS serve_match_code ON policy_match (credit_code);
CREATE INDEX IF NOT EXISTS serve_ledger_code ON ledger_entry (credit_code);
CREATE INDEX IF NOT EXISTS serve_inbox_code ON inbox_message (credit_code);
CREATE INDEX IF NOT EXISTS serve_session_user ON app_session (username);
