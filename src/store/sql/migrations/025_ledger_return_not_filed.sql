-- A relief that would be missed, whose return of the quarter is outstanding (filed_on empty), is
-- `returnNotFiled`: the company can still claim it when it files, so it is not missed; the bureau
-- follows it up as a late return. Its estimate, if any, is kept in `lapsed`. The type of a status grows
-- as migration 012 says, by a new type and a new table. Rows built before stay as they were until
-- `zhishu match` builds their quarter again.
CREATE TABLE ledger_entry_old AS SELECT * REPLACE (CAST(status AS VARCHAR) AS status) FROM ledger_entry;
DROP TABLE ledger_entry;
DROP TYPE ledger_status;
CREATE TYPE ledger_status AS ENUM ('claimedLapsedInYear', 'claimedNotEligible', 'claimedOnAnnualReturn', 'enjoyed', 'lapsedInYear', 'matchedNoCode', 'missed', 'missedAmountUnknown', 'notStacked', 'nothingToClaim', 'returnNotFiled');

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
