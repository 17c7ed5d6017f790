-- PostgreSQL form of ../../migrations/027_hiring_deductible_tax.sql. A view's f.* was expanded when it was
-- made: current_fact is made again to take the new column in.
ALTER TABLE taxpayer_fact ADD COLUMN hiring_deductible_tax DECIMAL(18,2);

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
