-- The CIT prepayment return asks whether the enterprise is in an industry the State restricts or
-- prohibits (按季度填报信息: 国家限制或禁止行业 □是 □否), one of the small low-profit relief's four
-- conditions (财政部 税务总局公告2023年第12号: 从事国家非限制和禁止行业); so does the annual return's basic
-- information form, whose answer decides small low-profit status for the six taxes and two fees with its
-- other figures. The returns' answers, empty where a source does not give them, and the facts that read
-- them. A fact's column comes last, as src/rules/facts.ts lists it, and the view is made again (as in 011).
ALTER TABLE cit_quarter_info ADD COLUMN restricted_industry BOOLEAN;
ALTER TABLE cit_annual_info ADD COLUMN restricted_industry BOOLEAN;
ALTER TABLE taxpayer_fact ADD COLUMN restricted_industry BOOLEAN;
ALTER TABLE taxpayer_fact ADD COLUMN slpe_status_restricted_industry BOOLEAN;

-- The rows kept were judged without the condition: as not restricted, as they were judged.
UPDATE taxpayer_fact SET restricted_industry = false, slpe_status_restricted_industry = CASE WHEN kind = 'enterprise' THEN false END;

CREATE OR REPLACE VIEW current_fact AS
SELECT f.* FROM taxpayer_fact f
JOIN (SELECT credit_code, period, max(computed_at) AS computed_at FROM taxpayer_fact GROUP BY credit_code, period) l
  USING (credit_code, period, computed_at);
