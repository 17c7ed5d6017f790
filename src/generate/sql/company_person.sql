-- company_person: legal representative, finance officer and tax handler of every
-- enterprise; legal representative (the operator) and tax handler of an individual
-- business. Names are masked (surname + 某某) as in de-identified bureau data.
-- One person may hold two roles: an individual business's operator often files its taxes, a micro
-- enterprise's legal representative often keeps its books. Such a row is drawn as the legal
-- representative's (src 0): the same name, mobile, e-mail, channel and quiet hours.
WITH r AS (
  SELECT idx, credit_code, ent, size_no,
    unnest(CASE WHEN ent THEN ['legalRepresentative', 'financeOfficer', 'taxHandler'] ELSE ['legalRepresentative', 'taxHandler'] END) AS role,
    unnest(CASE WHEN ent THEN [0, 1, 2] ELSE [0, 2] END) AS k
  FROM tp
), s AS (
  SELECT *,
    CASE WHEN k = 2 AND NOT ent AND rnd(58, idx, 0) < getvariable('operator_tax_handler') THEN 0
         WHEN k = 1 AND ent AND size_no = 1 AND rnd(58, idx, 1) < getvariable('micro_lr_finance_officer') THEN 0
         ELSE k END AS src
  FROM r
), c AS (
  SELECT *,
    CASE WHEN rnd(50, idx, src) < 0.97
      THEN '1' || (3 + floor(rnd(51, idx, src) * 7))::INTEGER || lpad(floor(rnd(52, idx, src) * 1000000000)::BIGINT::VARCHAR, 9, '0') END AS mobile,
    CASE WHEN rnd(53, idx, src) < CASE WHEN ent THEN 0.8 ELSE 0.3 END
      THEN ['lr', 'fo', 'th'][src + 1] || '.' || lower(credit_code) || '@example.com' END AS email,
    rnd(54, idx, src) AS u_channel
  FROM s
)
SELECT
  credit_code,
  role,
  one_of(surnames(), rnd(55, idx, src)) || '某某' AS name,
  mobile,
  email,
  CASE WHEN u_channel < 0.15 AND email IS NOT NULL THEN 'email'
       WHEN u_channel < 0.40 AND mobile IS NOT NULL THEN 'sms'
       ELSE 'inApp' END AS preferred_channel,
  (21 + floor(rnd(56, idx, src) * 3))::BIGINT AS quiet_from,
  (7 + floor(rnd(57, idx, src) * 2))::BIGINT AS quiet_to
FROM c
