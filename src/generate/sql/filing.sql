-- filing: every return of the window (see filing_v in setup.sql).
SELECT credit_code, tax_type, period_start, period_end, due_date, filed_on, tax_base, tax_payable, special_invoice_sales
FROM filing_v
