-- PostgreSQL form of ../../migrations/010_department_data.sql.
CREATE TABLE employment_report (
  credit_code TEXT COLLATE "C" NOT NULL,
  year BIGINT NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  headcount BIGINT NOT NULL,
  reported_on DATE NOT NULL
);

CREATE TABLE enterprise_list (
  credit_code TEXT COLLATE "C" NOT NULL,
  list TEXT COLLATE "C" NOT NULL,
  valid_from DATE NOT NULL,
  valid_to DATE
);
