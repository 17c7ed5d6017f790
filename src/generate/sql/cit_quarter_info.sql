-- cit_quarter_info: the head count and total assets each filed CIT prepayment return reports at its
-- quarter's start and end (docs/generator.md, "CIT quarter figures"). A figure at a month's boundary is
-- the registered one, strayed by a draw of (taxpayer, boundary) within ± half of quarter_figure_spread:
-- a quarter's end and the next quarter's start are one boundary, so they agree, as on real returns.
WITH c AS (
  SELECT f.credit_code, f.period_start, f.period_end, t.idx, t.employees, t.assets,
    datediff('month', getvariable('start_date'), f.period_start) AS b0,
    datediff('month', getvariable('start_date'), f.period_end) + 1 AS b1
  FROM filing_v f JOIN tp t USING (idx)
  WHERE f.tax_type = 'cit' AND f.filed_on IS NOT NULL
)
SELECT credit_code, period_start, period_end,
  round(employees * (1 + getvariable('quarter_figure_spread') * (rnd(120, idx, b0) - 0.5)))::BIGINT AS employees_start,
  round(employees * (1 + getvariable('quarter_figure_spread') * (rnd(120, idx, b1) - 0.5)))::BIGINT AS employees_end,
  round(assets * (1 + getvariable('quarter_figure_spread') * (rnd(121, idx, b0) - 0.5)), 2)::DECIMAL(18,2) AS assets_start,
  round(assets * (1 + getvariable('quarter_figure_spread') * (rnd(121, idx, b1) - 0.5)), 2)::DECIMAL(18,2) AS assets_end
FROM c
ORDER BY idx, period_start
