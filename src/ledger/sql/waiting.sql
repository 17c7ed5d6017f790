-- The taxpayers and quarters among the four before $period whose ledger holds a relief waiting on a
-- return of its quarter (returnNotFiled) when no such return is outstanding any more: the return was
-- filed since the quarter was built (a late filer). Four, not the year's: the first quarter of a year
-- is matched while the last quarter's late returns of the year before come in. Only a new build of that quarter reads it, after a
-- re-match of the taxpayer (the return may change the facts: sales, taxes, the claims on it).
-- An outstanding return is what the build calls one (sql/build.sql, ledger_unfiled): a return of a
-- tax type the policy's claims are made on (policy_return), ending in the quarter, not filed.
-- The same SQL on both engines: date_trunc gives the quarter's first day on each.
SELECT DISTINCT w.credit_code, w.period
FROM ledger_entry w
WHERE w.status = 'returnNotFiled' AND w.period >= $since AND w.period < $period
  AND NOT EXISTS (
    SELECT 1 FROM filing f JOIN policy_return r ON r.tax_type = f.tax_type
    WHERE f.credit_code = w.credit_code AND r.policy_id = w.policy_id AND f.filed_on IS NULL
      AND f.period_end BETWEEN CAST(date_trunc('quarter', w.period_end) AS DATE) AND w.period_end
  )
ORDER BY w.period, w.credit_code
