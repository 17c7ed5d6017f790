-- Small low-profit status for the "six taxes and two fees" is that of the last annual CIT return
-- (汇算清缴) whose result counts for the period, not the year-to-date prepayments (财政部 税务总局公告
-- 2022年第10号 第三条): the returns come in as tax type citAnnual, and two facts carry what they say.
-- A fact's column comes last, as src/rules/facts.ts lists it; the view is made again (as in 011).
ALTER TABLE taxpayer_fact ADD COLUMN cit_annual_taxable_income DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN before_first_cit_annual BOOLEAN;

-- The rows kept were computed under the reading before this one, which judged the status on the year
-- to date: what it read is recorded (that income, and no new enterprise), so that explaining them
-- agrees with the results they gave. A match of the quarter computes the facts anew.
UPDATE taxpayer_fact SET cit_annual_taxable_income = taxable_income, before_first_cit_annual = false WHERE kind = 'enterprise';

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
