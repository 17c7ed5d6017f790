-- cit_quarter_info: the head count and total assets each filed CIT prepayment return reports at its
-- quarter's start and end (docs/generator.md, "CIT quarter figures"), at the month boundaries of the
-- return's period (session.sql, quarter_employees and quarter_assets): a quarter's end and the next
-- quarter's start are one boundary, so they agree, as on real returns.
WITH c AS (
  SELECT f.credit_code, f.period_start, f.period_end, t.idx, t.employees, t.assets,
    datediff('month', getvariable('start_date'), f.period_start) AS b0,
    datediff('month', getvariable('start_date'), f.period_end) + 1 AS b1
  FROM filing_v f JOIN tp t USING (idx)
  WHERE f.tax_type = 'cit' AND f.filed_on IS NOT NULL
)
SELECT credit_code, period_start, period_end,
  quarter_employees(idx, employees, b0) AS employees_start, quarter_employees(idx, employees, b1) AS employees_end,
  quarter_assets(idx, assets, b0) AS assets_start, quarter_assets(idx, assets, b1) AS assets_end,
  -- Every return answers 国家限制或禁止行业, and none of the city says 是 (docs/generator.md).
  false AS restricted_industry
FROM c
ORDER BY idx, period_start
