import { z } from 'zod';
import { login, logout } from '../accounts.ts';
import { type ApiContext, currentUser, type ZodApi } from '../context.ts';
import { USER_ROLES } from '../roles.ts';
import { errors } from '../schemas.ts';

export const SESSION_COOKIE = 'zhishu_session';

const user = z.object({
  username: z.string(),
  displayName: z.string(),
  role: z.enum(USER_ROLES),
  creditCode: z.string().nullable(),
  taxpayerName: z.string().nullable(),
});

export function registerSession(api: ZodApi, ctx: ApiContext): void {
  const withName = async (u: { username: string; displayName: string; role: (typeof USER_ROLES)[number]; creditCode: string | null }) => {
    const rows = u.creditCode ? await ctx.db.all<{ name: string }>('SELECT name FROM taxpayer WHERE credit_code = $1', [u.creditCode]) : [];
    return { ...u, taxpayerName: rows[0]?.name ?? null };
  };

  api.post(
    '/api/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Log in: a session token (also set as an HttpOnly cookie)',
        security: [],
        body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
        response: { 200: z.object({ token: z.string(), expiresAt: z.string(), user }), ...errors },
      },
    },
    async (req, reply) => {
      const s = await login(ctx.db, req.body.username, req.body.password, ctx.sessionHours);
      reply.setCookie(SESSION_COOKIE, s.token, { path: '/', httpOnly: true, sameSite: 'strict', expires: new Date(s.expiresAt) });
      return { token: s.token, expiresAt: s.expiresAt, user: await withName(s.user) };
    },
  );

  api.delete(
    '/api/session',
    { schema: { tags: ['session'], summary: 'Log out: the session ends now', response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      const header = req.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : req.cookies[SESSION_COOKIE];
      if (token) await logout(ctx.db, token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  api.get('/api/me', { schema: { tags: ['session'], summary: 'Who is logged in', response: { 200: z.object({ user }), ...errors } } }, async (req) => ({
    user: await withName(currentUser(req)),
  }));
}
