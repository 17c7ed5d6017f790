-- A small-scale VAT return says how much of its sales went on special VAT invoices (增值税专用发票不含税
-- 销售额): the exemption does not cover them (the taxpayer waived it to issue them), and they pay the
-- reduced rate (国家税务总局公告2026年第4号; before 2026, 国家税务总局公告2023年第1号). The return's figure, empty
-- where a source does not give it, and the fact the small-scale reliefs read. A fact's column comes last,
-- as src/rules/facts.ts lists it, and the view is made again (as in 011).
ALTER TABLE filing ADD COLUMN special_invoice_sales DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN small_scale_special_sales DECIMAL(18,2);

-- The rows kept were computed when no return said so: none, as they were judged.
UPDATE taxpayer_fact SET small_scale_special_sales = 0 WHERE small_scale_exemption_sales IS NOT NULL;

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
