-- PostgreSQL form of ../../migrations/016_cit_annual.sql. A view's f.* was expanded when it was
-- made: current_fact is made again to take the new columns in.
ALTER TABLE taxpayer_fact ADD COLUMN cit_annual_taxable_income DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN before_first_cit_annual BOOLEAN;

-- The rows kept were computed under the reading before this one, which judged the status on the year
-- to date: what it read is recorded (that income, and no new enterprise), so that explaining them
-- agrees with the results they gave. A match of the quarter computes the facts anew.
UPDATE taxpayer_fact SET cit_annual_taxable_income = taxable_income, before_first_cit_annual = false WHERE kind = 'enterprise';

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
