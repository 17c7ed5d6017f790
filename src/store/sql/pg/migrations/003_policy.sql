-- PostgreSQL form of ../../migrations/003_policy.sql: the same tables, columns, order, NOT NULL and keys
-- (test/postgres.test.ts compares the two). Text is COLLATE "C", compared and sorted byte by byte as
-- DuckDB does, whatever the server's locale.

-- The policy robot: facts per taxpayer and quarter, the match runs and their results.
-- History is kept: a re-run or a single-taxpayer re-match appends rows with a later computed_at,
-- so a result can be reproduced as of a past moment; current_* views pick the latest rows.

CREATE TABLE taxpayer_fact (
  credit_code TEXT COLLATE "C" NOT NULL,
  period TEXT COLLATE "C" NOT NULL,            -- the quarter the facts describe, e.g. 2026-Q1
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  computed_at TIMESTAMP NOT NULL,
  kind TEXT COLLATE "C",
  vat_status TEXT COLLATE "C",
  industry TEXT COLLATE "C",
  industry_section TEXT COLLATE "C",
  district TEXT COLLATE "C",
  collection_mode TEXT COLLATE "C",
  credit_level TEXT COLLATE "C",
  registered_on DATE,
  employees BIGINT,
  total_assets NUMERIC(18,2),
  taxable_income NUMERIC(18,2),
  quarterly_taxable_income NUMERIC(18,2),
  monthly_sales NUMERIC(18,2),
  quarterly_sales NUMERIC(18,2),
  annual_sales NUMERIC(18,2),
  vat_payable NUMERIC(18,2),
  surcharges_payable NUMERIC(18,2),
  wages_paid NUMERIC(18,2),
  rnd_expense NUMERIC(18,2),
  high_tech BOOLEAN,
  months_registered BIGINT,
  business_income NUMERIC(18,2),
  disabled_employees BIGINT,
  key_group_hires BIGINT,
  veteran_hires BIGINT,
  retained_credit_increase NUMERIC(18,2),
  chips_or_machines BOOLEAN
);

CREATE TABLE match_run (
  run_id BIGINT NOT NULL PRIMARY KEY,
  period TEXT COLLATE "C" NOT NULL,
  -- 'city' for a whole-city run, or the credit code of a single-taxpayer re-match
  scope TEXT COLLATE "C" NOT NULL,
  catalogue_sha256 TEXT COLLATE "C" NOT NULL,  -- the law directory the rules came from
  entries BIGINT NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP
);

-- Only matched, near-miss and unknown results are stored; a (taxpayer, policy, period) without a row
-- in the run is not eligible, and `zhishu explain` shows why from the stored facts.
CREATE TABLE policy_match (
  run_id BIGINT NOT NULL,
  credit_code TEXT COLLATE "C" NOT NULL,
  policy_id TEXT COLLATE "C" NOT NULL,
  period TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,            -- matched | nearMiss | unknown
  benefit NUMERIC(18,2),              -- estimated benefit for the period (matched and near miss); NULL when a fact it needs is missing
  category TEXT COLLATE "C" NOT NULL,
  computed_at TIMESTAMP NOT NULL
);

-- The facts and results in force now: for each taxpayer and period, those of its latest run
-- (a city run, or a later single-taxpayer re-match).
CREATE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);

CREATE VIEW current_match AS
SELECT m.* FROM policy_match m
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);

-- The benefit ledger (政策红利账本), per taxpayer, quarter and policy: reliefs enjoyed (reductions
-- claimed on its returns, mapped from reduction codes to policies) and missed (matched but not
-- claimed: the estimated benefit). Derived; rebuilt for a quarter by `zhishu ledger build`.
CREATE TABLE ledger_entry (
  credit_code TEXT COLLATE "C" NOT NULL,
  period TEXT COLLATE "C" NOT NULL,
  period_end DATE NOT NULL,
  month DATE NOT NULL,                -- enjoyed: the month the claiming return ends; missed: the quarter's last month
  policy_id TEXT COLLATE "C" NOT NULL,
  -- enjoyed | missed | matchedNoCode (matched; the policy has no reduction code, so a claim cannot be seen)
  status TEXT COLLATE "C" NOT NULL,
  enjoyed NUMERIC(18,2) NOT NULL,
  missed NUMERIC(18,2),
  built_at TIMESTAMP NOT NULL
);
