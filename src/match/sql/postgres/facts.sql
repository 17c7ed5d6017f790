-- PostgreSQL form of ../facts.sql: the same facts, the same NULL for an unfiled return, the same
-- two forms (`-- [city]`, `-- [one]`). It differs only where the engines do: date arithmetic (no
-- datediff) and the casts PostgreSQL needs to type parameters in a select list.
INSERT INTO taxpayer_fact
WITH t AS (
  SELECT * FROM taxpayer
  WHERE registered_on <= $end::DATE
    AND credit_code = $only -- [one]
), f AS (
  SELECT credit_code, tax_type, period_start, period_end, tax_base, tax_payable, special_invoice_sales, filed_on IS NOT NULL AS filed
  FROM filing
  WHERE period_end > ($end::DATE - INTERVAL '12 months') AND period_end <= $end::DATE
    -- Only the returns an aggregate below reads (facts.sql).
    AND (tax_type = 'vat' OR (tax_type IN ('cit', 'iitBusiness') AND period_end >= $year_start::DATE) OR (tax_type IN ('surcharges', 'iit') AND period_end >= $start::DATE))
    AND credit_code = $only -- [one]
), h AS (
  -- The six taxes and two fees' halving claimed on the quarter's surcharges returns, added back (facts.sql).
  -- And the education surcharges' small-sales exemption claimed on them (facts.sql).
  SELECT credit_code, -- [city]
  SELECT -- [one]
    sum(amount) FILTER (WHERE tax_type = 'surcharges' AND reduction_code = ANY (string_to_array($halving_codes::TEXT, ','))) AS halved,
    sum(amount) FILTER (WHERE tax_type = 'surcharges' AND reduction_code = ANY (string_to_array($education_codes::TEXT, ','))) AS education_claimed,
    sum(amount) FILTER (WHERE tax_type = 'vat' AND reduction_code = ANY (string_to_array($vat_exemption_codes::TEXT, ','))) AS vat_exemption_claimed
  FROM filing_reduction
  WHERE tax_type IN ('surcharges', 'vat') AND period_end >= $start::DATE AND period_end <= $end::DATE
    AND (reduction_code = ANY (string_to_array($halving_codes::TEXT, ',')) OR reduction_code = ANY (string_to_array($education_codes::TEXT, ','))
         OR reduction_code = ANY (string_to_array($vat_exemption_codes::TEXT, ',')))
    AND credit_code = $only -- [one]
  GROUP BY credit_code -- [city]
), agg AS (
  SELECT credit_code, -- [city]
  SELECT -- [one]
    -- a sum over returns is known only when every one of them is filed
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) THEN sum(tax_base) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) END AS quarterly_sales,
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end = $end::DATE AND period_start >= $month_start::DATE) THEN sum(tax_base) FILTER (WHERE tax_type = 'vat' AND period_end = $end::DATE AND period_start >= $month_start::DATE) END AS monthly_sales,
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat') THEN sum(tax_base) FILTER (WHERE tax_type = 'vat') END AS annual_sales,
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) THEN sum(tax_payable) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) END AS vat_payable,
    -- of the quarter's sales, those on special invoices, as the returns say (a return that does not say: none)
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) THEN coalesce(sum(special_invoice_sales) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE), 0) END AS special_sales,
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'surcharges' AND period_end >= $start::DATE) THEN sum(tax_payable) FILTER (WHERE tax_type = 'surcharges' AND period_end >= $start::DATE) END AS surcharges_payable,
    -- The taxes the hiring reliefs deduct from: the quarter's VAT, surcharges and CIT (facts.sql).
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type IN ('vat', 'surcharges', 'cit') AND period_end >= $start::DATE)
           AND count(*) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) > 0
      THEN coalesce(sum(tax_payable) FILTER (WHERE tax_type IN ('vat', 'surcharges', 'cit') AND period_end >= $start::DATE), 0) END AS hiring_deductible_tax,
    count(*) FILTER (WHERE tax_type = 'cit' AND period_end >= $start::DATE) AS cit_returns,
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'iit' AND period_end >= $start::DATE) THEN sum(tax_base) FILTER (WHERE tax_type = 'iit' AND period_end >= $start::DATE) END AS wages_paid,
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'cit' AND period_end = $end::DATE) THEN sum(tax_base) FILTER (WHERE tax_type = 'cit' AND period_end = $end::DATE) END AS quarterly_taxable_income,
    -- prepayment judges the year so far (国家税务总局公告2023年第6号): cumulative to the end of the period
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'cit' AND period_end >= $year_start::DATE) THEN sum(tax_base) FILTER (WHERE tax_type = 'cit' AND period_end >= $year_start::DATE) END AS taxable_income,
    -- IIT on business income is prepaid the same way: the year so far, and the quarter
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'iitBusiness' AND period_end >= $year_start::DATE) THEN sum(tax_base) FILTER (WHERE tax_type = 'iitBusiness' AND period_end >= $year_start::DATE) END AS business_income,
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'iitBusiness' AND period_end = $end::DATE) THEN sum(tax_base) FILTER (WHERE tax_type = 'iitBusiness' AND period_end = $end::DATE) END AS quarterly_business_income
  FROM f
  GROUP BY credit_code -- [city]
), v AS (
  -- Of the quarter's VAT returns and the year's CIT and business-income returns only, as in facts.sql.
  -- The education surcharges' small-sales exemption (财税〔2016〕12号 第一条): how the VAT is filed, the
  -- lowest month, and the VAT of the months within $education_monthly_limit. The days of the year the
  -- CIT and business-income returns on record cover. (DuckDB's single-taxpayer form has these in `agg`,
  -- where they cost less to plan; here the re-match is one prepared statement, planned once.)
  SELECT credit_code, -- [city]
  SELECT -- [one]
    count(*) FILTER (WHERE vq) AS vat_returns,
    bool_or(NOT in_month) FILTER (WHERE vq) AS vat_spanning,
    bool_and(period_start >= $month_start::DATE) FILTER (WHERE vq) AS vat_last_month_only,
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN min(tax_base) FILTER (WHERE vq AND in_month) END AS lowest_monthly_sales,
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN coalesce(sum(tax_payable) FILTER (WHERE vq AND in_month AND tax_base <= $education_monthly_limit::DECIMAL(18,2)), 0) END AS exempt_months_vat_payable,
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN max(tax_base) FILTER (WHERE vq AND in_month) END AS highest_monthly_sales,
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN coalesce(sum(tax_base) FILTER (WHERE vq AND in_month AND (tax_base < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND tax_base = $vat_monthly_line::DECIMAL(18,2)))), 0) END AS exempt_months_sales,
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN coalesce(sum(tax_payable) FILTER (WHERE vq AND in_month AND (tax_base < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND tax_base = $vat_monthly_line::DECIMAL(18,2)))), 0) END AS exempt_months_vat,
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN (array_agg(tax_payable ORDER BY tax_base, period_start, period_end) FILTER (WHERE vq AND in_month))[1] END AS lowest_month_vat,
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN coalesce(sum(special_invoice_sales) FILTER (WHERE vq AND in_month AND (tax_base < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND tax_base = $vat_monthly_line::DECIMAL(18,2)))), 0) END AS exempt_months_special,
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN coalesce((array_agg(special_invoice_sales ORDER BY tax_base, period_start, period_end) FILTER (WHERE vq AND in_month))[1], 0) END AS lowest_month_special,
    sum(days) FILTER (WHERE tax_type = 'cit') AS cit_days,
    sum(days) FILTER (WHERE tax_type = 'iitBusiness') AS business_days
  FROM (
    SELECT *, tax_type = 'vat' AS vq, date_trunc('month', period_start) = date_trunc('month', period_end) AS in_month,
      period_end - period_start + 1 AS days
    FROM f WHERE (tax_type = 'vat' AND period_end >= $start::DATE) OR (tax_type IN ('cit', 'iitBusiness') AND period_end >= $year_start::DATE)
  ) q
  GROUP BY credit_code -- [city]
), e AS (
  -- Head counts from other departments (employment_report): the hires of the quarter's year, and
  -- disabled employees, an average over a year, of the latest year reported of this one and the one
  -- before (the fund is declared for the year past). Of reports of one year and kind the latest counts.
  SELECT credit_code, -- [city]
  SELECT -- [one]
    (array_agg(headcount ORDER BY year DESC, reported_on DESC) FILTER (WHERE kind = 'disabledEmployees'))[1] AS disabled_employees,
    (array_agg(headcount ORDER BY reported_on DESC) FILTER (WHERE kind = 'keyGroupHires' AND year = extract(year FROM $end::DATE)))[1] AS key_group_hires,
    (array_agg(headcount ORDER BY reported_on DESC) FILTER (WHERE kind = 'veteranHires' AND year = extract(year FROM $end::DATE)))[1] AS veteran_hires
  FROM employment_report
  WHERE year >= extract(year FROM $end::DATE) - 1 AND year <= extract(year FROM $end::DATE)
    AND credit_code = $only -- [one]
  GROUP BY credit_code -- [city]
), qa AS (
  -- Head count and assets as the CIT prepayment returns of the year so far report them, averaged and
  -- rounded up (facts.sql).
  SELECT credit_code, -- [city]
  SELECT -- [one]
    -- sum() of BIGINT is NUMERIC here: div() divides as integers.
    div(sum(employees_start + employees_end) + 2 * count(*) - 1, 2 * count(*)) AS employees,
    div((sum(assets_start) + sum(assets_end)) * 100 + 2 * count(*) - 1, 2 * count(*)) * 0.01 AS assets,
    -- 国家限制或禁止行业: a year in which one of its returns says 是 is a year in such an industry (the
    -- relief is settled on the year); none answering, or none filed, is no sign of one.
    bool_or(restricted_industry) AS restricted_industry
  FROM cit_quarter_info
  WHERE period_end >= $year_start::DATE AND period_end <= $end::DATE
    AND credit_code = $only -- [one]
  GROUP BY credit_code -- [city]
), qe AS (
  -- A new enterprise's head count and assets at the quarter's end, from the latest CIT prepayment return
  -- to it (facts.sql).
  SELECT credit_code, -- [city]
  SELECT -- [one]
    (array_agg(employees_end ORDER BY period_end DESC))[1] AS employees, (array_agg(assets_end ORDER BY period_end DESC))[1] AS assets,
    bool_or(restricted_industry) AS restricted_industry
  FROM cit_quarter_info
  WHERE period_end >= $annual_start::DATE AND period_end <= $end::DATE
    AND credit_code = $only -- [one]
  GROUP BY credit_code -- [city]
), ya AS (
  -- The head count and assets the annual returns of `y` report (facts.sql).
  SELECT credit_code, -- [city]
  SELECT -- [one]
    max(employees) FILTER (WHERE period_end = $annual_end::DATE) AS counted_employees,
    max(total_assets) FILTER (WHERE period_end = $annual_end::DATE) AS counted_assets,
    max(employees) FILTER (WHERE period_end > $annual_end::DATE) AS later_employees,
    max(total_assets) FILTER (WHERE period_end > $annual_end::DATE) AS later_assets,
    bool_or(restricted_industry) FILTER (WHERE period_end = $annual_end::DATE) AS counted_restricted,
    bool_or(restricted_industry) FILTER (WHERE period_end > $annual_end::DATE) AS later_restricted
  FROM cit_annual_info
  WHERE period_end >= $annual_end::DATE AND period_end < $year_start::DATE
    AND credit_code = $only -- [one]
  GROUP BY credit_code -- [city]
), l AS (
  -- On the integrated-circuit or industrial mother-machine list on the quarter's last day.
  SELECT credit_code, -- [city]
  SELECT -- [one]
    bool_or(valid_from <= $end::DATE AND (valid_to IS NULL OR valid_to >= $end::DATE)) AS listed
  FROM enterprise_list
  WHERE credit_code = $only -- [one]
  GROUP BY credit_code -- [city]
), y AS (
  -- The annual CIT returns (汇算清缴) that can decide small low-profit status for the six taxes and two
  -- fees (国家税务总局公告2022年第3号 第一条): that of $annual_end's year, whose result counts when the
  -- quarter's returns are filed (a return filed in a year counts for what is filed from 1 July to 30 June
  -- of the next), and one of a later year, which can be a new enterprise's first. A first return counts
  -- once filed by the quarter's end (the law: from the month after it is filed; the quarter's returns
  -- are filed in the month after its end).
  SELECT credit_code, -- [city]
  SELECT -- [one]
    bool_and(filed_on IS NOT NULL) FILTER (WHERE period_end = $annual_end::DATE) AS counted_filed,
    max(filed_on) FILTER (WHERE period_end = $annual_end::DATE) AS counted_filed_on,
    sum(tax_base) FILTER (WHERE period_end = $annual_end::DATE) AS counted_income,
    sum(tax_base) FILTER (WHERE period_end > $annual_end::DATE AND filed_on <= $end::DATE) AS later_income
  FROM filing
  WHERE tax_type = 'citAnnual' AND period_end >= $annual_end::DATE AND period_end < $year_start::DATE
    AND credit_code = $only -- [one]
  GROUP BY credit_code -- [city]
)
SELECT t.credit_code, $period::TEXT AS period, $start::DATE AS period_start, $end::DATE AS period_end, $computed_at::TIMESTAMP AS computed_at,
  t.kind, t.vat_status, t.industry, left(t.industry, 1) AS industry_section, t.district, t.collection_mode, t.credit_level, t.registered_on,
  t.employees, t.total_assets,
  CASE WHEN v.cit_days >= $end::DATE - greatest($year_start::DATE, t.registered_on) + 1 THEN a.taxable_income END AS taxable_income,
  a.quarterly_taxable_income, a.monthly_sales, a.quarterly_sales, a.annual_sales,
  a.vat_payable, a.surcharges_payable + coalesce(h.halved, 0) AS surcharges_payable, a.wages_paid, t.rnd_expense,
  t.high_tech AND (t.high_tech_until IS NULL OR t.high_tech_until >= $end::DATE) AS high_tech,
  -- DuckDB's datediff('month', ...): month boundaries crossed, whatever the days
  ((extract(year FROM $end::DATE) - extract(year FROM t.registered_on)) * 12 + extract(month FROM $end::DATE) - extract(month FROM t.registered_on))::BIGINT AS months_registered,
  CASE WHEN v.business_days >= $end::DATE - greatest($year_start::DATE, t.registered_on) + 1 THEN a.business_income END AS business_income,
  e.disabled_employees, e.key_group_hires, e.veteran_hires,
  -- not in the data a bureau sends Zhishu yet: unknown, so matching says what is missing
  NULL::DECIMAL(18,2) AS retained_credit_increase,
  -- The lists are known for the quarter once an entry of them counts on its last day: then an
  -- enterprise not on them is not listed; before that, unknown.
  CASE WHEN EXISTS (SELECT 1 FROM enterprise_list WHERE valid_from <= $end::DATE AND (valid_to IS NULL OR valid_to >= $end::DATE))
    THEN coalesce(l.listed, false) END AS chips_or_machines,
  a.quarterly_business_income,
  -- A certificate that expired in the quarter's year, before its end: CIT is prepaid at 15 % until it
  -- is re-recognised (国家税务总局公告2017年第24号 第一条), paid back at the year's end without one.
  t.high_tech AND coalesce(t.high_tech_until < $end::DATE AND t.high_tech_until >= $year_start::DATE, false) AS high_tech_lapsed_this_year,
  -- An enterprise registered before the year whose return counts has that return (unknown while it is
  -- not filed). One registered in that year or later has had no reconciliation before: its first counts
  -- once filed by the quarter's end, and until then it is judged on head count and assets alone
  -- (第一条第二项).
  CASE WHEN t.kind <> 'enterprise' THEN NULL
       WHEN t.registered_on < $annual_start::DATE THEN CASE WHEN y.counted_filed THEN y.counted_income END
       WHEN t.registered_on <= $annual_end::DATE THEN CASE WHEN y.counted_filed_on <= $end::DATE THEN y.counted_income END
       ELSE y.later_income END AS cit_annual_taxable_income,
  CASE WHEN t.kind = 'enterprise' THEN
    CASE WHEN t.registered_on < $annual_start::DATE THEN false
         WHEN t.registered_on <= $annual_end::DATE THEN NOT coalesce(y.counted_filed_on <= $end::DATE, false)
         ELSE y.later_income IS NULL END
  END AS before_first_cit_annual,
  -- How the VAT is filed, from the quarter's returns: one spanning months is a quarter's, several within
  -- one month each are months'; a single one within the last month is judged by the VAT status (a
  -- general taxpayer files monthly). The two monthly figures are a monthly filer's alone.
  m.vat_monthly_filer,
  CASE WHEN m.vat_monthly_filer THEN v.lowest_monthly_sales END AS lowest_monthly_sales,
  CASE WHEN m.vat_monthly_filer THEN v.exempt_months_vat_payable END AS exempt_months_vat_payable,
  coalesce(qa.employees, t.employees)::BIGINT AS average_employees, coalesce(qa.assets, t.total_assets)::DECIMAL(18,2) AS average_total_assets,
  qa.employees IS NOT NULL AS quarter_figures_reported,
  -- Small low-profit status for the six taxes and two fees: the annual return's figures, or a new
  -- enterprise's at the quarter's end (facts.sql).
  CASE s.slpe_from WHEN 'counted' THEN coalesce(ya.counted_employees, t.employees) WHEN 'later' THEN coalesce(ya.later_employees, t.employees) WHEN 'quarter' THEN coalesce(qe.employees, t.employees) END::BIGINT AS slpe_status_employees,
  CASE s.slpe_from WHEN 'counted' THEN coalesce(ya.counted_assets, t.total_assets) WHEN 'later' THEN coalesce(ya.later_assets, t.total_assets) WHEN 'quarter' THEN coalesce(qe.assets, t.total_assets) END::DECIMAL(18,2) AS slpe_status_total_assets,
  CASE s.slpe_from WHEN 'counted' THEN ya.counted_employees IS NOT NULL WHEN 'later' THEN ya.later_employees IS NOT NULL WHEN 'quarter' THEN qe.employees IS NOT NULL END AS slpe_status_figures_reported,
  CASE WHEN m.vat_monthly_filer THEN v.highest_monthly_sales END AS highest_monthly_sales,
  -- The small-scale VAT exemption's line, as in facts.sql.
  CASE WHEN t.vat_status <> 'smallScale' THEN NULL
       WHEN m.vat_monthly_filer THEN CASE WHEN (v.lowest_monthly_sales < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND v.lowest_monthly_sales = $vat_monthly_line::DECIMAL(18,2))) THEN v.exempt_months_sales ELSE v.lowest_monthly_sales END
       WHEN NOT m.vat_monthly_filer THEN a.quarterly_sales END AS small_scale_exemption_sales,
  CASE WHEN t.vat_status <> 'smallScale' THEN NULL
       WHEN m.vat_monthly_filer THEN a.quarterly_sales - v.exempt_months_sales + v.exempt_months_special
       WHEN NOT m.vat_monthly_filer THEN CASE WHEN (a.quarterly_sales < $vat_quarterly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND a.quarterly_sales = $vat_quarterly_line::DECIMAL(18,2))) THEN a.special_sales ELSE a.quarterly_sales END END AS small_scale_taxed_sales,
  -- The VAT the education surcharges' exemption covers, and what the returns claim of it (facts.sql).
  CASE WHEN m.vat_monthly_filer THEN v.exempt_months_vat_payable
       WHEN NOT m.vat_monthly_filer THEN CASE WHEN a.quarterly_sales <= $education_quarterly_limit::DECIMAL(18,2) THEN a.vat_payable WHEN a.quarterly_sales IS NOT NULL THEN 0 END END AS education_exempt_vat_payable,
  coalesce(h.education_claimed, 0)::DECIMAL(18,2) AS education_exemption_claimed,
  -- The VAT the sales of small_scale_exemption_sales bore, and the exemption's claims (facts.sql).
  CASE WHEN t.vat_status <> 'smallScale' THEN NULL
       WHEN m.vat_monthly_filer THEN CASE WHEN (v.lowest_monthly_sales < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND v.lowest_monthly_sales = $vat_monthly_line::DECIMAL(18,2))) THEN v.exempt_months_vat ELSE v.lowest_month_vat END
       WHEN NOT m.vat_monthly_filer THEN a.vat_payable END AS small_scale_exemption_vat_payable,
  coalesce(h.vat_exemption_claimed, 0)::DECIMAL(18,2) AS small_scale_exemption_claimed,
  coalesce(h.halved, 0)::DECIMAL(18,2) AS surcharges_halving_claimed,
  -- Of the sales the exemption line covers, those on special invoices (facts.sql).
  CASE WHEN t.vat_status <> 'smallScale' THEN NULL
       WHEN m.vat_monthly_filer THEN CASE WHEN (v.lowest_monthly_sales < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND v.lowest_monthly_sales = $vat_monthly_line::DECIMAL(18,2))) THEN v.exempt_months_special ELSE v.lowest_month_special END
       WHEN NOT m.vat_monthly_filer THEN a.special_sales END AS small_scale_special_sales,
  -- An enterprise files CIT: none of its CIT returns on record, its taxes are not known (a partnership
  -- or sole proprietorship files none, and deducts from its VAT and surcharges alone).
  CASE WHEN t.kind = 'enterprise' AND coalesce(a.cit_returns, 0) = 0 THEN NULL ELSE a.hiring_deductible_tax END AS hiring_deductible_tax,
  coalesce(qa.restricted_industry, false) AS restricted_industry,
  -- The same answer for the six taxes and two fees' small low-profit status, of the return its head count
  -- and assets are read from (slpe_status_employees): the annual return that counts, or, before a new
  -- enterprise's first, its prepayment returns; none answering is no sign of such an industry.
  CASE s.slpe_from WHEN 'counted' THEN coalesce(ya.counted_restricted, false) WHEN 'later' THEN coalesce(ya.later_restricted, false) WHEN 'quarter' THEN coalesce(qe.restricted_industry, false) END AS slpe_status_restricted_industry
FROM t LEFT JOIN agg a USING (credit_code) LEFT JOIN e USING (credit_code) LEFT JOIN l USING (credit_code) LEFT JOIN y USING (credit_code) LEFT JOIN h USING (credit_code) LEFT JOIN v USING (credit_code) LEFT JOIN qa USING (credit_code) LEFT JOIN qe USING (credit_code) LEFT JOIN ya USING (credit_code) -- [city]
FROM t CROSS JOIN agg a CROSS JOIN e CROSS JOIN l CROSS JOIN y CROSS JOIN h CROSS JOIN v CROSS JOIN qa CROSS JOIN qe CROSS JOIN ya -- [one]
-- How the VAT is filed (vat_monthly_filer, above), once for the figures that are a monthly or a quarterly filer's.
CROSS JOIN LATERAL (SELECT CASE WHEN coalesce(v.vat_returns, 0) = 0 THEN NULL WHEN v.vat_spanning THEN false WHEN v.vat_returns >= 2 THEN true ELSE NOT v.vat_last_month_only OR t.vat_status = 'general' END AS vat_monthly_filer) m
-- Which return small low-profit status for the six taxes and two fees is read from (the branches of
-- cit_annual_taxable_income and before_first_cit_annual): the annual return that counts, a later one (a
-- new enterprise's first, once filed), or, before it, the prepayment returns; none for a non-enterprise.
CROSS JOIN LATERAL (SELECT CASE WHEN t.kind <> 'enterprise' THEN NULL
       WHEN t.registered_on < $annual_start::DATE OR (t.registered_on <= $annual_end::DATE AND y.counted_filed_on <= $end::DATE) THEN 'counted'
       WHEN t.registered_on > $annual_end::DATE AND y.later_income IS NOT NULL THEN 'later'
       ELSE 'quarter' END AS slpe_from) s
RETURNING * -- [one]
;
