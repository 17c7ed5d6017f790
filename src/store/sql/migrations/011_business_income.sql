-- The quarter's taxable business income (经营所得) beside the year's (business_income), both from the
-- IIT business-income returns (tax type iitBusiness): the individual-business halving of a quarter is
-- that of the year so far less that of the year before the quarter (the prepayment is cumulative and
-- the table progressive). A fact's column comes last, as src/rules/facts.ts lists it. The view is made
-- again: DuckDB answers a query of it with the new column, but its catalogue would list the old ones.
ALTER TABLE taxpayer_fact ADD COLUMN quarterly_business_income DECIMAL(18,2);

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
