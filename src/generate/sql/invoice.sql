-- invoice: the invoices of one month (variable `month`), one file per month.
-- Counts and amounts follow the taxpayer's sales of the month; a red-letter invoice
-- reverses an earlier invoice of the same issuer in the month and copies its
-- amount, tax, kind and buyer (recomputed from the same hash keys).
-- Everything constant within a taxpayer-month (number prefix, month start and length, digital
-- share) is computed once per taxpayer-month in t, not once per invoice.
WITH t AS (
  SELECT idx, credit_code, m, n_inv AS n, sales, vat_class, rate, single_limit, paper, c0, c1, c2, c3, c4, c5,
    -- 20-digit invoice number: year (2), region 44, channel (1), then a 15-digit sequence of month index (3),
    -- taxpayer index (8) and the invoice's index in the month (4, appended below). Unique by construction,
    -- and each month's numbers form their own range, as a real issuing platform's sequence does. Paper
    -- invoices (digital = false) carry the same layout; their real code+number pair is not modelled.
    printf('%02d441%03d%08d', myear(m) % 100, m, idx) AS no_prefix,
    mstart(m) AS m_start, mdays(m) AS m_days,
    digital_share(m) * CASE WHEN paper THEN 1 - getvariable('paper_share') ELSE 1 END AS d_share,
    sales * getvariable('invoiced_share')[vat_class] / n_inv AS mean_amount,
    getvariable('special_share')[vat_class] AS special_p,
    getvariable('consumer_share')[vat_class] AS consumer_p
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
    rnd(77, idx, key) < d_share AS digital
  FROM st
), f AS (
  SELECT *,
    rnd(72, idx, kk) < special_p AS special,
    least(single_limit, greatest(1.0, round(mean_amount * exp(0.6 * nrm(76, idx, kk) - 0.18), 2)))::DECIMAL(18,2) AS amount
  FROM k
)
SELECT
  no_prefix || lpad(j::VARCHAR, 4, '0') AS invoice_number,
  credit_code AS issuer_code,
  CASE WHEN NOT special AND rnd(74, idx, kk) < consumer_p THEN NULL
       ELSE CASE floor(rnd(73, idx, kk) * CASE WHEN special THEN 3 ELSE 6 END)::INTEGER
              WHEN 0 THEN c0 WHEN 1 THEN c1 WHEN 2 THEN c2 WHEN 3 THEN c3 WHEN 4 THEN c4 ELSE c5 END END AS buyer_code,
  (m_start + floor((j + rnd(75, idx, key)) / n * m_days)::INTEGER)::DATE AS issued_on,
  amount,
  round(amount * rate, 2)::DECIMAL(18,2) AS tax,
  CASE WHEN special THEN 'special' ELSE 'ordinary' END AS kind,
  digital,
  status,
  CASE WHEN status = 'red' THEN no_prefix || lpad(jr::VARCHAR, 4, '0') END AS reverses_number
FROM f
