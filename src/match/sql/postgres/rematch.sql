-- A single-taxpayer re-match on PostgreSQL in one statement, so one round trip and, outside a
-- caller's transaction, one commit: the run, the facts (the single-taxpayer form of facts.sql), every
-- policy's rule, loosened rule and benefit over that one row (the city match's SQL, compiled from the
-- catalogue), and the results. The parts in braces are filled in by match.ts once per catalogue and
-- quarter. The statement is kept prepared: after its first five runs on a connection PostgreSQL
-- settles on a generic plan (the credit code, the one value that changes what is read, is looked up
-- by index either way) and stops planning it.
--
-- Data-modifying CTEs see one snapshot and run once each; `fact` hands its inserted row on through
-- RETURNING. The run id is the next one as in a city run. Two sessions that take the same one at the
-- same time: the second waits on the first's key and, once the first commits, fails with a unique
-- violation; match.ts runs the statement again (nothing of the failed one is left).
WITH run AS (
  INSERT INTO match_run
  SELECT coalesce(max(run_id), 0) + 1, $period::TEXT, $scope::TEXT, $sha::TEXT, $entries::BIGINT, $computed_at::TIMESTAMP, now()::TIMESTAMP
  FROM match_run
  RETURNING run_id
), fact AS (
{facts}
), f AS (
  SELECT credit_code AS id, * FROM fact
), r AS (
  {rules}
), b AS (
  SELECT id, {benefits} FROM f
), res AS (
  -- One row per policy, its status as a city run gives it; only matched, near-miss and unknown are stored.
  INSERT INTO policy_match
  SELECT run.run_id, r.id, p.policy_id, $period::TEXT, p.status, CASE WHEN p.status <> 'unknown' THEN p.benefit END, p.category, $computed_at::TIMESTAMP
  FROM run, r JOIN b USING (id)
  CROSS JOIN LATERAL (VALUES {results}) p(policy_id, status, benefit, category)
  WHERE p.status IS NOT NULL
  RETURNING status
)
SELECT (SELECT run_id FROM run) AS run_id, (SELECT count(*) FROM fact) AS taxpayers, (SELECT array_agg(status) FROM res) AS statuses
