-- credit_event: 010101 return filed late (010102 for a withholding return), corrected
-- when filed; 020101 tax not paid by the deadline, corrected when paid. VAT and
-- surcharges are one return: one filing event for both. 5 points each.
WITH e AS (
  SELECT credit_code, tax_type, period_start, period_end, due_date,
    unnest(list_filter([
      {ind: CASE WHEN tax_type = 'iit' THEN '010102' ELSE '010101' END, corrected: filed_on,
       ok: (late OR unfiled) AND tax_type <> 'surcharges'},
      {ind: '020101', corrected: paid_on, ok: paid AND paid_on > due_date}
    ], x -> x.ok)) AS ev
  FROM filing_v
  WHERE late OR unfiled OR (paid AND paid_on > due_date)
)
SELECT
  credit_code,
  ev.ind AS indicator_code,
  (due_date + 1)::DATE AS occurred_on,
  tax_type || ' ' || strftime(period_start, '%Y-%m-%d') || '..' || strftime(period_end, '%Y-%m-%d') AS reference,
  5.0::DECIMAL(5,1) AS points,
  ev.corrected AS corrected_on
FROM e
