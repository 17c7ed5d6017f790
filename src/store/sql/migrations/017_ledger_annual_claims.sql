-- A relief claimed on the annual CIT return (汇算清缴, tax type citAnnual) settles the year: the
-- quarters of that year whose relief went unclaimed at the prepayments did not miss it. Their status
-- is `claimedOnAnnualReturn` (what the quarter's relief was estimated worth kept in `lapsed`, as for
-- `lapsedInYear`, so that a later build that finds no such claim can make it `missed` again), and what
-- the annual return claims beyond the year's prepayments is a claim of the year's last month. The
-- type of a status grows as migration 012 says, by a new type and a new table. Rows built before stay
-- as they were until `zhishu match` builds a quarter of their year, which judges the whole year again.
CREATE TABLE ledger_entry_old AS SELECT * REPLACE (CAST(status AS VARCHAR) AS status) FROM ledger_entry;
DROP TABLE ledger_entry;
DROP TYPE ledger_status;
CREATE TYPE ledger_status AS ENUM ('claimedLapsedInYear', 'claimedNotEligible', 'claimedOnAnnualReturn', 'enjoyed', 'lapsedInYear', 'matchedNoCode', 'missed', 'missedAmountUnknown', 'notStacked', 'nothingToClaim');

CREATE TABLE ledger_entry AS
SELECT * REPLACE (CAST(status AS ledger_status) AS status)
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
