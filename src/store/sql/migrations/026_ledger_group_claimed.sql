-- A relief of a group of reliefs that do not stack (policy_group), missed while the taxpayer enjoyed
-- another of its group in the quarter, is missed by what it is worth beyond that claim: the high-tech
-- rate estimated at 200,000.00 beside 120,000.00 of the small low-profit relief enjoyed is missed by
-- 80,000.00. The claim it is net of is kept beside the amount, so that the ledger can say so rather
-- than show a figure that the explanation of the same relief (the estimate alone) does not. Rows built before have none until
-- `zhishu match` builds their quarter again.
ALTER TABLE ledger_entry ADD COLUMN group_claimed DECIMAL(18,2);
