-- PostgreSQL form of ../../migrations/019_outbox_group_claimed.sql.
ALTER TABLE push_message ADD COLUMN group_claimed NUMERIC(18,2);
