-- PostgreSQL form of ../../migrations/001_domain.sql: the same tables, columns, order, NOT NULL and keys
-- (test/postgres.test.ts compares the two). Text is COLLATE "C", compared and sorted byte by byte as
-- DuckDB does, whatever the server's locale.

-- The domain model. Natural keys are documented in docs/data-model.md and
-- enforced by ingest (anti-join), not by indexes: ART indexes on hundreds of
-- millions of invoices would cost more memory than the whole load.

CREATE TABLE taxpayer (
  credit_code TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  vat_status TEXT COLLATE "C" NOT NULL,
  industry TEXT COLLATE "C" NOT NULL,
  district TEXT COLLATE "C" NOT NULL,
  registered_on DATE NOT NULL,
  employees BIGINT NOT NULL,
  total_assets NUMERIC(18,2) NOT NULL,
  collection_mode TEXT COLLATE "C" NOT NULL,
  high_tech BOOLEAN NOT NULL,
  high_tech_until DATE,
  rnd_expense NUMERIC(18,2) NOT NULL,
  credit_level TEXT COLLATE "C" NOT NULL
);

CREATE TABLE company_person (
  credit_code TEXT COLLATE "C" NOT NULL,
  role TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  mobile TEXT COLLATE "C",
  email TEXT COLLATE "C",
  preferred_channel TEXT COLLATE "C" NOT NULL,
  quiet_from BIGINT NOT NULL,
  quiet_to BIGINT NOT NULL
);

CREATE TABLE filing (
  credit_code TEXT COLLATE "C" NOT NULL,
  tax_type TEXT COLLATE "C" NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  due_date DATE NOT NULL,
  filed_on DATE,
  tax_base NUMERIC(18,2) NOT NULL,
  tax_payable NUMERIC(18,2) NOT NULL
);

CREATE TABLE filing_reduction (
  credit_code TEXT COLLATE "C" NOT NULL,
  tax_type TEXT COLLATE "C" NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  reduction_code TEXT COLLATE "C" NOT NULL,
  amount NUMERIC(18,2) NOT NULL
);

CREATE TABLE payment (
  payment_id TEXT COLLATE "C" NOT NULL,
  credit_code TEXT COLLATE "C" NOT NULL,
  tax_type TEXT COLLATE "C" NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  paid_on DATE NOT NULL,
  amount NUMERIC(18,2) NOT NULL
);

CREATE TABLE invoice_quota (
  credit_code TEXT COLLATE "C" NOT NULL,
  month DATE NOT NULL,
  quota_quantity BIGINT NOT NULL,
  single_limit NUMERIC(18,2) NOT NULL,
  credit_line NUMERIC(18,2) NOT NULL
);

CREATE TABLE invoice (
  invoice_number TEXT COLLATE "C" NOT NULL,
  issuer_code TEXT COLLATE "C" NOT NULL,
  buyer_code TEXT COLLATE "C",
  issued_on DATE NOT NULL,
  amount NUMERIC(18,2) NOT NULL,
  tax NUMERIC(18,2) NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  digital BOOLEAN NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  reverses_number TEXT COLLATE "C"
);

CREATE TABLE invoice_pickup (
  credit_code TEXT COLLATE "C" NOT NULL,
  picked_at TIMESTAMP NOT NULL,
  hall TEXT COLLATE "C" NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  quantity BIGINT NOT NULL
);

CREATE TABLE hall_visit (
  visit_id TEXT COLLATE "C" NOT NULL,
  credit_code TEXT COLLATE "C" NOT NULL,
  hall TEXT COLLATE "C" NOT NULL,
  "window" BIGINT,
  business_type TEXT COLLATE "C" NOT NULL,
  arrived_at TIMESTAMP NOT NULL,
  called_at TIMESTAMP,
  finished_at TIMESTAMP
);

CREATE TABLE credit_event (
  credit_code TEXT COLLATE "C" NOT NULL,
  indicator_code TEXT COLLATE "C" NOT NULL,
  occurred_on DATE NOT NULL,
  reference TEXT COLLATE "C" NOT NULL,
  points NUMERIC(5,1) NOT NULL,
  corrected_on DATE
);

CREATE TABLE application (
  application_id TEXT COLLATE "C" NOT NULL,
  credit_code TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  submitted_at TIMESTAMP NOT NULL,
  payload JSON NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  decision TEXT COLLATE "C",
  decided_at TIMESTAMP
);
