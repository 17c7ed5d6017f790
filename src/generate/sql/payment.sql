-- payment: one payment per filed return with tax payable; voucher number from period, tax type and taxpayer.
SELECT
  printf('4403%s%d%08d', strftime(period_end, '%y%m'), tt_no, idx) AS payment_id,
  credit_code, tax_type, period_start, period_end, paid_on, tax_payable AS amount
FROM filing_v
WHERE paid
