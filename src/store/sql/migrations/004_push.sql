-- The push part of the policy robot: an outbox of planned messages, every delivery attempt, the
-- in-app inbox, and the e-mail adapter's sent-log. Timestamps are Asia/Shanghai local time.
-- The primary keys are the idempotency keys: planning a message twice, or delivering it to the
-- inbox twice, is an INSERT ... ON CONFLICT DO NOTHING that changes nothing.

CREATE TABLE push_message (
  message_id VARCHAR PRIMARY KEY,     -- period.credit_code.role.kind.(policy id | digest-hash)
  credit_code VARCHAR NOT NULL,
  role VARCHAR NOT NULL,              -- the person, by role in company_person
  kind VARCHAR NOT NULL,              -- relief | nearMiss | digest
  period VARCHAR NOT NULL,
  policy_id VARCHAR,                  -- NULL for a digest
  items VARCHAR,                      -- digest only: the message_ids it stands for, comma-separated
  category VARCHAR NOT NULL,          -- digest: the categories of its items, comma-separated
  run_id BIGINT NOT NULL,             -- the match run the message was planned from
  benefit DECIMAL(18,2),
  deadline DATE NOT NULL,             -- the filing deadline the message is timed ahead of
  channel VARCHAR NOT NULL,           -- inApp | email | sms
  recipient VARCHAR NOT NULL,
  subject VARCHAR NOT NULL,
  body VARCHAR NOT NULL,
  status VARCHAR NOT NULL,            -- planned | sending | sent | failed | skipped
  scheduled_at TIMESTAMP NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at TIMESTAMP,
  last_error VARCHAR,
  created_at TIMESTAMP NOT NULL,
  sent_at TIMESTAMP
);

CREATE TABLE push_attempt (
  message_id VARCHAR NOT NULL,
  attempt INTEGER NOT NULL,
  channel VARCHAR NOT NULL,
  recipient VARCHAR NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,              -- NULL while the attempt is in flight (or its process died)
  outcome VARCHAR,
  error VARCHAR,
  PRIMARY KEY (message_id, attempt)
);

CREATE TABLE inbox_message (
  message_id VARCHAR PRIMARY KEY,
  credit_code VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  subject VARCHAR NOT NULL,
  body VARCHAR NOT NULL,
  delivered_at TIMESTAMP NOT NULL,
  read_at TIMESTAMP
);

CREATE TABLE email_sent_log (
  message_id VARCHAR PRIMARY KEY,
  header_message_id VARCHAR NOT NULL, -- the Message-ID header sent
  recipient VARCHAR NOT NULL,
  state VARCHAR NOT NULL,             -- pending | accepted | notAccepted
  prepared_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  response VARCHAR
);
