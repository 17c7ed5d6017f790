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
    EXISTS (SELECT 1 FROM policy_code c WHERE c.policy_id = m.policy_id) AS has_code
  FROM current_match m WHERE m.period = $period AND m.status = 'matched'
    AND m.credit_code = $only -- [one]
)
SELECT credit_code, $period::TEXT, $end::DATE, month, policy_id, 'enjoyed', amount, NULL::DECIMAL(18,2), $built_at::TIMESTAMP FROM enjoyed
UNION ALL
SELECT m.credit_code, $period::TEXT, $end::DATE, date_trunc('month', $end::DATE::TIMESTAMP)::DATE, m.policy_id,
  CASE WHEN m.has_code THEN 'missed' ELSE 'matchedNoCode' END, 0, CASE WHEN m.has_code THEN m.benefit END, $built_at::TIMESTAMP
FROM matched m
WHERE NOT EXISTS (SELECT 1 FROM enjoyed e WHERE e.credit_code = m.credit_code AND e.policy_id = m.policy_id);
