-- Synthetic city: macros and the per-taxpayer table `tp` every output query reads.
-- Run after the settings are set as DuckDB variables (generate/settings.ts, sqlVariables).
-- Every random draw is a hash of (seed, salt, a, b): no state, so any row can be
-- recomputed anywhere (a red-letter invoice recomputes the invoice it reverses).
-- Output queries only scan, filter, project and unnest `tp` (order preserving), or
-- end in ORDER BY, so the same seed gives byte-identical files.

-- Uniform in [0, 1).
CREATE OR REPLACE TEMP MACRO rnd(salt, a, b) AS
  hash(getvariable('seed'), (salt)::INTEGER, (a)::BIGINT, (b)::BIGINT)::DOUBLE / 18446744073709551616.0;
-- Uniform in (0, 1), never 0 (for logarithms).
CREATE OR REPLACE TEMP MACRO rndp(salt, a, b) AS
  ((hash(getvariable('seed'), (salt)::INTEGER, (a)::BIGINT, (b)::BIGINT) >> 11)::DOUBLE + 0.5) / 9007199254740992.0;
-- Standard normal, Box-Muller.
CREATE OR REPLACE TEMP MACRO nrm(salt, a, b) AS
  sqrt(-2.0 * ln(rndp(salt, a, b))) * cos(2.0 * pi() * rnd((salt) + 50000, a, b));
-- 1-based index of the bucket of u in a cumulative weight list ending in 1.
CREATE OR REPLACE TEMP MACRO pick(cum, u) AS len(list_filter(cum, c -> c <= u)) + 1;
-- One element of a constant list, uniformly.
CREATE OR REPLACE TEMP MACRO one_of(xs, u) AS xs[1 + floor((u) * len(xs))::INTEGER];

-- Calendar. Month index m = 0 is the first generated month.
-- Date arithmetic costs DuckDB far more than a hash (to_months, date_trunc, dayofweek: about 100 ns
-- a value), and a city needs the same few dozen months hundreds of millions of times: the months
-- m = -12 .. months + 13 are computed once into lists (position m + 13), the rest as written.
CREATE OR REPLACE TEMP MACRO mstart_of(m) AS (getvariable('start_date') + to_months((m)::INTEGER))::DATE;
-- Saturday -> Monday, Sunday -> Monday. Public holidays and the STA's published extensions are not modelled.
CREATE OR REPLACE TEMP MACRO past_weekend(d) AS ((d) + CASE dayofweek(d) WHEN 6 THEN 2 WHEN 0 THEN 1 ELSE 0 END)::DATE;
-- Filing deadline: the 15th of the month after the period end, moved past a weekend.
CREATE OR REPLACE TEMP MACRO due_after(period_end) AS past_weekend((date_trunc('month', period_end) + INTERVAL 1 MONTH)::DATE + 14);
SET VARIABLE cal_start = (SELECT list(mstart_of(k) ORDER BY k) FROM range(-12, getvariable('months')::BIGINT + 15) r(k));
SET VARIABLE cal_due = (SELECT list(due_after((mstart_of(k + 1) - 1)::DATE) ORDER BY k) FROM range(-12, getvariable('months')::BIGINT + 14) r(k));
CREATE OR REPLACE TEMP MACRO in_cal(m) AS (m) BETWEEN -12 AND getvariable('months') + 13;
CREATE OR REPLACE TEMP MACRO mstart(m) AS CASE WHEN in_cal(m) THEN getvariable('cal_start')[(m) + 13] ELSE mstart_of(m) END;
CREATE OR REPLACE TEMP MACRO mend(m) AS CASE WHEN in_cal(m) THEN (getvariable('cal_start')[(m) + 14] - 1)::DATE ELSE (mstart_of((m) + 1) - 1)::DATE END;
CREATE OR REPLACE TEMP MACRO mdays(m) AS CASE WHEN in_cal(m) THEN getvariable('cal_start')[(m) + 14] - getvariable('cal_start')[(m) + 13]
  ELSE datediff('day', mstart_of(m), mstart_of((m) + 1)) END;
-- Calendar month (1-12) and year of month m.
CREATE OR REPLACE TEMP MACRO mmonth(m) AS (((month(getvariable('start_date')) - 1 + (m)) % 12 + 12) % 12 + 1)::INTEGER;
CREATE OR REPLACE TEMP MACRO myear(m) AS (year(getvariable('start_date')) + floor((month(getvariable('start_date')) - 1 + (m)) / 12))::INTEGER;
-- Filing deadline of a period ending with month m.
CREATE OR REPLACE TEMP MACRO mdue(m) AS CASE WHEN in_cal(m) THEN getvariable('cal_due')[(m) + 13] ELSE due_after(mend(m)) END;
CREATE OR REPLACE TEMP MACRO season_f(m) AS getvariable('season')[mmonth(m)];

-- GB 32100 alphabet digit.
CREATE OR REPLACE TEMP MACRO c31(d) AS substr(credit_code_alphabet(), ((d) % 31)::INTEGER + 1, 1);

-- Monthly log factor shared by sales and invoice counts: trend + season + noise.
-- Fast growers grow by fast_g a month from their first month m0; the others by their own drift.
CREATE OR REPLACE TEMP MACRO mlog(idx, m, fast, fast_g, growth, m0) AS
  (CASE WHEN fast THEN ((m) - (m0)) * ln(1 + (fast_g)) ELSE (m) * (growth) END)
  + ln(season_f(m)) + getvariable('monthly_sigma') * nrm(20, idx, m);
-- Does the taxpayer trade in month m (registered, not dormant, not gone abnormal)?
CREATE OR REPLACE TEMP MACRO live(m, dormant, reg_m, abnormal, abn_m) AS
  (NOT (dormant) AND (m) >= (reg_m) AND NOT ((abnormal) AND (m) >= (abn_m)));
-- Bunching of small-scale monthly sales just under the 100,000 exemption.
CREATE OR REPLACE TEMP MACRO bunch(idx, m, small, x) AS round(
  CASE WHEN (small) AND (x) > 100000 AND (x) <= 100000 * getvariable('bunch_hi') AND rnd(21, idx, m) < getvariable('bunch_p')
    THEN 100000 * (getvariable('bunch_lo') + (1 - getvariable('bunch_lo')) * rnd(22, idx, m))
    ELSE (x) END, 2);
-- Sales of month m (yuan, 2 decimals); 0 when not trading.
CREATE OR REPLACE TEMP MACRO sales_of(idx, m, sales_lvl, small, fast, fast_g, growth, m0, dormant, reg_m, abnormal, abn_m) AS
  CASE WHEN live(m, dormant, reg_m, abnormal, abn_m)
    THEN bunch(idx, m, small, exp((sales_lvl) + mlog(idx, m, fast, fast_g, growth, m0))) ELSE 0 END;
-- Invoices issued in month m.
CREATE OR REPLACE TEMP MACRO count_of(idx, m, inv_lvl, fast, fast_g, growth, m0, dormant, reg_m, abnormal, abn_m) AS
  CASE WHEN live(m, dormant, reg_m, abnormal, abn_m)
    THEN least(getvariable('inv_cap'), floor(exp((inv_lvl) + mlog(idx, m, fast, fast_g, growth, m0))))::BIGINT ELSE 0::BIGINT END;
-- Share of digital (数电) invoices by month: none before Shenzhen joined as issuer (2023-03), ramping to all by 2024-12 [U ramp].
CREATE OR REPLACE TEMP MACRO digital_share(m) AS least(1.0, greatest(0.0, ((myear(m) - 2023) * 12 + mmonth(m) - 3 + 1) / 22.0));
-- Rounded up to a multiple of 5, at least 5.
CREATE OR REPLACE TEMP MACRO ceil5(x) AS greatest(5, (ceil((x) / 5.0) * 5))::BIGINT;

-- Hall of a taxpayer's district: ids like futian-1.
CREATE OR REPLACE TEMP MACRO hall_of(district, dist_no, u) AS
  district || '-' || (1 + floor((u) * getvariable('halls_per_district')[dist_no]))::INTEGER;
-- Time of day in a hall (open 9:00-12:00 and 13:30-18:00), peaked 9-11 and 14-16: seconds after midnight.
CREATE OR REPLACE TEMP MACRO hall_second(u) AS (
  [32400, 36000, 39600, 48600, 50400, 54000, 57600, 61200][pick([0.1806, 0.3611, 0.4583, 0.5, 0.6667, 0.8333, 0.9444, 1.0], u)]
  + ((u) - [0, 0.1806, 0.3611, 0.4583, 0.5, 0.6667, 0.8333, 0.9444][pick([0.1806, 0.3611, 0.4583, 0.5, 0.6667, 0.8333, 0.9444, 1.0], u)])
    / [0.1806, 0.1805, 0.0972, 0.0417, 0.1667, 0.1666, 0.1111, 0.0556][pick([0.1806, 0.3611, 0.4583, 0.5, 0.6667, 0.8333, 0.9444, 1.0], u)]
    * [3600, 3600, 3600, 1800, 3600, 3600, 3600, 3600][pick([0.1806, 0.3611, 0.4583, 0.5, 0.6667, 0.8333, 0.9444, 1.0], u)]
)::BIGINT;

-- Name parts. Trade names are two characters; people are masked as surname + 某某.
CREATE OR REPLACE TEMP MACRO trade_chars() AS string_split('华鑫盛达源泰丰祥瑞安宏恒佳信和嘉德福兴利通创新龙凯腾宇星辉明远航海天金峰锦弘博誉裕昌隆顺发广晟鹏东南联合永正诚智汇景志美乐康宁欣荣富茂', '');
CREATE OR REPLACE TEMP MACRO surnames() AS ['陈', '陈', '陈', '李', '李', '黄', '黄', '张', '张', '刘', '刘', '林', '林', '王', '王', '吴', '杨', '周', '郭', '何', '罗', '梁', '郑', '谢', '叶', '邓', '钟', '蔡', '赖', '曾', '彭', '许', '徐', '朱', '胡', '潘', '冯', '江', '卢', '邱', '方', '苏', '肖', '余', '廖', '温', '姚', '孙'];
CREATE OR REPLACE TEMP MACRO company_word(section, u) AS one_of(CASE section
  WHEN 'A' THEN ['农业科技', '生态农业'] WHEN 'B' THEN ['矿业'] WHEN 'C' THEN ['电子', '精密制造', '科技实业', '五金制品', '光电']
  WHEN 'D' THEN ['新能源', '电力工程'] WHEN 'E' THEN ['建筑工程', '装饰工程', '建设'] WHEN 'F' THEN ['贸易', '商贸', '电子商务', '供应链', '实业']
  WHEN 'G' THEN ['物流', '运输', '货运代理'] WHEN 'H' THEN ['餐饮管理', '酒店管理'] WHEN 'I' THEN ['科技', '信息技术', '网络科技', '软件']
  WHEN 'J' THEN ['投资咨询', '商业保理', '融资租赁'] WHEN 'K' THEN ['房地产开发', '物业管理', '置业'] WHEN 'L' THEN ['企业管理', '商务咨询', '供应链管理', '人力资源', '广告']
  WHEN 'M' THEN ['技术服务', '检测技术', '设计', '工程技术'] WHEN 'N' THEN ['环保科技', '园林绿化'] WHEN 'O' THEN ['家政服务', '清洁服务', '维修服务']
  WHEN 'P' THEN ['教育科技', '培训'] WHEN 'Q' THEN ['医疗科技', '健康管理'] WHEN 'R' THEN ['文化传媒', '体育发展', '影视']
  ELSE ['实业'] END, u);
CREATE OR REPLACE TEMP MACRO shop_word(section, u) AS one_of(CASE section
  WHEN 'F' THEN ['便利', '百货', '五金', '服装', '水果', '烟酒', '日用品', '手机', '电脑']
  WHEN 'H' THEN ['小吃', '餐饮', '粉面', '茶饮', '烧腊', '快餐'] WHEN 'O' THEN ['理发', '洗衣', '维修', '美容', '家电维修', '摄影']
  WHEN 'G' THEN ['货运', '搬家'] WHEN 'R' THEN ['文体', '棋牌'] WHEN 'I' THEN ['电脑维修', '图文'] WHEN 'Q' THEN ['诊所', '药'] WHEN 'P' THEN ['书']
  ELSE ['商', '服务'] END, u);

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
  CASE WHEN NOT ent THEN 1 WHEN NOT vat_general THEN 2 ELSE 3 END AS vat_class
FROM s7;

-- Regular customers of every taxpayer: three general taxpayers (buyers of special
-- invoices) and three enterprises. Six join lookups per taxpayer, done once here so
-- that the invoice queries need no join.
CREATE OR REPLACE TEMP TABLE tp AS
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
  -- 小型微利企业: <= 300 employees, <= 50 m assets, <= 3 m annual taxable income (estimated from median sales and margin)
  b.kind = 'enterprise' AND b.employees <= 300 AND b.assets <= 5e7 AND 12 * exp(b.sales_lvl) * greatest(b.margin, 0) <= 3e6 AS slpe,
  -- expected (noise-free) invoice count in the first two months, for fast growers' fixed quota
  ceil5(getvariable('quota_headroom') * greatest(1,
    count_of(b.idx, b.m0, b.inv_lvl, b.fast, b.fast_g, b.growth, b.m0, false, b.reg_m, false, 0),
    count_of(b.idx, b.m0 + 1, b.inv_lvl, b.fast, b.fast_g, b.growth, b.m0, false, b.reg_m, false, 0))) AS fast_quota,
  CASE WHEN NOT b.vat_general THEN getvariable('single_limit')[1] WHEN b.size_no = 4 THEN getvariable('single_limit')[3] ELSE getvariable('single_limit')[2] END AS single_limit
FROM tp_base b JOIN cust c USING (idx)
ORDER BY b.idx;

DROP TABLE tp_base;

-- Taxpayer-months m_from .. m_to - 1 with trading flag, sales and invoice count.
CREATE OR REPLACE TEMP MACRO tpm(m_from, m_to) AS TABLE
WITH a AS (SELECT *, unnest(range((m_from)::BIGINT, (m_to)::BIGINT)) AS m FROM tp),
b AS (SELECT *, live(m, dormant, reg_m, abnormal, abn_m) AS is_live, mlog(idx, m, fast, fast_g, growth, m0) AS ml FROM a)
SELECT *,
  CASE WHEN is_live THEN bunch(idx, m, NOT vat_general, exp(sales_lvl + ml)) ELSE 0 END AS sales,
  CASE WHEN is_live THEN least(getvariable('inv_cap'), floor(exp(inv_lvl + ml)))::BIGINT ELSE 0::BIGINT END AS n_inv
FROM b;

-- Working days of every month with the share of a month's hall visits each gets:
-- days 1-15 carry hall_early_share, the last two working days up to the deadline
-- hall_deadline_factor, Mondays hall_monday_factor. cum_lo/cum_hi: inverse CDF.
CREATE OR REPLACE TEMP TABLE hall_day AS
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
  SELECT idx, credit_code, ent, kind, vat_general, employees, assets, registered_on, reg_m, slpe, high_tech, late_p,
    -- a taxpayer that does not claim its reliefs (应享未享) pays the full tax, every period
    rnd(66, idx, 0) >= getvariable('unclaimed_share') AS claims,
    abnormal, abn_m, dormant, rate, va_share, margin, wage, iit_rate,
    -- Sales of months -2 .. months - 1 (list position m + 3), drawn once per taxpayer-month: a quarterly
    -- return sums three of them, and VAT, surcharges and CIT of one month read the same ones.
    list_transform(range(-2, getvariable('months')::BIGINT),
      k -> sales_of(idx, k, sales_lvl, NOT vat_general, fast, fast_g, growth, m0, dormant, reg_m, abnormal, abn_m)) AS sl
  FROM tp
), t1 AS (
  SELECT *,
    -- profit of each quarter's CIT return (0 in other months), so that the small low-profit test can sum
    -- the year so far without a window over all returns
    CASE WHEN kind = 'enterprise' THEN list_transform(range(getvariable('months')::BIGINT), q ->
      CASE WHEN mmonth(q) % 3 = 0 THEN greatest(0, round((sl[q + 3] + (sl[q + 2] + sl[q + 1])) * margin, 2))::DECIMAL(18,2)
           ELSE 0::DECIMAL(18,2) END) END AS qprofit
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
      {tt: 'iit', g: 4, q: false, ok: ent AND employees >= 1}
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
), a AS (
  SELECT *,
    NOT unfiled AND rnd(60, idx, m * 10 + ret_no) < late_p AS late,
    round(period_sales, 2)::DECIMAL(18,2) AS sales_d,
    CASE WHEN vat_general THEN round(period_sales * rate * va_share, 2)
         WHEN NOT claims THEN round(period_sales * 0.03, 2)
         WHEN period_sales <= 300000 THEN 0 ELSE round(period_sales * 0.01, 2) END::DECIMAL(18,2) AS vat_pay,
    greatest(0, round(period_sales * margin, 2))::DECIMAL(18,2) AS profit,
    CASE WHEN dormant THEN 0 ELSE round(employees * wage, 2) END::DECIMAL(18,2) AS wages,
    claims AND (NOT vat_general OR NOT ent OR slpe) AS halve
  FROM s
), a2 AS (
  -- CIT prepayments judge the small low-profit limits on the year so far (国家税务总局公告2023年第6号):
  -- income to the end of the quarter (the quarters of this year since the window or the taxpayer began),
  -- with the head count and assets.
  SELECT *,
    CASE WHEN tax_type = 'cit' THEN kind = 'enterprise' AND employees <= 300 AND assets <= 5e7
      AND list_sum(qprofit[greatest(0, reg_m, m - mmonth(m) + 1) + 1 : m + 1]) <= 3e6 END AS slpe_ytd
  FROM a
), b AS (
  SELECT *,
    CASE WHEN unfiled THEN NULL
         WHEN late THEN due_date + 1 + (CASE WHEN rnd(61, idx, m * 10 + ret_no) < getvariable('cured30')
                                             THEN floor(rnd(62, idx, m * 10 + ret_no) * 30)
                                             ELSE 30 + floor(rnd(62, idx, m * 10 + ret_no) * 60) END)::INTEGER
         ELSE period_end + 1 + floor(rnd(63, idx, m * 10 + ret_no) ** 1.5 * datediff('day', period_end, due_date))::INTEGER
    END::DATE AS filed_on,
    round(vat_pay * 0.07, 2) + round(vat_pay * 0.03, 2) + round(vat_pay * 0.02, 2) AS sur_full,
    CASE WHEN halve THEN round(round(vat_pay * 0.07, 2) * 0.5, 2) + round(round(vat_pay * 0.03, 2) * 0.5, 2) + round(round(vat_pay * 0.02, 2) * 0.5, 2)
         ELSE round(vat_pay * 0.07, 2) + round(vat_pay * 0.03, 2) + round(vat_pay * 0.02, 2) END AS sur_pay
  FROM a2
), c AS (
  SELECT *,
    CASE WHEN unfiled THEN 0
         WHEN tax_type = 'vat' THEN sales_d
         WHEN tax_type = 'surcharges' THEN vat_pay
         WHEN tax_type = 'cit' THEN profit
         ELSE wages END::DECIMAL(18,2) AS tax_base,
    CASE WHEN unfiled THEN 0
         WHEN tax_type = 'vat' THEN vat_pay
         WHEN tax_type = 'surcharges' THEN sur_pay
         WHEN tax_type = 'cit' THEN CASE WHEN NOT claims THEN round(profit * 0.25, 2) WHEN high_tech THEN round(profit * 0.15, 2) WHEN slpe_ytd THEN round(profit * 0.05, 2) ELSE round(profit * 0.25, 2) END
         ELSE round(wages * iit_rate, 2) END::DECIMAL(18,2) AS tax_payable,
    CASE WHEN unfiled OR NOT claims THEN []
         WHEN tax_type = 'vat' AND NOT vat_general AND sales_d > 0 THEN
           CASE WHEN period_sales <= 300000 THEN [{code: getvariable('code_vat_exempt'), amount: round(sales_d * 0.01, 2)}]
                ELSE [{code: getvariable('code_vat_rate_cut'), amount: round(sales_d * 0.02, 2)}] END
         WHEN tax_type = 'surcharges' AND halve AND sur_full > sur_pay THEN [{code: getvariable('code_surcharge_halving'), amount: sur_full - sur_pay}]
         WHEN tax_type = 'cit' AND profit > 0 AND high_tech THEN [{code: getvariable('code_cit_high_tech'), amount: round(profit * 0.10, 2)}]
         WHEN tax_type = 'cit' AND profit > 0 AND slpe_ytd THEN [{code: getvariable('code_cit_slpe'), amount: round(profit * 0.20, 2)}]
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

-- Computed once and kept (only the columns the four files read): filing, filing_reduction,
-- payment and credit_event each used to recompute it, which cost more than writing them.
CREATE OR REPLACE TEMP TABLE filing_v AS
SELECT idx, credit_code, tax_type, tt_no, period_start, period_end, due_date, filed_on, tax_base, tax_payable,
  reductions, late, unfiled, paid, paid_on
-- in the order of generation (taxpayer, month, tax type): filing_calc only scans, filters and unnests tp
FROM filing_calc;
