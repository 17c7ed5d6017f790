-- PostgreSQL form of ../../migrations/021_cit_annual_info.sql. A view's f.* was expanded when it was
-- made: current_fact is made again to take the new columns in.
CREATE TABLE cit_annual_info (
  credit_code TEXT COLLATE "C" NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  employees BIGINT NOT NULL,
  total_assets DECIMAL(18,2) NOT NULL
);

ALTER TABLE taxpayer_fact ADD COLUMN slpe_status_employees BIGINT;
ALTER TABLE taxpayer_fact ADD COLUMN slpe_status_total_assets DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN slpe_status_figures_reported BOOLEAN;

-- The rows kept were computed under the reading before this one, which judged the halving on the
-- registered figures: they are recorded as its figures, so that explaining them agrees with the results
-- they gave. A match of the quarter computes the facts anew.
UPDATE taxpayer_fact SET slpe_status_employees = employees, slpe_status_total_assets = total_assets,
  slpe_status_figures_reported = false
WHERE kind = 'enterprise';

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
