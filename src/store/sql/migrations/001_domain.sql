-- The domain model. Natural keys are documented in docs/data-model.md and
-- enforced by ingest (anti-join), not by indexes: ART indexes on hundreds of
-- millions of invoices would cost more memory than the whole load.

CREATE TABLE taxpayer (
  credit_code VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  vat_status VARCHAR NOT NULL,
  industry VARCHAR NOT NULL,
  district VARCHAR NOT NULL,
  registered_on DATE NOT NULL,
  employees BIGINT NOT NULL,
  total_assets DECIMAL(18,2) NOT NULL,
  collection_mode VARCHAR NOT NULL,
  high_tech BOOLEAN NOT NULL,
  high_tech_until DATE,
  rnd_expense DECIMAL(18,2) NOT NULL,
  credit_level VARCHAR NOT NULL
);

CREATE TABLE company_person (
  credit_code VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  mobile VARCHAR,
  email VARCHAR,
  preferred_channel VARCHAR NOT NULL,
  quiet_from BIGINT NOT NULL,
  quiet_to BIGINT NOT NULL
);

CREATE TABLE filing (
  credit_code VARCHAR NOT NULL,
  tax_type VARCHAR NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  due_date DATE NOT NULL,
  filed_on DATE,
  tax_base DECIMAL(18,2) NOT NULL,
  tax_payable DECIMAL(18,2) NOT NULL
);

CREATE TABLE filing_reduction (
  credit_code VARCHAR NOT NULL,
  tax_type VARCHAR NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  reduction_code VARCHAR NOT NULL,
  amount DECIMAL(18,2) NOT NULL
);

CREATE TABLE payment (
  payment_id VARCHAR NOT NULL,
  credit_code VARCHAR NOT NULL,
  tax_type VARCHAR NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  paid_on DATE NOT NULL,
  amount DECIMAL(18,2) NOT NULL
);

CREATE TABLE invoice_quota (
  credit_code VARCHAR NOT NULL,
  month DATE NOT NULL,
  quota_quantity BIGINT NOT NULL,
  single_limit DECIMAL(18,2) NOT NULL,
  credit_line DECIMAL(18,2) NOT NULL
);

CREATE TABLE invoice (
  invoice_number VARCHAR NOT NULL,
  issuer_code VARCHAR NOT NULL,
  buyer_code VARCHAR,
  issued_on DATE NOT NULL,
  amount DECIMAL(18,2) NOT NULL,
  tax DECIMAL(18,2) NOT NULL,
  kind VARCHAR NOT NULL,
  digital BOOLEAN NOT NULL,
  status VARCHAR NOT NULL,
  reverses_number VARCHAR
);

CREATE TABLE invoice_pickup (
  credit_code VARCHAR NOT NULL,
  picked_at TIMESTAMP NOT NULL,
  hall VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  quantity BIGINT NOT NULL
);

CREATE TABLE hall_visit (
  visit_id VARCHAR NOT NULL,
  credit_code VARCHAR NOT NULL,
  hall VARCHAR NOT NULL,
  "window" BIGINT,
  business_type VARCHAR NOT NULL,
  arrived_at TIMESTAMP NOT NULL,
  called_at TIMESTAMP,
  finished_at TIMESTAMP
);

CREATE TABLE credit_event (
  credit_code VARCHAR NOT NULL,
  indicator_code VARCHAR NOT NULL,
  occurred_on DATE NOT NULL,
  reference VARCHAR NOT NULL,
  points DECIMAL(5,1) NOT NULL,
  corrected_on DATE
);

CREATE TABLE application (
  application_id VARCHAR NOT NULL,
  credit_code VARCHAR NOT NULL,
  type VARCHAR NOT NULL,
  submitted_at TIMESTAMP NOT NULL,
  payload JSON NOT NULL,
  status VARCHAR NOT NULL,
  decision VARCHAR,
  decided_at TIMESTAMP
);
