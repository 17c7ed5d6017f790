-- application: (1) fast growers ask for an invoice quota increase in the first month
-- their use passes 90 % of their fixed quota; the bureau has not raised it (the
-- quota table keeps it fixed), so these are open or rejected. (2) Other paperless
-- applications at application_rate per taxpayer-month, mostly approved.
WITH fast_first AS (
  SELECT idx, credit_code, min(m) AS m, arg_min(n_inv, m) AS used, any_value(fast_quota) AS quota
  FROM tpm(0, getvariable('months'))
  WHERE fast AND n_inv > 0.9 * fast_quota
  GROUP BY idx, credit_code
), a1 AS (
  SELECT
    idx, credit_code, m, 1 AS type_no, 'invoiceQuotaIncrease' AS type,
    (mstart(m) + floor(rnd(100, idx, m) * mdays(m))::INTEGER)::TIMESTAMP + to_seconds(28800 + floor(rnd(101, idx, m) * 43200)::BIGINT) AS submitted_at,
    json_object('currentQuantity', quota, 'requestedQuantity', ceil5(quota * 2), 'usedThisMonth', used, 'reason', '业务增长，现有发票用量不足')::VARCHAR AS payload,
    ['submitted', 'pendingReview', 'rejected'][pick([0.35, 0.8, 1.0], rnd(102, idx, m))] AS status,
    rnd(103, idx, m) AS u_decide
  FROM fast_first
), t AS (
  SELECT idx, credit_code, m, vat_general, ent, credit_level, fast_quota, single_limit,
    ['singleLimitIncrease', 'generalTaxpayerRegistration', 'taxCertificate', 'creditRepair', 'retainedCreditRefund'][
      pick([0.15, 0.25, 0.75, 0.85, 1.0], rnd(111, idx, m))] AS type0
  FROM (SELECT *, unnest(range(getvariable('months')::BIGINT)) AS m FROM tp)
  WHERE m >= reg_m AND rnd(110, idx, m) < getvariable('application_rate')
), a2 AS (
  SELECT
    idx, credit_code, m,
    CASE WHEN (type0 = 'generalTaxpayerRegistration' AND vat_general) OR (type0 = 'retainedCreditRefund' AND NOT vat_general)
           OR (type0 = 'creditRepair' AND credit_level NOT IN ('C', 'D', 'M')) THEN 'taxCertificate' ELSE type0 END AS type
  FROM t
), a2b AS (
  SELECT idx, credit_code, m,
    list_position(['invoiceQuotaIncrease', 'singleLimitIncrease', 'generalTaxpayerRegistration', 'taxCertificate', 'creditRepair', 'retainedCreditRefund'], type) AS type_no,
    type,
    (mstart(m) + floor(rnd(112, idx, m) * mdays(m))::INTEGER)::TIMESTAMP + to_seconds(28800 + floor(rnd(113, idx, m) * 43200)::BIGINT) AS submitted_at,
    CASE type
      WHEN 'singleLimitIncrease' THEN json_object('currentLimit', 100000, 'requestedLimit', 1000000, 'reason', '单笔合同金额超过现有单张限额')
      WHEN 'generalTaxpayerRegistration' THEN json_object('effectiveFrom', strftime(mstart(m + 1), '%Y-%m-%d'), 'reason', '年应税销售额预计超过500万元')
      WHEN 'taxCertificate' THEN json_object('certificate', ['纳税证明', '完税证明', '税收居民身份证明'][1 + floor(rnd(114, idx, m) * 3)::INTEGER], 'copies', 1 + floor(rnd(115, idx, m) * 3)::INTEGER)
      WHEN 'creditRepair' THEN json_object('indicator', '010101', 'reason', '逾期申报已补正，申请纳税信用修复')
      ELSE json_object('amount', round(10000 + rnd(116, idx, m) * 500000, 2), 'reason', '增量留抵税额退税')
    END::VARCHAR AS payload,
    ['approved', 'rejected', 'pendingReview', 'submitted'][pick([0.75, 0.83, 0.93, 1.0], rnd(117, idx, m))] AS status,
    rnd(118, idx, m) AS u_decide
  FROM a2
), u AS (
  SELECT idx, credit_code, m, type_no, type, submitted_at, payload, status, u_decide FROM a1
  UNION ALL
  SELECT idx, credit_code, m, type_no, type, submitted_at, payload, status, u_decide FROM a2b
)
SELECT
  'SQ' || strftime(submitted_at, '%Y%m%d') || type_no || lpad(idx::VARCHAR, 8, '0') AS application_id,
  credit_code,
  type,
  submitted_at,
  payload,
  status,
  CASE status WHEN 'approved' THEN '符合条件，予以批准' WHEN 'rejected' THEN '资料不全或依据不足，不予批准' END AS decision,
  CASE WHEN status IN ('approved', 'rejected') THEN
    submitted_at + to_seconds(CASE WHEN type = 'taxCertificate' THEN 60 + floor(u_decide * 3600) ELSE 3600 + floor(u_decide * 5 * 86400) END::BIGINT)
  END AS decided_at
FROM u
ORDER BY submitted_at, application_id
