-- Zhishu as a service: accounts, sessions and the audit log of the HTTP API.
-- Bureau staff have no credit_code; a company user is bound to exactly one taxpayer in one role.

CREATE TABLE app_user (
  username VARCHAR PRIMARY KEY,
  display_name VARCHAR NOT NULL,
  -- bureauAdmin | bureauAnalyst | bureauOfficer | legalRepresentative | financeOfficer | taxHandler
  role VARCHAR NOT NULL,
  credit_code VARCHAR,                -- the one taxpayer a company user acts for; NULL for bureau staff
  password_hash VARCHAR NOT NULL,     -- argon2id, PHC string (algorithm, parameters, salt and hash)
  created_at TIMESTAMP NOT NULL,
  disabled_at TIMESTAMP
);

-- Only a SHA-256 of each session token is stored, so a copy of the table opens no session.
CREATE TABLE app_session (
  token_sha256 VARCHAR PRIMARY KEY,
  username VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL,
  ended_at TIMESTAMP                  -- logged out
);

-- Every read of a company's data by bureau staff, and every change made through the API.
CREATE TABLE audit_log (
  occurred_at TIMESTAMP NOT NULL,
  username VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  action VARCHAR NOT NULL,            -- e.g. read.matches, read.ledger, campaign.plan, message.read
  credit_code VARCHAR,                -- the company whose data it was, if any
  method VARCHAR NOT NULL,
  path VARCHAR NOT NULL,
  status INTEGER NOT NULL             -- the HTTP status answered
);
