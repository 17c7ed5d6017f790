-- Rebuilds the ledger of quarter $period ($start..$end) from the returns and the current matches.
-- policy_code (a temp table: policy_id, reduction_code, valid_from, valid_to, judged, settled_on_year) maps reduction
-- codes to the policies in force; a code claimed on a return belongs to the policy in force at the
-- return's period end. Claims are kept by the month their return ends (monthly filers claim
-- monthly), each with what the current match says of the policy for the taxpayer and quarter
-- (match_status): a claim the match contradicts (nearMiss, or notEligible: the rule was judged false)
-- is `claimedNotEligible`, its amount in `claimed` and none in `enjoyed`; any other is `enjoyed`, unverified
-- when the match could not judge it (unknown, or not judged at all: NULL). A relief is missed only if the
-- quarter has no claim of it at all, and only if it is worth more than 0.00: worth 0.00 or less it is
-- `nothingToClaim`, of no estimate `missedAmountUnknown`. policy_group (policy_id, grp) holds the groups of
-- reliefs that do not stack: of those, a taxpayer can miss only the best, by what it is worth beyond what it
-- enjoyed of the group (that claim kept in group_claimed); the others are `notStacked`.
-- Those few are decided first, into ledger_grouped, so that the city's ten million matched rows are
-- read by one statement, never twice in one, and only looked up there. In one statement, DuckDB kept all of current_match in memory
-- to read it twice, or ranked every row: the ledger of a million taxpayers took 16.4 s and 2.6 GB
-- instead of 11.2 s and 1.7 GB.
-- The city form runs with DuckDB's choice of a hash join's build side turned off (ledger.ts), the large
-- side of each join written first: DuckDB estimates a table by its rows when the transaction began, so
-- in a city's first build it took ledger_entry for empty and hashed its ten million rows to probe a
-- few with (ledger_regroup below).
-- Lines ending in `-- [one]` make the single-taxpayer form ($only), which a re-match of one taxpayer
-- rebuilds its own rows with (the others' stay as they are); the city form leaves them out.
DELETE FROM ledger_entry WHERE period = $period
  AND credit_code = $only -- [one]
;
-- The quarter's current results (current_match's rows) for the city's build, read three times below. The
-- view joins every result of the quarter to each taxpayer's latest facts (ten million rows probing a
-- million keys of three columns: about 1 s a read at a million taxpayers). Here, the results of the
-- quarter's latest city run are current except for the few taxpayers whose latest facts are of another
-- moment (re-matched alone since, or left out of that run; all of them when the quarter has no city run:
-- `stale`), whose results are those of their latest facts: the same rows, by joins to a table of one row
-- and to one of those few taxpayers. Every result has its facts (a run writes both in one transaction),
-- so a taxpayer not stale is current at the city run's moment. The city's build hashes the side written
-- second (ledger.ts), so the few rows are hashed whatever DuckDB estimates of them.
CREATE OR REPLACE TEMP MACRO ledger_current(p) AS TABLE -- [city]
  WITH city AS (SELECT max(started_at) AS computed_at FROM match_run WHERE scope = 'city' AND period = p), -- [city]
  latest AS (SELECT credit_code, max(computed_at) AS computed_at FROM taxpayer_fact WHERE period = p GROUP BY credit_code), -- [city]
  stale AS (SELECT l.* FROM latest l, city c WHERE l.computed_at IS DISTINCT FROM c.computed_at) -- [city]
  SELECT m.* FROM policy_match m JOIN city c ON c.computed_at = m.computed_at -- [city]
  ANTI JOIN stale s ON s.credit_code = m.credit_code -- [city]
  WHERE m.period = p -- [city]
  UNION ALL -- [city]
  SELECT m.* FROM policy_match m SEMI JOIN stale s ON s.credit_code = m.credit_code AND s.computed_at = m.computed_at -- [city]
  WHERE m.period = p; -- [city]
CREATE OR REPLACE TEMP TABLE ledger_claimed AS
WITH mapped AS (
  SELECT r.credit_code, r.tax_type, c.policy_id, c.judged, date_trunc('month', r.period_end)::DATE AS month, r.amount
  FROM filing_reduction r
  JOIN policy_code c ON c.reduction_code = r.reduction_code AND r.period_end BETWEEN c.valid_from AND c.valid_to
  WHERE r.period_end BETWEEN $start::DATE AND $end::DATE
    AND r.credit_code = $only -- [one]
), annual AS (
  -- Claims on the annual CIT return (citAnnual, 汇算清缴) ending in the quarter: the year's, which
  -- Q4's build meets (the return ends on 31 December). A relief can be claimed there as well as at
  -- the prepayments (国家税务总局公告2023年第6号 第三条).
  SELECT credit_code, policy_id, judged, month, sum(amount) AS amount FROM mapped WHERE tax_type = 'citAnnual' GROUP BY ALL
), prepaid AS (
  -- What the year's prepayments claimed of those reliefs: the annual return's claim is the year's
  -- whole, and only what it claims beyond them is a claim of its own.
  SELECT r.credit_code, c.policy_id, sum(r.amount) AS amount
  FROM filing_reduction r
  JOIN policy_code c ON c.reduction_code = r.reduction_code AND r.period_end BETWEEN c.valid_from AND c.valid_to
  WHERE r.period_end BETWEEN $year_start::DATE AND $end::DATE AND r.tax_type <> 'citAnnual'
    AND r.credit_code IN (SELECT credit_code FROM annual)
  GROUP BY ALL
), claim AS (
  -- The returns' claims by month, the annual return's beyond the prepayments in its last month. One
  -- that claims no more than the prepayments did adds no claim (the ledger does not see what the
  -- settlement repays); the quarters it covers are still not missed (claimedOnAnnualReturn, below).
  SELECT credit_code, policy_id, judged, month, sum(amount) AS amount FROM (
    SELECT credit_code, policy_id, judged, month, amount FROM mapped WHERE tax_type <> 'citAnnual'
    UNION ALL
    SELECT a.credit_code, a.policy_id, a.judged, a.month, a.amount - coalesce(p.amount, 0)
    FROM annual a LEFT JOIN prepaid p USING (credit_code, policy_id)
    WHERE a.amount > coalesce(p.amount, 0)
  ) k
  GROUP BY ALL
), said AS (
  -- The current results of the policies that have codes: the few a claim can be of, not all ten million rows.
  SELECT credit_code, policy_id, status FROM current_match -- [one]
  SELECT credit_code, policy_id, status FROM ledger_current($period) -- [city]
  WHERE period = $period AND policy_id IN (SELECT policy_id FROM policy_code)
    AND credit_code = $only -- [one]
), judged AS (
  -- The taxpayers matched for the quarter: of a policy matched then, no result means the rule was false.
  SELECT DISTINCT credit_code FROM taxpayer_fact WHERE period = $period
    AND credit_code = $only -- [one]
)
SELECT k.credit_code, k.policy_id, k.month, k.amount,
  CASE WHEN s.status IS NOT NULL THEN s.status::VARCHAR WHEN k.judged AND j.credit_code IS NOT NULL THEN 'notEligible' END AS match_status
FROM claim k
LEFT JOIN said s USING (credit_code, policy_id)
LEFT JOIN judged j USING (credit_code);
CREATE OR REPLACE TEMP TABLE ledger_grouped AS
WITH claimed AS (
  -- What each taxpayer enjoyed in the quarter of each grouped policy: a claim the match contradicts does not count.
  SELECT k.credit_code, k.policy_id, g.grp, sum(k.amount) AS amount
  FROM ledger_claimed k
  JOIN policy_group g ON g.policy_id = k.policy_id
  WHERE k.match_status IS NULL OR k.match_status NOT IN ('nearMiss', 'notEligible')
  GROUP BY ALL
), unclaimed AS (
  -- Matched, of a group, not claimed. Ranked by what each is worth: only the best can be missed, and
  -- only by what it is worth beyond what the taxpayer enjoyed of the group (the high-tech rate
  -- claimed, the larger small low-profit relief not).
  SELECT m.credit_code, m.policy_id, m.benefit, g.grp, g.grp_rank,
    m.policy_id IN (SELECT policy_id FROM policy_code) AS has_code,
    -- Claims of the group summing to 0.00 or less (a correcting return taking back more than the
    -- quarter claimed) enjoy nothing of it: the best is missed by its estimate, not by more.
    (SELECT CASE WHEN sum(amount) > 0 THEN sum(amount) END FROM claimed c WHERE c.credit_code = m.credit_code AND c.grp = g.grp) AS claimed
  FROM current_match m JOIN policy_group g USING (policy_id) -- [one]
  FROM ledger_current($period) m JOIN policy_group g USING (policy_id) -- [city]
  ANTI JOIN claimed k ON k.credit_code = m.credit_code AND k.policy_id = m.policy_id
  WHERE m.period = $period AND m.status = 'matched'
    AND m.credit_code = $only -- [one]
), ranked AS (
  -- By estimate (a missing one as -0.01 yuan, as the push plan and the explanations weigh it: below
  -- 0.00, above a relief estimated to cost), then by the catalogue's groupRank (reliefs of one base
  -- with no estimate: the R&D super deduction at 120 % before 100 %), then id. Of those without a
  -- reduction code, whose claims the returns cannot show, the best is matchedNoCode and the others notStacked.
  SELECT *, row_number() OVER (PARTITION BY credit_code, grp, has_code ORDER BY coalesce(benefit, -0.01) DESC, grp_rank NULLS LAST, policy_id) AS rank FROM unclaimed
), decided AS (
  SELECT *, CASE
      WHEN NOT has_code THEN CASE WHEN rank = 1 THEN 'matchedNoCode' ELSE 'notStacked' END
      WHEN rank > 1 THEN 'notStacked'
      -- The best, with nothing of the group enjoyed: as a relief alone.
      WHEN claimed IS NULL THEN CASE WHEN benefit IS NULL THEN 'missedAmountUnknown' WHEN benefit <= 0 THEN 'nothingToClaim' ELSE 'missed' END
      WHEN benefit > claimed THEN 'missed'
      ELSE 'notStacked'
    END AS status
  FROM ranked
)
SELECT credit_code, policy_id, status, CASE WHEN status = 'missed' THEN benefit - coalesce(claimed, 0) END AS missed,
  CASE WHEN status = 'missed' AND claimed > 0 THEN claimed END AS group_claimed
FROM decided;
CREATE OR REPLACE TEMP TABLE ledger_unfiled AS
-- The reliefs whose return of the quarter is outstanding (a return of a tax type that claims the
-- policy, policy_return, ending in the quarter and not filed): not missed, since the company can
-- still claim them when it files (a late filer, which the bureau follows up as such). A few rows,
-- made first: joined inside the insert, DuckDB hashed the ten million matched rows rather than these
-- (peak RSS 2.9 GB against 1.8 GB for the ledger of a million taxpayers).
SELECT DISTINCT f.credit_code, r.policy_id
FROM filing f JOIN policy_return r ON r.tax_type = f.tax_type
WHERE f.period_end BETWEEN $start::DATE AND $end::DATE AND f.filed_on IS NULL
  AND f.credit_code = $only -- [one]
;
INSERT INTO ledger_entry (credit_code, period, period_end, month, policy_id, status, enjoyed, missed, built_at, claimed, match_status, lapsed, group_claimed)
WITH matched AS (
  -- IN rather than a correlated EXISTS: DuckDB decorrelated the EXISTS into a join that collected all
  -- ten million matched rows first (2.6 s of CPU at a million taxpayers); IN probes a hash of the few codes.
  SELECT m.credit_code, m.policy_id, m.benefit,
    m.policy_id IN (SELECT policy_id FROM policy_code) AS has_code
  FROM current_match m WHERE m.period = $period AND m.status = 'matched' -- [one]
  FROM ledger_current($period) m WHERE m.period = $period AND m.status = 'matched' -- [city]
    AND m.credit_code = $only -- [one]
), unclaimed AS (
  -- Matched and not claimed in the quarter: missed (worth more than 0.00), missedAmountUnknown (no
  -- estimate), nothingToClaim (worth 0.00 or less), matchedNoCode, or as decided for the groups above.
  SELECT m.credit_code, m.policy_id,
    coalesce(g.status, CASE WHEN NOT m.has_code THEN 'matchedNoCode' WHEN m.benefit IS NULL THEN 'missedAmountUnknown' WHEN m.benefit <= 0 THEN 'nothingToClaim' ELSE 'missed' END) AS status,
    CASE WHEN g.status IS NOT NULL THEN g.missed WHEN m.has_code AND m.benefit > 0 THEN m.benefit END AS missed, g.group_claimed,
    u.policy_id IS NOT NULL AS unfiled
  FROM matched m ANTI JOIN ledger_claimed e USING (credit_code, policy_id)
  LEFT JOIN ledger_grouped g USING (credit_code, policy_id)
  LEFT JOIN ledger_unfiled u USING (credit_code, policy_id)
), waiting AS (
  -- One that would be missed, its return not filed: returnNotFiled, its estimate (if any) in lapsed.
  SELECT *, unfiled AND status IN ('missed', 'missedAmountUnknown') AS waiting FROM unclaimed
)
SELECT credit_code, $period, $end::DATE, month, policy_id,
  CASE WHEN match_status IN ('nearMiss', 'notEligible') THEN 'claimedNotEligible' ELSE 'enjoyed' END,
  CASE WHEN match_status IN ('nearMiss', 'notEligible') THEN 0 ELSE amount END, NULL, $built_at::TIMESTAMP, amount, match_status, NULL, NULL
FROM ledger_claimed
UNION ALL
SELECT credit_code, $period, $end::DATE, date_trunc('month', $end::DATE)::DATE, policy_id,
  CASE WHEN waiting THEN 'returnNotFiled' ELSE status END,
  0, CASE WHEN NOT waiting THEN missed END, $built_at::TIMESTAMP, NULL, 'matched', CASE WHEN waiting THEN missed END, group_claimed
FROM waiting;
-- A relief claimed on the year's annual CIT return (citAnnual, 汇算清缴) was not missed in the quarters
-- of the year whose prepayments left it unclaimed: a relief can be claimed at the annual return as well
-- (国家税务总局公告2023年第6号 第三条). Those quarters' rows are `claimedOnAnnualReturn`, their estimate
-- kept in `lapsed` (not money missed, nor enjoyed: what the annual return claims beyond the
-- prepayments is a claim of its last month, in Q4's build above). Judged again at each build, both
-- ways, as the year's settled reliefs are: first every such row of the year goes back to what it was
-- (`missed`, or `missedAmountUnknown` without an estimate), the statements below judge the year's
-- reliefs settled on the year, and then the last statement marks again the rows the year's annual
-- returns claim. So an annual return corrected, or a quarter rebuilt, gives the rows the data says.
UPDATE ledger_entry SET status = CASE WHEN lapsed IS NULL THEN 'missedAmountUnknown' ELSE 'missed' END, missed = lapsed, lapsed = NULL, built_at = $built_at::TIMESTAMP
WHERE status = 'claimedOnAnnualReturn' AND period_end BETWEEN $year_start::DATE AND $year_end::DATE
  AND credit_code = $only -- [one]
;
-- Reliefs settled on the year (policy_code.settled_on_year: the small low-profit relief, the
-- individual-business halving) are judged at each prepayment on the year to date, so a later quarter
-- of the year that the taxpayer fails (nearMiss, or no result of a policy judged then) takes back the
-- relief of the quarters before: their unclaimed relief (`missed`, or `missedAmountUnknown`) is
-- `lapsedInYear`, its estimate kept in `lapsed`, not missed. Of the taxpayer's quarters of the year
-- with facts, the latest that judged the policy decides: one that could not (unknown, data missing)
-- neither takes back nor gives back what a quarter before it decided. Every quarter of the year is
-- judged again, both ways, since a build of any of them can change which quarter is latest or what
-- it says. A claim of such a relief is taken back too: the later prepayment repays it.
-- ledger_lapse holds the rows whose status changes (most stay as they are), for the two statements
-- after it.
CREATE OR REPLACE TEMP TABLE ledger_lapse AS
WITH settled AS (
  SELECT DISTINCT policy_id, valid_from, valid_to FROM policy_code WHERE settled_on_year
),
-- One taxpayer's rows are read by the index on credit_code alone, first: beside the other conditions
-- in one filter, DuckDB scans the whole table.
my_entry AS MATERIALIZED (SELECT * FROM ledger_entry WHERE credit_code = $only), -- [one]
my_fact AS MATERIALIZED (SELECT credit_code, period, period_end, computed_at FROM taxpayer_fact WHERE credit_code = $only), -- [one]
my_match AS MATERIALIZED (SELECT * FROM policy_match WHERE credit_code = $only), -- [one]
open AS (
  -- A claim's months share its quarter's judgement: one row each.
  SELECT DISTINCT credit_code, policy_id, period, status IN ('lapsedInYear', 'claimedLapsedInYear') AS lapsed
  FROM ledger_entry -- [city]
  FROM my_entry -- [one]
  WHERE period_end BETWEEN $year_start::DATE AND $year_end::DATE
    AND status IN ('missed', 'missedAmountUnknown', 'lapsedInYear', 'enjoyed', 'claimedLapsedInYear')
    AND policy_id IN (SELECT policy_id FROM settled)
), quarter AS (
  -- The taxpayers' quarters of the year with facts, and when they were computed last: the results of
  -- that time are the quarter's in force (as current_match takes them).
  SELECT credit_code, period, max(period_end) AS period_end, max(computed_at) AS computed_at
  FROM taxpayer_fact -- [city]
  FROM my_fact -- [one]
  WHERE period_end BETWEEN $year_start::DATE AND $year_end::DATE AND credit_code IN (SELECT credit_code FROM open)
  GROUP BY credit_code, period
), said AS (
  SELECT m.credit_code, m.period, m.policy_id, m.status
  FROM policy_match m -- [city]
  FROM my_match m -- [one]
  JOIN quarter q ON q.credit_code = m.credit_code AND q.period = m.period AND q.computed_at = m.computed_at
  WHERE m.period BETWEEN $first_quarter AND $last_quarter AND m.policy_id IN (SELECT policy_id FROM settled)
), known AS (
  -- Per taxpayer and policy, the latest quarter that judged it: in force at the quarter's end, and
  -- its result matched, nearMiss, or none (the rule false).
  SELECT * FROM (
    SELECT t.credit_code, t.policy_id, q.period, m.status,
      row_number() OVER (PARTITION BY t.credit_code, t.policy_id ORDER BY q.period DESC) AS latest
    FROM (SELECT DISTINCT credit_code, policy_id FROM open) t
    JOIN quarter q ON q.credit_code = t.credit_code
    JOIN settled s ON s.policy_id = t.policy_id AND q.period_end BETWEEN s.valid_from AND s.valid_to
    LEFT JOIN said m ON m.credit_code = t.credit_code AND m.period = q.period AND m.policy_id = t.policy_id
    WHERE m.status IS DISTINCT FROM 'unknown'
  ) k WHERE latest = 1
), judged AS (
  SELECT o.credit_code, o.policy_id, o.period, o.lapsed,
    coalesce(k.period > o.period AND (k.status IS NULL OR k.status = 'nearMiss'), false) AS lapses
  FROM open o
  LEFT JOIN known k ON k.credit_code = o.credit_code AND k.policy_id = o.policy_id
)
SELECT credit_code, policy_id, period, lapses FROM judged WHERE lapses <> lapsed;
-- An unclaimed relief taken back keeps its amount in `lapsed`; given back, it is `missed` with it
-- again, or `missedAmountUnknown` if it had none. A claim taken back is `claimedLapsedInYear`, to be
-- repaid (its amount in `claimed`, none in `enjoyed`, as a claim the match contradicts); given back,
-- `enjoyed` again.
UPDATE ledger_entry AS e SET
  status = CASE
      WHEN e.status IN ('enjoyed', 'claimedLapsedInYear') THEN CASE WHEN y.lapses THEN 'claimedLapsedInYear' ELSE 'enjoyed' END
      WHEN y.lapses THEN 'lapsedInYear'
      WHEN coalesce(e.missed, e.lapsed) IS NULL THEN 'missedAmountUnknown'
      ELSE 'missed'
    END,
  enjoyed = CASE WHEN e.status IN ('enjoyed', 'claimedLapsedInYear') AND NOT y.lapses THEN e.claimed ELSE 0 END,
  missed = CASE WHEN e.status IN ('enjoyed', 'claimedLapsedInYear') OR y.lapses THEN NULL ELSE coalesce(e.missed, e.lapsed) END,
  lapsed = CASE WHEN e.status NOT IN ('enjoyed', 'claimedLapsedInYear') AND y.lapses THEN coalesce(e.lapsed, e.missed) END,
  built_at = $built_at::TIMESTAMP
FROM ledger_lapse AS y
WHERE e.credit_code = y.credit_code AND e.policy_id = y.policy_id AND e.period = y.period
  AND e.status IN ('missed', 'missedAmountUnknown', 'lapsedInYear', 'enjoyed', 'claimedLapsedInYear');
-- A relief taken back no longer counts in its group of reliefs that do not stack: of the group's
-- other unclaimed reliefs with a code, the best is decided as the build decides it (ledger_grouped
-- above), so a company that matched the high-tech rate beside the small low-profit relief misses the
-- former in the quarters the latter is taken back from; and back to notStacked when it is not.
-- Decided first, into ledger_regroup (a few rows, none in a year nothing is taken back from), then
-- joined: in one statement, the decision estimated at no rows, DuckDB hashed the city's ledger rows to
-- probe it with (7.6 s of CPU at a million taxpayers, for no row).
CREATE OR REPLACE TEMP TABLE ledger_regroup AS
  WITH pair AS (
    SELECT DISTINCT y.credit_code, y.period, g.grp FROM ledger_lapse y JOIN policy_group g ON g.policy_id = y.policy_id
  ),
  my_entry AS MATERIALIZED (SELECT * FROM ledger_entry WHERE credit_code = $only), -- [one]
  my_fact AS MATERIALIZED (SELECT credit_code, period, computed_at FROM taxpayer_fact WHERE credit_code = $only), -- [one]
  my_match AS MATERIALIZED (SELECT * FROM policy_match WHERE credit_code = $only), -- [one]
  member AS (
    SELECT e.credit_code, e.period, e.period_end, e.policy_id, e.status, e.enjoyed, p.grp, g.grp_rank,
      e.policy_id IN (SELECT policy_id FROM policy_code) AS has_code,
      e.policy_id IN (SELECT policy_id FROM policy_code WHERE settled_on_year) AS settled
    FROM ledger_entry e -- [city]
    FROM my_entry e -- [one]
    JOIN policy_group g ON g.policy_id = e.policy_id
    JOIN pair p ON p.credit_code = e.credit_code AND p.period = e.period AND p.grp = g.grp
  ), claimed AS (
    SELECT credit_code, period, grp, sum(enjoyed) AS amount FROM member WHERE status = 'enjoyed' GROUP BY credit_code, period, grp
    HAVING sum(enjoyed) > 0 -- as the build: a group's claims of 0.00 or less enjoy nothing of it
  ), facts_at AS (
    -- When each quarter's results in force were computed (as current_match takes them).
    SELECT credit_code, period, max(computed_at) AS computed_at
    FROM taxpayer_fact -- [city]
    FROM my_fact -- [one]
    WHERE credit_code IN (SELECT credit_code FROM pair) AND period IN (SELECT period FROM pair)
    GROUP BY credit_code, period
  ), worth AS (
    SELECT m.credit_code, m.period, m.policy_id, m.benefit
    FROM policy_match m -- [city]
    FROM my_match m -- [one]
    JOIN facts_at a ON a.credit_code = m.credit_code AND a.period = m.period AND a.computed_at = m.computed_at
    WHERE m.period BETWEEN $first_quarter AND $last_quarter AND m.policy_id IN (SELECT policy_id FROM policy_group)
  ), ranked AS (
    -- The candidates: unclaimed, with a code, not taken back; ranked as the build ranks them.
    SELECT u.*, w.benefit, c.amount AS claimed,
      row_number() OVER (PARTITION BY u.credit_code, u.period, u.grp ORDER BY coalesce(w.benefit, -0.01) DESC, u.grp_rank NULLS LAST, u.policy_id) AS rank
    FROM member u
    LEFT JOIN worth w ON w.credit_code = u.credit_code AND w.period = u.period AND w.policy_id = u.policy_id
    LEFT JOIN claimed c ON c.credit_code = u.credit_code AND c.period = u.period AND c.grp = u.grp
    WHERE u.has_code AND u.status IN ('missed', 'missedAmountUnknown', 'nothingToClaim', 'notStacked', 'returnNotFiled')
  ), decided AS (
    SELECT credit_code, period, period_end, policy_id, settled, benefit, claimed, status AS was, CASE
        WHEN rank > 1 THEN 'notStacked'
        WHEN claimed IS NULL THEN CASE WHEN benefit IS NULL THEN 'missedAmountUnknown' WHEN benefit <= 0 THEN 'nothingToClaim' ELSE 'missed' END
        WHEN benefit > claimed THEN 'missed'
        ELSE 'notStacked'
      END AS status
    FROM ranked
  ),
  my_filing AS MATERIALIZED (SELECT * FROM filing WHERE credit_code = $only), -- [one]
  unfiled AS (
    -- The pairs' taxpayers' returns of the year outstanding that would claim a relief (policy_return),
    -- by the day their period ends: one that would be missed while a return of its quarter is
    -- outstanding is returnNotFiled, its estimate in lapsed, as the build decides it (ledger_unfiled).
    SELECT DISTINCT f.credit_code, r.policy_id, f.period_end
    FROM filing f -- [city]
    FROM my_filing f -- [one]
    JOIN policy_return r ON r.tax_type = f.tax_type
    WHERE f.filed_on IS NULL AND f.period_end BETWEEN $year_start::DATE AND $year_end::DATE AND f.credit_code IN (SELECT credit_code FROM pair)
  ), waiting AS (
    -- A row waiting on its return is a candidate above too (the claim its estimate was net of may be
    -- the one taken back), and keeps waiting, whatever the returns say now: a return filed since may
    -- claim it, which only a build of its quarter reads (until then the row stays as that build left it).
    SELECT d.*, d.status IN ('missed', 'missedAmountUnknown') AND (d.was = 'returnNotFiled' OR EXISTS (
        SELECT 1 FROM unfiled u WHERE u.credit_code = d.credit_code AND u.policy_id = d.policy_id
          AND u.period_end BETWEEN date_trunc('quarter', d.period_end)::DATE AND d.period_end
      )) AS waiting
    FROM decided d
  )
  -- The reliefs settled on the year keep what the statement above made of them.
  SELECT credit_code, period, policy_id, CASE WHEN waiting THEN 'returnNotFiled' ELSE status END AS status,
    CASE WHEN status = 'missed' AND NOT waiting THEN benefit - coalesce(claimed, 0) END AS missed,
    CASE WHEN status = 'missed' AND waiting THEN benefit - coalesce(claimed, 0) END AS lapsed,
    CASE WHEN status = 'missed' AND claimed > 0 THEN claimed END AS group_claimed
  FROM waiting WHERE NOT settled;
UPDATE ledger_entry AS e SET status = d.status, missed = d.missed, lapsed = d.lapsed, group_claimed = d.group_claimed, built_at = $built_at::TIMESTAMP
FROM ledger_regroup AS d
WHERE e.credit_code = d.credit_code AND e.period = d.period AND e.policy_id = d.policy_id
  AND (e.status <> d.status OR e.missed IS DISTINCT FROM d.missed OR e.lapsed IS DISTINCT FROM d.lapsed
    OR e.group_claimed IS DISTINCT FROM d.group_claimed);
-- The quarters of the year whose relief went unclaimed (`missed`, `missedAmountUnknown`: after the
-- statements above, so a relief the year takes back stays `lapsedInYear`) of a policy the year's annual
-- CIT return claims: `claimedOnAnnualReturn`, the estimate kept in `lapsed`.
UPDATE ledger_entry AS e SET status = 'claimedOnAnnualReturn', lapsed = e.missed, missed = NULL, built_at = $built_at::TIMESTAMP
FROM (
  SELECT DISTINCT r.credit_code, c.policy_id
  FROM filing_reduction r
  JOIN policy_code c ON c.reduction_code = r.reduction_code AND r.period_end BETWEEN c.valid_from AND c.valid_to
  WHERE r.tax_type = 'citAnnual' AND r.period_end BETWEEN $year_start::DATE AND $year_end::DATE
    AND r.credit_code = $only -- [one]
) AS a
WHERE e.credit_code = a.credit_code AND e.policy_id = a.policy_id
  AND e.period_end BETWEEN $year_start::DATE AND $year_end::DATE AND e.status IN ('missed', 'missedAmountUnknown');
DROP TABLE ledger_lapse;
DROP TABLE ledger_regroup;
DROP TABLE ledger_grouped; -- done with: on DuckDB a temp table outlives the transaction, on the store's connection
DROP TABLE ledger_claimed;
DROP TABLE ledger_unfiled;
DROP MACRO TABLE ledger_current; -- [city]
