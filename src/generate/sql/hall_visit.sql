-- hall_visit: tickets drawn at the service halls. Visits per taxpayer-month are
-- Poisson(hall_rate x month factor x the taxpayer's propensity); the day follows
-- hall_day (filing period, deadline peak, Mondays, no weekends), the time of day the
-- hall hours with peaks 9-11 and 14-16. Waits are longer on peak days; a few leave.
WITH t AS (
  SELECT idx, credit_code, district, dist_no, m,
    getvariable('hall_rate') * getvariable('hall_month_factor')[mmonth(m)] * hall_prop AS lam
  FROM (SELECT *, unnest(range(getvariable('months')::BIGINT)) AS m FROM tp)
  WHERE m >= reg_m AND NOT (abnormal AND m >= abn_m)
), n AS (
  SELECT *,
    (rnd(90, idx, m) > exp(-lam))::INTEGER
    + (rnd(90, idx, m) > exp(-lam) * (1 + lam))::INTEGER
    + (rnd(90, idx, m) > exp(-lam) * (1 + lam + lam * lam / 2))::INTEGER
    + (rnd(90, idx, m) > exp(-lam) * (1 + lam + lam * lam / 2 + lam * lam * lam / 6))::INTEGER AS nv
  FROM t
), v AS (
  SELECT idx, credit_code, district, dist_no, m, unnest(range(nv)) AS v FROM n WHERE nv > 0
), vu AS (
  SELECT *, m * 10 + v AS key, rnd(91, idx, m * 10 + v) AS u_day FROM v
), d AS (
  SELECT vu.*, h.day, h.peak
  FROM vu JOIN hall_day h ON h.m = vu.m AND vu.u_day >= h.cum_lo AND vu.u_day < h.cum_hi
), x AS (
  SELECT *,
    hall_of(district, dist_no, rnd(92, idx, key)) AS hall,
    day::TIMESTAMP + to_seconds(hall_second(rnd(93, idx, key))) AS arrived_at,
    rnd(94, idx, key) < getvariable('leave_share') * CASE WHEN peak THEN 1.5 ELSE 1 END AS left_early,
    round(60 * exp(getvariable('wait_mu')[CASE WHEN peak THEN 2 ELSE 1 END]
                   + getvariable('wait_sigma')[CASE WHEN peak THEN 2 ELSE 1 END] * nrm(95, idx, key)))::BIGINT AS wait_s,
    round(60 * (getvariable('service_min') + rnd(96, idx, key) * (getvariable('service_max') - getvariable('service_min'))))::BIGINT AS service_s,
    ['invoicePickup', 'filing', 'payment', 'registration', 'certificate', 'consultation', 'socialInsurance', 'other'][
      pick([0.12, 0.22, 0.28, 0.42, 0.54, 0.76, 0.92, 1.0], rnd(97, idx, key))] AS business_type,
    (1 + floor(rnd(98, idx, key) * getvariable('windows_per_hall')))::BIGINT AS win
  FROM d
), y AS (
  SELECT *, row_number() OVER (PARTITION BY hall, day ORDER BY arrived_at, credit_code, v) AS ticket FROM x
)
SELECT
  hall || '-' || strftime(day, '%Y%m%d') || '-' || lpad(ticket::VARCHAR, 4, '0') AS visit_id,
  credit_code,
  hall,
  CASE WHEN left_early THEN NULL ELSE win END AS "window",
  business_type,
  arrived_at,
  CASE WHEN left_early THEN NULL ELSE arrived_at + to_seconds(wait_s) END AS called_at,
  CASE WHEN left_early THEN NULL ELSE arrived_at + to_seconds(wait_s + service_s) END AS finished_at
FROM y
ORDER BY arrived_at, visit_id
