-- The ledger tells apart what migration 012's four statuses ran together (docs/policy.md, "Ledger and
-- report"): a claim the match contradicts (`claimedNotEligible`: nearMiss, or the rule false) from a
-- relief enjoyed, and, of matched reliefs not claimed, those worth nothing this quarter
-- (`nothingToClaim`) and those of no estimate (`missedAmountUnknown`) from money missed. Two columns
-- come last: `claimed`, what a claim row claimed (for `claimedNotEligible` the amount, which `enjoyed`
-- no longer counts), and `match_status`, what the match said of the policy for the taxpayer and
-- quarter when the ledger was built (the ENUM ledger_match; NULL: not judged). The type of a status
-- grows as migration 012 says, by a new type and a new table; the statuses and the amounts of the
-- rows there are are sorted out here, as the build would: a missed relief of no estimate, or worth
-- 0.00 or less, loses its amount. Which claims the match contradicts only a build can tell: until
-- `zhishu match` rebuilds a quarter its claims stay `enjoyed`, with no match status (unverified).
CREATE TYPE ledger_match AS ENUM ('matched', 'nearMiss', 'notEligible', 'unknown');

CREATE TABLE ledger_entry_old AS SELECT * REPLACE (CAST(status AS VARCHAR) AS status) FROM ledger_entry;
DROP TABLE ledger_entry;
DROP TYPE ledger_status;
CREATE TYPE ledger_status AS ENUM ('claimedNotEligible', 'enjoyed', 'matchedNoCode', 'missed', 'missedAmountUnknown', 'notStacked', 'nothingToClaim');

CREATE TABLE ledger_entry AS
SELECT credit_code, period, period_end, month, policy_id,
  CAST(CASE WHEN status <> 'missed' OR missed > 0 THEN status WHEN missed IS NULL THEN 'missedAmountUnknown' ELSE 'nothingToClaim' END AS ledger_status) AS status,
  enjoyed, CASE WHEN status <> 'missed' OR missed > 0 THEN missed END AS missed, built_at,
  CASE WHEN status = 'enjoyed' THEN enjoyed END AS claimed,
  CAST(CASE WHEN status <> 'enjoyed' THEN 'matched' END AS ledger_match) AS match_status
FROM ledger_entry_old;
ALTER TABLE ledger_entry ALTER credit_code SET NOT NULL;
ALTER TABLE ledger_entry ALTER period SET NOT NULL;
ALTER TABLE ledger_entry ALTER period_end SET NOT NULL;
ALTER TABLE ledger_entry ALTER month SET NOT NULL;
ALTER TABLE ledger_entry ALTER policy_id SET NOT NULL;
ALTER TABLE ledger_entry ALTER status SET NOT NULL;
ALTER TABLE ledger_entry ALTER enjoyed SET NOT NULL;
ALTER TABLE ledger_entry ALTER built_at SET NOT NULL;
DROP TABLE ledger_entry_old;
