/**
 * Who a person of `company_person` is beyond the role, as SQL over the row alias `p`: the name with the
 * mobile number, or with the e-mail address where the record has no mobile; NULL with neither. Two
 * roles of a taxpayer with one key are one person (README.md, "One person, several roles"): the plan
 * addresses it once, the campaign preview counts it once, its inbox holds what any of its roles was
 * sent. The planner's SQL says the same in its own files, as a macro on DuckDB and a function on PostgreSQL
 * (push_person_key in sql/plan.sql and sql/postgres/plan.sql). Valid on DuckDB and PostgreSQL.
 */
export const personKeySql = (p: string): string =>
  `CASE WHEN coalesce(${p}.mobile, '') <> '' THEN ${p}.name || chr(10) || 'm:' || ${p}.mobile ` +
  `WHEN coalesce(${p}.email, '') <> '' THEN ${p}.name || chr(10) || 'e:' || ${p}.email END`;

/** The roles the person in role `role` of taxpayer `code` holds, that role included: a subquery (both SQL expressions, e.g. parameters). */
export const rolesOfPersonSql = (code: string, role: string): string =>
  `(SELECT o.role FROM company_person me JOIN company_person o ON o.credit_code = me.credit_code AND ${personKeySql('o')} = ${personKeySql('me')} ` +
  `WHERE me.credit_code = ${code} AND me.role = CAST(${role} AS VARCHAR) UNION SELECT CAST(${role} AS VARCHAR))`;
