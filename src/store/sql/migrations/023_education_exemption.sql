-- The education surcharges' small-sales exemption became one entry with a reduction code, judged by the
-- month for monthly filers and by the quarter for quarterly ones (财税〔2016〕12号 第一条), and the six
-- taxes and two fees' halving of the surcharges is estimated on what the exemption leaves: the VAT the
-- exemption covers, and what the quarter's surcharges returns claim of it and of the halving. The
-- small-scale VAT exemption is worth no more than the VAT its sales bore and what the returns claim of
-- it: two facts more. A fact's column comes last, as src/rules/facts.ts lists it, and the view is made
-- again (as in 011).
ALTER TABLE taxpayer_fact ADD COLUMN education_exempt_vat_payable DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN education_exemption_claimed DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN small_scale_exemption_vat_payable DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN small_scale_exemption_claimed DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN surcharges_halving_claimed DECIMAL(18,2);

-- The rows kept: the VAT covered follows from their figures (the lines have been 100,000 and 300,000
-- since 2016, the amount itself included); no claim of the exemption was read when they were computed
-- (it had no code), so none is recorded. Explaining the halving on them gives its estimate after the
-- exemption, which their stored results may not: matching the period again brings those in line.
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
