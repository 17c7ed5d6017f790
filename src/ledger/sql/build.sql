-- Rebuilds the ledger of quarter $period ($start..$end) from the returns and the current matches.
-- policy_code (a temp table: policy_id, reduction_code, valid_from, valid_to) maps reduction codes
-- to the policies in force; a code claimed on a return belongs to the policy in force at the
-- return's period end. Enjoyed reliefs are kept by the month their return ends (monthly filers
-- claim monthly); a relief is missed only if the quarter has no claim of it at all. policy_group
-- (policy_id, grp) holds the groups of reliefs that do not stack: of those, a taxpayer can miss only
-- the best, by what it is worth beyond what it claimed of the group; the others are `notStacked`.
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
    EXISTS (SELECT 1 FROM policy_code c WHERE c.policy_id = m.policy_id) AS has_code, g.grp
  FROM current_match m LEFT JOIN policy_group g USING (policy_id)
  WHERE m.period = $period AND m.status = 'matched'
    AND m.credit_code = $only -- [one]
), group_enjoyed AS (
  SELECT e.credit_code, g.grp, sum(e.amount) AS amount
  FROM enjoyed e JOIN policy_group g USING (policy_id)
  GROUP BY ALL
), unclaimed AS (
  -- Matched, not claimed in the quarter. Reliefs of a group that do not stack are ranked by what each
  -- is worth: only the best can be missed, and only by what it is worth beyond what the taxpayer
  -- claimed of the group (the high-tech rate claimed, the larger small low-profit relief not).
  SELECT m.*, ge.amount AS claimed,
    row_number() OVER (PARTITION BY m.credit_code, m.grp, m.has_code ORDER BY m.benefit DESC NULLS LAST, m.policy_id) AS rank
  FROM matched m ANTI JOIN enjoyed e USING (credit_code, policy_id)
  LEFT JOIN group_enjoyed ge USING (credit_code, grp)
), priced AS (
  SELECT *, CASE
      WHEN NOT has_code THEN 'matchedNoCode'
      WHEN grp IS NULL OR (rank = 1 AND claimed IS NULL) THEN 'missed'
      WHEN rank = 1 AND benefit > claimed THEN 'missed'
      ELSE 'notStacked'
    END AS status
  FROM unclaimed
)
SELECT credit_code, $period, $end::DATE, month, policy_id, 'enjoyed', amount, NULL, $built_at::TIMESTAMP FROM enjoyed
UNION ALL
SELECT credit_code, $period, $end::DATE, date_trunc('month', $end::DATE)::DATE, policy_id, status, 0,
  CASE WHEN status = 'missed' THEN benefit - coalesce(claimed, 0) END, $built_at::TIMESTAMP
FROM priced;
