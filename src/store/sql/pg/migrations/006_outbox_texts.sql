-- PostgreSQL form of ../../migrations/006_outbox_texts.sql (test/postgres.test.ts compares the two).

-- Message texts are rendered when a message is sent or shown (src/push/message.ts renderMessage), no
-- longer written with every planned row. A row keeps what its texts are made of. subject and body
-- stay for the rows planned before this change, which are sent as they were written.
ALTER TABLE push_message ALTER COLUMN subject DROP NOT NULL;
ALTER TABLE push_message ALTER COLUMN body DROP NOT NULL;
ALTER TABLE push_message ADD COLUMN person_name TEXT COLLATE "C";
ALTER TABLE push_message ADD COLUMN taxpayer_name TEXT COLLATE "C";
ALTER TABLE push_message ADD COLUMN lacking TEXT COLLATE "C";
ALTER TABLE push_message ADD COLUMN digest_items TEXT COLLATE "C";
