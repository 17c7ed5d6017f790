-- The head count and total assets each annual CIT return reports (model/tables/citAnnualInfo.ts): small
-- low-profit status for the six taxes and two fees' halving is the annual return's (财政部 税务总局公告
-- 2022年第10号 第三条; 国家税务总局公告2022年第3号 第一条), its head count and assets with its income, where the
-- registered figures stood in; a new enterprise before its first is judged on those at the period's end.
-- Three facts carry them; a fact's column comes last, as src/rules/facts.ts lists it, and the view is
-- made again (as in 011).
CREATE TABLE cit_annual_info (
  credit_code VARCHAR NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  employees BIGINT NOT NULL,
  total_assets DECIMAL(18,2) NOT NULL
);

ALTER TABLE taxpayer_fact ADD COLUMN slpe_status_employees BIGINT;
ALTER TABLE taxpayer_fact ADD COLUMN slpe_status_total_assets DECIMAL(18,2);
ALTER TABLE taxpayer_fact ADD COLUMN slpe_status_figures_reported BOOLEAN;

-- The rows kept were computed under the reading before this one, which judged the halving on the
-- registered figures: they are recorded as its figures, so that explaining them agrees with the results
-- they gave. A match of the quarter computes the facts anew.
UPDATE taxpayer_fact SET slpe_status_employees = employees, slpe_status_total_assets = total_assets,
  slpe_status_figures_reported = false
WHERE kind = 'enterprise';

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
