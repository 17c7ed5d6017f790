import type { Db } from '../store/db.ts';
import { createUser } from './accounts.ts';
import type { UserRole } from './roles.ts';

/** The demo city's password for every demo login. Demo only: real accounts are added with `zhishu users add`. */
export const DEMO_PASSWORD = 'zhishu-demo';

export interface DemoLogin {
  username: string;
  password: string;
  role: UserRole;
  creditCode: string | null;
  taxpayerName: string | null;
}

/**
 * One login per role on the demo city: three bureau staff, and the three people of the company with
 * the most matched policies in the latest quarter; `finance2` is the finance officer of another
 * company, so a cross-company refusal can be tried. Made once; a re-run keeps them.
 */
export async function ensureDemoUsers(db: Db): Promise<DemoLogin[]> {
  const picked = await db.all<{ credit_code: string; name: string }>(
    `WITH latest AS (SELECT max(period) AS period FROM match_run WHERE scope = 'city'),
          staffed AS (SELECT credit_code FROM company_person GROUP BY credit_code HAVING count(DISTINCT role) = 3)
     SELECT m.credit_code, t.name
     FROM policy_match m JOIN latest l ON m.period = l.period
     JOIN staffed s ON s.credit_code = m.credit_code
     JOIN taxpayer t ON t.credit_code = m.credit_code
     WHERE m.status = 'matched'
     GROUP BY m.credit_code, t.name
     ORDER BY count(DISTINCT m.policy_id) DESC, sum(m.benefit) DESC NULLS LAST, m.credit_code
     LIMIT 2`,
  );
  const [first, second] = picked;
  const wanted: { username: string; displayName: string; role: UserRole; company: { credit_code: string; name: string } | undefined }[] = [
    { username: 'admin', displayName: '系统管理员 Administrator', role: 'bureauAdmin', company: undefined },
    { username: 'analyst', displayName: '数据分析员 Analyst', role: 'bureauAnalyst', company: undefined },
    { username: 'officer', displayName: '纳税服务专员 Service officer', role: 'bureauOfficer', company: undefined },
    { username: 'legal', displayName: '法定代表人 Legal representative', role: 'legalRepresentative', company: first },
    { username: 'finance', displayName: '财务负责人 Finance officer', role: 'financeOfficer', company: first },
    { username: 'handler', displayName: '办税人员 Tax handler', role: 'taxHandler', company: first },
    { username: 'finance2', displayName: '财务负责人 Finance officer', role: 'financeOfficer', company: second },
  ];
  const existing = new Set((await db.all<{ username: string }>('SELECT username FROM app_user')).map((r) => r.username));
  const logins: DemoLogin[] = [];
  for (const w of wanted) {
    const isCompany = w.role !== 'bureauAdmin' && w.role !== 'bureauAnalyst' && w.role !== 'bureauOfficer';
    if (isCompany && !w.company) continue; // a city without matches yet has no demo company
    if (!existing.has(w.username)) {
      await createUser(db, {
        username: w.username,
        displayName: w.displayName,
        role: w.role,
        creditCode: w.company?.credit_code ?? null,
        password: DEMO_PASSWORD,
      });
    }
    const row = (await db.all<{ credit_code: string | null }>('SELECT credit_code FROM app_user WHERE username = $1', [w.username]))[0];
    const code = row?.credit_code ?? null;
    const name = code ? ((await db.all<{ name: string }>('SELECT name FROM taxpayer WHERE credit_code = $1', [code]))[0]?.name ?? null) : null;
    logins.push({ username: w.username, password: DEMO_PASSWORD, role: w.role, creditCode: code, taxpayerName: name });
  }
  return logins;
}
