-- PostgreSQL form of ../plan.sql: the same sections, parameters, decisions and rows
-- (test/push.test.ts holds both to the message-by-message model). It differs only where the engines
-- do, and src/push/README.md says how:
--   - DuckDB's lists of structs are rows here: a person's candidates are one row per message (`i` its
--     place in the person's order), and the allocation keeps a person's new messages in parallel
--     arrays (prios, es, dls, bs, ats, slots), unnested WITH ORDINALITY where the rows are written;
--   - the macros are functions in pg_temp (called as pg_temp.name: PostgreSQL does not look up
--     functions there by itself), and list_reduce, which carries the booked times from one message
--     to the next for the rare person whose times lie a week or more apart, is a PL/pgSQL loop;
--   - temp tables are created without OR REPLACE (plan.ts drops them first), text that is sorted is
--     COLLATE "C" (byte order, as DuckDB sorts), dates are written with to_char (whatever DateStyle),
--     and a local millisecond becomes a TIMESTAMP as 'epoch' plus that many milliseconds (exact);
--   - parameters carry casts, so PostgreSQL gives each one type.

-- @macros
-- The earliest moment at or after ms inside the sending hours and outside the person's quiet hours:
-- wait[h + 1] is how many hours someone must wait from local hour h (0: may be reached now).
CREATE OR REPLACE FUNCTION pg_temp.push_next_delivery(ms BIGINT, wait INTEGER[]) RETURNS BIGINT LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN wait[(ms / 3600000 % 24 + 1)::INTEGER] = 0 THEN ms ELSE (ms / 3600000 + wait[(ms / 3600000 % 24 + 1)::INTEGER]) * 3600000 END
$$;
-- Does one more message at t keep every 7-day window of times at most mx? Only the windows starting
-- at t or at a time up to 7 days before it can take t in, so only those are counted.
CREATE OR REPLACE FUNCTION pg_temp.push_fits(t BIGINT, times BIGINT[], mx INTEGER) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
  SELECT NOT EXISTS (
    SELECT 1 FROM (SELECT t AS s UNION ALL SELECT b FROM unnest(times) AS b WHERE b > t - 604800000 AND b <= t) w
    WHERE (SELECT count(*) FROM unnest(times) AS b WHERE b >= w.s AND b < w.s + 604800000) + 1 > mx)
$$;
-- Who a person of company_person is, beyond the role: the name with the mobile number, or with the
-- e-mail address where there is no mobile; NULL with neither (then nobody else). ../person.ts and
-- ../plan.sql's macro push_person_key say the same.
CREATE OR REPLACE FUNCTION pg_temp.push_person_key(name TEXT, mobile TEXT, email TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN coalesce(mobile, '') <> '' THEN name || chr(10) || 'm:' || mobile WHEN coalesce(email, '') <> '' THEN name || chr(10) || 'e:' || email END
$$;
-- The rare person (booked and new times a week or more apart, or a week already full), message by
-- message as ../plan.sql's list_reduce does: how many go alone before the first that does not fit;
-- if not all, the digest's time d (the earliest time any new message should arrive, or else the
-- first moment the cap allows: that time or a booked one leaving the 7-day window, moved into the
-- person's hours), then each message alone if it fits beside the digest, else merged. slots[k] is
-- the message's place in the digest, 0 when it goes alone.
CREATE OR REPLACE FUNCTION pg_temp.push_allocate(ats BIGINT[], booked BIGINT[], mx INTEGER, wait INTEGER[], last_ms BIGINT, OUT d BIGINT, OUT slots INTEGER[])
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  n INTEGER := cardinality(ats);
  times BIGINT[] := booked;
  alone INTEGER := 0;
  earliest BIGINT;
  merged INTEGER := 0;
BEGIN
  FOR k IN 1..n LOOP
    EXIT WHEN NOT pg_temp.push_fits(ats[k], times, mx);
    times := times || ats[k];
    alone := alone + 1;
  END LOOP;
  SELECT min(a) INTO earliest FROM unnest(ats) AS a;
  slots := array_fill(0, ARRAY[n]);
  IF alone = n THEN
    d := earliest;
    RETURN;
  END IF;
  SELECT min(c.t) INTO d FROM (
    SELECT earliest AS t
    UNION ALL
    SELECT pg_temp.push_next_delivery(b + 604800000, wait) FROM unnest(booked) AS b WHERE b + 604800000 > earliest
  ) c WHERE pg_temp.push_fits(c.t, booked, mx);
  -- Never after the earliest deadline among the new messages (last_ms: the end of its day).
  IF d >= last_ms THEN
    d := earliest;
  END IF;
  times := booked || d;
  FOR k IN 1..n LOOP
    IF pg_temp.push_fits(ats[k], times, mx) THEN
      times := times || ats[k];
    ELSE
      merged := merged + 1;
      slots[k] := merged;
    END IF;
  END LOOP;
END
$$;

-- @entries
-- The catalogue's policies, numbered in the order of their ids (the planner's last sort key).
CREATE TEMP TABLE push_plan_entry AS
SELECT * FROM jsonb_to_recordset($entries::JSONB) AS x(e SMALLINT, id TEXT COLLATE "C", category TEXT COLLATE "C", tax_type TEXT COLLATE "C",
  relief TEXT[], major TEXT[], near_miss TEXT[], grp TEXT COLLATE "C", grp_rank INTEGER, codes TEXT[], noticed BOOLEAN, quiet BOOLEAN);

-- @claimed
-- Reliefs a taxpayer has claimed already in a return of the period, as ../plan.sql's section claimed.
CREATE TEMP TABLE push_plan_claimed AS
WITH code AS (
  SELECT id AS policy_id, unnest(codes) AS code FROM push_plan_entry
), annual AS (
  SELECT r.credit_code, c.policy_id, sum(r.amount) AS amount
  FROM filing_reduction r JOIN code c ON c.code = r.reduction_code
  WHERE r.tax_type = 'citAnnual' AND r.period_end BETWEEN $start::DATE AND $end::DATE AND ($only::TEXT IS NULL OR r.credit_code = $only::TEXT)
  GROUP BY 1, 2
), prepaid AS (
  SELECT r.credit_code, c.policy_id, sum(r.amount) AS amount
  FROM filing_reduction r JOIN code c ON c.code = r.reduction_code
  WHERE r.period_end BETWEEN $year_start::DATE AND $end::DATE AND r.tax_type <> 'citAnnual'
    AND EXISTS (SELECT 1 FROM annual a WHERE a.credit_code = r.credit_code AND a.policy_id = c.policy_id)
  GROUP BY 1, 2
)
SELECT credit_code, policy_id, sum(amount) AS amount FROM (
  SELECT r.credit_code, c.policy_id, r.amount
  FROM filing_reduction r JOIN code c ON c.code = r.reduction_code
  WHERE r.tax_type <> 'citAnnual' AND r.period_end BETWEEN $start::DATE AND $end::DATE AND ($only::TEXT IS NULL OR r.credit_code = $only::TEXT)
  UNION ALL
  SELECT a.credit_code, a.policy_id, greatest(a.amount - coalesce(p.amount, 0), 0)
  FROM annual a LEFT JOIN prepaid p ON p.credit_code = a.credit_code AND p.policy_id = a.policy_id
) k
GROUP BY 1, 2;

-- @lapsed
-- Reliefs of the period a later quarter of the year took back, as ../plan.sql's section lapsed.
CREATE TEMP TABLE push_plan_lapsed AS
SELECT credit_code, policy_id FROM ledger_entry
WHERE period = $period::TEXT AND status = 'lapsedInYear' AND ($only::TEXT IS NULL OR credit_code = $only::TEXT);

-- @told
-- Reliefs the taxpayer was told of in one of the three quarters before and has no message of in this
-- quarter (recent), and those it has one of in this quarter (standing), as ../plan.sql's section told.
CREATE TEMP TABLE push_plan_told AS
WITH m AS (
  SELECT credit_code, period, role, kind, policy_id, items, status FROM push_message
  WHERE period IN ($told_first::TEXT, $told_second::TEXT, $told_third::TEXT, $period::TEXT) AND kind IN ('relief', 'digest')
    AND $scoped::INTEGER = 0 AND ($only::TEXT IS NULL OR credit_code = $only::TEXT)
), item AS (
  SELECT credit_code, period, status, policy_id FROM m WHERE kind = 'relief'
  UNION ALL
  SELECT credit_code, period, status, CASE WHEN split_part(rest, '.', 1) = 'relief' THEN substr(rest, strpos(rest, '.') + 1) END AS policy_id
  FROM (
    SELECT credit_code, period, status, CASE WHEN left(item, length(prefix)) = prefix THEN substr(item, length(prefix) + 1) ELSE item END AS rest
    FROM (SELECT credit_code, period, status, period || '.' || credit_code || '.' || role || '.' AS prefix, unnest(string_to_array(items, ',')) AS item
          FROM m WHERE kind = 'digest') d
  ) r
)
-- Kept: only the rows that change a decision (as ../plan.sql says).
SELECT credit_code, policy_id, recent, standing FROM (
  SELECT i.credit_code, i.policy_id,
    bool_or(i.period <> $period::TEXT AND i.status IN ('planned', 'sending', 'sent')) AND NOT bool_or(i.period = $period::TEXT AND i.status <> 'skipped') AS recent,
    bool_or(i.period = $period::TEXT AND i.status <> 'skipped') AS standing, bool_or(e.quiet) AS quiet
  FROM item i JOIN push_plan_entry e ON e.id = i.policy_id
  GROUP BY 1, 2
) t WHERE recent OR (standing AND quiet);

-- @wait
-- Hours to wait from each local hour, per quiet-hours setting (a few dozen distinct ones). A person
-- whose quiet hours cover every sending hour is reached in the sending hours (time.ts).
CREATE TEMP TABLE push_plan_wait AS
WITH setting AS (SELECT DISTINCT quiet_from, quiet_to FROM company_person),
hour AS (
  SELECT quiet_from, quiet_to, h, h >= $from::INTEGER AND h < $to::INTEGER AS sending,
    h >= $from::INTEGER AND h < $to::INTEGER AND NOT (quiet_from <> quiet_to AND CASE WHEN quiet_from < quiet_to THEN h >= quiet_from AND h < quiet_to ELSE h >= quiet_from OR h < quiet_to END) AS calm
  FROM setting, generate_series(0, 23) AS r(h)
), ok AS (
  SELECT quiet_from, quiet_to, h, CASE WHEN bool_or(calm) OVER (PARTITION BY quiet_from, quiet_to) THEN calm ELSE sending END AS ok FROM hour
), wait AS (
  SELECT a.quiet_from, a.quiet_to, a.h, CASE WHEN a.ok THEN 0 ELSE min((b.h - a.h + 24) % 24) FILTER (WHERE b.ok) END AS wait
  FROM ok a JOIN ok b ON b.quiet_from = a.quiet_from AND b.quiet_to = a.quiet_to
  GROUP BY a.quiet_from, a.quiet_to, a.h, a.ok
)
SELECT quiet_from, quiet_to, array_agg(wait ORDER BY h) AS wait FROM wait GROUP BY quiet_from, quiet_to;

-- @current
-- push_plan_current is ../plan.sql's push_current, kept for the rows section below: for each
-- taxpayer the results of the latest run (highest run_id) for the period that covers it, a city run
-- or a re-match of that taxpayer alone; a campaign ($scoped = 1) keeps only the results in
-- push_plan_scope. Each row says whether it is not_stacked, as ../plan.sql's section not_stacked
-- decides (over every current result, before the campaign's scope). Joins rather than a correlated EXISTS inside an OR (which PostgreSQL would run
-- once per row) here and below.
CREATE TEMP TABLE push_plan_current AS
WITH single AS (
  SELECT scope AS credit_code, max(run_id) AS run_id FROM match_run WHERE period = $period::TEXT AND scope <> 'city' GROUP BY scope
), scope AS (
  SELECT DISTINCT credit_code, policy_id, status FROM push_plan_scope
), latest AS (
  SELECT pm.run_id, pm.credit_code, pm.policy_id, pm.status, pm.benefit, e.grp, e.grp_rank, coalesce(e.quiet, false) AS quiet, c.credit_code IS NOT NULL AS in_scope
  FROM policy_match pm LEFT JOIN single s ON s.credit_code = pm.credit_code
  LEFT JOIN push_plan_entry e ON e.id = pm.policy_id
  LEFT JOIN scope c ON c.credit_code = pm.credit_code AND c.policy_id = pm.policy_id AND c.status = pm.status
  WHERE pm.period = $period::TEXT AND pm.status IN ('matched', 'nearMiss') AND ($only::TEXT IS NULL OR pm.credit_code = $only::TEXT)
    AND pm.run_id = greatest(coalesce(s.run_id, -1), coalesce((SELECT max(run_id) FROM match_run WHERE period = $period::TEXT AND scope = 'city'), -1))
    -- Not a relief a later quarter of the year took back (the ledger's lapsedInYear), as ../plan.sql's push_current says.
    AND NOT EXISTS (SELECT 1 FROM push_plan_lapsed le WHERE le.credit_code = pm.credit_code AND le.policy_id = pm.policy_id)
), grouped AS (
  -- Reliefs that do not stack, decided before a campaign's scope, as ../plan.sql's section not_stacked does.
  SELECT l.credit_code, l.policy_id, l.grp, l.status, l.benefit, coalesce(l.benefit, -0.01) AS worth, coalesce(l.grp_rank, 2147483647) AS rank,
    coalesce(k.amount, 0) > 0 AS claimed
  FROM latest l LEFT JOIN push_plan_claimed k ON k.credit_code = l.credit_code AND k.policy_id = l.policy_id
  WHERE l.grp IS NOT NULL
), beaten AS (
  -- A relief claimed beats no other by its estimate (as ../plan.sql says).
  SELECT DISTINCT a.credit_code, a.policy_id
  FROM grouped a JOIN grouped b ON b.credit_code = a.credit_code AND b.grp = a.grp AND b.status = 'matched'
  WHERE (a.status = 'matched' AND NOT b.claimed AND (b.worth > a.worth OR (b.worth = a.worth AND (b.rank < a.rank OR (b.rank = a.rank AND b.policy_id < a.policy_id COLLATE "C")))))
    OR (a.status = 'nearMiss' AND (b.benefit >= a.benefit OR (a.benefit IS NULL AND b.benefit IS NULL AND b.rank < a.rank)))
), enjoyed AS (
  -- What the taxpayer claimed in the period of the reliefs of each group it matches: a matched relief
  -- of the group, itself unclaimed and not beaten, is told less that, or not at all when it adds nothing
  -- or has no estimate (as ../plan.sql's section not_stacked says; column told).
  SELECT g.credit_code, g.grp, sum(k.amount) AS amount
  FROM grouped g JOIN push_plan_claimed k ON k.credit_code = g.credit_code AND k.policy_id = g.policy_id
  WHERE g.status = 'matched'
  GROUP BY 1, 2
  HAVING sum(k.amount) > 0 -- claims of 0.00 or less enjoy nothing of the group (../plan.sql)
)
SELECT l.run_id, l.credit_code, l.policy_id, l.status, l.benefit,
  x.policy_id IS NOT NULL OR (l.status = 'matched' AND k.policy_id IS NULL AND j.amount IS NOT NULL AND coalesce(l.benefit <= j.amount, true)) AS not_stacked,
  l.status = 'matched' AND k.policy_id IS NOT NULL AS claimed,
  -- A relief without an estimate told in one of the three quarters before (section told).
  l.status = 'matched' AND l.benefit IS NULL AND coalesce(r.recent, false) AS told_recently,
  -- A relief told in other quarters of the year only (the catalogue's pushQuarters), as ../plan.sql says.
  l.status = 'matched' AND l.quiet AND NOT coalesce(r.standing, false) AS out_of_season,
  CASE WHEN l.status = 'matched' AND k.policy_id IS NULL AND j.amount IS NOT NULL THEN l.benefit - j.amount ELSE l.benefit END AS told,
  -- The group's claim the relief is told less, so that the message says what its amount is net of
  -- (none when it is 0.00, as ../plan.sql says).
  CASE WHEN l.status = 'matched' AND k.policy_id IS NULL AND j.amount > 0 THEN j.amount END AS group_claimed
FROM latest l LEFT JOIN beaten x ON x.credit_code = l.credit_code AND x.policy_id = l.policy_id
LEFT JOIN push_plan_claimed k ON k.credit_code = l.credit_code AND k.policy_id = l.policy_id
LEFT JOIN enjoyed j ON j.credit_code = l.credit_code AND j.grp = l.grp
LEFT JOIN push_plan_told r ON r.credit_code = l.credit_code AND r.policy_id = l.policy_id
WHERE $scoped::INTEGER = 0 OR l.in_scope;

-- @taxpayers
-- The taxpayers to plan for: those with current results and those with messages of the period in
-- the outbox (which may have to be skipped), numbered so that batches of them can be taken in turn
-- (a range of numbers: whole taxpayers). Per taxpayer also what the report counts.
CREATE TEMP TABLE push_plan_taxpayer AS
WITH current AS (SELECT * FROM push_plan_current), per AS (
  SELECT c.credit_code, max(c.run_id) AS run_id, count(*) FILTER (WHERE e.id IS NOT NULL) AS results,
    count(*) FILTER (WHERE e.id IS NULL) AS not_in_catalogue,
    -- A relief claimed is counted so, whatever its group says (the company has it).
    count(*) FILTER (WHERE e.id IS NOT NULL AND c.not_stacked AND NOT c.claimed) AS not_stacked,
    count(*) FILTER (WHERE e.id IS NOT NULL AND c.claimed) AS claimed,
    count(*) FILTER (WHERE e.id IS NOT NULL AND NOT c.not_stacked AND NOT c.claimed AND c.benefit <= 0) AS nothing_to_claim,
    count(*) FILTER (WHERE e.id IS NOT NULL AND NOT c.not_stacked AND NOT c.claimed AND c.told_recently) AS told_recently,
    count(*) FILTER (WHERE e.id IS NOT NULL AND c.out_of_season AND NOT c.not_stacked AND NOT c.claimed AND NOT coalesce(c.benefit <= 0, false)
      AND NOT c.told_recently) AS out_of_season
  FROM current c LEFT JOIN push_plan_entry e ON e.id = c.policy_id
  GROUP BY c.credit_code
), everyone AS (
  SELECT credit_code FROM per
  UNION
  SELECT credit_code FROM push_message WHERE period = $period::TEXT AND status <> 'skipped' AND ($only::TEXT IS NULL OR credit_code = $only::TEXT)
), named AS (
  SELECT credit_code, min(name) AS name FROM taxpayer WHERE credit_code IN (SELECT credit_code FROM everyone) GROUP BY credit_code
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
-- n: the messages of the period that count (not skipped); stored: every row of the period, skipped ones included.
SELECT count(*) FILTER (WHERE status <> 'skipped') AS n, count(*) AS stored
FROM push_message WHERE period = $period::TEXT AND ($only::TEXT IS NULL OR credit_code = $only::TEXT);

-- @noticed_planned
-- Planned, not yet tried, telling of a near miss or of a relief of a policy with notices, as ../plan.sql's section noticed_planned.
SELECT message_id, period, credit_code, role, kind, policy_id, items, lacking, digest_items FROM push_message
WHERE period = $period::TEXT AND status = 'planned' AND attempts = 0 AND subject IS NULL AND ($only::TEXT IS NULL OR credit_code = $only::TEXT)
  AND (kind = 'nearMiss' OR (kind = 'relief' AND policy_id IN (SELECT id FROM push_plan_entry WHERE noticed))
    OR (kind = 'digest' AND (position('nearMiss.' IN items) > 0
      OR EXISTS (SELECT 1 FROM push_plan_entry e WHERE e.noticed AND position('relief.' || e.id IN items) > 0))))
ORDER BY message_id;

-- @called_now
-- Of the items noticed_planned's messages may tell, those the current results call for, and as what,
-- as ../plan.sql's section called_now.
SELECT t.credit_code, e.id AS policy_id, CASE WHEN r.prio = 2 THEN 'nearMiss' ELSE 'relief' END AS kind
FROM push_plan_row r JOIN push_plan_taxpayer t ON t.tp = r.tp JOIN push_plan_entry e ON e.e = r.e
WHERE r.prio = 2 OR e.noticed;

-- @renotice
-- The rows of section noticed_planned whose words changed, as plan.ts wrote them again ($renoticed).
UPDATE push_message SET lacking = v.lacking, digest_items = v.digest_items
FROM jsonb_to_recordset($renoticed::JSONB) AS v(message_id TEXT COLLATE "C", lacking TEXT, digest_items TEXT)
WHERE push_message.message_id = v.message_id AND push_message.status = 'planned' AND push_message.attempts = 0;

-- @rows
-- Every result that calls for messages, one narrow row each (the taxpayer by number): the big tables
-- are read once, and each batch then takes its rows from here. prio 0 is a major relief, 1 a relief,
-- 2 a near miss; nb is the benefit in fen negated (unknown: as -0.01 yuan).
CREATE TEMP TABLE push_plan_row AS
WITH current AS (SELECT * FROM push_plan_current), due AS (
  -- An IIT relief is claimed on the IIT return due first: the withholding one or the business-income one.
  SELECT credit_code, CASE WHEN tax_type = 'iitBusiness' THEN 'iit' ELSE tax_type END AS tax_type, min(due_date) AS due FROM filing
  WHERE period_end = $end::DATE AND period_start >= $start::DATE AND ($only::TEXT IS NULL OR credit_code = $only::TEXT)
  GROUP BY 1, 2
)
SELECT t.tp, (CASE WHEN c.status = 'nearMiss' THEN 2 WHEN c.told * 100 >= $major_fen::BIGINT THEN 0 ELSE 1 END)::SMALLINT AS prio,
  coalesce(-(c.told * 100)::BIGINT, 1) AS nb, e.e, coalesce(d.due, $default_deadline::DATE) AS dl, c.told AS b, c.group_claimed AS g
FROM current c
JOIN push_plan_entry e ON e.id = c.policy_id
JOIN push_plan_taxpayer t ON t.credit_code = c.credit_code
LEFT JOIN due d ON d.credit_code = c.credit_code AND d.tax_type = e.tax_type
-- A relief worth nothing this period would only teach people to ignore us; an unknown one may be worth something.
WHERE (c.told IS NULL OR c.told > 0) AND NOT c.not_stacked AND NOT c.claimed AND NOT c.told_recently AND NOT c.out_of_season
ORDER BY t.tp;

-- @persons
-- The person of each role of each taxpayer: the first by name (then e-mail, mobile, channel, quiet
-- hours, missing ones last, as DuckDB's window orders them), as company_person has no key that says which
-- one. The preferred channel when its address is known, else the in-app inbox (SMS falls back to the
-- inbox when sending). A person holding several roles of the taxpayer (the same name with the same
-- mobile, or e-mail where there is no mobile) hears as the first of them (lead), in the order of the
-- roles the catalogue names, as ../plan.sql's section persons explains.
CREATE TEMP TABLE push_plan_person AS
WITH first AS (
  SELECT DISTINCT ON (t.tp, p.role) t.tp, p.credit_code, p.role, p.name, p.email, p.mobile, p.preferred_channel AS channel, p.quiet_from, p.quiet_to
  FROM company_person p JOIN push_plan_taxpayer t ON t.credit_code = p.credit_code
  ORDER BY t.tp, p.role, p.name, p.email NULLS LAST, p.mobile NULLS LAST, p.preferred_channel, p.quiet_from, p.quiet_to
), named AS (
  SELECT DISTINCT unnest(major || relief || near_miss) COLLATE "C" AS role FROM push_plan_entry
), person AS (
  SELECT f.*, first_value(f.role) OVER (
      PARTITION BY f.tp, coalesce(pg_temp.push_person_key(f.name, f.mobile, f.email), f.role)
      ORDER BY f.role NOT IN (SELECT role FROM named), f.role COLLATE "C") AS lead
  FROM first f
)
SELECT f.tp, f.role, f.name,
  CASE WHEN f.channel = 'email' AND coalesce(f.email, '') <> '' THEN 'email' WHEN f.channel = 'sms' AND coalesce(f.mobile, '') <> '' THEN 'sms' ELSE 'inApp' END AS channel,
  CASE WHEN f.channel = 'email' AND coalesce(f.email, '') <> '' THEN f.email WHEN f.channel = 'sms' AND coalesce(f.mobile, '') <> '' THEN f.mobile
    ELSE 'inbox:' || f.credit_code || '/' || f.role END AS recipient,
  w.wait, f.lead
FROM person f LEFT JOIN push_plan_wait w ON w.quiet_from = f.quiet_from AND w.quiet_to = f.quiet_to
ORDER BY f.tp;

-- @candidates
-- One row per message the results of the batch call for, with its person (NULL when the taxpayer
-- has nobody in that role) and its place i in the person's order: most important first (major
-- reliefs, then larger benefits, near misses last, then by policy id). A message of a role folded into
-- another of the same person (section persons) goes to that person once, as its lead role: distinct
-- by the row (ctid), so that a result stored twice still makes two rows, refused as one id twice.
CREATE TEMP TABLE push_plan_candidate AS
WITH called AS (
  SELECT DISTINCT r.ctid, r.tp, coalesce(p.lead, u.role) AS role, r.prio, r.nb, r.e, r.dl, r.b, r.g
  FROM push_plan_row r JOIN push_plan_entry e ON e.e = r.e
  CROSS JOIN LATERAL unnest(CASE r.prio WHEN 0 THEN e.major WHEN 1 THEN e.relief ELSE e.near_miss END) AS u(role)
  LEFT JOIN push_plan_person p ON p.tp = r.tp AND p.role = u.role
  WHERE r.tp >= $lo::INTEGER AND r.tp < $hi::INTEGER
)
SELECT t.credit_code, c.role COLLATE "C" AS role, t.run_id, row_number() OVER (PARTITION BY c.tp, c.role ORDER BY c.prio, c.nb, c.e, c.dl, c.b)::INTEGER AS i,
  c.prio, c.nb, c.e, c.dl, c.b, c.g, p.name AS person_name, p.channel, p.recipient, p.wait, t.name AS taxpayer_name
FROM called c
JOIN push_plan_taxpayer t ON t.tp = c.tp
LEFT JOIN push_plan_person p ON p.tp = c.tp AND p.role = c.role;

-- @existing
-- The period's outbox, one row per message id it stands for (a digest for each of its items), with
-- the key of that id among the person's candidates: entry number × 2, + 1 for a near miss.
-- regexp_split_to_array, as DuckDB's string_split, makes '' one empty item (string_to_array: none).
CREATE TEMP TABLE push_plan_existing AS
WITH m AS (
  SELECT pm.message_id, pm.credit_code, pm.role, pm.kind, pm.status, pm.attempts, pm.person_name, pm.channel, pm.recipient, pm.taxpayer_name,
    x.id, (x.line ->> 'benefit')::NUMERIC(18,2) AS benefit, (x.line ->> 'deadline')::DATE AS deadline,
    (x.line ->> 'group_claimed')::NUMERIC(18,2) AS group_claimed, x.line IS NOT NULL AS known,
    $period::TEXT || '.' || pm.credit_code || '.' || pm.role || '.' AS prefix
  FROM push_message pm
  -- Each item beside what it says (benefit, deadline, group claim), as ../plan.sql's section existing.
  CROSS JOIN LATERAL unnest(CASE WHEN pm.kind = 'digest' THEN regexp_split_to_array(pm.items, ',') ELSE ARRAY[pm.message_id] END,
    CASE WHEN pm.kind = 'digest' THEN ARRAY(SELECT jsonb_array_elements(pm.digest_items::JSONB))
      ELSE ARRAY[jsonb_build_object('benefit', pm.benefit::TEXT, 'deadline', pm.deadline::TEXT, 'group_claimed', pm.group_claimed::TEXT)] END) AS x(id, line)
  WHERE pm.period = $period::TEXT AND pm.status <> 'skipped'
    AND pm.credit_code IN (SELECT credit_code FROM push_plan_taxpayer WHERE tp >= $lo::INTEGER AND tp < $hi::INTEGER)
), rest AS (
  -- A digest's items are kept without the prefix the row carries (rows planned before that: with it).
  SELECT *, CASE WHEN left(id, length(prefix)) = prefix THEN substr(id, length(prefix) + 1) WHEN kind = 'digest' THEN id END AS rest FROM m
), parsed AS (
  SELECT *, split_part(rest, '.', 1) AS item_kind,
    CASE WHEN split_part(rest, '.', 1) IN ('relief', 'nearMiss') THEN substr(rest, strpos(rest, '.') + 1) END AS policy_id
  FROM rest
)
-- Joined on the policy id alone, as DuckDB's file does.
SELECT p.message_id, p.credit_code, p.role, p.status, e.e * 2 + (p.item_kind = 'nearMiss')::INTEGER AS key,
  p.attempts, p.person_name, p.channel, p.recipient, p.taxpayer_name, p.benefit, p.deadline, p.group_claimed, p.known
FROM parsed p LEFT JOIN push_plan_entry e ON e.id = p.policy_id;

-- @superseded
-- Planned messages the current results no longer call for, and those not yet tried whose words would
-- now differ, as ../plan.sql's section superseded decides.
CREATE TEMP TABLE push_plan_superseded AS
WITH called AS (
  SELECT credit_code, role, e * 2 + (prio = 2)::INTEGER AS key, b, dl, g, person_name, channel, recipient, taxpayer_name
  FROM push_plan_candidate WHERE person_name IS NOT NULL
), covered AS (
  SELECT DISTINCT scope AS credit_code FROM match_run WHERE period = $period::TEXT
)
SELECT m.message_id
FROM push_plan_existing m
LEFT JOIN called k ON k.credit_code = m.credit_code AND k.role = m.role AND k.key = m.key
LEFT JOIN covered r ON r.credit_code = m.credit_code
WHERE m.status = 'planned' AND (EXISTS (SELECT 1 FROM covered WHERE credit_code = 'city') OR r.credit_code IS NOT NULL)
GROUP BY m.message_id
HAVING bool_or(m.key IS NULL OR k.key IS NULL
  OR (m.attempts = 0 AND (m.person_name IS DISTINCT FROM k.person_name OR m.channel IS DISTINCT FROM k.channel OR m.recipient IS DISTINCT FROM k.recipient
    OR m.taxpayer_name IS DISTINCT FROM k.taxpayer_name OR (m.known AND (m.benefit IS DISTINCT FROM k.b OR m.deadline IS DISTINCT FROM k.dl
      OR m.group_claimed IS DISTINCT FROM k.g)))));

-- @handled
-- What is in the outbox already, as itself or inside a digest, per person: not planned again; a person
-- holding several roles has what any of them was told, under the role it hears as (../plan.sql).
CREATE TEMP TABLE push_plan_handled AS
SELECT DISTINCT m.credit_code, coalesce(p.lead, m.role) AS role, m.key
FROM push_plan_existing m JOIN push_plan_taxpayer t ON t.credit_code = m.credit_code
LEFT JOIN push_plan_person p ON p.tp = t.tp AND p.role = m.role
WHERE m.key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM push_plan_superseded s WHERE s.message_id = m.message_id);

-- @nothing_planned
-- The period has nothing in the outbox yet: nothing to skip, nothing planned already.
CREATE TEMP TABLE push_plan_superseded (message_id TEXT COLLATE "C");
CREATE TEMP TABLE push_plan_handled (credit_code TEXT COLLATE "C", role TEXT COLLATE "C", key INTEGER);

-- @booked_all
-- What counts for the cap: messages planned, in flight or sent to the person, for any period, at the
-- moment they reached (or will reach) the person, in local milliseconds (truncated, as DuckDB's
-- epoch_ms). Read before the first batch writes, so each batch need not read its predecessors' messages.
CREATE TEMP TABLE push_plan_booked_all AS
SELECT t.tp, m.message_id, m.credit_code, m.role, trunc(extract(epoch FROM coalesce(m.sent_at, m.next_attempt_at, m.scheduled_at)) * 1000)::BIGINT AS ms
FROM push_message m JOIN push_plan_taxpayer t ON t.credit_code = m.credit_code
WHERE m.status IN ('planned', 'sending', 'sent') AND coalesce(m.sent_at, m.next_attempt_at, m.scheduled_at) > $now::TIMESTAMP - INTERVAL '7 days';

-- @booked
-- The batch's booked times per person, but for messages about to be skipped: a person holding several
-- roles (section persons) counts what any of them was sent, under the role it hears as.
CREATE TEMP TABLE push_plan_booked AS
SELECT b.credit_code, coalesce(p.lead, b.role) AS role, array_agg(b.ms) AS times, min(b.ms) AS first_at, max(b.ms) AS last_at
FROM push_plan_booked_all b LEFT JOIN push_plan_person p ON p.tp = b.tp AND p.role = b.role
WHERE b.tp >= $lo::INTEGER AND b.tp < $hi::INTEGER AND NOT EXISTS (SELECT 1 FROM push_plan_superseded s WHERE s.message_id = b.message_id)
GROUP BY b.credit_code, coalesce(p.lead, b.role);

-- @allocate
-- Each person's new messages under the frequency cap ($max in any 7 days), as ../plan.sql decides:
-- when the booked and new times lie within less than 7 days and fewer than $max are booked (nearly
-- everyone), fitting is counting (k = $max - booked go alone if that is all of them, else the first
-- k - 1 go alone and the rest into a digest at the earliest time); anyone else goes through
-- pg_temp.push_allocate, message by message. One row per person, the new messages in parallel
-- arrays in the person's order; slots[k] is the message's place in the digest, 0 when it goes alone.
CREATE TEMP TABLE push_plan_allocation AS
WITH candidate AS (
  -- fresh: not in the outbox already. ms: leadDays before the deadline at the start of the sending
  -- hours, never before now, then into the person's hours.
  SELECT c.*, h.key IS NULL AS fresh,
    pg_temp.push_next_delivery(greatest($now_ms::BIGINT, (c.dl - DATE '1970-01-01')::BIGINT * 86400000 - $lead_ms::BIGINT), c.wait) AS ms
  FROM push_plan_candidate c
  LEFT JOIN push_plan_handled h ON h.credit_code = c.credit_code AND h.role = c.role AND h.key = c.e * 2 + (c.prio = 2)::INTEGER
  WHERE c.person_name IS NOT NULL
), person AS (
  -- The person's columns are the same on each of its rows.
  SELECT credit_code, role, min(run_id) AS run_id, min(person_name) AS person_name, min(channel) AS channel, min(recipient) AS recipient,
    min(taxpayer_name) AS taxpayer_name, min(wait) AS wait, count(*)::INTEGER AS called, count(*) FILTER (WHERE fresh)::INTEGER AS n,
    coalesce(array_agg(prio ORDER BY i) FILTER (WHERE fresh), '{}') AS prios, coalesce(array_agg(e ORDER BY i) FILTER (WHERE fresh), '{}') AS es,
    coalesce(array_agg(dl ORDER BY i) FILTER (WHERE fresh), '{}') AS dls, coalesce(array_agg(b ORDER BY i) FILTER (WHERE fresh), '{}') AS bs,
    coalesce(array_agg(g ORDER BY i) FILTER (WHERE fresh), '{}') AS gs,
    coalesce(array_agg(ms ORDER BY i) FILTER (WHERE fresh), '{}') AS ats, min(ms) FILTER (WHERE fresh) AS first_at, max(ms) FILTER (WHERE fresh) AS last_at
  FROM candidate GROUP BY credit_code, role
), shaped AS (
  SELECT p.*, coalesce(b.times, '{}') AS booked, $max::INTEGER - coalesce(cardinality(b.times), 0) AS room,
    coalesce(cardinality(b.times), 0) < $max::INTEGER AND greatest(p.last_at, b.last_at) - least(p.first_at, b.first_at) < 604800000 AS simple
  FROM person p LEFT JOIN push_plan_booked b ON b.credit_code = p.credit_code AND b.role = p.role
), placed AS (
  SELECT s.*,
    CASE WHEN s.n = 0 THEN NULL WHEN s.simple THEN s.first_at ELSE a.d END AS d,
    CASE WHEN s.n = 0 THEN '{}'::INTEGER[]
      WHEN s.simple THEN ARRAY(SELECT CASE WHEN s.n > s.room AND k >= s.room THEN k - s.room + 1 ELSE 0 END FROM generate_series(1, s.n) AS k ORDER BY k)
      ELSE a.slots END AS slots
  FROM shaped s
  -- OFFSET 0 keeps the condition inside: the loop runs for the rare persons only.
  LEFT JOIN LATERAL (
    SELECT * FROM pg_temp.push_allocate(s.ats, s.booked, $max::INTEGER, s.wait, ((SELECT min(x) FROM unnest(s.dls) AS x) - DATE '1970-01-01' + 1)::BIGINT * 86400000)
    WHERE s.n > 0 AND NOT s.simple OFFSET 0
  ) a ON true
)
SELECT credit_code, role, run_id, person_name, channel, recipient, taxpayer_name, called, n, prios, es, dls, bs, gs, ats, d, slots,
  (SELECT count(*) FROM unnest(slots) AS x WHERE x > 0)::INTEGER AS in_digest
FROM placed ORDER BY credit_code, role;

-- @worded
-- Every near miss and the reliefs of policies with notices, as ../plan.sql's section worded.
SELECT a.credit_code, en.id AS policy_id, CASE WHEN x.prio = 2 THEN 'nearMiss' ELSE 'relief' END AS kind
FROM push_plan_allocation a CROSS JOIN LATERAL unnest(a.prios, a.es) AS x(prio, e) JOIN push_plan_entry en ON en.e = x.e
WHERE x.prio = 2 OR en.noticed ORDER BY a.credit_code, en.id;

-- @lacking
-- One list per near miss (DuckDB takes the first of the taxpayer's list for the entry; they are equal).
CREATE TEMP TABLE push_plan_lacking AS
SELECT DISTINCT ON (l.credit_code, e.e) l.credit_code, e.e, l.lacking
FROM jsonb_to_recordset($lacking::JSONB) AS l(credit_code TEXT COLLATE "C", policy_id TEXT COLLATE "C", lacking TEXT[])
JOIN push_plan_entry e ON e.id = l.policy_id
ORDER BY l.credit_code, e.e;

-- @skip
UPDATE push_message SET status = 'skipped', last_error = 'superseded: the current match results (or the company''s people) no longer call for it'
WHERE status = 'planned' AND message_id IN (SELECT message_id FROM push_plan_superseded);

-- @insert
-- The batch's new rows in one INSERT, without texts: a row keeps what its words are made of, and
-- message.ts renders them when the message is sent or shown. The JSON of `lacking` and
-- `digest_items` is written as DuckDB's to_json writes it (compact, keys in the struct's order), so
-- both engines store the same text.
-- A digest is built from the merged messages of its person's row, in their order: a message's slot
-- is its number in the digest.
INSERT INTO push_message (message_id, credit_code, role, kind, period, policy_id, items, category, run_id, benefit, group_claimed, deadline, channel, recipient,
  person_name, taxpayer_name, lacking, digest_items, status, scheduled_at, attempts, created_at)
WITH person AS (
  SELECT a.*, $period::TEXT || '.' || a.credit_code || '.' || a.role || '.' AS prefix
  FROM push_plan_allocation a
  WHERE a.n > 0
), item AS (
  SELECT p.credit_code, p.role, p.run_id, p.channel, p.recipient, p.person_name, p.taxpayer_name, p.prefix, p.d, p.in_digest,
    x.k, x.prio, x.dl, x.b, x.g, x.ms, x.slot, CASE WHEN x.prio = 2 THEN 'nearMiss' ELSE 'relief' END AS kind, en.id AS policy_id, en.category,
    -- What a near miss lacks, or a relief's notices, as to_json writes a list of strings.
    CASE WHEN l.lacking IS NOT NULL
      THEN '[' || coalesce((SELECT string_agg(to_json(u.t)::TEXT, ',' ORDER BY u.o) FROM unnest(l.lacking) WITH ORDINALITY AS u(t, o)), '') || ']' END AS lacks
  FROM person p
  CROSS JOIN LATERAL unnest(p.prios, p.es, p.dls, p.bs, p.gs, p.ats, p.slots) WITH ORDINALITY AS x(prio, e, dl, b, g, ms, slot, k)
  JOIN push_plan_entry en ON en.e = x.e
  LEFT JOIN push_plan_lacking l ON l.credit_code = p.credit_code AND l.e = x.e
), single_row AS (
  SELECT i.*, i.prefix || i.kind || '.' || i.policy_id AS message_id FROM item i
  -- A digest of one would be a single message under another name: it goes alone in the digest's slot.
  WHERE i.slot = 0 OR i.in_digest = 1
), digest_row AS (
  SELECT credit_code, role, run_id, channel, recipient, person_name, taxpayer_name, prefix, d,
    -- Its items' ids without the prefix the row carries (period, taxpayer, role): kind.policy.
    string_agg(kind || '.' || policy_id, ',' ORDER BY k) AS items,
    -- Named by what it holds: the same items give the same digest (message.ts digestSubject). The hash
    -- is of the items as the row keeps them, without the prefix the id carries anyway.
    string_agg(kind || '.' || policy_id, chr(10) ORDER BY (kind || '.' || policy_id) COLLATE "C") AS sorted_ids,
    string_agg(DISTINCT category, ',' ORDER BY category) AS category,
    -- What each line of the digest says besides its item's id (message.ts DigestItem), in the items' order, as
    -- to_json writes a list of structs.
    '[' || string_agg('{"benefit":' || coalesce(to_json(b::NUMERIC(18,2)::TEXT)::TEXT, 'null') || ',"deadline":' || to_json(to_char(dl, 'YYYY-MM-DD'))::TEXT
      || ',"lacking":' || coalesce(lacks, 'null') || ',"group_claimed":' || coalesce(to_json(g::NUMERIC(18,2)::TEXT)::TEXT, 'null') || '}', ',' ORDER BY k)
      || ']' AS digest_items,
    sum(b) FILTER (WHERE prio < 2) AS benefit, min(dl) AS deadline
  FROM item WHERE slot > 0 AND in_digest > 1
  GROUP BY credit_code, role, run_id, channel, recipient, person_name, taxpayer_name, prefix, d
), digest_id AS (
  SELECT *, prefix || 'digest.digest-' || left(encode(sha256(convert_to(sorted_ids, 'UTF8')), 'hex'), 16) AS message_id FROM digest_row
), new_row AS (
  SELECT message_id, credit_code, role, kind, policy_id, NULL::TEXT AS items, category, run_id, b AS benefit, g AS group_claimed, dl AS deadline, channel, recipient,
    person_name, taxpayer_name, lacks AS lacking, NULL::TEXT AS digest_items, CASE WHEN slot > 0 THEN d ELSE ms END AS send_ms
  FROM single_row
  UNION ALL
  SELECT message_id, credit_code, role, 'digest', NULL, items, category, run_id, benefit, NULL, deadline, channel, recipient,
    person_name, taxpayer_name, NULL, digest_items, d
  FROM digest_id
)
SELECT message_id, credit_code, role, kind, $period::TEXT, policy_id, items, category, run_id, benefit::NUMERIC(18,2), group_claimed::NUMERIC(18,2), deadline,
  channel, recipient,
  person_name, taxpayer_name, lacking, digest_items, 'planned', TIMESTAMP 'epoch' + send_ms * INTERVAL '1 millisecond', 0, $now::TIMESTAMP
FROM new_row n
-- Every new id starts with the period; the primary key's index finds one already in the outbox. One
-- skipped (now, or by an earlier plan) comes back, planned, with what the current results say, as
-- ../plan.sql's section revive; any other is left as it is.
ON CONFLICT (message_id) DO UPDATE SET kind = EXCLUDED.kind, policy_id = EXCLUDED.policy_id, items = EXCLUDED.items, category = EXCLUDED.category,
  run_id = EXCLUDED.run_id, benefit = EXCLUDED.benefit, group_claimed = EXCLUDED.group_claimed, deadline = EXCLUDED.deadline, channel = EXCLUDED.channel, recipient = EXCLUDED.recipient,
  person_name = EXCLUDED.person_name, taxpayer_name = EXCLUDED.taxpayer_name, lacking = EXCLUDED.lacking, digest_items = EXCLUDED.digest_items,
  subject = NULL, body = NULL, status = 'planned', scheduled_at = EXCLUDED.scheduled_at, next_attempt_at = NULL, last_error = NULL
  WHERE push_message.status = 'skipped';

-- @report
-- The new rows by channel and kind (a digest is one row), and what the candidates came to.
SELECT channel,
  sum((SELECT count(*) FROM unnest(prios, slots) AS x(prio, slot) WHERE x.prio < 2 AND (x.slot = 0 OR in_digest = 1))) AS relief,
  sum((SELECT count(*) FROM unnest(prios, slots) AS x(prio, slot) WHERE x.prio = 2 AND (x.slot = 0 OR in_digest = 1))) AS near_miss,
  count(*) FILTER (WHERE in_digest > 1) AS digest,
  sum(in_digest) FILTER (WHERE in_digest > 1) AS merged,
  sum(called) AS candidates, sum(called - n) AS already_planned
FROM push_plan_allocation GROUP BY channel;

-- @without_person
SELECT count(*) AS without_person FROM push_plan_candidate WHERE person_name IS NULL;
