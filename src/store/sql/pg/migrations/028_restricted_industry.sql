-- PostgreSQL form of ../../migrations/028_restricted_industry.sql. A view's f.* was expanded when it was
-- made: current_fact is made again to take the new column in.
ALTER TABLE cit_quarter_info ADD COLUMN restricted_industry BOOLEAN;
ALTER TABLE cit_annual_info ADD COLUMN restricted_industry BOOLEAN;
ALTER TABLE taxpayer_fact ADD COLUMN restricted_industry BOOLEAN;
ALTER TABLE taxpayer_fact ADD COLUMN slpe_status_restricted_industry BOOLEAN;

UPDATE taxpayer_fact SET restricted_industry = false, slpe_status_restricted_industry = CASE WHEN kind = 'enterprise' THEN false END;

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
