-- Message texts are rendered when a message is sent or shown (src/push/message.ts renderMessage), no
-- longer written with every planned row: a city's outbox carried about 8 GB of subjects and bodies,
-- and writing them was most of a push plan's time. A row keeps what its texts are made of.
-- subject and body stay for the rows planned before this change, which are sent as they were written.
ALTER TABLE push_message ALTER COLUMN subject DROP NOT NULL;
ALTER TABLE push_message ALTER COLUMN body DROP NOT NULL;
ALTER TABLE push_message ADD COLUMN person_name VARCHAR;   -- whom the message greets, as planned
ALTER TABLE push_message ADD COLUMN taxpayer_name VARCHAR;
ALTER TABLE push_message ADD COLUMN lacking VARCHAR;       -- near miss: JSON array of what it lacks
ALTER TABLE push_message ADD COLUMN digest_items VARCHAR;  -- digest: JSON array of its lines
