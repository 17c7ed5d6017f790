-- invoice: the invoices of one month (variable `month`), one file per month.
-- Counts and amounts follow the taxpayer's sales of the month; a red-letter invoice
-- reverses an earlier invoice of the same issuer in the month and copies its
-- amount, tax, kind and buyer (recomputed from the same hash keys).
WITH t AS (
  SELECT idx, credit_code, m, n_inv AS n, sales, vat_class, rate, single_limit, paper, c0, c1, c2, c3, c4, c5
  FROM tpm(getvariable('month'), getvariable('month') + 1)
  WHERE n_inv > 0
), u AS (
  SELECT *, unnest(range(n)) AS j FROM t
), s AS (
  SELECT *, m * 10000 + j AS key,
    floor(rnd(70, idx, m * 10000 + j) * j)::BIGINT AS jr,
    rnd(71, idx, m * 10000 + j) AS us
  FROM u
), st AS (
  SELECT *,
    CASE WHEN us < getvariable('void_share') THEN 'void'
         WHEN us >= 1 - getvariable('red_share') AND j > 0
              AND rnd(71, idx, m * 10000 + jr) >= getvariable('void_share')
              AND rnd(71, idx, m * 10000 + jr) < 1 - getvariable('red_share') THEN 'red'
         ELSE 'normal' END AS status
  FROM s
), k AS (
  SELECT *,
    CASE WHEN status = 'red' THEN m * 10000 + jr ELSE key END AS kk,
    is_digital(paper, idx, key, m) AS digital
  FROM st
), f AS (
  SELECT *,
    rnd(72, idx, kk) < getvariable('special_share')[vat_class] AS special,
    least(single_limit, greatest(1.0, round(sales * getvariable('invoiced_share')[vat_class] / n * exp(0.6 * nrm(76, idx, kk) - 0.18), 2)))::DECIMAL(18,2) AS amount
  FROM k
)
SELECT
  invoice_no(m, digital, idx, j) AS invoice_number,
  credit_code AS issuer_code,
  CASE WHEN special THEN [c0, c1, c2][1 + floor(rnd(73, idx, kk) * 3)::INTEGER]
       WHEN rnd(74, idx, kk) < getvariable('consumer_share')[vat_class] THEN NULL
       ELSE [c0, c1, c2, c3, c4, c5][1 + floor(rnd(73, idx, kk) * 6)::INTEGER] END AS buyer_code,
  (mstart(m) + floor((j + rnd(75, idx, key)) / n * mdays(m))::INTEGER)::DATE AS issued_on,
  amount,
  round(amount * rate, 2)::DECIMAL(18,2) AS tax,
  CASE WHEN special THEN 'special' ELSE 'ordinary' END AS kind,
  digital,
  status,
  CASE WHEN status = 'red' THEN invoice_no(m, is_digital(paper, idx, m * 10000 + jr, m), idx, jr) END AS reverses_number
FROM f
