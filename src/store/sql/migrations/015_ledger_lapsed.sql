-- Reliefs settled on the year (the catalogue's `settledOnYear`: the small low-profit relief, the
-- individual-business halving) are prepaid on the year to date, so a later quarter of the year that
-- fails the rule takes back the relief of the quarters before. Their unclaimed relief is no longer
-- money missed: the status `lapsedInYear`, with what the quarter's relief was estimated worth in a
-- new last column, `lapsed` (kept so that a later build that finds the taxpayer qualifying again
-- can make it `missed` again). Their claims are to be repaid: `claimedLapsedInYear`, the amount in
-- `claimed`, none in `enjoyed`. The type of a status grows as migration 012 says, by a new type and a
-- new table. Rows built before stay as they were until `zhishu match` builds a quarter of their year,
-- which judges the whole year again.
CREATE TABLE ledger_entry_old AS SELECT * REPLACE (CAST(status AS VARCHAR) AS status) FROM ledger_entry;
DROP TABLE ledger_entry;
DROP TYPE ledger_status;
CREATE TYPE ledger_status AS ENUM ('claimedLapsedInYear', 'claimedNotEligible', 'enjoyed', 'lapsedInYear', 'matchedNoCode', 'missed', 'missedAmountUnknown', 'notStacked', 'nothingToClaim');

CREATE TABLE ledger_entry AS
SELECT * REPLACE (CAST(status AS ledger_status) AS status), CAST(NULL AS DECIMAL(18,2)) AS lapsed
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
