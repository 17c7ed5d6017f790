-- Rebuilds the ledger of quarter $period ($start..$end) from the returns and the current matches.
-- policy_code (a temp table: policy_id, reduction_code, valid_from, valid_to) maps reduction codes
-- to the policies in force; a code claimed on a return belongs to the policy in force at the
-- return's period end. Enjoyed reliefs are kept by the month their return ends (monthly filers
-- claim monthly); a relief is missed only if the quarter has no claim of it at all.
-- Lines ending in `-- [one]` make the single-taxpayer form ($only), which a re-match of one taxpayer
-- rebuilds its own rows with (the others' stay as they are); the city form leaves them out.
DELETE FROM ledger_entry WHERE period = $period
  AND credit_code = $only -- [one]
;
INSERT INTO ledger_entry
WITH enjoyed AS (
  SELECT r.credit_code, c.policy_id, date_trunc('month', r.period_end)::DATE AS month, sum(r.amount) AS amount
  FROM filing_reduction r
  JOIN policy_code c ON c.reduction_code = r.reduction_code AND r.period_end BETWEEN c.valid_from AND c.valid_to
  WHERE r.period_end BETWEEN $start::DATE AND $end::DATE
    AND r.credit_code = $only -- [one]
  GROUP BY ALL
), matched AS (
  SELECT m.credit_code, m.policy_id, m.benefit,
    EXISTS (SELECT 1 FROM policy_code c WHERE c.policy_id = m.policy_id) AS has_code
  FROM current_match m WHERE m.period = $period AND m.status = 'matched'
    AND m.credit_code = $only -- [one]
)
SELECT credit_code, $period, $end::DATE, month, policy_id, 'enjoyed', amount, NULL, $built_at::TIMESTAMP FROM enjoyed
UNION ALL
SELECT m.credit_code, $period, $end::DATE, date_trunc('month', $end::DATE)::DATE, m.policy_id,
  CASE WHEN m.has_code THEN 'missed' ELSE 'matchedNoCode' END, 0, CASE WHEN m.has_code THEN m.benefit END, $built_at::TIMESTAMP
FROM matched m ANTI JOIN enjoyed e USING (credit_code, policy_id);
