-- The facts of every taxpayer (or one, $only) for the quarter $start..$end, as of $computed_at.
-- Amounts come from the returns: a quarter whose return of a tax type is not filed yet gives NULL
-- (unknown), never 0. The quarter averages of head count and assets come from what the CIT prepayment
-- returns report (cit_quarter_info), the registration's figures where no return of the year reports
-- them; small low-profit status for the six taxes and two fees reads the annual returns' (cit_annual_info)
-- or, for a new enterprise, those at the quarter's end. What none carries comes from other departments
-- (employment_report, enterprise_list) or is unknown.
-- $month_start and $year_start are the first days of the quarter's last month and of its year;
-- $annual_start and $annual_end the first and last days of the year whose annual CIT return counts
-- for the quarter; $halving_codes the reduction codes of the six taxes and two fees' halving of the
-- surcharges, $education_codes those of the education surcharges' small-sales exemption and
-- $vat_exemption_codes those of the small-scale VAT exemption, comma-separated; $education_monthly_limit and $education_quarterly_limit the exemption's lines.
--
-- Two forms in one text (src/match/match.ts keeps the lines of one): a line ending in `-- [city]`
-- belongs to the city-wide form, one ending in `-- [one]` to the single-taxpayer form, which looks
-- the taxpayer up by credit code in every table (an index scan where `zhishu serve` made the
-- serving indexes) and aggregates its returns without grouping or joining (a hash table for one
-- taxpayer costs more than its rows), then gives the row back to match it at once.
INSERT INTO taxpayer_fact
WITH t AS (
  SELECT * FROM taxpayer
  WHERE registered_on <= $end::DATE
    AND credit_code = $only -- [one]
), r AS MATERIALIZED ( -- [one]
  -- The taxpayer's returns by the serving index, once for both reads below. DuckDB scans by an index -- [one]
  -- only when the credit code is the scan's one filter (another filter makes it read the table and -- [one]
  -- rely on the row groups' ranges, which the order of loading decides): the rest is applied after. -- [one]
  SELECT * FROM filing WHERE credit_code = $only -- [one]
), f AS (
  SELECT credit_code, tax_type, period_start, period_end, tax_base, tax_payable, special_invoice_sales, filed_on IS NOT NULL AS filed
  FROM filing -- [city]
  FROM r -- [one]
  WHERE period_end > ($end::DATE - INTERVAL 12 MONTH) AND period_end <= $end::DATE
    -- Only the returns an aggregate below reads: the VAT of the year, the CIT and business income of
    -- the year so far, the rest of the quarter. The others were half of the year's rows and the
    -- grouping's cost (the facts of a million taxpayers: 24 million rows grouped).
    AND (tax_type = 'vat' OR (tax_type IN ('cit', 'iitBusiness') AND period_end >= $year_start::DATE) OR (tax_type IN ('surcharges', 'iit') AND period_end >= $start::DATE))
), rr AS MATERIALIZED ( -- [one]
  SELECT * FROM filing_reduction WHERE credit_code = $only -- [one]
), h AS (
  -- The six taxes and two fees' halving claimed on the quarter's surcharges returns. The returns give
  -- what is payable after it; the halving is estimated on the levy before it (本期应纳税（费）额), so
  -- surcharges_payable adds it back. Read as payable, a claimer's estimate was half its relief.
  -- And the education surcharges' small-sales exemption claimed on them: the halving works on what the
  -- exemption leaves, which the returns show only where it was claimed (law/policies).
  SELECT credit_code, -- [city]
  SELECT -- [one]
    sum(amount) FILTER (WHERE tax_type = 'surcharges' AND list_contains(string_split($halving_codes, ','), reduction_code)) AS halved,
    sum(amount) FILTER (WHERE tax_type = 'surcharges' AND list_contains(string_split($education_codes, ','), reduction_code)) AS education_claimed,
    sum(amount) FILTER (WHERE tax_type = 'vat' AND list_contains(string_split($vat_exemption_codes, ','), reduction_code)) AS vat_exemption_claimed
  FROM filing_reduction -- [city]
  FROM rr -- [one]
  WHERE tax_type IN ('surcharges', 'vat') AND period_end >= $start::DATE AND period_end <= $end::DATE
    AND (list_contains(string_split($halving_codes, ','), reduction_code) OR list_contains(string_split($education_codes, ','), reduction_code)
         OR list_contains(string_split($vat_exemption_codes, ','), reduction_code))
  GROUP BY credit_code -- [city]
), agg AS (
  SELECT credit_code, -- [city]
  SELECT -- [one]
    -- A taxpayer alone: the aggregates of `v` (below), over its returns. -- [one]
    count(*) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) AS vat_returns, -- [one]
    bool_or(date_trunc('month', period_start) <> date_trunc('month', period_end)) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) AS vat_spanning, -- [one]
    bool_and(period_start >= $month_start::DATE) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) AS vat_last_month_only, -- [one]
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end)) THEN min(tax_base) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end)) END AS lowest_monthly_sales, -- [one]
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end)) THEN coalesce(sum(tax_payable) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end) AND tax_base <= $education_monthly_limit::DECIMAL(18,2)), 0) END AS exempt_months_vat_payable, -- [one]
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end)) THEN max(tax_base) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end)) END AS highest_monthly_sales, -- [one]
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end)) THEN coalesce(sum(tax_base) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end) AND (tax_base < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND tax_base = $vat_monthly_line::DECIMAL(18,2)))), 0) END AS exempt_months_sales, -- [one]
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end)) THEN coalesce(sum(tax_payable) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end) AND (tax_base < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND tax_base = $vat_monthly_line::DECIMAL(18,2)))), 0) END AS exempt_months_vat, -- [one]
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end)) THEN (list(tax_payable ORDER BY tax_base, period_start, period_end) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end)))[1] END AS lowest_month_vat, -- [one]
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end)) THEN coalesce(sum(special_invoice_sales) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end) AND (tax_base < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND tax_base = $vat_monthly_line::DECIMAL(18,2)))), 0) END AS exempt_months_special, -- [one]
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end)) THEN coalesce((list(special_invoice_sales ORDER BY tax_base, period_start, period_end) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE AND date_trunc('month', period_start) = date_trunc('month', period_end)))[1], 0) END AS lowest_month_special, -- [one]
    sum(datediff('day', period_start, period_end) + 1) FILTER (WHERE tax_type = 'cit' AND period_end >= $year_start::DATE) AS cit_days, -- [one]
    sum(datediff('day', period_start, period_end) + 1) FILTER (WHERE tax_type = 'iitBusiness' AND period_end >= $year_start::DATE) AS business_days, -- [one]
    -- a sum over returns is known only when every one of them is filed
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) THEN sum(tax_base) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) END AS quarterly_sales,
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end = $end::DATE AND period_start >= $month_start::DATE) THEN sum(tax_base) FILTER (WHERE tax_type = 'vat' AND period_end = $end::DATE AND period_start >= $month_start::DATE) END AS monthly_sales,
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat') THEN sum(tax_base) FILTER (WHERE tax_type = 'vat') END AS annual_sales,
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) THEN sum(tax_payable) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) END AS vat_payable,
    -- of the quarter's sales, those on special invoices, as the returns say (a return that does not say: none)
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE) THEN coalesce(sum(special_invoice_sales) FILTER (WHERE tax_type = 'vat' AND period_end >= $start::DATE), 0) END AS special_sales,
    CASE WHEN bool_and(filed) FILTER (WHERE tax_type = 'surcharges' AND period_end >= $start::DATE) THEN sum(tax_payable) FILTER (WHERE tax_type = 'surcharges' AND period_end >= $start::DATE) END AS surcharges_payable,
    -- The taxes the hiring reliefs deduct from, in that order, within what is actually due (依次扣减增值税、
    -- 城市维护建设税、教育费附加、地方教育附加和企业所得税; 财政部 税务总局 人力资源社会保障部 农业农村部公告2023年
    -- 第15号 第二条, 财政部 税务总局 退役军人事务部公告2023年第14号 第二条): the quarter's VAT, surcharges and
    -- CIT as its returns give them (a partnership or sole proprietorship files no CIT), known when its VAT
    -- returns are there, an enterprise's CIT return too, and all of the three are filed.
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
), v AS ( -- [city]
  -- The city's: of the quarter's VAT returns and the year's CIT and business-income returns only. As
  -- more aggregates of `agg`, over a year of every return, the facts of 100,000 taxpayers took about
  -- 1.1 s instead of 0.6; in a CTE of its own, about 0.75 s. A taxpayer alone has them in `agg` (the
  -- lines marked [one] there), where a re-match spends less on planning them.
  -- The education surcharges' small-sales exemption is judged on each month of a monthly filer and on
  -- the quarter of a quarterly one (财税〔2016〕12号 第一条): how the VAT is filed, the lowest month, and
  -- the VAT of the months within $education_monthly_limit (its parameter at the quarter's end). A return
  -- within one calendar month is a month's; one of the quarter's last month alone may also be the
  -- quarter's return of a taxpayer registered in that month, which the VAT status decides (below).
  -- The lowest month's VAT and special-invoice sales come from one arg_min over a struct: as ordered
  -- lists (list(... ORDER BY tax_base, period_start, period_end)[1], as a taxpayer alone still has them, where
  -- arg_min measured no faster) each taxpayer's months were sorted twice, and the facts of a million
  -- taxpayers took 30 to 34 s against 24 s on one machine. Of months of equal sales the earliest, and
  -- of those the one ending first: the return's natural key ends with period_end, so without it two
  -- returns of one start (a month's and its first half's) tie, and the forms could take either.
  -- The days of the year the CIT and business-income returns on record cover: a figure of the year so
  -- far is known only when they cover it from the year's start (or the registration) to the quarter's
  -- end. Data that begins in October gave a fourth quarter's income as the year's.
  SELECT credit_code, -- [city]
    count(*) FILTER (WHERE vq) AS vat_returns, -- [city]
    bool_or(NOT in_month) FILTER (WHERE vq) AS vat_spanning, -- [city]
    bool_and(period_start >= $month_start::DATE) FILTER (WHERE vq) AS vat_last_month_only, -- [city]
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN min(tax_base) FILTER (WHERE vq AND in_month) END AS lowest_monthly_sales, -- [city]
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN coalesce(sum(tax_payable) FILTER (WHERE vq AND in_month AND tax_base <= $education_monthly_limit::DECIMAL(18,2)), 0) END AS exempt_months_vat_payable, -- [city]
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN max(tax_base) FILTER (WHERE vq AND in_month) END AS highest_monthly_sales, -- [city]
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN coalesce(sum(tax_base) FILTER (WHERE vq AND in_month AND (tax_base < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND tax_base = $vat_monthly_line::DECIMAL(18,2)))), 0) END AS exempt_months_sales, -- [city]
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN coalesce(sum(tax_payable) FILTER (WHERE vq AND in_month AND (tax_base < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND tax_base = $vat_monthly_line::DECIMAL(18,2)))), 0) END AS exempt_months_vat, -- [city]
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN (arg_min({vat: tax_payable, special: special_invoice_sales}, {b: tax_base, s: period_start, e: period_end}) FILTER (WHERE vq AND in_month)).vat END AS lowest_month_vat, -- [city]
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN coalesce(sum(special_invoice_sales) FILTER (WHERE vq AND in_month AND (tax_base < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND tax_base = $vat_monthly_line::DECIMAL(18,2)))), 0) END AS exempt_months_special, -- [city]
    CASE WHEN bool_and(filed) FILTER (WHERE vq AND in_month) THEN coalesce((arg_min({vat: tax_payable, special: special_invoice_sales}, {b: tax_base, s: period_start, e: period_end}) FILTER (WHERE vq AND in_month)).special, 0) END AS lowest_month_special, -- [city]
    sum(days) FILTER (WHERE tax_type = 'cit') AS cit_days, -- [city]
    sum(days) FILTER (WHERE tax_type = 'iitBusiness') AS business_days -- [city]
  FROM ( -- [city]
    SELECT credit_code, tax_type, period_start, period_end, tax_base, tax_payable, special_invoice_sales, filed_on IS NOT NULL AS filed, tax_type = 'vat' AS vq, -- [city]
      date_trunc('month', period_start) = date_trunc('month', period_end) AS in_month, datediff('day', period_start, period_end) + 1 AS days -- [city]
    FROM filing -- [city]
    WHERE period_end <= $end::DATE -- [city]
      AND ((tax_type = 'vat' AND period_end >= $start::DATE) OR (tax_type IN ('cit', 'iitBusiness') AND period_end >= $year_start::DATE)) -- [city]
  ) -- [city]
  GROUP BY credit_code -- [city]
), e AS (
  -- Head counts from other departments (employment_report): the hires of the quarter's year, and
  -- disabled employees, an average over a year, of the latest year reported of this one and the one
  -- before (the fund is declared for the year past). Of reports of one year and kind the latest counts.
  SELECT credit_code, -- [city]
  SELECT -- [one]
    (array_agg(headcount ORDER BY year DESC, reported_on DESC) FILTER (WHERE kind = 'disabledEmployees'))[1] AS disabled_employees,
    (array_agg(headcount ORDER BY reported_on DESC) FILTER (WHERE kind = 'keyGroupHires' AND year = year($end::DATE)))[1] AS key_group_hires,
    (array_agg(headcount ORDER BY reported_on DESC) FILTER (WHERE kind = 'veteranHires' AND year = year($end::DATE)))[1] AS veteran_hires
  FROM employment_report
  WHERE year >= year($end::DATE) - 1 AND year <= year($end::DATE)
    AND credit_code = $only -- [one]
  GROUP BY credit_code -- [city]
), qr AS MATERIALIZED ( -- [one]
  SELECT * FROM cit_quarter_info WHERE credit_code = $only -- [one]
), qa AS (
  -- Head count and assets as the CIT prepayment returns of the year so far report them: each quarter's
  -- (start + end) ÷ 2, averaged over the quarters reported (财政部 税务总局公告2023年第12号; the prepayment
  -- judges the year to the period's end, 国家税务总局公告2023年第6号 第二条), the form's 截至本期末季度平均值.
  -- Rounded up, to a whole person and to the fen: a limit of whole people or fen holds of the rounded
  -- figure exactly when it holds of the average (300.25 people is over 300, and so is 301).
  SELECT credit_code, -- [city]
  SELECT -- [one]
    ((sum(employees_start + employees_end) + 2 * count(*) - 1) // (2 * count(*)))::BIGINT AS employees,
    -- Each column summed on its own: DuckDB adds two DECIMAL(18,2) as DECIMAL(18,2), which a mistyped
    -- figure of 16 digits overflows; sum() gives DECIMAL(38,2).
    ((((sum(assets_start) + sum(assets_end)) * 100)::HUGEINT + 2 * count(*) - 1) // (2 * count(*)))::DECIMAL(18,0) * 0.01 AS assets,
    -- 国家限制或禁止行业: a year in which one of its returns says 是 is a year in such an industry (the
    -- relief is settled on the year); none answering, or none filed, is no sign of one.
    bool_or(restricted_industry) AS restricted_industry
  FROM cit_quarter_info -- [city]
  FROM qr -- [one]
  WHERE period_end >= $year_start::DATE AND period_end <= $end::DATE
  GROUP BY credit_code -- [city]
), qe AS (
  -- A new enterprise's head count and assets for the six taxes and two fees until its first annual return
  -- counts: those at the end of the month before the returns are filed (申报期上月末, 国家税务总局公告2022年
  -- 第3号 第一条第二项), the quarter's last month for the quarter's returns, as the latest CIT prepayment
  -- return to the quarter's end reports them at its own end. Only an enterprise registered in the year
  -- whose return counts or later is new, so earlier returns are not read.
  SELECT credit_code, -- [city]
  SELECT -- [one]
    arg_max(employees_end, period_end) AS employees, arg_max(assets_end, period_end) AS assets,
    -- 国家限制或禁止行业 as restricted_industry reads it (qa), over the same returns.
    bool_or(restricted_industry) AS restricted_industry
  FROM cit_quarter_info -- [city]
  FROM qr -- [one]
  WHERE period_end >= $annual_start::DATE AND period_end <= $end::DATE
  GROUP BY credit_code -- [city]
), ar AS MATERIALIZED ( -- [one]
  SELECT * FROM cit_annual_info WHERE credit_code = $only -- [one]
), ya AS (
  -- The head count and assets the annual returns of `y` (below) report: with their income they decide
  -- small low-profit status for the six taxes and two fees (财政部 税务总局公告2022年第10号 第三条:
  -- 以企业所得税年度汇算清缴结果为准).
  SELECT credit_code, -- [city]
  SELECT -- [one]
    max(employees) FILTER (WHERE period_end = $annual_end::DATE) AS counted_employees,
    max(total_assets) FILTER (WHERE period_end = $annual_end::DATE) AS counted_assets,
    max(employees) FILTER (WHERE period_end > $annual_end::DATE) AS later_employees,
    max(total_assets) FILTER (WHERE period_end > $annual_end::DATE) AS later_assets,
    bool_or(restricted_industry) FILTER (WHERE period_end = $annual_end::DATE) AS counted_restricted,
    bool_or(restricted_industry) FILTER (WHERE period_end > $annual_end::DATE) AS later_restricted
  FROM cit_annual_info -- [city]
  FROM ar -- [one]
  WHERE period_end >= $annual_end::DATE AND period_end < $year_start::DATE
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
  FROM filing -- [city]
  FROM r -- [one]
  WHERE tax_type = 'citAnnual' AND period_end >= $annual_end::DATE AND period_end < $year_start::DATE
  GROUP BY credit_code -- [city]
)
SELECT t.credit_code, $period AS period, $start::DATE AS period_start, $end::DATE AS period_end, $computed_at::TIMESTAMP AS computed_at,
  t.kind, t.vat_status, t.industry, left(t.industry, 1) AS industry_section, t.district, t.collection_mode, t.credit_level, t.registered_on,
  t.employees, t.total_assets,
  CASE WHEN cit_days >= datediff('day', greatest($year_start::DATE, t.registered_on), $end::DATE) + 1 THEN a.taxable_income END AS taxable_income,
  a.quarterly_taxable_income, a.monthly_sales, a.quarterly_sales, a.annual_sales,
  a.vat_payable, a.surcharges_payable + coalesce(h.halved, 0) AS surcharges_payable, a.wages_paid, t.rnd_expense,
  t.high_tech AND (t.high_tech_until IS NULL OR t.high_tech_until >= $end::DATE) AS high_tech,
  datediff('month', t.registered_on, $end::DATE) AS months_registered,
  CASE WHEN business_days >= datediff('day', greatest($year_start::DATE, t.registered_on), $end::DATE) + 1 THEN a.business_income END AS business_income,
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
  vat_monthly_filer,
  CASE WHEN vat_monthly_filer THEN lowest_monthly_sales END AS lowest_monthly_sales,
  CASE WHEN vat_monthly_filer THEN exempt_months_vat_payable END AS exempt_months_vat_payable,
  coalesce(qa.employees, t.employees) AS average_employees, coalesce(qa.assets, t.total_assets)::DECIMAL(18,2) AS average_total_assets,
  qa.employees IS NOT NULL AS quarter_figures_reported,
  -- Small low-profit status for the six taxes and two fees: the head count and assets of the annual return
  -- whose income cit_annual_taxable_income is (the branches of before_first_cit_annual above), or, before
  -- the first, those at the quarter's end; the registered figures where no return reports them.
  CASE slpe_from WHEN 'counted' THEN coalesce(ya.counted_employees, t.employees) WHEN 'later' THEN coalesce(ya.later_employees, t.employees) WHEN 'quarter' THEN coalesce(qe.employees, t.employees) END AS slpe_status_employees,
  CASE slpe_from WHEN 'counted' THEN coalesce(ya.counted_assets, t.total_assets) WHEN 'later' THEN coalesce(ya.later_assets, t.total_assets) WHEN 'quarter' THEN coalesce(qe.assets, t.total_assets) END AS slpe_status_total_assets,
  CASE slpe_from WHEN 'counted' THEN ya.counted_employees IS NOT NULL WHEN 'later' THEN ya.later_employees IS NOT NULL WHEN 'quarter' THEN qe.employees IS NOT NULL END AS slpe_status_figures_reported,
  CASE WHEN vat_monthly_filer THEN highest_monthly_sales END AS highest_monthly_sales,
  -- The small-scale VAT exemption's line, by how the VAT is filed (增值税法 第二十三条; 财政部 税务总局公告
  -- 2026年第10号; before 2026 the announcements' 不超过, the amount itself within: $vat_line_inclusive):
  -- the sales it covers when it holds (a monthly filer's months within the line, or its lowest month when
  -- none is; a quarterly filer's quarter) and those taxed at the reduced rate: what it leaves taxed, and of
  -- what it covers, the sales on special invoices (small_scale_special_sales, below).
  CASE WHEN t.vat_status <> 'smallScale' THEN NULL
       WHEN vat_monthly_filer THEN CASE WHEN (lowest_monthly_sales < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND lowest_monthly_sales = $vat_monthly_line::DECIMAL(18,2))) THEN exempt_months_sales ELSE lowest_monthly_sales END
       WHEN NOT vat_monthly_filer THEN a.quarterly_sales END AS small_scale_exemption_sales,
  CASE WHEN t.vat_status <> 'smallScale' THEN NULL
       WHEN vat_monthly_filer THEN a.quarterly_sales - exempt_months_sales + exempt_months_special
       WHEN NOT vat_monthly_filer THEN CASE WHEN (a.quarterly_sales < $vat_quarterly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND a.quarterly_sales = $vat_quarterly_line::DECIMAL(18,2))) THEN a.special_sales ELSE a.quarterly_sales END END AS small_scale_taxed_sales,
  -- The VAT the education surcharges' small-sales exemption covers (财税〔2016〕12号 第一条): a monthly
  -- filer's months within the monthly line (exempt_months_vat_payable), a quarterly filer's quarter within
  -- the quarterly line (the amount itself included), else 0; and what the returns claim of it.
  CASE WHEN vat_monthly_filer THEN exempt_months_vat_payable
       WHEN NOT vat_monthly_filer THEN CASE WHEN a.quarterly_sales <= $education_quarterly_limit::DECIMAL(18,2) THEN a.vat_payable WHEN a.quarterly_sales IS NOT NULL THEN 0 END END AS education_exempt_vat_payable,
  coalesce(h.education_claimed, 0)::DECIMAL(18,2) AS education_exemption_claimed,
  -- The VAT the sales of small_scale_exemption_sales bore on the returns (their months', or the lowest
  -- month's, or the quarter's), and what the returns claim of the exemption: its estimate is no more.
  CASE WHEN t.vat_status <> 'smallScale' THEN NULL
       WHEN vat_monthly_filer THEN CASE WHEN (lowest_monthly_sales < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND lowest_monthly_sales = $vat_monthly_line::DECIMAL(18,2))) THEN exempt_months_vat ELSE lowest_month_vat END
       WHEN NOT vat_monthly_filer THEN a.vat_payable END AS small_scale_exemption_vat_payable,
  coalesce(h.vat_exemption_claimed, 0)::DECIMAL(18,2) AS small_scale_exemption_claimed,
  coalesce(h.halved, 0)::DECIMAL(18,2) AS surcharges_halving_claimed,
  -- Of the sales the exemption line covers (small_scale_exemption_sales), those on special invoices:
  -- the exemption waived for them (国家税务总局公告2026年第4号), they pay the reduced rate.
  CASE WHEN t.vat_status <> 'smallScale' THEN NULL
       WHEN vat_monthly_filer THEN CASE WHEN (lowest_monthly_sales < $vat_monthly_line::DECIMAL(18,2) OR ($vat_line_inclusive::BOOLEAN AND lowest_monthly_sales = $vat_monthly_line::DECIMAL(18,2))) THEN exempt_months_special ELSE lowest_month_special END
       WHEN NOT vat_monthly_filer THEN a.special_sales END AS small_scale_special_sales,
  -- An enterprise files CIT: none of its CIT returns on record, its taxes are not known (a partnership
  -- or sole proprietorship files none, and deducts from its VAT and surcharges alone).
  CASE WHEN t.kind = 'enterprise' AND coalesce(a.cit_returns, 0) = 0 THEN NULL ELSE a.hiring_deductible_tax END AS hiring_deductible_tax,
  coalesce(qa.restricted_industry, false) AS restricted_industry,
  -- The same answer for the six taxes and two fees' small low-profit status, of the return its head count
  -- and assets are read from (slpe_status_employees): the annual return that counts, or, before a new
  -- enterprise's first, its prepayment returns; none answering is no sign of such an industry.
  CASE slpe_from WHEN 'counted' THEN coalesce(ya.counted_restricted, false) WHEN 'later' THEN coalesce(ya.later_restricted, false) WHEN 'quarter' THEN coalesce(qe.restricted_industry, false) END AS slpe_status_restricted_industry
-- The joined rows, each CTE's row as a struct of the same name (t.kind reads its field), and beside them
-- the two choices many figures above follow, computed once a row: as lateral subqueries DuckDB joined
-- every row back to their distinct inputs (docs/policy.md, "What the city's facts statement costs").
FROM (
  SELECT t, a, e, l, y, h, qa, qe, ya,
    -- of `v` in the city's form, of `agg` in a taxpayer's: read unqualified above
    lowest_monthly_sales, exempt_months_vat_payable, highest_monthly_sales, exempt_months_sales, exempt_months_vat,
    lowest_month_vat, exempt_months_special, lowest_month_special, cit_days, business_days,
    -- How the VAT is filed (vat_monthly_filer, above), once for the figures that are a monthly or a quarterly filer's.
    CASE WHEN coalesce(vat_returns, 0) = 0 THEN NULL WHEN vat_spanning THEN false WHEN vat_returns >= 2 THEN true ELSE NOT vat_last_month_only OR t.vat_status = 'general' END AS vat_monthly_filer,
    -- Which return small low-profit status for the six taxes and two fees is read from (the branches of
    -- cit_annual_taxable_income and before_first_cit_annual): the annual return that counts, a later one (a
    -- new enterprise's first, once filed), or, before it, the prepayment returns; none for a non-enterprise.
    CASE WHEN t.kind <> 'enterprise' THEN NULL
       WHEN t.registered_on < $annual_start::DATE OR (t.registered_on <= $annual_end::DATE AND y.counted_filed_on <= $end::DATE) THEN 'counted'
       WHEN t.registered_on > $annual_end::DATE AND y.later_income IS NOT NULL THEN 'later'
       ELSE 'quarter' END AS slpe_from
  FROM t LEFT JOIN agg a USING (credit_code) LEFT JOIN e USING (credit_code) LEFT JOIN l USING (credit_code) LEFT JOIN y USING (credit_code) LEFT JOIN h USING (credit_code) LEFT JOIN v USING (credit_code) LEFT JOIN qa USING (credit_code) LEFT JOIN qe USING (credit_code) LEFT JOIN ya USING (credit_code) -- [city]
  FROM t CROSS JOIN agg a CROSS JOIN e CROSS JOIN l CROSS JOIN y CROSS JOIN h CROSS JOIN qa CROSS JOIN qe CROSS JOIN ya -- [one]
) j
RETURNING * -- [one]
;
