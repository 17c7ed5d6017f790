-- filing_reduction: the reductions claimed on filed returns (codes are placeholders, see reductionCodes.ts).
WITH r AS (
  SELECT credit_code, tax_type, period_start, period_end, unnest(reductions) AS red
  FROM filing_v
  WHERE len(reductions) > 0
)
SELECT credit_code, tax_type, period_start, period_end, red.code AS reduction_code, red.amount::DECIMAL(18,2) AS amount
FROM r
WHERE red.amount > 0
