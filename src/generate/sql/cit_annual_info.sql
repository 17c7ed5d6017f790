-- cit_annual_info: the head count and total assets each filed annual CIT return reports (docs/generator.md,
-- "CIT quarter figures"): the year's quarter averages of the same month-boundary figures the prepayment
-- returns report (session.sql, annual_employees and annual_assets), before the window as within it.
WITH c AS (
  SELECT f.credit_code, f.period_start, f.period_end, t.idx, t.employees, t.assets, t.reg_m, year(f.period_end) AS yr
  FROM filing_v f JOIN tp t USING (idx)
  WHERE f.tax_type = 'citAnnual' AND f.filed_on IS NOT NULL
)
SELECT credit_code, period_start, period_end,
  annual_employees(idx, employees, yr, reg_m) AS employees,
  annual_assets(idx, assets, yr, reg_m)::DECIMAL(18,2) AS total_assets,
  -- As on the prepayment returns: every return answers 国家限制或禁止行业 with 否 (docs/generator.md).
  false AS restricted_industry
FROM c
ORDER BY idx, period_start
