-- taxpayer: one row per taxpayer, in idx order.
SELECT
  credit_code,
  CASE kind
    WHEN 'individualBusiness' THEN '深圳市' || getvariable('district_zh')[dist_no]
      || one_of(trade_chars(), rnd(40, idx, 0)) || one_of(trade_chars(), rnd(40, idx, 1)) || shop_word(section, rnd(41, idx, 0)) || '店'
    WHEN 'soleProprietorship' THEN '深圳市' || one_of(trade_chars(), rnd(40, idx, 0)) || one_of(trade_chars(), rnd(40, idx, 1))
      || company_word(section, rnd(41, idx, 0)) || '商行'
    WHEN 'partnership' THEN '深圳市' || one_of(trade_chars(), rnd(40, idx, 0)) || one_of(trade_chars(), rnd(40, idx, 1))
      || company_word(section, rnd(41, idx, 0)) || '合伙企业（有限合伙）'
    ELSE '深圳市' || one_of(trade_chars(), rnd(40, idx, 0)) || one_of(trade_chars(), rnd(40, idx, 1))
      || company_word(section, rnd(41, idx, 0)) || '有限公司'
  END AS name,
  kind,
  CASE WHEN vat_general THEN 'general' ELSE 'smallScale' END AS vat_status,
  industry,
  district,
  registered_on,
  employees,
  assets::DECIMAL(18,2) AS total_assets,
  CASE WHEN rnd(42, idx, 0) < CASE WHEN ent THEN getvariable('deemed_ent') ELSE getvariable('deemed_ind') END
    THEN 'deemed' ELSE 'actualAccounts' END AS collection_mode,
  high_tech,
  CASE WHEN high_tech THEN (getvariable('start_date') + floor(rnd(43, idx, 0) * 1095)::INTEGER)::DATE END AS high_tech_until,
  round(CASE
    WHEN high_tech OR on_list IS NOT NULL THEN 12 * exp(sales_lvl) * (0.04 + 0.06 * rnd(44, idx, 0))
    WHEN kind = 'enterprise' AND section IN ('C', 'I', 'M') AND rnd(44, idx, 1) < 0.2 THEN 12 * exp(sales_lvl) * (0.005 + 0.025 * rnd(44, idx, 0))
    ELSE 0 END, 2)::DECIMAL(18,2) AS rnd_expense,
  credit_level
FROM tp
