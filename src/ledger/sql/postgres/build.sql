-- PostgreSQL form of ../build.sql: the same rows. It differs only where the engines do: NOT EXISTS
-- for DuckDB's ANTI JOIN, GROUP BY by position for GROUP BY ALL, a DATE-valued date_trunc, and the
-- casts PostgreSQL needs to type parameters in a select list.
DELETE FROM ledger_entry WHERE period = $period
  AND credit_code = $only -- [one]
;
INSERT INTO ledger_entry
WITH enjoyed AS (
  SELECT r.credit_code, c.policy_id, date_trunc('month', r.period_end::TIMESTAMP)::DATE AS month, sum(r.amount) AS amount
  FROM filing_reduction r
  JOIN policy_code c ON c.reduction_code = r.reduction_code AND r.period_end BETWEEN c.valid_from AND c.valid_to
  WHERE r.period_end BETWEEN $start::DATE AND $end::DATE
    AND r.credit_code = $only -- [one]
  GROUP BY 1, 2, 3
), matched AS (
  SELECT m.credit_code, m.policy_id, m.benefit,
    EXISTS (SELECT 1 FROM policy_code c WHERE c.policy_id = m.policy_id) AS has_code, g.grp
  FROM current_match m LEFT JOIN policy_group g USING (policy_id)
  WHERE m.period = $period AND m.status = 'matched'
    AND m.credit_code = $only -- [one]
), group_enjoyed AS (
  SELECT e.credit_code, g.grp, sum(e.amount) AS amount
  FROM enjoyed e JOIN policy_group g USING (policy_id)
  GROUP BY 1, 2
), unclaimed AS (
  -- Matched, not claimed in the quarter. Reliefs of a group that do not stack are ranked by what each
  -- is worth: only the best can be missed, and only by what it is worth beyond what the taxpayer
  -- claimed of the group (the high-tech rate claimed, the larger small low-profit relief not).
  SELECT m.*, ge.amount AS claimed,
    row_number() OVER (PARTITION BY m.credit_code, m.grp, m.has_code ORDER BY m.benefit DESC NULLS LAST, m.policy_id) AS rank
  FROM matched m
  LEFT JOIN group_enjoyed ge ON ge.credit_code = m.credit_code AND ge.grp = m.grp
  WHERE NOT EXISTS (SELECT 1 FROM enjoyed e WHERE e.credit_code = m.credit_code AND e.policy_id = m.policy_id)
), priced AS (
  SELECT *, CASE
      WHEN NOT has_code THEN 'matchedNoCode'
      WHEN grp IS NULL OR (rank = 1 AND claimed IS NULL) THEN 'missed'
      WHEN rank = 1 AND benefit > claimed THEN 'missed'
      ELSE 'notStacked'
    END AS status
  FROM unclaimed
)
SELECT credit_code, $period::TEXT, $end::DATE, month, policy_id, 'enjoyed', amount, NULL::DECIMAL(18,2), $built_at::TIMESTAMP FROM enjoyed
UNION ALL
SELECT credit_code, $period::TEXT, $end::DATE, date_trunc('month', $end::DATE::TIMESTAMP)::DATE, policy_id, status, 0,
  CASE WHEN status = 'missed' THEN benefit - coalesce(claimed, 0) END, $built_at::TIMESTAMP
FROM priced;
