-- Synthetic city: the tables every output query reads (tp, hall_day, filing_v), made once per
-- city after session.sql. They are plain tables of the in-memory scratch database, not TEMP ones,
-- so that every writing connection sees them.
-- Output queries only scan, filter, project and unnest `tp` (order preserving), or
-- end in ORDER BY, so the same seed gives byte-identical files.

-- ------------------------------------------------------------------ taxpayers
-- One row per taxpayer, idx = 0 .. N-1. Attributes other tables need (kind, code,
-- district, size, VAT status, levels of sales and invoice counts, flags) live here.
CREATE OR REPLACE TEMP TABLE tp_base AS
WITH s1 AS (
  SELECT i AS idx, rnd(1, i, 0) < getvariable('enterprise_share') AS ent
  FROM range(getvariable('taxpayers')::BIGINT) r(i)
), s2 AS (
  SELECT idx, ent,
    CASE WHEN NOT ent THEN 'individualBusiness'
         WHEN rnd(2, idx, 0) < getvariable('sole_share') THEN 'soleProprietorship'
         WHEN rnd(2, idx, 0) < getvariable('sole_share') + getvariable('partnership_share') THEN 'partnership'
         ELSE 'enterprise' END AS kind,
    pick(CASE WHEN ent THEN getvariable('district_cum_ent') ELSE getvariable('district_cum_ind') END, rnd(3, idx, 0)) AS dist_no,
    pick(CASE WHEN ent THEN getvariable('section_cum_ent') ELSE getvariable('section_cum_ind') END, rnd(4, idx, 0)) AS sec_no,
    CASE WHEN ent THEN pick(getvariable('size_cum'), rnd(6, idx, 0)) ELSE 5 END AS size_no,
    rnd(7, idx, 0) < CASE WHEN ent THEN getvariable('birth_ent') ELSE getvariable('birth_ind') END AS born_in_window
  FROM s1
), s3 AS (
  SELECT *,
    getvariable('districts')[dist_no] AS district,
    getvariable('sections')[sec_no] AS section,
    CASE WHEN born_in_window
      THEN (getvariable('start_date') + floor(rnd(8, idx, 0) * datediff('day', getvariable('start_date'), mstart(getvariable('months'))))::INTEGER)::DATE
      ELSE greatest(DATE '1980-01-02', (getvariable('start_date') - 1 - floor(-ln(rndp(8, idx, 1)) * getvariable('mean_age_years') * 365.25)::INTEGER)::DATE)
    END AS registered_on
  FROM s2
), s4 AS (
  SELECT *,
    section || lpad((CASE
      WHEN section = 'C' AND rnd(5, idx, 0) < getvariable('c39_share') THEN 39
      WHEN section = 'F' THEN CASE WHEN rnd(5, idx, 0) < (CASE WHEN ent THEN 0.7 ELSE 0.2 END) THEN 51 ELSE 52 END
      ELSE getvariable('section_lo')[sec_no] + floor(rnd(5, idx, 1) * (getvariable('section_hi')[sec_no] - getvariable('section_lo')[sec_no] + 1))
    END)::INTEGER::VARCHAR, 2, '0') AS industry,
    datediff('month', getvariable('start_date'), registered_on) AS reg_m,
    CASE WHEN NOT ent THEN rnd(9, idx, 0) < getvariable('general_ind')
         WHEN size_no >= 3 THEN true
         WHEN size_no = 2 THEN rnd(9, idx, 0) < getvariable('general_small')
         ELSE rnd(9, idx, 0) < getvariable('general_micro') END AS vat_general,
    least(CASE size_no WHEN 1 THEN 9 WHEN 2 THEN 99 WHEN 3 THEN 999 WHEN 4 THEN 1000000 ELSE 19 END,
      greatest(CASE size_no WHEN 2 THEN 10 WHEN 3 THEN 100 WHEN 4 THEN 1000 ELSE 0 END,
        round(exp(getvariable('emp_mu')[size_no] + getvariable('emp_sigma')[size_no] * nrm(10, idx, 0)))))::BIGINT AS employees,
    least(1e14, round(exp(getvariable('assets_mu')[size_no] + getvariable('assets_sigma')[size_no] * nrm(11, idx, 0)), 2)) AS assets,
    -- Organisation part: a bijection of idx onto 0 .. 31^9 - 1.
    (idx * 1000000007 + (hash(getvariable('seed'), 'org') % 26439622160671)::BIGINT) % 26439622160671 AS org
  FROM s3
), s5 AS (
  SELECT *,
    CASE WHEN ent THEN '91440300' ELSE '92440300' END
      || c31(org // 852891037441) || c31(org // 27512614111) || c31(org // 887503681) || c31(org // 28629151)
      || c31(org // 923521) || c31(org // 29791) || c31(org // 961) || c31(org // 31) || c31(org) AS first17,
    getvariable('high_tech_scale')
      * coalesce(getvariable('high_tech_ind_bias')[list_position(getvariable('high_tech_ind_sections'), section)], getvariable('high_tech_other_bias'))
      * CASE WHEN size_no <= 4 THEN getvariable('high_tech_size_bias')[size_no] ELSE 0 END
      * getvariable('high_tech_district_bias')[dist_no] AS p_high_tech,
    registered_on > getvariable('start_date') - INTERVAL 1 YEAR AS young,
    -- sales class: 1 small-scale individual, 2 small-scale enterprise, 3 general individual, 4..7 general micro..large
    CASE WHEN NOT vat_general THEN CASE WHEN ent THEN 2 ELSE 1 END WHEN NOT ent THEN 3 ELSE 3 + size_no END AS sales_class,
    -- invoice class: 1 individual, 2 small-scale enterprise, 3 general, 4 medium, 5 large
    CASE WHEN NOT ent THEN 1 WHEN NOT vat_general THEN 2 WHEN size_no = 3 THEN 4 WHEN size_no = 4 THEN 5 ELSE 3 END AS inv_class
  FROM s4
), s6 AS (
  SELECT *,
    first17 || credit_code_check(first17) AS credit_code,
    kind = 'enterprise' AND rnd(12, idx, 0) < p_high_tech AS high_tech,
    CASE
      WHEN young AND ent THEN 'M'
      WHEN ent THEN CASE WHEN rnd(13, idx, 0) < getvariable('credit_a_by_size')[size_no] THEN 'A'
                         ELSE ['B', 'M', 'C', 'D'][pick(getvariable('credit_rest_cum'), rnd(13, idx, 1))] END
      ELSE ['A', 'B', 'M', 'C', 'D'][pick(getvariable('credit_cum_ind'), rnd(13, idx, 0))]
    END AS credit_level
  FROM s5
), s7 AS (
  SELECT *,
    kind = 'enterprise' AND rnd(14, idx, 0) < getvariable('fast_scale') * getvariable('fast_district_bias')[dist_no]
      * CASE WHEN high_tech THEN getvariable('fast_high_tech_bias') ELSE 1 END AS fast,
    -- log median monthly sales and invoice count of this taxpayer (taxpayer-level draws, correlated 0.7)
    getvariable('sales_mu')[sales_class] + getvariable('sales_sigma')[sales_class] * nrm(15, idx, 0) AS sales_lvl,
    getvariable('inv_mu')[inv_class] + sqrt(greatest(0, getvariable('inv_sigma') ** 2 - getvariable('monthly_sigma') ** 2))
      * (0.7 * nrm(15, idx, 0) + 0.71414 * nrm(16, idx, 0)) AS inv_lvl
  FROM s6
)
SELECT *,
  CASE WHEN fast THEN getvariable('fast_g_min') + rnd(17, idx, 0) * (getvariable('fast_g_max') - getvariable('fast_g_min')) ELSE 0 END AS fast_g,
  ln(1 + greatest(-0.5, getvariable('growth_mean') + getvariable('growth_sd') * nrm(18, idx, 0))) / 12 AS growth,
  greatest(reg_m, 0) AS m0,
  NOT fast AND rnd(19, idx, 0) < CASE WHEN NOT ent THEN getvariable('zero_ind') WHEN vat_general THEN getvariable('zero_general') ELSE getvariable('zero_ss_ent') END AS dormant,
  NOT fast AND rnd(23, idx, 0) < getvariable('abnormal_share') AS abnormal,
  greatest(reg_m, 0) + floor(rnd(24, idx, 0) * greatest(1, getvariable('months') - greatest(reg_m, 0)))::BIGINT AS abn_m,
  rnd(25, idx, 0) < getvariable('paper_user_share') AS paper,
  exp(getvariable('hall_prop_sigma') * nrm(26, idx, 0) - getvariable('hall_prop_sigma') ** 2 / 2) AS hall_prop,
  CASE WHEN vat_general THEN getvariable('general_rate')[sec_no]
       WHEN rnd(27, idx, 0) < getvariable('ss_rate3_share') THEN 0.03 ELSE 0.01 END AS rate,
  getvariable('va_min') + rnd(28, idx, 0) * (getvariable('va_max') - getvariable('va_min')) AS va_share,
  getvariable('margin_mean') + getvariable('margin_sd') * nrm(29, idx, 0) AS margin,
  exp(getvariable('wage_mu') + getvariable('wage_sigma') * nrm(30, idx, 0)) AS wage,
  getvariable('iit_min') + rnd(31, idx, 0) * (getvariable('iit_max') - getvariable('iit_min')) AS iit_rate,
  (CASE WHEN ent THEN getvariable('late_base_ent') ELSE getvariable('late_base_ind') END)
    * CASE credit_level WHEN 'A' THEN 0.3 WHEN 'C' THEN 3 WHEN 'D' THEN 3 ELSE 1 END AS late_p,
  -- party class for invoicing shares: 1 individual business, 2 small-scale enterprise, 3 general enterprise
  CASE WHEN NOT ent THEN 1 WHEN NOT vat_general THEN 2 ELSE 3 END AS vat_class,
  -- the list of enterprises a relief names that it is on (enterprise_list.sql), if any: it does R&D (taxpayer.sql)
  CASE WHEN kind <> 'enterprise' THEN NULL
       WHEN industry = 'C39' AND rnd(77, idx, 0) < getvariable('ic_list_share') THEN 'integratedCircuit'
       WHEN industry = 'C34' AND rnd(77, idx, 0) < getvariable('machine_list_share') THEN 'industrialMotherMachine' END AS on_list
FROM s7;

-- Regular customers of every taxpayer: three general taxpayers (buyers of special
-- invoices) and three enterprises. Six join lookups per taxpayer, done once here so
-- that the invoice queries need no join.
CREATE OR REPLACE TABLE tp AS
WITH g AS (SELECT row_number() OVER (ORDER BY idx) - 1 AS r, credit_code FROM tp_base WHERE vat_general),
e AS (SELECT row_number() OVER (ORDER BY idx) - 1 AS r, credit_code FROM tp_base WHERE ent),
ng AS (SELECT greatest(count(*), 1) AS n FROM g),
ne AS (SELECT greatest(count(*), 1) AS n FROM e),
want AS (
  SELECT idx, k,
    CASE WHEN k < 3 THEN (hash(getvariable('seed'), 900 + k, idx) % ng.n)::BIGINT END AS rg,
    (hash(getvariable('seed'), 900 + k, idx) % ne.n)::BIGINT AS re
  FROM tp_base, range(6) kk(k), ng, ne
),
got AS (
  -- special-invoice customers fall back to any enterprise when the city has no general taxpayer
  SELECT w.idx, w.k, coalesce(g.credit_code, e.credit_code) AS code
  FROM want w LEFT JOIN g ON g.r = w.rg LEFT JOIN e ON e.r = w.re
),
cust AS (
  SELECT idx,
    max(code) FILTER (WHERE k = 0) AS c0, max(code) FILTER (WHERE k = 1) AS c1, max(code) FILTER (WHERE k = 2) AS c2,
    max(code) FILTER (WHERE k = 3) AS c3, max(code) FILTER (WHERE k = 4) AS c4, max(code) FILTER (WHERE k = 5) AS c5
  FROM got GROUP BY idx
)
SELECT b.*, c.c0, c.c1, c.c2, c.c3, c.c4, c.c5,
  -- expected (noise-free) invoice count in the first two months, for fast growers' fixed quota
  ceil5(getvariable('quota_headroom') * greatest(1,
    count_of(b.idx, b.m0, b.inv_lvl, b.fast, b.fast_g, b.growth, b.m0, false, b.reg_m, false, 0),
    count_of(b.idx, b.m0 + 1, b.inv_lvl, b.fast, b.fast_g, b.growth, b.m0, false, b.reg_m, false, 0))) AS fast_quota,
  CASE WHEN NOT b.vat_general THEN getvariable('single_limit')[1] WHEN b.size_no = 4 THEN getvariable('single_limit')[3] ELSE getvariable('single_limit')[2] END AS single_limit
FROM tp_base b JOIN cust c USING (idx)
ORDER BY b.idx;

DROP TABLE tp_base;


-- Taxpayer-months m_from .. m_to - 1 with trading flag, sales and invoice count. Not TEMP, as tp is not:
-- every writing connection calls it (DuckDB binds a table macro's table when the macro is made).
CREATE OR REPLACE MACRO tpm(m_from, m_to) AS TABLE
WITH a AS (SELECT *, unnest(range((m_from)::BIGINT, (m_to)::BIGINT)) AS m FROM tp),
b AS (SELECT *, live(m, dormant, reg_m, abnormal, abn_m) AS is_live, mlog(idx, m, fast, fast_g, growth, m0) AS ml FROM a)
SELECT *,
  CASE WHEN is_live THEN bunch(idx, m, NOT vat_general, exp(sales_lvl + ml)) ELSE 0 END AS sales,
  CASE WHEN is_live THEN least(getvariable('inv_cap'), floor(exp(inv_lvl + ml)))::BIGINT ELSE 0::BIGINT END AS n_inv
FROM b;

-- Working days of every month with the share of a month's hall visits each gets:
-- days 1-15 carry hall_early_share, the last two working days up to the deadline
-- hall_deadline_factor, Mondays hall_monday_factor. cum_lo/cum_hi: inverse CDF.
CREATE OR REPLACE TABLE hall_day AS
WITH d AS (
  SELECT m, (mstart(m) + k::INTEGER)::DATE AS day, k + 1 AS dom, due_after(mstart(m) - 1) AS due
  FROM range(getvariable('months')::BIGINT) a(m), range(31) b(k)
  WHERE k < mdays(m) AND dayofweek(mstart(m) + k::INTEGER) NOT IN (0, 6)
), r AS (
  SELECT *, CASE WHEN day <= due THEN row_number() OVER (PARTITION BY m, day <= due ORDER BY day DESC) END AS back FROM d
), w AS (
  SELECT *, coalesce(back <= 2, false) AS peak,
    (CASE WHEN coalesce(back <= 2, false) THEN getvariable('hall_deadline_factor') ELSE 1 END)
      * (CASE WHEN dayofweek(day) = 1 THEN getvariable('hall_monday_factor') ELSE 1 END) AS wt
  FROM r
), p AS (
  SELECT *, wt * CASE WHEN dom <= 15 THEN getvariable('hall_early_share') / sum(wt) FILTER (WHERE dom <= 15) OVER (PARTITION BY m)
                      ELSE (1 - getvariable('hall_early_share')) / sum(wt) FILTER (WHERE dom > 15) OVER (PARTITION BY m) END AS pr
  FROM w
)
SELECT m, day, dom, peak, pr,
  coalesce(sum(pr) OVER (PARTITION BY m ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS cum_lo,
  CASE WHEN row_number() OVER (PARTITION BY m ORDER BY day DESC) = 1 THEN 2.0 ELSE sum(pr) OVER (PARTITION BY m ORDER BY day) END AS cum_hi
FROM p
ORDER BY m, day;

-- ------------------------------------------------------------------ returns
-- Every return (filing) of the window with its computed amounts, the reductions it
-- claims, whether and when it was paid. filing, filing_reduction, payment and
-- credit_event all read the table filing_v made from this view at the end of this file.
-- VAT: general taxpayers monthly, small-scale quarterly; surcharges on the same return;
-- CIT quarterly for enterprises; IIT withholding monthly for enterprise-coded
-- taxpayers with employees. Periods ending inside the window only.
CREATE OR REPLACE TEMP VIEW filing_calc AS
WITH t0 AS (
  SELECT idx, credit_code, ent, kind, vat_general, employees, assets, registered_on, reg_m, sales_lvl, high_tech, late_p,
    claims_of(idx) AS claims,
    abnormal, abn_m, dormant, rate, va_share, margin, wage, iit_rate, vat_class,
    -- Sales of months -2 .. months - 1 (list position m + 3), drawn once per taxpayer-month: a quarterly
    -- return sums three of them, and VAT, surcharges and CIT of one month read the same ones.
    list_transform(range(-2, getvariable('months')::BIGINT),
      k -> sales_of(idx, k, sales_lvl, NOT vat_general, fast, fast_g, growth, m0, dormant, reg_m, abnormal, abn_m)) AS sl
  FROM tp
), t1 AS (
  SELECT *,
    -- profit of each quarter's CIT or business-income return (0 in other months), so that the small
    -- low-profit test and the cumulative IIT on business income can sum the year so far without a
    -- window over all returns
    list_transform(range(getvariable('months')::BIGINT), q ->
      CASE WHEN mmonth(q) % 3 = 0 THEN greatest(0, round((sl[q + 3] + (sl[q + 2] + sl[q + 1])) * margin, 2))::DECIMAL(18,2)
           ELSE 0::DECIMAL(18,2) END) AS qprofit,
    -- Small low-profit status for the six taxes and two fees, once per general-taxpayer enterprise rather
    -- than per return (per return, the lambdas cost more than the rest of the returns together): on the
    -- annual return of each year from the first that counts in the window (position yr - counted_year(0)
    -- + 1), and on the head count and assets at the end of each month (position m + 1, to the last
    -- month's quarter end). Read by `halve` below.
    CASE WHEN vat_general AND kind = 'enterprise' THEN
      list_transform(range(counted_year(0)::BIGINT, myear(getvariable('months') - 1)::BIGINT + 1), yr ->
        annual_slpe(idx, employees, assets, yr, reg_m, registered_on, sales_lvl, margin, dormant,
                    annual_filed_on(idx, yr, late_p, abnormal, abn_m) IS NOT NULL)) END AS slpe_years,
    CASE WHEN vat_general AND kind = 'enterprise' THEN
      list_transform(range(getvariable('months')::BIGINT + 2), k ->
        quarter_employees(idx, employees, k + 1) <= 300 AND quarter_assets(idx, assets, k + 1) <= 5e7) END AS slpe_month_ends
  FROM t0
), t AS (
  SELECT *, unnest(range(getvariable('months')::BIGINT)) AS m FROM t1
), t2 AS (
  SELECT *, mmonth(m) % 3 = 0 AS qend FROM t WHERE m >= reg_m
), r AS (
  SELECT *, unnest(list_filter([
      {tt: 'vat', g: 1, q: NOT vat_general, ok: vat_general OR qend},
      {tt: 'surcharges', g: 2, q: NOT vat_general, ok: vat_general OR qend},
      {tt: 'cit', g: 3, q: true, ok: kind = 'enterprise' AND qend},
      {tt: 'iit', g: 4, q: false, ok: ent AND employees >= 1},
      -- business income (经营所得) of individual businesses and of the investors of sole
      -- proprietorships and partnerships: quarterly prepayments
      {tt: 'iitBusiness', g: 5, q: true, ok: kind <> 'enterprise' AND qend}
    ], x -> x.ok)) AS f
  FROM t2
), s AS (
  SELECT *,
    f.tt AS tax_type, f.g AS tt_no, f.q AS quarterly,
    -- VAT and surcharges are one return (增值税及附加税费申报表): one lateness draw.
    CASE WHEN f.g <= 2 THEN 1 ELSE f.g END AS ret_no,
    greatest(CASE WHEN f.q THEN mstart(m - 2) ELSE mstart(m) END, registered_on) AS period_start,
    mend(m) AS period_end,
    mdue(m) AS due_date,
    abnormal AND m >= abn_m AS unfiled,
    CASE WHEN f.q THEN sl[m + 3] + (sl[m + 2] + sl[m + 1]) ELSE sl[m + 3] END AS period_sales
  FROM r
), s2 AS (
  -- A small-scale return's sales on special invoices (增值税专用发票不含税销售额): what the month's invoices
  -- are expected to put on them (invoice.sql draws each invoice around the same shares), not their sum.
  -- Under the exemption's line a claimer waives the exemption for them and pays 1 % (国家税务总局公告2023年
  -- 第1号 第四条、第五条; 2026年第4号): the VAT return says them, its surcharges row is levied on that 1 %.
  SELECT *,
    CASE WHEN NOT vat_general THEN
      round(period_sales * getvariable('invoiced_share')[vat_class] * getvariable('special_share')[vat_class], 2)::DECIMAL(18,2)
    END AS special_sales
  FROM s
), a AS (
  SELECT *,
    NOT unfiled AND rnd(60, idx, m * 10 + ret_no) < late_p AS late,
    round(period_sales, 2)::DECIMAL(18,2) AS sales_d,
    CASE WHEN tax_type = 'vat' AND NOT vat_general THEN CASE WHEN unfiled THEN 0 ELSE special_sales END END::DECIMAL(18,2) AS special_d,
    CASE WHEN vat_general THEN round(period_sales * rate * va_share, 2)
         WHEN NOT claims THEN round(period_sales * 0.03, 2)
         WHEN period_sales <= 300000 THEN round(special_sales * 0.01, 2)
         ELSE round(period_sales * 0.01, 2) END::DECIMAL(18,2) AS vat_pay,
    greatest(0, round(period_sales * margin, 2))::DECIMAL(18,2) AS profit,
    CASE WHEN dormant THEN 0 ELSE round(employees * wage, 2) END::DECIMAL(18,2) AS wages,
    -- the six taxes and two fees: small low-profit status by the annual return that counts for the
    -- month's quarter (its income, head count and assets); an enterprise registered in that year or later
    -- by its first return once filed by the quarter's end, until then by head count and assets at the
    -- quarter's end (国家税务总局公告2022年第3号; the facts read a prepayment return's, which are these
    -- unless the quarter's is not filed), as the facts read it. An established enterprise's return not
    -- filed (an abnormal taxpayer) leaves the facts unknown; its claims follow its figures (slpe_years,
    -- slpe_month_ends above). Decided on the surcharges' rows alone, the one place it is read.
    CASE WHEN tax_type <> 'surcharges' OR NOT claims THEN false
         WHEN NOT vat_general OR NOT ent THEN true
         WHEN kind <> 'enterprise' THEN false
         WHEN registered_on < make_date(counted_year(m), 1, 1)
           OR (registered_on <= make_date(counted_year(m), 12, 31)
               AND annual_filed_on(idx, counted_year(m), late_p, abnormal, abn_m) <= mend(qend(m)))
           THEN slpe_years[counted_year(m) - counted_year(0) + 1]
         WHEN counted_year(m) + 1 < myear(qend(m)) AND registered_on > make_date(counted_year(m), 12, 31)
           AND registered_on <= make_date(counted_year(m) + 1, 12, 31)
           AND annual_filed_on(idx, counted_year(m) + 1, late_p, abnormal, abn_m) <= mend(qend(m))
           THEN slpe_years[counted_year(m) + 1 - counted_year(0) + 1]
         ELSE slpe_month_ends[qend(m) + 1] END AS halve
  FROM s2
), a2 AS (
  -- CIT prepayments judge the small low-profit limits on the year so far (国家税务总局公告2023年第6号):
  -- income to the end of the quarter (the quarters of this year since the window or the taxpayer began),
  -- with the head count and assets averaged over the same quarters as their returns report them
  -- (cit_quarter_info.sql: each quarter's start and end, its period starting at the registration at the
  -- earliest), compared in whole people and fen as sums: an average within a limit is a sum within
  -- twice the limit for each quarter.
  -- IIT on business income is prepaid on the year so far too (the tax is cumulative).
  SELECT *,
    CASE WHEN tax_type IN ('cit', 'iitBusiness') THEN list_sum(qprofit[greatest(0, reg_m, m - mmonth(m) + 1) + 1 : m + 1]) END AS ytd_profit,
    CASE WHEN tax_type = 'cit' THEN list_filter(range(greatest(0, reg_m, m - mmonth(m) + 1), m + 1), q -> mmonth(q) % 3 = 0) END AS ytd_quarters,
    CASE WHEN tax_type = 'cit' THEN kind = 'enterprise'
      AND list_sum(list_transform(ytd_quarters, q -> quarter_employees(idx, employees, greatest(q - 2, reg_m)) + quarter_employees(idx, employees, q + 1)))
        <= 600 * len(ytd_quarters)
      AND list_sum(list_transform(ytd_quarters, q -> quarter_assets(idx, assets, greatest(q - 2, reg_m)) + quarter_assets(idx, assets, q + 1)))
        <= 100000000 * len(ytd_quarters)
      AND ytd_profit <= 3e6 END AS slpe_ytd
  FROM a
), a3 AS (
  SELECT *,
    CASE WHEN tax_type = 'iitBusiness' AND kind = 'individualBusiness' THEN iit_business_halving(ytd_profit, profit) ELSE 0 END AS business_halving,
    -- The education surcharges' small-sales exemption (财税〔2016〕12号 第一条): a month's sales within
    -- 100,000, a quarter's within 300,000, the amount itself included; claimed by those that claim.
    tax_type = 'surcharges' AND claims AND sales_d <= CASE WHEN quarterly THEN 300000 ELSE 100000 END AS edu_exempt
  FROM a2
), b AS (
  SELECT *,
    CASE WHEN unfiled THEN NULL
         WHEN late THEN due_date + 1 + (CASE WHEN rnd(61, idx, m * 10 + ret_no) < getvariable('cured30')
                                             THEN floor(rnd(62, idx, m * 10 + ret_no) * 30)
                                             ELSE 30 + floor(rnd(62, idx, m * 10 + ret_no) * 60) END)::INTEGER
         ELSE period_end + 1 + floor(rnd(63, idx, m * 10 + ret_no) ** 1.5 * datediff('day', period_end, due_date))::INTEGER
    END::DATE AS filed_on,
    round(vat_pay * 0.07, 2) + round(vat_pay * 0.03, 2) + round(vat_pay * 0.02, 2) AS sur_full,
    -- The exemption first, then the halving on what it leaves (2023年第12号 第三条: 叠加享受).
    CASE WHEN edu_exempt THEN round(vat_pay * 0.03, 2) + round(vat_pay * 0.02, 2) ELSE 0 END AS edu_off,
    CASE WHEN halve THEN round(round(vat_pay * 0.07, 2) * 0.5, 2)
                         + CASE WHEN edu_exempt THEN 0 ELSE round(round(vat_pay * 0.03, 2) * 0.5, 2) + round(round(vat_pay * 0.02, 2) * 0.5, 2) END
         ELSE round(vat_pay * 0.07, 2) + CASE WHEN edu_exempt THEN 0 ELSE round(vat_pay * 0.03, 2) + round(vat_pay * 0.02, 2) END END AS sur_pay
  FROM a3
), c AS (
  SELECT *,
    CASE WHEN unfiled THEN 0
         WHEN tax_type = 'vat' THEN sales_d
         WHEN tax_type = 'surcharges' THEN vat_pay
         WHEN tax_type IN ('cit', 'iitBusiness') THEN profit
         ELSE wages END::DECIMAL(18,2) AS tax_base,
    CASE WHEN unfiled THEN 0
         WHEN tax_type = 'vat' THEN vat_pay
         WHEN tax_type = 'surcharges' THEN sur_pay
         WHEN tax_type = 'cit' THEN CASE WHEN NOT claims THEN round(profit * 0.25, 2) WHEN high_tech THEN round(profit * 0.15, 2) WHEN slpe_ytd THEN round(profit * 0.05, 2) ELSE round(profit * 0.25, 2) END
         WHEN tax_type = 'iitBusiness' THEN iit_business_tax(ytd_profit) - iit_business_tax(ytd_profit - profit) - CASE WHEN claims THEN business_halving ELSE 0 END
         ELSE round(wages * iit_rate, 2) END::DECIMAL(18,2) AS tax_payable,
    CASE WHEN unfiled OR NOT claims THEN []
         WHEN tax_type = 'vat' AND NOT vat_general AND sales_d > 0 THEN
           CASE WHEN period_sales <= 300000 THEN list_filter([{code: getvariable('code_vat_exempt'), amount: round((sales_d - special_d) * 0.03, 2)},
                                                              {code: getvariable('code_vat_rate_cut'), amount: round(special_d * 0.02, 2)}], x -> x.amount > 0)
                ELSE [{code: getvariable('code_vat_rate_cut'), amount: round(sales_d * 0.02, 2)}] END
         WHEN tax_type = 'surcharges' THEN list_filter([{code: getvariable('code_education_exemption'), amount: edu_off},
                                                        {code: getvariable('code_surcharge_halving'), amount: sur_full - edu_off - sur_pay}], x -> x.amount > 0)
         WHEN tax_type = 'cit' AND profit > 0 AND high_tech THEN [{code: getvariable('code_cit_high_tech'), amount: round(profit * 0.10, 2)}]
         WHEN tax_type = 'cit' AND profit > 0 AND slpe_ytd THEN [{code: getvariable('code_cit_slpe'), amount: round(profit * 0.20, 2)}]
         WHEN tax_type = 'iitBusiness' AND business_halving > 0 THEN [{code: getvariable('code_iit_business_halving'), amount: business_halving}]
         ELSE [] END AS reductions
  FROM b
)
SELECT *,
  NOT unfiled AND tax_payable > 0 AS paid,
  CASE WHEN unfiled OR tax_payable <= 0 THEN NULL
       WHEN late THEN filed_on
       WHEN rnd(64, idx, m * 10 + tt_no) < getvariable('late_pay_share') THEN (due_date + 1 + floor(rnd(65, idx, m * 10 + tt_no) * 20)::INTEGER)::DATE
       ELSE filed_on END AS paid_on
FROM c;

-- Annual CIT returns (企业所得税年度纳税申报, tax type citAnnual) of every enterprise, for each calendar
-- year from the one that counts for the window's first month (counted_year) to the one before its last
-- month's, due by 31 May of the next (the window 2025-10 .. 2026-09: the returns of 2024 and 2025). The
-- one that counts for a quarter decides small low-profit status for the six taxes and two fees
-- (国家税务总局公告2022年第3号). The year's taxable income is the expected profit of the months
-- registered in it (annual_income); the surcharge halving above reads the same figure. They carry no
-- reductions: the year's reliefs are claimed on the prepayments the ledger counts. The balance of the
-- year is taken as settled by the prepayments, so no payment. A return due after an abnormal taxpayer
-- stopped filing is not filed; one filed late is a credit event, as any return.
CREATE OR REPLACE TEMP VIEW annual_calc AS
WITH y AS (
  SELECT tp.*, yr,
    make_date(yr, 12, 31) AS period_end,
    greatest(make_date(yr, 1, 1), registered_on) AS period_start,
    annual_due(yr) AS due_date,
    annual_filed_on(idx, yr, late_p, abnormal, abn_m) AS filed_on,
    annual_income(yr, registered_on, sales_lvl, margin, dormant) AS income,
    claims_of(idx) AS claims
  FROM tp, range(counted_year(0)::BIGINT, myear(getvariable('months') - 1)::BIGINT) r(yr)
  WHERE kind = 'enterprise' AND registered_on <= make_date(yr, 12, 31)
)
SELECT idx, credit_code, 'citAnnual' AS tax_type, 6 AS tt_no, period_start, period_end, due_date, filed_on,
  CASE WHEN filed_on IS NULL THEN 0 ELSE income END::DECIMAL(18,2) AS tax_base,
  CASE WHEN filed_on IS NULL THEN 0
       WHEN NOT claims THEN round(income * 0.25, 2)
       WHEN high_tech THEN round(income * 0.15, 2)
       WHEN annual_slpe(idx, employees, assets, yr, reg_m, registered_on, sales_lvl, margin, dormant, true) THEN round(income * 0.05, 2)
       ELSE round(income * 0.25, 2) END::DECIMAL(18,2) AS tax_payable,
  NULL::DECIMAL(18,2) AS special_invoice_sales, [] AS reductions, coalesce(filed_on > due_date, false) AS late, filed_on IS NULL AS unfiled, false AS paid, NULL::DATE AS paid_on
FROM y;

-- Computed once and kept (only the columns the four files read): filing, filing_reduction,
-- payment and credit_event each used to recompute it, which cost more than writing them.
CREATE OR REPLACE TABLE filing_v AS
SELECT idx, credit_code, tax_type, tt_no, period_start, period_end, due_date, filed_on, tax_base, tax_payable,
  special_d AS special_invoice_sales, reductions, late, unfiled, paid, paid_on
-- in the order of generation (taxpayer, month, tax type): filing_calc only scans, filters and unnests tp
FROM filing_calc;
-- appended after them (not a UNION, whose parts DuckDB may interleave): the files stay in one order
INSERT INTO filing_v SELECT * FROM annual_calc;
