-- The small-scale VAT exemption and reduced rate are judged on each month of a monthly filer and on the
-- quarter of a quarterly one (财政部 税务总局公告2023年第1号 第一条; 增值税法 第二十三条 and 财政部 税务总局公告
-- 2026年第10号: 100,000 a month, 300,000 a quarter). Three facts carry the largest month's sales, the sales
-- the line covers and those it leaves taxed; a fact's column comes last, as src/rules/facts.ts lists it, and the view is made
-- again (as in 011).
ALTER TABLE taxpayer_fact ADD COLUMN highest_monthly_sales DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN small_scale_exemption_sales DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN small_scale_taxed_sales DECIMAL(18,2);

-- The rows kept were computed under the reading before this one, which judged every small-scale
-- taxpayer on the quarter: a quarterly filer's are recorded as that reading judged them (the quarterly
-- lines of law/parameters.yaml, the amount itself within them before 2026), so that explaining them agrees
-- with the results they gave. A monthly filer's stay unknown; a match of the quarter computes them anew.
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
