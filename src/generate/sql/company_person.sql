-- company_person: legal representative, finance officer and tax handler of every
-- enterprise; legal representative (the operator) and tax handler of an individual
-- business. Names are masked (surname + 某某) as in de-identified bureau data.
WITH r AS (
  SELECT idx, credit_code, ent,
    unnest(CASE WHEN ent THEN ['legalRepresentative', 'financeOfficer', 'taxHandler'] ELSE ['legalRepresentative', 'taxHandler'] END) AS role,
    unnest(CASE WHEN ent THEN [0, 1, 2] ELSE [0, 2] END) AS k
  FROM tp
), c AS (
  SELECT *,
    CASE WHEN rnd(50, idx, k) < 0.97
      THEN '1' || (3 + floor(rnd(51, idx, k) * 7))::INTEGER || lpad(floor(rnd(52, idx, k) * 1000000000)::BIGINT::VARCHAR, 9, '0') END AS mobile,
    CASE WHEN rnd(53, idx, k) < CASE WHEN ent THEN 0.8 ELSE 0.3 END
      THEN ['lr', 'fo', 'th'][k + 1] || '.' || lower(credit_code) || '@example.com' END AS email,
    rnd(54, idx, k) AS u_channel
  FROM r
)
SELECT
  credit_code,
  role,
  one_of(surnames(), rnd(55, idx, k)) || '某某' AS name,
  mobile,
  email,
  CASE WHEN u_channel < 0.15 AND email IS NOT NULL THEN 'email'
       WHEN u_channel < 0.40 AND mobile IS NOT NULL THEN 'sms'
       ELSE 'inApp' END AS preferred_channel,
  (21 + floor(rnd(56, idx, k) * 3))::BIGINT AS quiet_from,
  (7 + floor(rnd(57, idx, k) * 2))::BIGINT AS quiet_to
FROM c
