-- The hiring reliefs (key-group and veteran hires) deduct a quota a person a year from the VAT, the
-- surcharges and the CIT actually due, in that order, and no more than that (2023年第15号 第二条, 2023年第14号
-- 第二条): their estimate is the quarter's share of the quota within the quarter's taxes, which the facts
-- now carry. A fact's column comes last, as src/rules/facts.ts lists it, and the view is made again (as in 011).
ALTER TABLE taxpayer_fact ADD COLUMN hiring_deductible_tax DECIMAL(18,2);

-- The rows kept did not read the quarter's CIT: the figure stays unknown on them (an explanation of a
-- hiring relief on them gives no estimate) until `zhishu match` computes the quarter's facts again.

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
