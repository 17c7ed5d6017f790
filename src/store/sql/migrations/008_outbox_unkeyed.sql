-- The outbox's message_id stays the idempotency key, but DuckDB no longer keeps an index for it.
-- Every message_id is unique by construction (period, taxpayer, role, kind, policy or the hash of a
-- digest's items); the planner inserts only ids its batch's taxpayers do not hold yet in the period,
-- and stops, naming the taxpayer, if its input would give one id twice (src/push/sql/plan.sql,
-- sections allocate and insert; calls on one store take turns and DuckDB lets one process write).
-- The index was never read: DuckDB answers the sender's claims and updates by id with hash joins
-- over the table. Keeping it cost a fifth of a city's push plan: each row's key checked on insert,
-- the index merged at the commit and written at the checkpoint (at a million taxpayers, 5.5 million
-- messages: 150 s with it, 118 s without, commit and checkpoint included).
-- PostgreSQL keeps its primary key: its B-tree answers the plan's test for ids already there
-- (WHERE NOT EXISTS) and the lookups by id.
-- DuckDB cannot drop a primary key, so the table is made again: same columns, same order, the NOT
-- NULLs put back.
CREATE TABLE push_message_unkeyed AS SELECT * FROM push_message;
ALTER TABLE push_message_unkeyed ALTER message_id SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER credit_code SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER role SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER kind SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER period SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER category SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER run_id SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER deadline SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER channel SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER recipient SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER status SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER scheduled_at SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER attempts SET NOT NULL;
ALTER TABLE push_message_unkeyed ALTER created_at SET NOT NULL;
DROP TABLE push_message;
ALTER TABLE push_message_unkeyed RENAME TO push_message;
