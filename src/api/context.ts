import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Catalogue } from '../law/catalogue.ts';
import type { Db } from '../store/db.ts';
import type { Store } from '../store/store.ts';
import { forbidden } from './errors.ts';
import { isBureau, type User } from './roles.ts';

export type ZodApi = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** What every route handler works with. */
export interface ApiContext {
  db: Db;
  /** The embedded store when the server runs on DuckDB: the push planner runs on its one connection. */
  store: Store | null;
  lawDir: string;
  catalogue: Catalogue;
  sessionHours: number;
}

/** What the audit hook writes when the response has gone out. */
export interface AuditMark {
  action: string;
  creditCode: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
    audit: AuditMark | null;
  }
}

export function currentUser(req: FastifyRequest): User {
  // The auth hook has already answered 401 on /api routes without a user.
  if (!req.user) throw new Error('route reached without a user');
  return req.user;
}

/**
 * The gate in front of every company's data: a company user reaches only the taxpayer it is bound
 * to, whatever the URL or body says; bureau staff reach any, and each such read is audited.
 * A refused attempt is audited too.
 */
export function companyAccess(req: FastifyRequest, creditCode: string, action: string): User {
  const user = currentUser(req);
  if (isBureau(user.role)) {
    req.audit = { action, creditCode };
    return user;
  }
  if (user.creditCode !== creditCode) {
    req.audit = { action: `denied.${action}`, creditCode };
    throw forbidden('you may see and change only the data of the company you act for');
  }
  return user;
}

/**
 * A route's `preValidation` hook that lets only these roles through, before the request's body and
 * query are validated: someone who may not use a route is told so, not asked to fix a form.
 */
export function onlyFor(allowed: readonly string[], what: string): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    requireRole(req, allowed, what);
  };
}

export function requireRole(req: FastifyRequest, allowed: readonly string[], what: string): User {
  const user = currentUser(req);
  if (!allowed.includes(user.role)) {
    req.audit = { action: `denied.${what}`, creditCode: null };
    throw forbidden(`${what} is for ${allowed.join(', ')}; you are ${user.role}`);
  }
  return user;
}
