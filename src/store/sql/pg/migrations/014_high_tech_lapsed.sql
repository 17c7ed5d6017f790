-- PostgreSQL form of ../../migrations/014_high_tech_lapsed.sql. A view's f.* was expanded when it was
-- made: current_fact is made again to take the new column in.
ALTER TABLE taxpayer_fact ADD COLUMN high_tech_lapsed_this_year BOOLEAN;

-- The rows kept were computed under the reading before this one, which did not consider a certificate
-- lapsed this year: what it read is recorded (false where the certificate was known), so that
-- explaining them agrees with the results they gave. A match of the quarter computes the fact anew.
UPDATE taxpayer_fact SET high_tech_lapsed_this_year = false WHERE high_tech IS NOT NULL;

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
