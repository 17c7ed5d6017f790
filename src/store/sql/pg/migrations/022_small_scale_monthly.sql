-- PostgreSQL form of ../../migrations/022_small_scale_monthly.sql. A view's f.* was expanded when it was
-- made: current_fact is made again to take the new columns in.
ALTER TABLE taxpayer_fact ADD COLUMN highest_monthly_sales DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN small_scale_exemption_sales DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN small_scale_taxed_sales DECIMAL(18,2);

-- The rows kept were computed under the reading before this one, which judged every small-scale
-- taxpayer on the quarter: a quarterly filer's are recorded as that reading judged them, so that
-- explaining them agrees with the results they gave. A monthly filer's stay unknown.
UPDATE taxpayer_fact SET small_scale_exemption_sales = quarterly_sales, small_scale_taxed_sales =
  CASE WHEN CASE WHEN period_end >= DATE '2026-01-01' THEN quarterly_sales < 300000
                 WHEN period_end BETWEEN DATE '2021-04-01' AND DATE '2022-12-31' THEN quarterly_sales <= 450000
                 ELSE quarterly_sales <= 300000 END
       THEN 0 ELSE quarterly_sales END
WHERE vat_status = 'smallScale' AND vat_monthly_filer = false AND quarterly_sales IS NOT NULL;

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
