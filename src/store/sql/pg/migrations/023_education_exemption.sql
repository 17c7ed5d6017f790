-- PostgreSQL form of ../../migrations/023_education_exemption.sql. A view's f.* was expanded when it was
-- made: current_fact is made again to take the new columns in.
ALTER TABLE taxpayer_fact ADD COLUMN education_exempt_vat_payable DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN education_exemption_claimed DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN small_scale_exemption_vat_payable DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN small_scale_exemption_claimed DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN surcharges_halving_claimed DECIMAL(18,2);

-- The rows kept: the VAT covered follows from their figures; no claim of the exemption was read when
-- they were computed (it had no code), so none is recorded.
UPDATE taxpayer_fact SET education_exemption_claimed = 0, education_exempt_vat_payable =
  CASE WHEN vat_monthly_filer THEN exempt_months_vat_payable
       WHEN quarterly_sales <= 300000 THEN vat_payable
       WHEN quarterly_sales IS NOT NULL THEN 0 END
WHERE vat_monthly_filer IS NOT NULL;

-- A quarterly filer's VAT of the covered sales is its quarter's; a monthly filer's stays unknown, as in 022.
UPDATE taxpayer_fact SET small_scale_exemption_claimed = 0, surcharges_halving_claimed = 0,
  small_scale_exemption_vat_payable = CASE WHEN vat_status = 'smallScale' AND vat_monthly_filer = false THEN vat_payable END;

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
