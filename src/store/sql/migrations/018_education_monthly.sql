-- The education surcharges' small-sales exemption is judged on each month of a monthly filer and on the
-- quarter of a quarterly one (财税〔2016〕12号 第一条): three facts carry how the VAT is filed, the lowest
-- month's sales and the VAT of the months within the monthly line. A fact's column comes last, as
-- src/rules/facts.ts lists it; the view is made again (as in 011).
ALTER TABLE taxpayer_fact ADD COLUMN vat_monthly_filer BOOLEAN;
ALTER TABLE taxpayer_fact ADD COLUMN lowest_monthly_sales DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN exempt_months_vat_payable DECIMAL(18,2);

-- The rows kept were computed under the reading before this one, which judged every payer on the
-- quarter: what it read is recorded (a quarterly filer), so that explaining them agrees with the results
-- they gave. A match of the quarter computes the facts anew.
UPDATE taxpayer_fact SET vat_monthly_filer = false WHERE quarterly_sales IS NOT NULL;

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
