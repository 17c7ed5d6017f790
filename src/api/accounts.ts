import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Db } from '../store/db.ts';
import { ApiError, invalid } from './errors.ts';
import { isBureau, isCompanyRole, USER_ROLES, type User, type UserRole } from './roles.ts';

/** Sessions last a working day unless the server is told otherwise. */
export const DEFAULT_SESSION_HOURS = 8;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const sqlTime = (d: Date): string => d.toISOString().slice(0, 23).replace('T', ' ');

// argon2id with the library's defaults (19 MiB, 2 passes, 1 lane): the OWASP minimum for argon2id.
// A login for an unknown user is checked against this hash too, so its timing does not tell
// whether the user exists.
let decoyHash: Promise<string> | null = null;
const decoy = (): Promise<string> => {
  decoyHash ??= hash(randomBytes(16).toString('hex'));
  return decoyHash;
};

export interface NewUser {
  username: string;
  displayName: string;
  role: UserRole;
  creditCode?: string | null;
  password: string;
}

/** Adds an account, checking that a company user is bound to a taxpayer on the roll and staff to none. */
export async function createUser(db: Db, u: NewUser): Promise<User> {
  if (!/^[A-Za-z0-9._@-]{3,64}$/.test(u.username)) {
    throw invalid('username must be 3 to 64 letters, digits or . _ @ -', 'username');
  }
  if (!(USER_ROLES as readonly string[]).includes(u.role)) throw invalid(`role must be one of ${USER_ROLES.join(', ')}`, 'role');
  if (u.password.length < 10) throw invalid('password must be at least 10 characters', 'password');
  const creditCode = u.creditCode ?? null;
  if (isBureau(u.role) && creditCode !== null) throw invalid('bureau staff are not bound to a taxpayer', 'creditCode');
  if (isCompanyRole(u.role)) {
    if (creditCode === null) throw invalid(`a ${u.role} acts for one taxpayer: creditCode is required`, 'creditCode');
    const found = await db.all('SELECT 1 FROM taxpayer WHERE credit_code = $1', [creditCode]);
    if (found.length === 0) throw invalid(`taxpayer ${creditCode} is not on the roll`, 'creditCode');
  }
  const exists = await db.all('SELECT 1 FROM app_user WHERE username = $1', [u.username]);
  if (exists.length > 0) throw new ApiError(409, 'conflict', `user ${u.username} already exists`, 'username');
  await db.exec(
    'INSERT INTO app_user (username, display_name, role, credit_code, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, CAST($6 AS TIMESTAMP))',
    [u.username, u.displayName, u.role, creditCode, await hash(u.password), sqlTime(new Date())],
  );
  return { username: u.username, displayName: u.displayName, role: u.role, creditCode };
}

export interface Session {
  token: string;
  expiresAt: string;
  user: User;
}

type UserRow = {
  username: string;
  display_name: string;
  role: UserRole;
  credit_code: string | null;
  password_hash: string;
};

const toUser = (r: UserRow): User => ({ username: r.username, displayName: r.display_name, role: r.role, creditCode: r.credit_code });

/** Checks a password and opens a session. The token is returned once; only its hash is kept. */
export async function login(db: Db, username: string, password: string, hours = DEFAULT_SESSION_HOURS, now = new Date()): Promise<Session> {
  const rows = await db.all<UserRow>(
    'SELECT username, display_name, role, credit_code, password_hash FROM app_user WHERE username = $1 AND disabled_at IS NULL',
    [username],
  );
  const row = rows[0];
  const ok = await verify(row?.password_hash ?? (await decoy()), password);
  if (!row || !ok) throw new ApiError(401, 'badCredentials', 'wrong username or password');
  const token = randomBytes(32).toString('base64url');
  const expires = new Date(now.getTime() + hours * 3600_000);
  await db.exec('INSERT INTO app_session (token_sha256, username, created_at, expires_at) VALUES ($1, $2, CAST($3 AS TIMESTAMP), CAST($4 AS TIMESTAMP))', [
    sha256(token),
    username,
    sqlTime(now),
    sqlTime(expires),
  ]);
  return { token, expiresAt: expires.toISOString(), user: toUser(row) };
}

/**
 * Sessions this process has checked recently. A logout through this process takes effect at once; one
 * through another process (or a disabled user) within SESSION_CACHE_MS. Without it every request
 * paid a database round trip before doing its work.
 */
const SESSION_CACHE_MS = 30_000;
const checked = new Map<string, { user: User; expiresMs: number; until: number }>();

/** The user a token stands for, or null when it is unknown, expired, ended or its user disabled. */
export async function authenticate(db: Db, token: string, now = new Date()): Promise<User | null> {
  const key = sha256(token);
  const hit = checked.get(key);
  const t = now.getTime();
  if (hit && t < hit.until && t < hit.expiresMs && t >= hit.until - SESSION_CACHE_MS) return hit.user;
  checked.delete(key);
  const found = await lookUp(db, key, now);
  if (found) {
    if (checked.size > 10_000) checked.clear();
    checked.set(key, { user: found.user, expiresMs: found.expiresMs, until: t + SESSION_CACHE_MS });
  }
  return found?.user ?? null;
}

async function lookUp(db: Db, key: string, now: Date): Promise<{ user: User; expiresMs: number } | null> {
  const rows = await db.all<UserRow & { expires_at: string }>(
    `SELECT u.username, u.display_name, u.role, u.credit_code, u.password_hash, CAST(s.expires_at AS VARCHAR) AS expires_at
     FROM app_session s JOIN app_user u ON u.username = s.username
     WHERE s.token_sha256 = $1 AND s.ended_at IS NULL AND s.expires_at > CAST($2 AS TIMESTAMP) AND u.disabled_at IS NULL`,
    [key, sqlTime(now)],
  );
  const r = rows[0];
  return r ? { user: toUser(r), expiresMs: Date.parse(`${r.expires_at.replace(' ', 'T')}Z`) } : null;
}

export async function logout(db: Db, token: string, now = new Date()): Promise<void> {
  checked.delete(sha256(token));
  await db.exec('UPDATE app_session SET ended_at = CAST($2 AS TIMESTAMP) WHERE token_sha256 = $1 AND ended_at IS NULL', [sha256(token), sqlTime(now)]);
}

export { sqlTime };
