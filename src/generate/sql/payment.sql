-- payment: one payment per filed return with tax payable; voucher number 4403, period (yymm), tax type
-- and taxpayer (8 digits: the settings allow at most 20,000,000 taxpayers). Built as one number and
-- printed, which costs a third of formatting the date and the parts as text.
SELECT
  (4403 * 10000000000000 + ((year(period_end) % 100) * 100 + month(period_end)) * 1000000000 + tt_no * 100000000 + idx)::VARCHAR AS payment_id,
  credit_code, tax_type, period_start, period_end, paid_on, tax_payable AS amount
FROM filing_v
WHERE paid
