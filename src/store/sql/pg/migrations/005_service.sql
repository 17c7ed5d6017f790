-- PostgreSQL form of ../../migrations/005_service.sql: the same tables, columns, order, NOT NULL and keys
-- (test/postgres.test.ts compares the two). Text is COLLATE "C", compared and sorted byte by byte as
-- DuckDB does, whatever the server's locale.

-- Zhishu as a service: accounts, sessions and the audit log of the HTTP API.
-- Bureau staff have no credit_code; a company user is bound to exactly one taxpayer in one role.

CREATE TABLE app_user (
  username TEXT COLLATE "C" PRIMARY KEY,
  display_name TEXT COLLATE "C" NOT NULL,
  -- bureauAdmin | bureauAnalyst | bureauOfficer | legalRepresentative | financeOfficer | taxHandler
  role TEXT COLLATE "C" NOT NULL,
  credit_code TEXT COLLATE "C",                -- the one taxpayer a company user acts for; NULL for bureau staff
  password_hash TEXT COLLATE "C" NOT NULL,     -- argon2id, PHC string (algorithm, parameters, salt and hash)
  created_at TIMESTAMP NOT NULL,
  disabled_at TIMESTAMP
);

-- Only a SHA-256 of each session token is stored, so a copy of the table opens no session.
CREATE TABLE app_session (
  token_sha256 TEXT COLLATE "C" PRIMARY KEY,
  username TEXT COLLATE "C" NOT NULL,
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL,
  ended_at TIMESTAMP                  -- logged out
);

-- Every read of a company's data by bureau staff, and every change made through the API.
CREATE TABLE audit_log (
  occurred_at TIMESTAMP NOT NULL,
  username TEXT COLLATE "C" NOT NULL,
  role TEXT COLLATE "C" NOT NULL,
  action TEXT COLLATE "C" NOT NULL,            -- e.g. read.matches, read.ledger, campaign.plan, message.read
  credit_code TEXT COLLATE "C",                -- the company whose data it was, if any
  method TEXT COLLATE "C" NOT NULL,
  path TEXT COLLATE "C" NOT NULL,
  status INTEGER NOT NULL             -- the HTTP status answered
);
