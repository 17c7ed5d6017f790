-- Data from other departments that reliefs depend on and the returns do not carry (model/tables:
-- employmentReport.ts, enterpriseList.ts): head counts of disabled employees, key-group people and
-- retired soldiers hired, and the lists of integrated-circuit and industrial mother-machine
-- enterprises. The facts of a quarter read them (src/match/sql/facts.sql).
CREATE TABLE employment_report (
  credit_code VARCHAR NOT NULL,
  year BIGINT NOT NULL,
  kind VARCHAR NOT NULL,
  headcount BIGINT NOT NULL,
  reported_on DATE NOT NULL
);

CREATE TABLE enterprise_list (
  credit_code VARCHAR NOT NULL,
  list VARCHAR NOT NULL,
  valid_from DATE NOT NULL,
  valid_to DATE
);
