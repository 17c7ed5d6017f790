-- The head count and total assets each CIT prepayment return reports at its quarter's start and end
-- (model/tables/citQuarterInfo.ts): the small low-profit test reads their averages over the year so
-- far (财政部 税务总局公告2023年第12号; 国家税务总局公告2023年第6号), where the registered figures stood in.
-- Three facts carry them (the averages, and whether any return reported them); a fact's column comes last, as src/rules/facts.ts lists it, and the view is
-- made again (as in 011).
CREATE TABLE cit_quarter_info (
  credit_code VARCHAR NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  employees_start BIGINT NOT NULL,
  employees_end BIGINT NOT NULL,
  assets_start DECIMAL(18,2) NOT NULL,
  assets_end DECIMAL(18,2) NOT NULL
);

ALTER TABLE taxpayer_fact ADD COLUMN average_employees BIGINT;
ALTER TABLE taxpayer_fact ADD COLUMN average_total_assets DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN quarter_figures_reported BOOLEAN;

-- The rows kept were computed under the reading before this one, which judged the small low-profit
-- relief on the registered figures: they are recorded as its averages, so that explaining them agrees
-- with the results they gave. A match of the quarter computes the facts anew.
UPDATE taxpayer_fact SET average_employees = employees, average_total_assets = total_assets, quarter_figures_reported = false;

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
