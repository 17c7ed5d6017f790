-- employment_report: head counts from other departments, per enterprise (91… code) and year the
-- window touches from its registration (docs/generator.md, "Other departments' data"). Disabled
-- employees: a share of enterprises with 20 employees or more, a share of their staff (welfare
-- enterprises at least 10 and 25 to 40 %), the same people every year. Key-group people and retired
-- soldiers hired: drawn anew each year, never more than the staff. Each report is dated the last day
-- of its year, or of the window in the window's last year.
WITH y AS (
  SELECT idx, credit_code, employees,
    employees >= 20 AND rnd(70, idx, 0) < getvariable('disabled_employer_share') AS disabled_employer,
    rnd(71, idx, 0) < getvariable('welfare_share') AS welfare,
    unnest(range(greatest(myear(0), year(registered_on)), myear(getvariable('months') - 1) + 1)) AS year
  FROM tp
  WHERE ent AND employees > 0
), r AS (
  SELECT credit_code, year, least(make_date(year::INTEGER, 12, 31), mend(getvariable('months') - 1)) AS reported_on, unnest([
      CASE WHEN disabled_employer THEN {kind: 'disabledEmployees', n: CASE
        WHEN welfare THEN greatest(10, ceil(employees * (0.25 + 0.15 * rnd(72, idx, 0))))
        ELSE greatest(1, round(employees * (getvariable('disabled_staff_min') + (getvariable('disabled_staff_max') - getvariable('disabled_staff_min')) * rnd(72, idx, 0))))
        END::BIGINT} END,
      CASE WHEN rnd(73, idx, year) < getvariable('key_group_share')
        THEN {kind: 'keyGroupHires', n: least(employees, 1 + floor(-ln(rndp(74, idx, year)) * getvariable('extra_hires_mean')))::BIGINT} END,
      CASE WHEN rnd(75, idx, year) < getvariable('veteran_share')
        THEN {kind: 'veteranHires', n: least(employees, 1 + floor(-ln(rndp(76, idx, year)) * getvariable('extra_hires_mean')))::BIGINT} END
    ]) AS x
  FROM y
)
SELECT credit_code, year::BIGINT AS year, x.kind AS kind, x.n AS headcount, reported_on
FROM r
WHERE x IS NOT NULL
