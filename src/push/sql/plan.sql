-- The push planner, set-wise: src/push/plan.ts runs these sections in order (some only when there
-- is something for them to do) and src/push/README.md says what they decide. Times are local
-- milliseconds (BIGINT), as in src/push/time.ts, so the frequency cap compares exactly the numbers
-- the message-by-message model of the planner (test/push.test.ts) compares. Sections with
-- parameters are one statement each; `macros`, `words` and `nothing_planned` take none. The temp
-- tables and variables live on the planning connection only and are dropped when planning ends.

-- @macros
-- The earliest moment at or after ms inside the sending hours and outside the person's quiet hours:
-- wait[h + 1] is how many hours someone must wait from local hour h (0: may be reached now).
CREATE OR REPLACE TEMP MACRO push_next_delivery(ms, wait) AS
  CASE WHEN wait[((ms // 3600000) % 24 + 1)::BIGINT] = 0 THEN ms ELSE (ms // 3600000 + wait[((ms // 3600000) % 24 + 1)::BIGINT]) * 3600000 END;
-- Does one more message at t keep every 7-day window of times at most mx? Only the windows starting
-- at t or at a time up to 7 days before it can take t in, so only those are counted.
CREATE OR REPLACE TEMP MACRO push_fits(t, times, mx) AS
  NOT list_bool_or(list_transform(
    list_prepend(t, list_filter(times, b -> b > t - 604800000 AND b <= t)),
    s -> len(list_filter(times, b -> b >= s AND b < s + 604800000)) + 1 > mx));
-- A message's key among a person's candidates: its entry number × 2, + 1 for a near miss (ids of the
-- outbox are turned into the same keys, section existing).
CREATE OR REPLACE TEMP MACRO push_key(e, near_miss) AS e * 2 + near_miss::INTEGER;
-- Who a person of company_person is, beyond the role: the name with the mobile number, or with the
-- e-mail address where there is no mobile; NULL with neither (then nobody else).
CREATE OR REPLACE TEMP MACRO push_person_key(name, mobile, email) AS
  CASE WHEN coalesce(mobile, '') <> '' THEN name || chr(10) || 'm:' || mobile WHEN coalesce(email, '') <> '' THEN name || chr(10) || 'e:' || email END;
-- The current results of a period: for each taxpayer, those of the latest run (highest run_id) for
-- the period that covers it, a city run or a re-match of that taxpayer alone. A taxpayer with no row
-- in its latest run has nothing current, even if an older run had rows.
-- A campaign (p_scoped = 1) plans only the results in push_plan_scope. The two cases are two
-- branches, one of which the constant p_scoped empties: as one condition (p_scoped = 0 OR EXISTS
-- ...) DuckDB joined every result to the scope table anyway, a MARK join of 4.5 to 6.3 s in each of
-- the sections taxpayers and rows at a million (counting the current results: 3.1 s, now 0.4 s).
-- A relief a later quarter of the year took back (the ledger's lapsedInYear: settled on the year, the
-- year so far fails it) is no longer current: telling the company to claim it, by a corrected return,
-- would have it claim what the next prepayment repays. It counts in no group of reliefs that do not
-- stack either, as the ledger counts it (src/ledger/sql/build.sql): section lapsed reads them once.
CREATE OR REPLACE TEMP MACRO push_current(p_period, p_only, p_scoped) AS TABLE
  WITH city AS (SELECT max(run_id) AS run_id FROM match_run WHERE period = p_period AND scope = 'city'),
  single AS (SELECT scope AS credit_code, max(run_id) AS run_id FROM match_run WHERE period = p_period AND scope <> 'city' GROUP BY scope),
  latest AS (
    SELECT pm.run_id, pm.credit_code, pm.policy_id, pm.status, pm.benefit
    FROM policy_match pm LEFT JOIN single s ON s.credit_code = pm.credit_code
    ANTI JOIN push_plan_lapsed l ON l.credit_code = pm.credit_code AND l.policy_id = pm.policy_id
    WHERE pm.period = p_period AND pm.status IN ('matched', 'nearMiss') AND (p_only IS NULL OR pm.credit_code = p_only)
      AND pm.run_id = greatest(coalesce(s.run_id, -1), coalesce((SELECT run_id FROM city), -1))
  )
  SELECT * FROM latest WHERE p_scoped = 0
  UNION ALL
  SELECT l.* FROM latest l SEMI JOIN push_plan_scope c ON c.credit_code = l.credit_code AND c.policy_id = l.policy_id AND c.status = l.status
  WHERE p_scoped = 1;

-- @entries
-- The catalogue's policies, numbered in the order of their ids (the planner's last sort key).
CREATE OR REPLACE TEMP TABLE push_plan_entry AS
SELECT unnest(from_json($entries, '[{"e":"SMALLINT","id":"VARCHAR","category":"VARCHAR","tax_type":"VARCHAR","relief":["VARCHAR"],"major":["VARCHAR"],"near_miss":["VARCHAR"],"grp":"VARCHAR","grp_rank":"INTEGER","codes":["VARCHAR"],"noticed":"BOOLEAN","quiet":"BOOLEAN"}]'), recursive := true);

-- @words
-- The policies' ids and categories by entry number, as variables: the INSERT looks them up as
-- constants. Joined to the rows as a one-row table instead, inside a transaction (where DuckDB
-- estimates the transaction's own tables at 0 rows) the join put the one row on the side that is
-- streamed and the batch's rows on the side that is collected first, so everything after it ran on
-- one thread: the INSERTs of a city took 22 s instead of 15.
SET VARIABLE push_plan_ids = (SELECT list(id ORDER BY e) FROM push_plan_entry);
SET VARIABLE push_plan_categories = (SELECT list(category ORDER BY e) FROM push_plan_entry);
-- A message's id without its prefix by its key (push_key + 1): `relief.<policy>` or `nearMiss.<policy>`,
-- looked up instead of put together for each of the twelve million items of a city's digests.
SET VARIABLE push_plan_keys = (SELECT list(CASE WHEN n = 1 THEN 'nearMiss.' ELSE 'relief.' END || id ORDER BY push_key(e, n = 1)) FROM push_plan_entry, range(2) t(n));
-- A digest's id hashes its items' ids sorted as text. Sorting the keys' places in that order (numbers)
-- and looking the texts up gives the same list: at a million taxpayers 1.5 s instead of 2.1 s.
SET VARIABLE push_plan_keys_sorted = (SELECT list_sort(getvariable('push_plan_keys')));
SET VARIABLE push_plan_key_place = (SELECT list(list_position(getvariable('push_plan_keys_sorted'), k) ORDER BY i)
  FROM (SELECT unnest(getvariable('push_plan_keys')) AS k, generate_subscripts(getvariable('push_plan_keys'), 1) AS i));
-- A digest's categories, distinct, in text order, comma-separated: each entry's category as one bit of
-- a mask (by entry number + 1), each mask's text (by mask + 1). The catalogue has six categories, so
-- 64 texts; OR-ing the bits took 0.15 s where sorting and joining the texts took 0.9 s.
SET VARIABLE push_plan_category_names = (SELECT list(DISTINCT category ORDER BY category) FROM push_plan_entry);
SET VARIABLE push_plan_category_bit = (SELECT list(1 << (list_position(getvariable('push_plan_category_names'), category) - 1) ORDER BY e) FROM push_plan_entry);
SET VARIABLE push_plan_category_sets = (SELECT list(array_to_string(list_filter(getvariable('push_plan_category_names'), (c, i) -> (m >> (i - 1)) & 1 = 1), ',') ORDER BY m)
  FROM range(1 << len(getvariable('push_plan_category_names'))) t(m));
-- Who hears of an item, by its entry and prio (0 a major relief, 1 a relief, 2 a near miss): the roles
-- the entry names for it, as bits of a mask (a role's bit: its place in push_plan_roles, from 0), by
-- e * 3 + prio + 1. Section candidates sorts a taxpayer's items once and gives each role the ones it hears of.
SET VARIABLE push_plan_roles = (SELECT list(DISTINCT r ORDER BY r) FROM (SELECT unnest(major || relief || near_miss) AS r FROM push_plan_entry));
SET VARIABLE push_plan_role_mask = (SELECT list(m ORDER BY e, prio) FROM (
  SELECT e.e, p.prio, list_sum(list_transform(getvariable('push_plan_roles'),
    (r, i) -> CASE WHEN list_contains(CASE p.prio WHEN 0 THEN e.major WHEN 1 THEN e.relief ELSE e.near_miss END, r) THEN 1 << (i - 1) ELSE 0 END))::INTEGER AS m
  FROM push_plan_entry e, range(3) p(prio)));

-- @wait
-- Hours to wait from each local hour, per quiet-hours setting (a few dozen distinct ones). A person
-- whose quiet hours cover every sending hour is reached in the sending hours (time.ts).
CREATE OR REPLACE TEMP TABLE push_plan_wait AS
WITH setting AS (SELECT DISTINCT quiet_from, quiet_to FROM company_person),
hour AS (
  SELECT quiet_from, quiet_to, h, h >= $from::INTEGER AND h < $to::INTEGER AS sending,
    h >= $from::INTEGER AND h < $to::INTEGER AND NOT (quiet_from <> quiet_to AND CASE WHEN quiet_from < quiet_to THEN h >= quiet_from AND h < quiet_to ELSE h >= quiet_from OR h < quiet_to END) AS calm
  FROM setting, range(24) r(h)
), ok AS (
  SELECT quiet_from, quiet_to, h, CASE WHEN bool_or(calm) OVER (PARTITION BY quiet_from, quiet_to) THEN calm ELSE sending END AS ok FROM hour
), wait AS (
  SELECT a.quiet_from, a.quiet_to, a.h, CASE WHEN a.ok THEN 0 ELSE min((b.h - a.h + 24) % 24) FILTER (WHERE b.ok) END AS wait
  FROM ok a JOIN ok b ON b.quiet_from = a.quiet_from AND b.quiet_to = a.quiet_to
  GROUP BY a.quiet_from, a.quiet_to, a.h, a.ok
)
SELECT quiet_from, quiet_to, list(wait ORDER BY h) AS wait FROM wait GROUP BY quiet_from, quiet_to;

-- @claimed
-- Reliefs a taxpayer has claimed already in a return of the period: a reduction code the policy lists,
-- on a return whose period ends within this one (the ledger's mapping of claims, src/ledger), the
-- annual CIT return included: it ends with Q4 and claims the year's relief, Q4's with it (the ledger's
-- claimedOnAnnualReturn). A matched relief claimed is not told: the company has it. A code two policies
-- list (one replacing the other) marks both; only the one in force has results.
-- amount is what the claims reduced in the period, as the ledger counts them (src/ledger/sql/build.sql,
-- ledger_claimed): the period's returns, and the annual return's claim beyond the year's prepayments
-- (it claims the year's whole). The year's earlier returns are read for that alone, of the taxpayers
-- and reliefs an annual return of the period claims (Q4's plan): the plans of Q1 to Q3 read their
-- quarter only. Until 2026-12-04 every plan grouped the year's claims (10.9 million rows for 2026-Q3
-- at a million taxpayers, 3.3 s, where the quarter's are 3.7 million), and a year whose earlier
-- returns took back more than they claimed (a correcting return) added that back to the quarter's
-- claim, which the ledger does not.
CREATE OR REPLACE TEMP TABLE push_plan_claimed AS
WITH code AS (
  SELECT id AS policy_id, unnest(codes) AS code FROM push_plan_entry
), annual AS (
  SELECT r.credit_code, c.policy_id, sum(r.amount) AS amount
  FROM filing_reduction r JOIN code c ON c.code = r.reduction_code
  WHERE r.tax_type = 'citAnnual' AND r.period_end BETWEEN $start::DATE AND $end::DATE AND ($only::VARCHAR IS NULL OR r.credit_code = $only)
  GROUP BY ALL
), prepaid AS (
  SELECT r.credit_code, c.policy_id, sum(r.amount) AS amount
  FROM filing_reduction r JOIN code c ON c.code = r.reduction_code
  SEMI JOIN annual a ON a.credit_code = r.credit_code AND a.policy_id = c.policy_id
  WHERE r.period_end BETWEEN $year_start::DATE AND $end::DATE AND r.tax_type <> 'citAnnual'
  GROUP BY ALL
)
SELECT credit_code, policy_id, sum(amount) AS amount FROM (
  SELECT r.credit_code, c.policy_id, r.amount
  FROM filing_reduction r JOIN code c ON c.code = r.reduction_code
  WHERE r.tax_type <> 'citAnnual' AND r.period_end BETWEEN $start::DATE AND $end::DATE AND ($only::VARCHAR IS NULL OR r.credit_code = $only)
  UNION ALL
  -- One that claims no more than the prepayments did adds nothing (0.00), and is a claim still: the
  -- relief is not told (the ledger's claimedOnAnnualReturn).
  SELECT a.credit_code, a.policy_id, greatest(a.amount - coalesce(p.amount, 0), 0)
  FROM annual a LEFT JOIN prepaid p ON p.credit_code = a.credit_code AND p.policy_id = a.policy_id
)
GROUP BY ALL;

-- @lapsed
-- Reliefs of the period a later quarter of the year took back (the ledger's lapsedInYear), which
-- push_current leaves out: read once, for the three sections that read the current results.
CREATE OR REPLACE TEMP TABLE push_plan_lapsed AS
SELECT credit_code, policy_id FROM ledger_entry
WHERE period = $period AND status = 'lapsedInYear' AND ($only::VARCHAR IS NULL OR credit_code = $only);

-- @told
-- Reliefs the taxpayer was told of in one of the three quarters before this one ($told_first,
-- $told_second, $told_third): a message of the policy, alone or as a line of a digest, planned, in
-- flight or sent (not skipped, not failed), to any of its people. A matched relief without an
-- estimate is not told again within four quarters: its message can only say "amount unknown", the
-- same words every quarter (most of a city's reliefs without an estimate are ones nearly every
-- company matches: the six-taxes-two-fees halving of the property, land-use and stamp taxes, the IIT
-- reliefs employers apply), and a finance officer told the same four times a year learns to ignore
-- the robot. One with an estimate says what this quarter is worth and is told each quarter; a near
-- miss says what is lacking now. A campaign ($scoped) tells whom it chose: none are left out. A
-- digest's items are kept without the prefix its row carries (`relief.<policy>`), or, planned
-- before that, with it (`<period>.<code>.<role>.relief.<policy>`): the row's own prefix is cut, and
-- the kind is then the first part, as section existing reads them (a pattern looking for `relief.`
-- anywhere would read `nearMiss.x.relief.y` as a relief of y).
-- A relief the outbox already holds a message of in this quarter (not skipped, column standing) is
-- not left out, by this rule or by the season's (pushQuarters): planned by a campaign, say, it stands,
-- and is not skipped by the next plan as no longer called for.
CREATE OR REPLACE TEMP TABLE push_plan_told AS
WITH m AS (
  SELECT credit_code, period, role, kind, policy_id, items, status FROM push_message
  WHERE period IN ($told_first::VARCHAR, $told_second::VARCHAR, $told_third::VARCHAR, $period::VARCHAR) AND kind IN ('relief', 'digest')
    AND $scoped::INTEGER = 0 AND ($only::VARCHAR IS NULL OR credit_code = $only)
), item AS (
  SELECT credit_code, period, status, policy_id FROM m WHERE kind = 'relief'
  UNION ALL
  SELECT credit_code, period, status, CASE WHEN split_part(rest, '.', 1) = 'relief' THEN rest[strpos(rest, '.') + 1:] END AS policy_id
  FROM (
    SELECT credit_code, period, status, CASE WHEN starts_with(item, prefix) THEN item[length(prefix) + 1:] ELSE item END AS rest
    FROM (SELECT credit_code, period, status, period || '.' || credit_code || '.' || role || '.' AS prefix, unnest(string_split(items, ',')) AS item
          FROM m WHERE kind = 'digest')
  )
)
-- recent: a message of the three quarters before stands and none of this quarter does; standing: one of
-- this quarter does (not skipped).
-- Kept: only the rows that change a decision, those told recently, and those standing of a policy told
-- in some quarters only (quiet): absent, a relief is neither. A plan of a quarter planned already has a
-- standing item for nearly every message of its outbox (twelve million at a million taxpayers), and
-- section rows, hashing them all beside its sort, ran out of DuckDB's 3 GB.
SELECT credit_code, policy_id, recent, standing FROM (
  SELECT i.credit_code, i.policy_id,
    bool_or(i.period <> $period::VARCHAR AND i.status IN ('planned', 'sending', 'sent')) AND NOT bool_or(i.period = $period::VARCHAR AND i.status <> 'skipped') AS recent,
    bool_or(i.period = $period::VARCHAR AND i.status <> 'skipped') AS standing, bool_or(e.quiet) AS quiet
  FROM item i JOIN push_plan_entry e ON e.id = i.policy_id
  GROUP BY ALL
) WHERE recent OR (standing AND quiet);

-- @not_stacked
-- Reliefs that do not stack (an exclusive group): a matched one is told only when no other matched
-- relief of its group is worth more to the taxpayer (unknown as -0.01 yuan, as the planner orders
-- them; a tie goes to the better groupRank, the catalogue's word for reliefs of one base without an
-- estimate, then to the smaller policy id); a near miss only when no matched relief of its group is
-- known to be worth as much, or, neither estimated, is ranked better (meeting it would change
-- nothing: the company keeps the other).
-- A matched relief of a group the taxpayer has claimed another relief of in the period (the high-tech
-- rate claimed, the small low-profit relief worth more) is worth only what it adds to that claim, as
-- the ledger counts it missed: told with its estimate less the claims (column enjoyed), and not told
-- when it adds nothing, or its estimate is missing. Until 2026-12-01 it was told at its whole
-- estimate, twice what the company would gain where the rates' estimates are 10 and 20 % of one income.
-- Decided over every current result, before a campaign's scope: a campaign cannot bring back a
-- relief the taxpayer would not take. Once per plan, into a small table the sections below look up:
-- marked inside push_current, the current results were read twice in one statement and DuckDB kept
-- all of them in memory. Its rows with `enjoyed` NULL are not told; the others are told, less that.
CREATE OR REPLACE TEMP TABLE push_plan_not_stacked AS
-- The claims of reliefs of a group, once: at a million taxpayers 0.4 million of the 3.4 million claims
-- (most are of the six-taxes-two-fees halving and the small-scale exemption), where hashing all of them,
-- three times, was most of this section.
WITH claim AS MATERIALIZED (
  SELECT k.credit_code, k.policy_id, k.amount FROM push_plan_claimed k JOIN push_plan_entry e ON e.id = k.policy_id WHERE e.grp IS NOT NULL
), grouped AS (
  SELECT c.credit_code, c.policy_id, e.grp, c.status, c.benefit, coalesce(c.benefit, -0.01) AS worth, coalesce(e.grp_rank, 2147483647) AS rank,
    -- An annual return that claims no more than the prepayments did adds no claim to the period (amount 0).
    coalesce(k.amount, 0) > 0 AS claimed
  FROM push_current($period, $only::VARCHAR, 0) c JOIN push_plan_entry e ON e.id = c.policy_id
  LEFT JOIN claim k ON k.credit_code = c.credit_code AND k.policy_id = c.policy_id
  WHERE e.grp IS NOT NULL
), beaten AS (
  -- A relief claimed beats no other by its estimate: what it was claimed for counts (enjoyed, below),
  -- as the ledger ranks the unclaimed reliefs of a group alone.
  SELECT DISTINCT a.credit_code, a.policy_id
  FROM grouped a JOIN grouped b ON b.credit_code = a.credit_code AND b.grp = a.grp AND b.status = 'matched'
  WHERE (a.status = 'matched' AND NOT b.claimed AND (b.worth > a.worth OR (b.worth = a.worth AND (b.rank < a.rank OR (b.rank = a.rank AND b.policy_id < a.policy_id)))))
    OR (a.status = 'nearMiss' AND (b.benefit >= a.benefit OR (a.benefit IS NULL AND b.benefit IS NULL AND b.rank < a.rank)))
), enjoyed AS (
  -- What the taxpayer claimed in the period of the reliefs of each group it matches. Claims summing to
  -- 0.00 or less (a return naming the code for nothing, a correcting one taking back more than the
  -- period claimed) enjoy nothing of the group: the best relief is told at its whole estimate, as the
  -- ledger misses it. Counted as enjoyed, a claim of -500.00 made a relief worth 3,000.00 told at 3,500.00.
  SELECT g.credit_code, g.grp, sum(k.amount) AS amount
  FROM grouped g JOIN claim k ON k.credit_code = g.credit_code AND k.policy_id = g.policy_id
  WHERE g.status = 'matched'
  GROUP BY ALL
  HAVING sum(k.amount) > 0
)
SELECT credit_code, policy_id, NULL::DECIMAL(18,2) AS enjoyed FROM beaten
UNION ALL
SELECT a.credit_code, a.policy_id, CASE WHEN a.benefit > j.amount THEN j.amount END
FROM grouped a JOIN enjoyed j ON j.credit_code = a.credit_code AND j.grp = a.grp
ANTI JOIN beaten x ON x.credit_code = a.credit_code AND x.policy_id = a.policy_id
ANTI JOIN claim k ON k.credit_code = a.credit_code AND k.policy_id = a.policy_id
WHERE a.status = 'matched';

-- @group_claims
-- The group's claim each relief told less one is net of, by entry and by the item's key: what
-- sections superseded (is a planned line's claim still right?) and new_rows (what a line says) read.
-- None when the claim is 0.00: a return naming the code for nothing, or an annual return adding
-- nothing to the prepayments. A few rows a city. Its own table rather than a macro: DuckDB binds a
-- macro's tables when it is made, before section not_stacked has made its table.
CREATE OR REPLACE TEMP TABLE push_plan_group_claim AS
SELECT n.credit_code, e.e, push_key(e.e, false) AS key, n.enjoyed AS g
FROM push_plan_not_stacked n JOIN push_plan_entry e ON e.id = n.policy_id WHERE n.enjoyed > 0;

-- @taxpayers
-- The taxpayers to plan for: those with current results and those with messages of the period in
-- the outbox (which may have to be skipped), numbered so that batches of them can be taken in turn
-- (a range of numbers: whole taxpayers). Per taxpayer also what the report counts.
CREATE OR REPLACE TEMP TABLE push_plan_taxpayer AS
-- The current results materialized before they are joined and grouped: `zhishu match` plans in the
-- transaction that wrote them, and DuckDB scans what a transaction wrote on one thread, and with the
-- scan every join probe and the grouping of its pipeline. Materialized, the scan alone is on one thread
-- (`zhishu match` at a million taxpayers 85 s instead of 99 s: src/push/README.md, "The current results
-- in the match's transaction").
WITH cur AS MATERIALIZED (SELECT * FROM push_current($period, $only::VARCHAR, $scoped::INTEGER)), per AS (
  SELECT c.credit_code, max(c.run_id) AS run_id, count(*) FILTER (WHERE e.id IS NOT NULL) AS results,
    count(*) FILTER (WHERE e.id IS NULL) AS not_in_catalogue,
    -- A relief claimed is counted so, whatever its group says (the company has it).
    count(*) FILTER (WHERE e.id IS NOT NULL AND c.not_stacked AND NOT c.claimed) AS not_stacked,
    count(*) FILTER (WHERE e.id IS NOT NULL AND c.claimed) AS claimed,
    count(*) FILTER (WHERE e.id IS NOT NULL AND NOT c.not_stacked AND NOT c.claimed AND c.benefit <= 0) AS nothing_to_claim,
    count(*) FILTER (WHERE e.id IS NOT NULL AND NOT c.not_stacked AND NOT c.claimed AND c.told_recently) AS told_recently,
    -- A matched relief of a policy told in other quarters of the year only (the entry's `quiet`, from
    -- the catalogue's pushQuarters), not counted as anything before it.
    count(*) FILTER (WHERE e.quiet AND c.status = 'matched' AND NOT c.not_stacked AND NOT c.claimed AND NOT coalesce(c.benefit <= 0, false)
      AND NOT c.told_recently AND NOT c.standing) AS out_of_season
  FROM (
    SELECT c.*, n.policy_id IS NOT NULL AND n.enjoyed IS NULL AS not_stacked, c.status = 'matched' AND k.policy_id IS NOT NULL AS claimed,
      c.status = 'matched' AND c.benefit IS NULL AND coalesce(r.recent, false) AS told_recently,
      coalesce(r.standing, false) AS standing
    FROM cur c
    LEFT JOIN push_plan_not_stacked n ON n.credit_code = c.credit_code AND n.policy_id = c.policy_id
    LEFT JOIN push_plan_claimed k ON k.credit_code = c.credit_code AND k.policy_id = c.policy_id
    LEFT JOIN push_plan_told r ON r.credit_code = c.credit_code AND r.policy_id = c.policy_id
  ) c LEFT JOIN push_plan_entry e ON e.id = c.policy_id
  GROUP BY c.credit_code
), everyone AS (
  SELECT credit_code FROM per
  UNION
  SELECT credit_code FROM push_message WHERE period = $period AND status <> 'skipped' AND ($only::VARCHAR IS NULL OR credit_code = $only)
), named AS (
  SELECT credit_code, any_value(name) AS name FROM taxpayer WHERE credit_code IN (SELECT credit_code FROM everyone) GROUP BY credit_code
)
SELECT (row_number() OVER () - 1)::INTEGER AS tp, e.credit_code, p.run_id, coalesce(n.name, e.credit_code) AS name,
  coalesce(p.results, 0) AS results, coalesce(p.not_in_catalogue, 0) AS not_in_catalogue, coalesce(p.nothing_to_claim, 0) AS nothing_to_claim,
  coalesce(p.claimed, 0) AS claimed, coalesce(p.not_stacked, 0) AS not_stacked, coalesce(p.told_recently, 0) AS told_recently,
  coalesce(p.out_of_season, 0) AS out_of_season
FROM everyone e LEFT JOIN per p ON p.credit_code = e.credit_code LEFT JOIN named n ON n.credit_code = e.credit_code
ORDER BY tp;

-- @counts
SELECT count(*) AS taxpayers, coalesce(sum(results), 0) AS results, coalesce(sum(not_in_catalogue), 0) AS not_in_catalogue,
  coalesce(sum(nothing_to_claim), 0) AS nothing_to_claim, coalesce(sum(claimed), 0) AS claimed,
  coalesce(sum(not_stacked), 0) AS not_stacked, coalesce(sum(told_recently), 0) AS told_recently, coalesce(sum(out_of_season), 0) AS out_of_season,
  -- Matched reliefs a later quarter of the year took back (push_current leaves them out; a campaign's, of its scope).
  (SELECT count(*) FROM push_plan_lapsed l
   WHERE $scoped::INTEGER = 0 OR EXISTS (SELECT 1 FROM push_plan_scope c WHERE c.credit_code = l.credit_code AND c.policy_id = l.policy_id)) AS lapsed
FROM push_plan_taxpayer;

-- @outbox
-- n: the messages of the period that count (not skipped); stored: every row of the period, skipped ones
-- included, whose ids the insert must not repeat.
SELECT count(*) FILTER (WHERE status <> 'skipped') AS n, count(*) AS stored
FROM push_message WHERE period = $period AND ($only::VARCHAR IS NULL OR credit_code = $only);

-- @noticed_planned
-- Messages planned earlier and not yet tried that tell of a near miss, or of a relief of a policy with
-- notices, alone or as a line of a digest: what the near miss lacks and which notices hold were decided
-- when they were planned (by an earlier version, or before the company's facts changed), and plan.ts
-- words them again with what holds now. Rows planned with their texts by an earlier version are sent as
-- written, and are left out.
SELECT message_id, period, credit_code, role::VARCHAR AS role, kind::VARCHAR AS kind, policy_id, items, lacking, digest_items FROM push_message
WHERE period = $period AND status = 'planned' AND attempts = 0 AND subject IS NULL AND ($only::VARCHAR IS NULL OR credit_code = $only)
  AND (kind = 'nearMiss' OR (kind = 'relief' AND policy_id IN (SELECT id FROM push_plan_entry WHERE noticed))
    OR (kind = 'digest' AND (position('nearMiss.' IN items) > 0
      OR EXISTS (SELECT 1 FROM push_plan_entry e WHERE e.noticed AND position('relief.' || e.id IN items) > 0))))
ORDER BY message_id;

-- @called_now
-- Of the items section noticed_planned's messages may tell (near misses, reliefs of policies with
-- notices), those the current results call for, and as what (push_plan_row: not claimed, stacked or
-- worth nothing). A planned message of an item no longer called for as it was is not worded again: its
-- batch skips it (section superseded), and worded again it would be counted twice.
SELECT t.credit_code, e.id AS policy_id, CASE WHEN r.item.prio = 2 THEN 'nearMiss' ELSE 'relief' END AS kind
FROM push_plan_row r JOIN push_plan_taxpayer t ON t.tp = r.tp JOIN push_plan_entry e ON e.e = r.item.e
WHERE r.item.prio = 2 OR e.noticed;

-- @renotice
-- The rows of section noticed_planned whose words changed, as plan.ts wrote them again ($renoticed).
UPDATE push_message SET lacking = v.lacking, digest_items = v.digest_items
FROM (SELECT unnest(from_json($renoticed, '[{"message_id":"VARCHAR","lacking":"VARCHAR","digest_items":"VARCHAR"}]'), recursive := true)) v
WHERE push_message.message_id = v.message_id AND push_message.status = 'planned' AND push_message.attempts = 0;

-- @rows
-- Every result that calls for messages, one narrow row each (the taxpayer by number): the big tables
-- are read once, and each batch then takes its rows from here.
CREATE OR REPLACE TEMP TABLE push_plan_row AS
-- The current results materialized first, as in section taxpayers: in the match's transaction the scan
-- of them is on one thread, and the joins below then are not.
WITH cur AS MATERIALIZED (SELECT credit_code, policy_id, status, benefit FROM push_current($period, $only::VARCHAR, $scoped::INTEGER)), odd AS (
  -- The taxpayers with a return of the period due on another day than the period's deadline (an
  -- extension, a return whose deadline the calendar moved): nearly none, where every return of the
  -- period is due on one day. Only their returns are grouped, so that the join below holds the
  -- exceptions, not four million groups each giving the deadline back (2.6 of this section's 5.2 s at a million).
  SELECT DISTINCT credit_code FROM filing
  WHERE period_end = $end::DATE AND period_start >= $start::DATE AND ($only::VARCHAR IS NULL OR credit_code = $only)
    AND due_date IS DISTINCT FROM $default_deadline::DATE
), due AS (
  -- An IIT relief is claimed on the IIT return due first: the withholding one or the business-income one.
  -- A group whose first due date is the period's deadline is left out: coalesce() below gives it back.
  SELECT f.credit_code, CASE WHEN f.tax_type = 'iitBusiness' THEN 'iit' ELSE f.tax_type END AS tax_type, min(f.due_date) AS due FROM filing f
  SEMI JOIN odd o ON o.credit_code = f.credit_code
  WHERE f.period_end = $end::DATE AND f.period_start >= $start::DATE AND ($only::VARCHAR IS NULL OR f.credit_code = $only)
  GROUP BY 1, 2
  HAVING min(f.due_date) IS DISTINCT FROM $default_deadline::DATE
)
SELECT t.tp,
  -- Field order is sort order: list_sort compares the fields left to right. prio 0 is a major
  -- relief, 1 a relief, 2 a near miss; nb is the benefit in fen negated (unknown: as -0.01 yuan).
  -- A relief of a group the taxpayer claimed another of is told less that claim (section not_stacked;
  -- the claim itself is looked up in section group_claims where a message is written or compared: carried in this
  -- struct, it made the sort below of every result at a million run out of DuckDB's memory).
  {prio: CASE WHEN c.status = 'nearMiss' THEN 2 WHEN (c.benefit - coalesce(g.enjoyed, 0)) * 100 >= $major_fen::BIGINT THEN 0 ELSE 1 END::UTINYINT,
   nb: coalesce(-((c.benefit - coalesce(g.enjoyed, 0)) * 100)::BIGINT, 1), e: e.e, dl: coalesce(d.due, $default_deadline::DATE),
   b: c.benefit - coalesce(g.enjoyed, 0)} AS item
FROM cur c
-- An anti-join said as one: as NOT EXISTS, DuckDB decorrelated it into a join that collected every
-- result first (7.3 of the section's 12.5 s at a million), where the few reliefs not told are a small
-- hash table to probe.
ANTI JOIN push_plan_not_stacked n ON n.credit_code = c.credit_code AND n.policy_id = c.policy_id AND n.enjoyed IS NULL
LEFT JOIN push_plan_not_stacked g ON g.credit_code = c.credit_code AND g.policy_id = c.policy_id AND g.enjoyed IS NOT NULL
-- A matched relief claimed already is not told (a near miss claimed still is: the company lacks what
-- it names). A left join and a filter: as an anti-join with the status in its condition, DuckDB
-- compared every result with every claim (a nested loop: minutes at a million).
LEFT JOIN push_plan_claimed k ON k.credit_code = c.credit_code AND k.policy_id = c.policy_id
-- A relief without an estimate told in one of the three quarters before (section told).
LEFT JOIN push_plan_told r ON r.credit_code = c.credit_code AND r.policy_id = c.policy_id
JOIN push_plan_entry e ON e.id = c.policy_id
JOIN push_plan_taxpayer t ON t.credit_code = c.credit_code
LEFT JOIN due d ON d.credit_code = c.credit_code AND d.tax_type = e.tax_type
-- A relief worth nothing this period (or estimated below zero: it would cost the company) would only
-- teach people to ignore us; an unknown one may be worth something. The ledger's nothingToClaim too.
WHERE (c.benefit IS NULL OR c.benefit > 0) AND NOT (c.status = 'matched' AND k.policy_id IS NOT NULL)
  AND NOT (c.status = 'matched' AND c.benefit IS NULL AND coalesce(r.recent, false))
  -- A relief told in other quarters of the year only (the catalogue's pushQuarters).
  AND NOT (c.status = 'matched' AND e.quiet AND NOT coalesce(r.standing, false))
-- In taxpayer order, so that a batch's scan skips the blocks of the others.
ORDER BY t.tp;

-- @persons
-- The person of each role of each taxpayer: the first by name, as company_person has no key that
-- says which one (then by the other fields, missing ones last: the least of the fields as a struct).
-- The preferred channel when its address is known, else the in-app inbox (SMS falls back to the
-- inbox when sending). A window rather than min() of a struct per group: half the time at a million.
-- Its quiet hours as the two numbers, the hours to wait (push_plan_wait, a few dozen lists) joined
-- per batch in section candidates: carried here, 24 numbers a person were sorted with each of the
-- city's 2.8 million rows below, and the section took 4.9 to 5.3 s where it now takes 2.8 to 3.0 s
-- (2026-12-04, three plans of a million taxpayers each, in turn; the batches' candidates no slower).
--
-- One person may hold several roles of a taxpayer (an individual business's operator is often its tax
-- handler too; a small company's legal representative its finance officer): the same name with the
-- same mobile number, or, where a record has no mobile, the same e-mail address (push_person_key).
-- That person hears of each message once, as the first of those roles in push_plan_roles' order
-- (lead): bits are the roles the person holds (the lead's row), or 0 for a role folded into another.
-- Names alone are not enough: de-identified names (王某某) repeat.
CREATE OR REPLACE TEMP TABLE push_plan_person AS
WITH first AS (
  SELECT t.tp, p.credit_code, p.role,
    {name: p.name, email: p.email, mobile: p.mobile, channel: p.preferred_channel, quiet_from: p.quiet_from, quiet_to: p.quiet_to} AS p
  FROM company_person p JOIN push_plan_taxpayer t ON t.credit_code = p.credit_code
  QUALIFY row_number() OVER (PARTITION BY t.tp, p.role ORDER BY p.name, p.email NULLS LAST, p.mobile NULLS LAST, p.preferred_channel, p.quiet_from, p.quiet_to) = 1
), held AS (
  SELECT f.*, list_position(getvariable('push_plan_roles'), f.role::VARCHAR) - 1 AS bit,
    coalesce(push_person_key(f.p.name, f.p.mobile, f.p.email), f.role::VARCHAR) AS who
  FROM first f
), person AS (
  -- Grouped and joined back: bit_or over an ordered window frame took 16 s at 100,000 taxpayers.
  SELECT h.*, g.lead, g.held
  FROM held h JOIN (SELECT tp, who, arg_min(role, bit) AS lead, bit_or(1 << bit) AS held FROM held GROUP BY tp, who) g ON g.tp = h.tp AND g.who = h.who
)
SELECT f.tp, f.role, f.p.name AS name,
  CASE WHEN f.p.channel = 'email' AND coalesce(f.p.email, '') <> '' THEN 'email' WHEN f.p.channel = 'sms' AND coalesce(f.p.mobile, '') <> '' THEN 'sms' ELSE 'inApp' END AS channel,
  CASE WHEN f.p.channel = 'email' AND coalesce(f.p.email, '') <> '' THEN f.p.email WHEN f.p.channel = 'sms' AND coalesce(f.p.mobile, '') <> '' THEN f.p.mobile
    ELSE 'inbox:' || f.credit_code || '/' || f.role END AS recipient,
  f.p.quiet_from, f.p.quiet_to, f.lead, CASE WHEN f.lead = f.role THEN coalesce(f.held, 0) ELSE 0 END AS bits
FROM person f
ORDER BY f.tp;

-- @candidates
-- One row per (taxpayer, role) of the batch: the person (NULL when the taxpayer has nobody in that
-- role) and every message the results call for, most important first (major reliefs, then larger
-- benefits, near misses last, then by policy id).
CREATE OR REPLACE TEMP TABLE push_plan_candidate AS
-- The batch's rows materialized: inside a transaction DuckDB scans what the transaction wrote (here
-- push_plan_row) on one thread, and with it the grouping after the scan (at a million, batches of
-- 250,000: 3.3 s inside a transaction instead of 4.3 to 5.1 s; standalone 3.7 s instead of 3.3 s).
-- A taxpayer's items are sorted once, and each person given those any of its roles hears of (section
-- words, push_plan_role_mask; section persons, bits): grouped by taxpayer and role, every item once
-- per role it goes to, the grouping and the sorts took twice as many rows. A role folded into another
-- of the same person has no row; one without a person has its own, to be counted (without_person).
WITH batch AS MATERIALIZED (SELECT * FROM push_plan_row WHERE tp >= $lo::INTEGER AND tp < $hi::INTEGER), sorted AS (
  SELECT tp, list_sort(list(item)) AS items FROM batch GROUP BY tp
), grouped AS (
  SELECT * FROM (
    SELECT s.tp, r.role, list_filter(s.items, x -> getvariable('push_plan_role_mask')[x.e::INTEGER * 3 + x.prio + 1] & coalesce(p.bits, 1 << r.bit) <> 0) AS items,
      p.name, p.channel, p.recipient, p.quiet_from, p.quiet_to
    FROM sorted s CROSS JOIN (SELECT unnest(getvariable('push_plan_roles')) AS role, generate_subscripts(getvariable('push_plan_roles'), 1) - 1 AS bit) r
    LEFT JOIN (SELECT * FROM push_plan_person WHERE tp >= $lo::INTEGER AND tp < $hi::INTEGER) p ON p.tp = s.tp AND p.role = r.role
    WHERE coalesce(p.bits, 1) <> 0
  ) WHERE len(items) > 0
)
SELECT t.credit_code, g.role, t.run_id, g.items, g.name AS person_name, g.channel, g.recipient, w.wait, t.name AS taxpayer_name
FROM grouped g
JOIN (SELECT * FROM push_plan_taxpayer WHERE tp >= $lo::INTEGER AND tp < $hi::INTEGER) t ON t.tp = g.tp
LEFT JOIN push_plan_wait w ON w.quiet_from = g.quiet_from AND w.quiet_to = g.quiet_to;

-- @existing
-- The period's outbox, one row per message id it stands for (a digest for each of its items), with
-- the key of that id among the person's candidates (push_key).
CREATE OR REPLACE TEMP TABLE push_plan_existing AS
WITH m AS (
  SELECT message_id, credit_code, role, kind, status, attempts, person_name, channel, recipient, taxpayer_name,
    unnest(CASE WHEN kind = 'digest' THEN string_split(items, ',') ELSE [message_id] END) AS id,
    -- What each item says (benefit, deadline, the group's claim it is net of), beside it: a digest's
    -- lines are in its items' order. A digest planned before its lines were kept has none (NULL: not
    -- compared); a line kept before the claim was has none either (NULL: read as no claim).
    unnest(CASE WHEN kind = 'digest' THEN from_json(digest_items, '[{"benefit":"DECIMAL(18,2)","deadline":"DATE","group_claimed":"DECIMAL(18,2)"}]')
      ELSE [{benefit: benefit, deadline: deadline, group_claimed: group_claimed}] END) AS line,
    $period || '.' || credit_code || '.' || role || '.' AS prefix
  FROM push_message WHERE period = $period AND status <> 'skipped'
    AND credit_code IN (SELECT credit_code FROM push_plan_taxpayer WHERE tp >= $lo::INTEGER AND tp < $hi::INTEGER)
), rest AS (
  -- A digest's items are kept without the prefix the row carries (rows planned before that: with it).
  SELECT *, CASE WHEN starts_with(id, prefix) THEN id[length(prefix) + 1:] WHEN kind = 'digest' THEN id END AS rest FROM m
), parsed AS (
  SELECT *, split_part(rest, '.', 1) AS item_kind, CASE WHEN split_part(rest, '.', 1) IN ('relief', 'nearMiss') THEN rest[strpos(rest, '.') + 1:] END AS policy_id FROM rest
)
-- Joined on the policy id alone: with the condition on the item's kind in the ON clause as well,
-- DuckDB compared every item with every entry (a nested loop: 10 s a batch of 100,000 taxpayers
-- planned again at a million).
SELECT p.message_id, p.credit_code, p.role, p.status, push_key(e.e, p.item_kind = 'nearMiss') AS key,
  p.attempts, p.person_name, p.channel, p.recipient, p.taxpayer_name, p.line
FROM parsed p LEFT JOIN push_plan_entry e ON e.id = p.policy_id;

-- @superseded
-- Planned messages the current results no longer call for (a digest: when any of its items is no
-- longer called for), for taxpayers a current run covers; and those not yet tried whose words would
-- now differ: an item's benefit, deadline or group claim, the person's name, channel or address, the company's
-- name. Those are planned again from the current results (under the same id, when it comes out
-- the same: section revive). A message tried already keeps what it was sent with (the sender may
-- have moved it to the inbox). Messages in flight or sent are never touched.
CREATE OR REPLACE TEMP TABLE push_plan_superseded AS
WITH keys AS (
  SELECT credit_code, role, person_name, channel, recipient, taxpayer_name, list_transform(items, x -> push_key(x.e, x.prio = 2)) AS keys, items
  FROM push_plan_candidate WHERE person_name IS NOT NULL
), judged AS (
  SELECT m.*, k.keys, k.person_name AS now_person, k.channel AS now_channel, k.recipient AS now_recipient, k.taxpayer_name AS now_taxpayer,
    CASE WHEN m.key IS NOT NULL AND k.keys IS NOT NULL THEN k.items[list_position(k.keys, m.key)] END AS now_item, c.g AS now_claim
  FROM push_plan_existing m LEFT JOIN keys k ON k.credit_code = m.credit_code AND k.role = m.role
  -- The group's claim the line is net of now (section group_claims).
  LEFT JOIN push_plan_group_claim c ON c.credit_code = m.credit_code AND c.key = m.key
  WHERE m.status = 'planned'
    AND (EXISTS (SELECT 1 FROM match_run WHERE period = $period AND scope = 'city') OR m.credit_code IN (SELECT scope FROM match_run WHERE period = $period))
)
SELECT message_id FROM judged
GROUP BY message_id
HAVING bool_or(now_item IS NULL
  OR (attempts = 0 AND (person_name IS DISTINCT FROM now_person OR channel IS DISTINCT FROM now_channel OR recipient IS DISTINCT FROM now_recipient
    OR taxpayer_name IS DISTINCT FROM now_taxpayer
    OR (line IS NOT NULL AND (line.benefit IS DISTINCT FROM now_item.b OR line.deadline IS DISTINCT FROM now_item.dl
      OR line.group_claimed IS DISTINCT FROM now_claim)))));

-- @handled
-- What is in the outbox already, as itself or inside a digest, per person: not planned again. A
-- person holding several roles (section persons) has what any of them was told, under the role it
-- hears as: sent to a role before its person came to hold another, it is not told again. (Planned and
-- not yet sent under a role now folded into another, it is superseded and planned under that one.)
CREATE OR REPLACE TEMP TABLE push_plan_handled AS
SELECT m.credit_code, coalesce(p.lead, m.role::VARCHAR) AS role, list(DISTINCT m.key) AS keys
FROM push_plan_existing m
JOIN (SELECT tp, credit_code FROM push_plan_taxpayer WHERE tp >= $lo::INTEGER AND tp < $hi::INTEGER) t ON t.credit_code = m.credit_code
LEFT JOIN (SELECT * FROM push_plan_person WHERE tp >= $lo::INTEGER AND tp < $hi::INTEGER) p ON p.tp = t.tp AND p.role = m.role::VARCHAR
WHERE m.key IS NOT NULL AND m.message_id NOT IN (SELECT message_id FROM push_plan_superseded)
GROUP BY ALL;

-- @taken
-- Every id the outbox holds for the batch's taxpayers in the period, in any status: the insert adds
-- none of them again. (Every id starts with the period and the taxpayer's code, and its row carries both.)
CREATE OR REPLACE TEMP TABLE push_plan_taken AS
SELECT message_id, status FROM push_message
WHERE period = $period AND credit_code IN (SELECT credit_code FROM push_plan_taxpayer WHERE tp >= $lo::INTEGER AND tp < $hi::INTEGER);

-- @nothing_planned
-- The period has nothing in the outbox yet (but skipped messages): nothing to skip, nothing planned
-- already. push_plan_taken starts empty: with no row of the period stored when the plan began, a
-- batch can repeat no id (earlier batches wrote other taxpayers' ids); otherwise section taken fills it.
CREATE OR REPLACE TEMP TABLE push_plan_superseded (message_id VARCHAR);
CREATE OR REPLACE TEMP TABLE push_plan_handled (credit_code VARCHAR, role VARCHAR, keys INTEGER[]);
CREATE OR REPLACE TEMP TABLE push_plan_taken (message_id VARCHAR, status VARCHAR);

-- @booked_all
-- What counts for the cap: messages planned, in flight or sent to the person, for any period, at the
-- moment they reached (or will reach) the person. New messages are never earlier than now, so
-- nothing older than a week before now can share a window with them. Read before the first batch
-- writes, so each batch need not read its predecessors' messages again.
CREATE OR REPLACE TEMP TABLE push_plan_booked_all AS
SELECT t.tp, m.message_id, m.credit_code, m.role, epoch_ms(coalesce(m.sent_at, m.next_attempt_at, m.scheduled_at)) AS ms
FROM push_message m JOIN push_plan_taxpayer t ON t.credit_code = m.credit_code
WHERE m.status IN ('planned', 'sending', 'sent') AND coalesce(m.sent_at, m.next_attempt_at, m.scheduled_at) > $now::TIMESTAMP - INTERVAL 7 DAY;

-- @booked
-- The batch's booked times per person, but for messages about to be skipped: a person holding several
-- roles (section persons) counts what any of them was sent, under the role it hears as.
CREATE OR REPLACE TEMP TABLE push_plan_booked AS
SELECT b.credit_code, coalesce(p.lead, b.role::VARCHAR) AS role, list(b.ms) AS times
FROM (SELECT * FROM push_plan_booked_all WHERE tp >= $lo::INTEGER AND tp < $hi::INTEGER AND message_id NOT IN (SELECT message_id FROM push_plan_superseded)) b
LEFT JOIN (SELECT * FROM push_plan_person WHERE tp >= $lo::INTEGER AND tp < $hi::INTEGER) p ON p.tp = b.tp AND p.role = b.role::VARCHAR
GROUP BY ALL;

-- @allocate
-- Each person's new messages under the frequency cap ($max in any 7 days): all alone when they fit at
-- their own times; otherwise one digest, at the earliest time any of them should arrive or the first
-- moment the cap allows, and the most important go alone as long as they fit beside it.
--
-- When the person's booked times and the new messages' times all lie within less than 7 days and
-- fewer than $max are booked (nearly everyone: the deadlines of a period are days apart), every
-- window that matters holds all of them, so fitting is counting: k = $max - booked go alone if that
-- is all of them, else the first k - 1 go alone and the rest into a digest at the earliest time.
-- Anyone else is allocated by the same steps as the message-by-message model in test/push.test.ts,
-- one message after the other within the person, all such persons at once: list_reduce carries the
-- times booked so far from one message to the next.
CREATE OR REPLACE TEMP TABLE push_plan_allocation AS
-- Materialized: inside a transaction DuckDB scans what the transaction wrote (push_plan_candidate) on
-- one thread, and the statement's work after the scan with it; a materialized result is scanned on all.
WITH candidate AS MATERIALIZED (SELECT * FROM push_plan_candidate), fresh AS (
  -- One message twice in a person's candidates (a result stored twice in one run) would give two rows
  -- one id, which no key would refuse here (migration 008): the plan stops instead, naming the taxpayer.
  SELECT c.credit_code, c.role, c.run_id, c.person_name, c.channel, c.recipient, c.taxpayer_name, c.wait,
    CASE WHEN len(list_distinct(list_transform(c.items, x -> push_key(x.e, x.prio = 2)))) < len(c.items)
      THEN error('push plan: the current match results of taxpayer ' || c.credit_code || ' hold a policy twice for one run, so ' || c.role
        || ' would get one message twice; nothing is planned (policy_match holds each taxpayer and policy once per run)')
      ELSE len(c.items) END AS called,
    list_transform(
      list_filter(c.items, x -> h.keys IS NULL OR NOT list_contains(h.keys, push_key(x.e, x.prio = 2))),
      -- leadDays before the deadline at the start of the sending hours, never before now, then into the person's hours
      x -> {prio: x.prio, e: x.e, dl: x.dl, b: x.b, ms: push_next_delivery(greatest($now_ms::BIGINT, epoch_ms(x.dl::TIMESTAMP) - $lead_ms::BIGINT), c.wait)}) AS items,
    coalesce(b.times, []::BIGINT[]) AS booked
  FROM candidate c
  LEFT JOIN push_plan_handled h ON h.credit_code = c.credit_code AND h.role = c.role
  LEFT JOIN push_plan_booked b ON b.credit_code = c.credit_code AND b.role = c.role
  WHERE c.person_name IS NOT NULL
), shaped AS (
  SELECT *, len(items) AS n, list_transform(items, x -> x.ms) AS ats, $max::INTEGER - len(booked) AS room,
    len(booked) < $max::INTEGER AND list_max(list_concat(list_transform(items, x -> x.ms), booked)) - list_min(list_concat(list_transform(items, x -> x.ms), booked)) < 604800000 AS simple
  FROM fresh
), first_pass AS (
  -- How many go alone, in order, before the first that does not fit.
  SELECT *, CASE WHEN n = 0 OR simple THEN NULL ELSE list_reduce(
      list_transform(ats, a -> {t: a, times: []::BIGINT[], n: 0, stop: false}),
      (acc, x) -> CASE WHEN acc.stop THEN acc
        WHEN push_fits(x.t, acc.times, $max::INTEGER) THEN {t: x.t, times: list_append(acc.times, x.t), n: acc.n + 1, stop: false}
        ELSE {t: x.t, times: acc.times, n: acc.n, stop: true} END,
      {t: 0::BIGINT, times: booked, n: 0, stop: false}).n END AS alone
  FROM shaped
), placed AS (
  -- The digest's time: the earliest time any new message should arrive, or else the first moment
  -- the cap allows, which is that time or a booked one leaving the 7-day window (moved into hours).
  SELECT *, CASE WHEN n = 0 THEN NULL WHEN simple OR alone = n THEN list_min(ats) ELSE list_min(list_filter(
      list_prepend(list_min(ats), list_transform(list_filter(booked, b -> b + 604800000 > list_min(ats)), b -> push_next_delivery(b + 604800000, wait))),
      t -> push_fits(t, booked, $max::INTEGER))) END AS d
  FROM first_pass
), guarded AS (
  -- Never after the earliest deadline among the new messages (its day): a relief told too late is
  -- worth less than one message over the cap, so the digest then goes at the earliest time.
  SELECT * REPLACE (CASE WHEN d >= epoch_ms((list_min(list_transform(items, x -> x.dl)) + 1)::TIMESTAMP) THEN list_min(ats) ELSE d END AS d)
  FROM placed
), merged AS (
  SELECT *, CASE
      WHEN n = 0 THEN []::BOOLEAN[]
      WHEN simple THEN list_transform(range(1, n + 1), i -> n > room AND i >= room)
      WHEN alone = n THEN list_transform(ats, a -> false)
      ELSE list_reduce(
        list_transform(ats, a -> {t: a, times: []::BIGINT[], merged: []::BOOLEAN[]}),
        (acc, x) -> CASE WHEN push_fits(x.t, acc.times, $max::INTEGER) THEN {t: x.t, times: list_append(acc.times, x.t), merged: list_append(acc.merged, false)}
          ELSE {t: x.t, times: acc.times, merged: list_append(acc.merged, true)} END,
        {t: 0::BIGINT, times: list_append(booked, d), merged: []::BOOLEAN[]}).merged
    END AS merged
  FROM guarded
)
SELECT credit_code, role, run_id, person_name, channel, recipient, taxpayer_name, called, n, items, d,
  -- Position in the digest, 0 for a message that goes alone.
  CASE WHEN simple THEN list_transform(merged, (m, i) -> CASE WHEN m THEN i - room + 1 ELSE 0 END)
    ELSE list_transform(merged, (m, i) -> CASE WHEN m THEN len(list_filter(merged[1:i], v -> v)) ELSE 0 END) END AS slots,
  len(list_filter(merged, v -> v)) AS in_digest
-- In no particular order: the outbox has no index that would take ids in faster in their order
-- (migration 008), and the sort took a third of this statement.
FROM merged;

-- @worded
-- The items about to be written that may carry words of their own: every near miss (what it lacks),
-- and the reliefs of policies with notices (what the company must mind, where a notice holds).
SELECT a.credit_code, e.id AS policy_id, CASE WHEN a.x.prio = 2 THEN 'nearMiss' ELSE 'relief' END AS kind
FROM (SELECT credit_code, unnest(items) AS x FROM push_plan_allocation) a JOIN push_plan_entry e ON e.e = a.x.e
WHERE a.x.prio = 2 OR e.noticed ORDER BY a.credit_code, e.id;

-- @lacking
-- The words of section worded's items, as the caller gave them ($lacking): one list per taxpayer and
-- policy (a taxpayer's item of a policy is a relief or a near miss, never both).
CREATE OR REPLACE TEMP TABLE push_plan_lacking AS
SELECT l.credit_code, e.e, l.lacking
FROM (SELECT unnest(from_json($lacking, '[{"credit_code":"VARCHAR","policy_id":"VARCHAR","lacking":["VARCHAR"]}]'), recursive := true)) l
JOIN push_plan_entry e ON e.id = l.policy_id;

-- @skip
UPDATE push_message SET status = 'skipped', last_error = 'superseded: the current match results (or the company''s people) no longer call for it'
WHERE status = 'planned' AND message_id IN (SELECT message_id FROM push_plan_superseded);

-- @new_rows
-- The batch's new rows, as a table macro that section insert and section revive both read (DuckDB
-- binds a macro's tables when it is called: made once, it reads each batch's working tables). No
-- text is written: a message's subject and body are rendered when it is sent or shown (message.ts
-- renderMessage), from what the row keeps: the names it is addressed to, the policy, benefit and
-- deadline, what a near miss lacks, a digest's items. A digest is built from its person's row, its
-- items already in order.
CREATE OR REPLACE TEMP MACRO push_plan_new(p_period, p_now) AS TABLE
WITH person AS (
  SELECT a.*, p_period || '.' || a.credit_code || '.' || a.role || '.' AS prefix, l.lacking, g.claims
  FROM push_plan_allocation a
  LEFT JOIN (SELECT credit_code, list({e: e, lacking: lacking}) AS lacking FROM push_plan_lacking GROUP BY credit_code) l ON l.credit_code = a.credit_code
  -- The group's claim a relief told less one is net of (section group_claims).
  LEFT JOIN (SELECT credit_code, list({e: e, g: g}) AS claims FROM push_plan_group_claim GROUP BY credit_code) g ON g.credit_code = a.credit_code
  WHERE a.n > 0
), single AS (
  SELECT p.*, unnest(p.items) AS x, unnest(p.slots) AS slot FROM person p
), single_row AS (
  SELECT s.prefix || getvariable('push_plan_keys')[push_key(s.x.e, s.x.prio = 2) + 1] AS message_id, s.*,
    CASE WHEN s.x.prio = 2 THEN 'nearMiss' ELSE 'relief' END AS kind, getvariable('push_plan_ids')[s.x.e + 1] AS policy_id, getvariable('push_plan_categories')[s.x.e + 1] AS category,
    CASE WHEN s.lacking IS NOT NULL THEN list_filter(s.lacking, l -> l.e = s.x.e)[1].lacking END AS lacks,
    CASE WHEN s.claims IS NOT NULL AND s.x.prio < 2 THEN list_filter(s.claims, c -> c.e = s.x.e)[1].g END AS group_claimed
  FROM single s
  -- A digest of one would be a single message under another name: it goes alone in the digest's slot.
  WHERE s.slot = 0 OR s.in_digest = 1
), digest AS (
  SELECT p.*, list_filter(p.items, (x, i) -> p.slots[i] > 0) AS merged FROM person p WHERE p.in_digest > 1
), keyed AS (
  SELECT d.*, list_transform(d.merged, x -> push_key(x.e, x.prio = 2)) AS keys FROM digest d
), named AS (
  -- Its items' ids without the prefix the row carries (period, taxpayer, role), kind.policy, and its
  -- name, once per list of items: the 380,000 digests of a batch of 250,000 taxpayers hold a few
  -- hundred lists, which took 0.8 s a batch to hash and write out digest by digest.
  -- Named by what it holds: the same items give the same digest (message.ts digestSubject). The hash
  -- is of the items as the row keeps them, without the prefix the id carries anyway.
  SELECT keys, array_to_string(list_transform(keys, k -> getvariable('push_plan_keys')[k + 1]), ',') AS ids,
    'digest.digest-' || left(sha256(array_to_string(list_transform(list_sort(list_transform(keys, k -> getvariable('push_plan_key_place')[k + 1])),
      i -> getvariable('push_plan_keys_sorted')[i]), chr(10))), 16) AS name
  FROM (SELECT DISTINCT keys FROM keyed)
), digest_id AS (
  SELECT d.*, n.ids, d.prefix || n.name AS message_id,
    getvariable('push_plan_category_sets')[list_aggregate(list_transform(d.merged, x -> getvariable('push_plan_category_bit')[x.e + 1]), 'bit_or') + 1] AS category,
    -- What each line of the digest says besides its item's id (message.ts DigestItem), in the items' order.
    -- What a line lacks or is net of is looked up only in a digest that has any.
    CASE WHEN d.lacking IS NULL AND d.claims IS NULL
      THEN to_json(list_transform(d.merged, x -> {benefit: x.b::DECIMAL(18,2)::VARCHAR, deadline: x.dl::VARCHAR, lacking: NULL::VARCHAR[], group_claimed: NULL::VARCHAR}))
      ELSE to_json(list_transform(d.merged, x -> {benefit: x.b::DECIMAL(18,2)::VARCHAR, deadline: x.dl::VARCHAR,
        lacking: CASE WHEN d.lacking IS NOT NULL THEN list_filter(d.lacking, l -> l.e = x.e)[1].lacking END,
        group_claimed: CASE WHEN d.claims IS NOT NULL AND x.prio < 2 THEN list_filter(d.claims, c -> c.e = x.e)[1].g END::DECIMAL(18,2)::VARCHAR}))
    END::VARCHAR AS digest_items
  FROM keyed d JOIN named n ON n.keys = d.keys
), new_row AS (
  SELECT message_id, credit_code, role, kind, policy_id, NULL AS items, category, run_id, x.b AS benefit, group_claimed, x.dl AS deadline,
    channel, recipient, person_name, taxpayer_name, to_json(lacks)::VARCHAR AS lacking, NULL AS digest_items, CASE WHEN slot > 0 THEN d ELSE x.ms END AS send_ms
  FROM single_row
  UNION ALL
  SELECT message_id, credit_code, role, 'digest', NULL, ids, category, run_id,
    list_sum(list_transform(merged, x -> CASE WHEN x.prio < 2 THEN x.b END)), NULL, list_min(list_transform(merged, x -> x.dl)), channel, recipient,
    person_name, taxpayer_name, NULL, digest_items, d
  FROM digest_id
)
SELECT message_id, credit_code, role, kind, p_period AS period, policy_id, items, category, run_id, benefit::DECIMAL(18,2) AS benefit,
  group_claimed::DECIMAL(18,2) AS group_claimed, deadline, channel, recipient, person_name, taxpayer_name, lacking, digest_items, 'planned' AS status, make_timestamp(send_ms * 1000) AS scheduled_at, 0 AS attempts, p_now AS created_at
FROM new_row;


-- @insert
-- The batch's new rows in one INSERT. An id already in the outbox, in any status (push_plan_taken),
-- is not inserted again: the anti-join does what ON CONFLICT DO NOTHING would, without DuckDB's MERGE
-- (which costs more than the insert). A skipped one comes back in section revive.
INSERT INTO push_message BY NAME
SELECT * FROM push_plan_new($period, $now::TIMESTAMP) WHERE message_id NOT IN (SELECT message_id FROM push_plan_taken);

-- @revive
-- A message skipped (now, or by an earlier plan) and called for again under the same id: its row
-- comes back, planned, with what the current results say. It was never delivered (only a planned
-- message is skipped), so telling it now is no second time; its attempts stay on record. Run only
-- when the batch's outbox holds such a row (section revivable), as it reads the new rows again.
UPDATE push_message SET kind = n.kind, policy_id = n.policy_id, items = n.items, category = n.category, run_id = n.run_id, benefit = n.benefit,
  group_claimed = n.group_claimed, deadline = n.deadline, channel = n.channel, recipient = n.recipient, person_name = n.person_name, taxpayer_name = n.taxpayer_name,
  lacking = n.lacking, digest_items = n.digest_items, subject = NULL, body = NULL, status = 'planned', scheduled_at = n.scheduled_at,
  next_attempt_at = NULL, last_error = NULL
FROM (SELECT * FROM push_plan_new($period, $now::TIMESTAMP) WHERE message_id IN (SELECT message_id FROM push_plan_taken)) n
WHERE push_message.message_id = n.message_id AND push_message.status = 'skipped';

-- @revivable
-- Does the batch's outbox hold a row section revive could bring back: skipped before this plan, or now?
SELECT count(*) AS n FROM push_plan_taken
WHERE status = 'skipped' OR message_id IN (SELECT message_id FROM push_plan_superseded);

-- @report
-- The new rows by channel and kind (a digest is one row), and what the candidates came to.
SELECT channel,
  sum(len(list_filter(items, (x, i) -> x.prio < 2 AND (slots[i] = 0 OR in_digest = 1)))) AS relief,
  sum(len(list_filter(items, (x, i) -> x.prio = 2 AND (slots[i] = 0 OR in_digest = 1)))) AS near_miss,
  count(*) FILTER (WHERE in_digest > 1) AS digest,
  sum(in_digest) FILTER (WHERE in_digest > 1) AS merged,
  sum(called) AS candidates, sum(called - n) AS already_planned
FROM push_plan_allocation GROUP BY channel;

-- @without_person
SELECT coalesce(sum(len(items)), 0) AS without_person FROM push_plan_candidate WHERE person_name IS NULL;
