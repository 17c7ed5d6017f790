-- Session macros shared by the generator and ingest. Created TEMP on every
-- connection, so they are code (versioned with the program), not schema.

-- GB 32100-2015: value of each character is its index in this alphabet.
CREATE OR REPLACE TEMP MACRO credit_code_alphabet() AS '0123456789ABCDEFGHJKLMNPQRTUWXY';

-- Check character for the first 17 characters (NULL if one is outside the alphabet).
-- The weighted sum is written out term by term: three times faster than a list lambda.
CREATE OR REPLACE TEMP MACRO credit_code_check(first17) AS (
  CASE WHEN length(first17) = 17 AND regexp_full_match(first17, '[0-9A-HJ-NPQRTUWXY]{17}') THEN
    substr(credit_code_alphabet(), ((31 - (
          (strpos(credit_code_alphabet(), substr(first17, 1, 1)) - 1) * 1
        + (strpos(credit_code_alphabet(), substr(first17, 2, 1)) - 1) * 3
        + (strpos(credit_code_alphabet(), substr(first17, 3, 1)) - 1) * 9
        + (strpos(credit_code_alphabet(), substr(first17, 4, 1)) - 1) * 27
        + (strpos(credit_code_alphabet(), substr(first17, 5, 1)) - 1) * 19
        + (strpos(credit_code_alphabet(), substr(first17, 6, 1)) - 1) * 26
        + (strpos(credit_code_alphabet(), substr(first17, 7, 1)) - 1) * 16
        + (strpos(credit_code_alphabet(), substr(first17, 8, 1)) - 1) * 17
        + (strpos(credit_code_alphabet(), substr(first17, 9, 1)) - 1) * 20
        + (strpos(credit_code_alphabet(), substr(first17, 10, 1)) - 1) * 29
        + (strpos(credit_code_alphabet(), substr(first17, 11, 1)) - 1) * 25
        + (strpos(credit_code_alphabet(), substr(first17, 12, 1)) - 1) * 13
        + (strpos(credit_code_alphabet(), substr(first17, 13, 1)) - 1) * 8
        + (strpos(credit_code_alphabet(), substr(first17, 14, 1)) - 1) * 24
        + (strpos(credit_code_alphabet(), substr(first17, 15, 1)) - 1) * 10
        + (strpos(credit_code_alphabet(), substr(first17, 16, 1)) - 1) * 30
        + (strpos(credit_code_alphabet(), substr(first17, 17, 1)) - 1) * 28
      ) % 31) % 31)::INTEGER + 1, 1)
  END
);

-- Why a value is not a credit code, or NULL. Wording matches model/creditCode.ts.
CREATE OR REPLACE TEMP MACRO credit_code_problem(code) AS (
  CASE
    WHEN length(code) <> 18 THEN 'must be 18 characters, got ' || length(code)
    WHEN NOT regexp_full_match(code, '[0-9A-HJ-NPQRTUWXY]{18}') THEN
      (SELECT 'character ' || (i + 1) || ' ''' || substr(code, i + 1, 1) || ''' is not allowed (digits and capitals except I, O, Z, S, V)'
       FROM range(18) t(i) WHERE strpos(credit_code_alphabet(), substr(code, i + 1, 1)) = 0 ORDER BY i LIMIT 1)
    WHEN credit_code_check(substr(code, 1, 17)) <> substr(code, 18, 1) THEN
      'check character is ''' || substr(code, 18, 1) || ''', expected ''' || credit_code_check(substr(code, 1, 17)) || ''''
  END
);

-- GB/T 4754-2017: section letter and the division range it spans.
CREATE OR REPLACE TEMP MACRO industry_problem(code) AS (
  CASE
    WHEN NOT regexp_full_match(code, '[A-T][0-9]{2}') THEN 'must be a GB/T 4754 section letter and two-digit division, e.g. F51'
    WHEN NOT (substr(code, 2, 2)::INTEGER BETWEEN
        [1, 6, 13, 44, 47, 51, 53, 61, 63, 66, 70, 71, 73, 76, 80, 83, 84, 86, 91, 97][ascii(substr(code, 1, 1)) - 64]
        AND [5, 12, 43, 46, 50, 52, 60, 62, 65, 69, 70, 72, 75, 79, 82, 83, 85, 90, 96, 97][ascii(substr(code, 1, 1)) - 64])
      THEN 'division ' || substr(code, 2, 2) || ' is not in section ' || substr(code, 1, 1) || ' ('
        || lpad([1, 6, 13, 44, 47, 51, 53, 61, 63, 66, 70, 71, 73, 76, 80, 83, 84, 86, 91, 97][ascii(substr(code, 1, 1)) - 64]::VARCHAR, 2, '0') || '-'
        || lpad([5, 12, 43, 46, 50, 52, 60, 62, 65, 69, 70, 72, 75, 79, 82, 83, 85, 90, 96, 97][ascii(substr(code, 1, 1)) - 64]::VARCHAR, 2, '0') || ')'
  END
);
