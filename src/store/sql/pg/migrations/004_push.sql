-- PostgreSQL form of ../../migrations/004_push.sql: the same tables, columns, order, NOT NULL and keys
-- (test/postgres.test.ts compares the two). Text is COLLATE "C", compared and sorted byte by byte as
-- DuckDB does, whatever the server's locale.

-- The push part of the policy robot: an outbox of planned messages, every delivery attempt, the
-- in-app inbox, and the e-mail adapter's sent-log. Timestamps are Asia/Shanghai local time.
-- The primary keys are the idempotency keys: planning a message twice, or delivering it to the
-- inbox twice, is an INSERT ... ON CONFLICT DO NOTHING that changes nothing.

CREATE TABLE push_message (
  message_id TEXT COLLATE "C" PRIMARY KEY,     -- period.credit_code.role.kind.(policy id | digest-hash)
  credit_code TEXT COLLATE "C" NOT NULL,
  role TEXT COLLATE "C" NOT NULL,              -- the person, by role in company_person
  kind TEXT COLLATE "C" NOT NULL,              -- relief | nearMiss | digest
  period TEXT COLLATE "C" NOT NULL,
  policy_id TEXT COLLATE "C",                  -- NULL for a digest
  items TEXT COLLATE "C",                      -- digest only: the message_ids it stands for, comma-separated
  category TEXT COLLATE "C" NOT NULL,          -- digest: the categories of its items, comma-separated
  run_id BIGINT NOT NULL,             -- the match run the message was planned from
  benefit NUMERIC(18,2),
  deadline DATE NOT NULL,             -- the filing deadline the message is timed ahead of
  channel TEXT COLLATE "C" NOT NULL,           -- inApp | email | sms
  recipient TEXT COLLATE "C" NOT NULL,
  subject TEXT COLLATE "C" NOT NULL,
  body TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,            -- planned | sending | sent | failed | skipped
  scheduled_at TIMESTAMP NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at TIMESTAMP,
  last_error TEXT COLLATE "C",
  created_at TIMESTAMP NOT NULL,
  sent_at TIMESTAMP
);

CREATE TABLE push_attempt (
  message_id TEXT COLLATE "C" NOT NULL,
  attempt INTEGER NOT NULL,
  channel TEXT COLLATE "C" NOT NULL,
  recipient TEXT COLLATE "C" NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,              -- NULL while the attempt is in flight (or its process died)
  outcome TEXT COLLATE "C",
  error TEXT COLLATE "C",
  PRIMARY KEY (message_id, attempt)
);

CREATE TABLE inbox_message (
  message_id TEXT COLLATE "C" PRIMARY KEY,
  credit_code TEXT COLLATE "C" NOT NULL,
  role TEXT COLLATE "C" NOT NULL,
  subject TEXT COLLATE "C" NOT NULL,
  body TEXT COLLATE "C" NOT NULL,
  delivered_at TIMESTAMP NOT NULL,
  read_at TIMESTAMP
);

CREATE TABLE email_sent_log (
  message_id TEXT COLLATE "C" PRIMARY KEY,
  header_message_id TEXT COLLATE "C" NOT NULL, -- the Message-ID header sent
  recipient TEXT COLLATE "C" NOT NULL,
  state TEXT COLLATE "C" NOT NULL,             -- pending | accepted | notAccepted
  prepared_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  response TEXT COLLATE "C"
);
