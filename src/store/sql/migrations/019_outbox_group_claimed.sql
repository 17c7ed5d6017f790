-- A relief of an exclusive group the taxpayer claimed another relief of in the period (the high-tech
-- rate claimed, the small low-profit relief worth more) is told for what switching adds: its
-- estimate less that claim. The message says so only if it knows the claim: the row keeps it
-- (a digest: each line, in digest_items). NULL: the benefit is the relief's whole estimate.
ALTER TABLE push_message ADD COLUMN group_claimed DECIMAL(18,2);
