-- invoice_pickup: paper-invoice users pick up paper invoices at a hall of their
-- district early in every month in which they invoice (working days, hall hours).
SELECT
  credit_code,
  past_weekend(mstart(m) + floor(rnd(80, idx, m) * 10)::INTEGER)::TIMESTAMP + to_seconds(hall_second(rnd(81, idx, m))) AS picked_at,
  hall_of(district, dist_no, rnd(82, idx, m)) AS hall,
  CASE WHEN vat_general AND rnd(83, idx, m) < 0.5 THEN 'special' ELSE 'ordinary' END AS kind,
  greatest(25, ceil(n_inv * getvariable('paper_share') * 1.2 / 25) * 25)::BIGINT AS quantity
FROM tpm(0, getvariable('months'))
WHERE paper AND n_inv > 0
