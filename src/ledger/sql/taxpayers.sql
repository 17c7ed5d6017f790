-- The taxpayers behind a figure of the city report (zhishu report policy): the year's ledger rows of
-- the district, industry section, policy and month asked for (each NULL: any), summed per taxpayer as
-- the report's roll-ups sum them, so the rows of a district add up to that district's figures, and
-- their count is its `taxpayers`. `has` keeps the taxpayers with at least one row of that status
-- (missed, missedAmountUnknown, enjoyed, claimedNotEligible, lapsedInYear, claimedLapsedInYear): the
-- report's counts of taxpayers count the same rows, but for taxpayersMissingAmountUnknown, which
-- leaves out those that also miss an amount (they are in taxpayersMissing). Both engines; the order is the caller's, from a
-- fixed table (taxpayers.ts DRILL_SORT), written after ORDER BY.
WITH y AS (
  SELECT l.credit_code,
    sum(l.enjoyed) AS enjoyed,
    coalesce(sum(l.missed), 0.00) AS missed,
    coalesce(sum(l.claimed) FILTER (WHERE l.status = 'claimedNotEligible'), 0.00) AS claimed_not_eligible,
    coalesce(sum(l.lapsed) FILTER (WHERE l.status = 'lapsedInYear'), 0.00) AS lapsed,
    coalesce(sum(l.claimed) FILTER (WHERE l.status = 'claimedLapsedInYear'), 0.00) AS claimed_lapsed,
    count(DISTINCT l.policy_id) FILTER (WHERE l.status = 'missed') AS policies_missed,
    count(DISTINCT l.policy_id) FILTER (WHERE l.status = 'missedAmountUnknown') AS policies_amount_unknown,
    bool_or(l.status = $has::VARCHAR) AS has
  FROM ledger_entry l JOIN taxpayer t ON t.credit_code = l.credit_code
  WHERE l.period_end BETWEEN make_date($year::INTEGER, 1, 1) AND make_date($year::INTEGER, 12, 31)
    AND ($district::VARCHAR IS NULL OR t.district = $district::VARCHAR)
    AND ($section::VARCHAR IS NULL OR left(t.industry, 1) = $section::VARCHAR)
    AND ($policy::VARCHAR IS NULL OR l.policy_id = $policy::VARCHAR)
    AND ($month::DATE IS NULL OR l.month = $month::DATE)
  GROUP BY l.credit_code
), f AS (
  SELECT * FROM y WHERE $has::VARCHAR IS NULL OR has
)
SELECT f.credit_code, t.name, t.district, t.industry,
  f.enjoyed::VARCHAR AS enjoyed, f.missed::VARCHAR AS missed, f.claimed_not_eligible::VARCHAR AS claimed_not_eligible,
  f.lapsed::VARCHAR AS lapsed, f.claimed_lapsed::VARCHAR AS claimed_lapsed,
  f.policies_missed, f.policies_amount_unknown,
  -- The whole selection's count and sums, before the page is cut from it.
  count(*) OVER () AS total, (sum(f.enjoyed) OVER ())::VARCHAR AS total_enjoyed, (sum(f.missed) OVER ())::VARCHAR AS total_missed,
  (sum(f.claimed_not_eligible) OVER ())::VARCHAR AS total_claimed_not_eligible, (sum(f.lapsed) OVER ())::VARCHAR AS total_lapsed,
  (sum(f.claimed_lapsed) OVER ())::VARCHAR AS total_claimed_lapsed
FROM f JOIN taxpayer t ON t.credit_code = f.credit_code
ORDER BY /*order*/
LIMIT $limit::BIGINT OFFSET $offset::BIGINT
