-- enterprise_list: enterprises (kind enterprise) on the lists a relief names, one entry per calendar
-- year the window touches from the registration, valid that year (the lists are published yearly):
-- a share of C39 enterprises on the integrated-circuit list, of C34 (general equipment, machine tools
-- among it) on the industrial mother-machine list, the same enterprises every year.
-- setup.sql draws which list an enterprise is on (its R&D expense depends on it).
WITH y AS (
  SELECT credit_code, registered_on, on_list AS list,
    unnest(range(greatest(myear(0), year(registered_on)), myear(getvariable('months') - 1) + 1)) AS year
  FROM tp
  WHERE on_list IS NOT NULL
)
SELECT credit_code, list, greatest(make_date(year::INTEGER, 1, 1), registered_on) AS valid_from, make_date(year::INTEGER, 12, 31) AS valid_to
FROM y
