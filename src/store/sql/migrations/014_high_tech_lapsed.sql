-- A high-tech certificate that expired in the quarter's year, before the quarter's end: until it is
-- re-recognised, CIT is prepaid at 15 % that year (国家税务总局公告2017年第24号 第一条), paid back at
-- the year's end without a new certificate. A fact's column comes last, as src/rules/facts.ts lists
-- it; the view is made again so that its catalogue lists the new column (as in 011).
ALTER TABLE taxpayer_fact ADD COLUMN high_tech_lapsed_this_year BOOLEAN;

-- The rows kept were computed under the reading before this one, which did not consider a certificate
-- lapsed this year: what it read is recorded (false where the certificate was known), so that
-- explaining them agrees with the results they gave. A match of the quarter computes the fact anew.
UPDATE taxpayer_fact SET high_tech_lapsed_this_year = false WHERE high_tech IS NOT NULL;

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
