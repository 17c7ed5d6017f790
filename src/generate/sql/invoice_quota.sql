-- invoice_quota: the quota in force in every month since registration. Ordinary
-- taxpayers' quantity keeps pace with use (headroom over the larger of expected and
-- actual use); fast growers keep the quantity set from their first two months, so
-- they outgrow it. Credit line: expected invoiced amount x multiple by credit level.
SELECT
  credit_code,
  mstart(m) AS month,
  CASE WHEN fast THEN fast_quota
       ELSE ceil5(getvariable('quota_headroom') * greatest(n_inv, exp(inv_lvl + ml - getvariable('monthly_sigma') * nrm(20, idx, m))))
  END AS quota_quantity,
  single_limit::DECIMAL(18,2) AS single_limit,
  (greatest(1, ceil(exp(sales_lvl + ml - getvariable('monthly_sigma') * nrm(20, idx, m))
     * getvariable('invoiced_share')[vat_class]
     * getvariable('credit_line_mult')[list_position(['A', 'B', 'M', 'C', 'D'], credit_level)] / 10000)) * 10000)::DECIMAL(18,2) AS credit_line
FROM tpm(0, getvariable('months'))
WHERE m >= reg_m
