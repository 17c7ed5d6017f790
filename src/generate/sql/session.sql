-- Synthetic city: the macros and calendar variables of one connection. Every connection that
-- writes output runs this (macros and variables belong to a connection), after the settings are
-- set as DuckDB variables (generate/settings.ts, sqlVariables); setup.sql then makes the tables
-- they all read, once.
-- Every random draw is a hash of (seed, salt, a, b): no state, so any row can be
-- recomputed anywhere (a red-letter invoice recomputes the invoice it reverses).

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
-- Saturday -> Monday, Sunday -> Monday (征管法实施细则 第一百零九条: a last day on a rest day moves to the next).
CREATE OR REPLACE TEMP MACRO past_weekend(d) AS ((d) + CASE dayofweek(d) WHEN 6 THEN 2 WHEN 0 THEN 1 ELSE 0 END)::DATE;
-- The published deadline of the month that starts on first_of_month (settings filingDeadlines), else NULL.
CREATE OR REPLACE TEMP MACRO published_due(first_of_month) AS
  list_filter(string_split(getvariable('published_dues'), '_'), d -> d[1:7] = strftime(first_of_month, '%Y-%m'))[1]::DATE;
-- Filing deadline: as the State Taxation Administration published it for the month after the period end,
-- holidays included; for a month not published, the 15th moved past a weekend.
CREATE OR REPLACE TEMP MACRO due_after(period_end) AS
  coalesce(published_due((date_trunc('month', period_end) + INTERVAL 1 MONTH)::DATE),
           past_weekend((date_trunc('month', period_end) + INTERVAL 1 MONTH)::DATE + 14));
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
-- The year whose annual CIT return decides small low-profit status for the six taxes and two fees in
-- month m, as the facts read it for m's quarter (src/match/match.ts annualReturnYear): a return filed
-- in a year counts for what is filed from 1 July to 30 June of the next (国家税务总局公告2022年第3号),
-- and a quarter's returns are filed in the month after it, so from the second quarter the year before,
-- in the first the year before that. qend(m) is the index of m's quarter's last month.
CREATE OR REPLACE TEMP MACRO qend(m) AS (m) + 2 - (mmonth(m) - 1) % 3;
CREATE OR REPLACE TEMP MACRO counted_year(m) AS myear(qend(m)) - CASE WHEN mmonth(qend(m)) >= 6 THEN 1 ELSE 2 END;
-- The taxable income on an enterprise's annual CIT return of year yr: the expected monthly profit
-- (median sales × margin) for each month registered in the year, 0 when dormant.
-- The annual CIT return of year yr: due 31 May of the next moved past a weekend; the month of the window
-- it is due in (an abnormal taxpayer that has stopped filing by then does not file it); when it is
-- filed (NULL: not filed), late by the taxpayer's late rate, else early as the other returns.
CREATE OR REPLACE TEMP MACRO annual_due(yr) AS past_weekend(make_date((yr) + 1, 5, 31));
CREATE OR REPLACE TEMP MACRO annual_due_m(yr) AS ((yr) + 1 - year(getvariable('start_date'))) * 12 + 5 - month(getvariable('start_date'));
CREATE OR REPLACE TEMP MACRO annual_late(idx, yr, late_p) AS rnd(67, idx, yr) < late_p;
CREATE OR REPLACE TEMP MACRO annual_filed_on(idx, yr, late_p, abnormal, abn_m) AS
  (CASE WHEN abnormal AND annual_due_m(yr) >= abn_m THEN NULL
        WHEN annual_late(idx, yr, late_p) THEN annual_due(yr) + 1 + floor(rnd(68, idx, yr) * 60)::INTEGER
        ELSE make_date(yr, 12, 31) + 1 + floor(rnd(69, idx, yr) ** 1.5 * datediff('day', make_date(yr, 12, 31), annual_due(yr)))::INTEGER
   END)::DATE;
-- A taxpayer that does not claim its reliefs (应享未享) pays the full tax, on every return.
CREATE OR REPLACE TEMP MACRO claims_of(idx) AS rnd(66, idx, 0) >= getvariable('unclaimed_share');
CREATE OR REPLACE TEMP MACRO annual_income(yr, registered_on, sales_lvl, margin, dormant) AS
  (CASE WHEN dormant THEN 0
        ELSE round(exp(sales_lvl) * greatest(margin, 0) * CASE WHEN registered_on < make_date(yr, 1, 1) THEN 12 ELSE 13 - month(registered_on) END, 2)
   END)::DECIMAL(18,2);
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
-- IIT on business income (经营所得, 个人所得税法 税率表二) of a year so far: base × rate − quick
-- deduction, rounded to the fen; nothing on a base of 0 or less.
CREATE OR REPLACE TEMP MACRO iit_business_tax(x) AS round(CASE
    WHEN (x) <= 0 THEN 0
    WHEN (x) <= 30000 THEN (x) * 0.05
    WHEN (x) <= 90000 THEN (x) * 0.10 - 1500
    WHEN (x) <= 300000 THEN (x) * 0.20 - 10500
    WHEN (x) <= 500000 THEN (x) * 0.30 - 40500
    ELSE (x) * 0.35 - 65500 END, 2);
-- The individual-business halving (财政部 税务总局公告2023年第12号 第二条) of a quarter whose year so far
-- is ytd and whose own income is q: half the tax on the income up to 2,000,000 of the year so far,
-- rounded, less that of the year before the quarter (prepayments are cumulative).
CREATE OR REPLACE TEMP MACRO iit_business_halving(ytd, q) AS
  round(iit_business_tax(least(ytd, 2000000)) * 0.5, 2) - round(iit_business_tax(least((ytd) - (q), 2000000)) * 0.5, 2);

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

-- The head count and assets a CIT prepayment return reports at month boundary b (the first day of
-- window month b): the registered figure strayed within ± half of quarter_figure_spread, one draw per
-- (taxpayer, boundary), so a quarter's end and the next one's start agree. cit_quarter_info.sql writes
-- them, and the returns' small low-profit claims (setup.sql) judge their averages, as the facts do.
CREATE OR REPLACE TEMP MACRO quarter_employees(idx, employees, b) AS
  round(employees * (1 + getvariable('quarter_figure_spread') * (rnd(120, idx, b) - 0.5)))::BIGINT;
CREATE OR REPLACE TEMP MACRO quarter_assets(idx, assets, b) AS
  round(assets * (1 + getvariable('quarter_figure_spread') * (rnd(121, idx, b) - 0.5)), 2)::DECIMAL(18,2);
-- The head count and assets an annual CIT return of year yr reports (cit_annual_info.sql): the average of
-- the quarter averages ((start + end) ÷ 2) of the quarters of yr the enterprise was registered in (reg_m:
-- its registration's window month), rounded up as the facts round theirs, from the same boundaries as
-- the prepayment returns (a quarter begun by the registration starts at it). Before the window too: a
-- boundary is only a number to the hash. The six taxes and two fees' claims (setup.sql) judge these.
-- The window month of 1 January of year yr (negative before the window).
CREATE OR REPLACE TEMP MACRO year_start_m(yr) AS ((yr) - year(getvariable('start_date'))) * 12 + 1 - month(getvariable('start_date'));
CREATE OR REPLACE TEMP MACRO year_quarters(yr, reg_m) AS
  list_transform(
    list_filter(range(4), k -> year_start_m(yr) + 3 * k + 2 >= (reg_m)),
    k -> [greatest(year_start_m(yr) + 3 * k, (reg_m)), year_start_m(yr) + 3 * k + 3]);
CREATE OR REPLACE TEMP MACRO annual_employees(idx, employees, yr, reg_m) AS
  ((list_sum(list_transform(year_quarters(yr, reg_m), b -> quarter_employees(idx, employees, b[1]) + quarter_employees(idx, employees, b[2])))
    + 2 * len(year_quarters(yr, reg_m)) - 1) // (2 * len(year_quarters(yr, reg_m))))::BIGINT;
CREATE OR REPLACE TEMP MACRO annual_assets(idx, assets, yr, reg_m) AS
  (((list_sum(list_transform(year_quarters(yr, reg_m), b -> quarter_assets(idx, assets, b[1]) + quarter_assets(idx, assets, b[2]))) * 100)::HUGEINT
    + 2 * len(year_quarters(yr, reg_m)) - 1) // (2 * len(year_quarters(yr, reg_m))))::DECIMAL(18,0) * 0.01;
-- Small low-profit status on an annual return of yr (its income, head count and assets), as the six taxes
-- and two fees read it; of a return not filed (reported false) on the registered head count and assets,
-- which the facts read in their place.
CREATE OR REPLACE TEMP MACRO annual_slpe(idx, employees, assets, yr, reg_m, registered_on, sales_lvl, margin, dormant, reported) AS
  CASE WHEN reported THEN annual_employees(idx, employees, yr, reg_m) <= 300 AND annual_assets(idx, assets, yr, reg_m) <= 5e7
       ELSE employees <= 300 AND assets <= 5e7 END
  AND annual_income(yr, registered_on, sales_lvl, margin, dormant) <= 3e6;

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
