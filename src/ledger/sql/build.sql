-- Rebuilds the ledger of quarter $period ($start..$end) from the returns and the current matches.
-- policy_code (a temp table: policy_id, reduction_code, valid_from, valid_to) maps reduction codes
-- to the policies in force; a code claimed on a return belongs to the policy in force at the
-- return's period end.
DELETE FROM ledger_entry WHERE period = $period;
INSERT INTO ledger_entry
WITH enjoyed AS (
  SELECT r.credit_code, c.policy_id, sum(r.amount) AS amount
  FROM filing_reduction r
  JOIN policy_code c ON c.reduction_code = r.reduction_code AND r.period_end BETWEEN c.valid_from AND c.valid_to
  WHERE r.period_end BETWEEN $start::DATE AND $end::DATE
  GROUP BY ALL
), matched AS (
  SELECT m.credit_code, m.policy_id, m.benefit,
    EXISTS (SELECT 1 FROM policy_code c WHERE c.policy_id = m.policy_id) AS has_code
  FROM current_match m WHERE m.period = $period AND m.status = 'matched'
)
SELECT coalesce(e.credit_code, m.credit_code), $period, $end::DATE, coalesce(e.policy_id, m.policy_id),
  CASE WHEN e.amount IS NOT NULL THEN 'enjoyed' WHEN m.has_code THEN 'missed' ELSE 'matchedNoCode' END,
  coalesce(e.amount, 0),
  CASE WHEN e.amount IS NULL AND m.has_code THEN m.benefit END,
  $built_at::TIMESTAMP
FROM enjoyed e FULL OUTER JOIN matched m USING (credit_code, policy_id);
