-- PostgreSQL form of ../../migrations/024_special_invoice_sales.sql. A view's f.* was expanded when it was
-- made: current_fact is made again to take the new column in.
ALTER TABLE filing ADD COLUMN special_invoice_sales DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN small_scale_special_sales DECIMAL(18,2);

-- The rows kept were computed when no return said so: none, as they were judged.
UPDATE taxpayer_fact SET small_scale_special_sales = 0 WHERE small_scale_exemption_sales IS NOT NULL;

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
