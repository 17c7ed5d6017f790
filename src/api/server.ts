import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { CalcError } from '../calc/errors.ts';
import { catalogueOf, DEFAULT_LAW_DIR } from '../match/match.ts';
import type { Db } from '../store/db.ts';
import { Store } from '../store/store.ts';
import { authenticate, DEFAULT_SESSION_HOURS, sqlTime } from './accounts.ts';
import type { ApiContext } from './context.ts';
import { ApiError } from './errors.ts';
import { registerCalc } from './routes/calc.ts';
import { registerCampaigns } from './routes/campaigns.ts';
import { registerCompany } from './routes/company.ts';
import { registerMeta } from './routes/meta.ts';
import { registerSession, SESSION_COOKIE } from './routes/session.ts';
import { registerStaff } from './routes/staff.ts';

export interface ServerOptions {
  db: Db;
  /** The embedded store behind db (db itself, or a pool of its connections); none on PostgreSQL. */
  store?: Store | null;
  lawDir?: string;
  sessionHours?: number;
  /** The built web app (web/dist) to serve at `/`; none when it has not been built. */
  webDir?: string | null;
  logger?: boolean;
}

// Routes anyone may call: logging in, the API description, the health check and the web app's files.
const PUBLIC_API = new Set(['POST /api/session', 'GET /api/health']);

function tokenOf(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  return req.cookies[SESSION_COOKIE] ?? null;
}

/** The HTTP API (and the web app, when built) over one database, embedded or PostgreSQL. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const lawDir = options.lawDir ?? DEFAULT_LAW_DIR;
  const ctx: ApiContext = {
    db: options.db,
    store: options.store ?? (options.db instanceof Store ? options.db : null),
    lawDir,
    catalogue: catalogueOf(lawDir).catalogue,
    sessionHours: options.sessionHours ?? DEFAULT_SESSION_HOURS,
  };
  await options.db.exec(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'sql', 'serving_indexes.sql'), 'utf8'));
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 1024 * 1024 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('user', null);
  app.decorateRequest('audit', null);
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Zhishu (智数) API',
        description:
          'Policy finds the taxpayer: matched policies with explanations, the benefit ledger, the tax and fee calculator, pushes and the city report. Log in with POST /api/session; send the token as `Authorization: Bearer <token>` or keep the session cookie.',
        version: '1.0.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/')) return;
    const route = `${req.method} ${req.url.split('?')[0]}`;
    if (PUBLIC_API.has(route)) return;
    const token = tokenOf(req);
    req.user = token ? await authenticate(ctx.db, token) : null;
    if (!req.user) throw new ApiError(401, 'unauthenticated', 'log in first: the session is missing, expired or ended');
  });

  // Bureau reads of a company's data, every change and every refused attempt go to the audit log,
  // before the answer leaves: a read that could not be audited is not answered.
  app.addHook('onSend', async (req, reply, payload) => {
    if (!req.audit || !req.user) return payload;
    await ctx.db.exec(
      'INSERT INTO audit_log (occurred_at, username, role, action, credit_code, method, path, status) VALUES (CAST($1 AS TIMESTAMP), $2, $3, $4, $5, $6, $7, $8)',
      [sqlTime(new Date()), req.user.username, req.user.role, req.audit.action, req.audit.creditCode, req.method, req.url, reply.statusCode],
    );
    req.audit = null;
    return payload;
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) {
      return reply.code(err.status).send({ error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } });
    }
    if (err instanceof CalcError) return reply.code(400).send(err.toJSON());
    if (hasZodFastifySchemaValidationErrors(err)) {
      const first = err.validation[0];
      const where = first ? `${err.validationContext ?? 'request'}${first.instancePath.replaceAll('/', '.')}` : 'request';
      return reply.code(400).send({
        error: { code: 'invalidRequest', message: `${where}: ${first?.message ?? 'invalid'}`, field: where },
      });
    }
    if (isResponseSerializationError(err)) {
      req.log.error(err, 'response does not match its schema');
      return reply.code(500).send({ error: { code: 'internal', message: 'the server built an answer that does not match its own description' } });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ error: { code: 'invalidRequest', message: (err as Error).message } });
    }
    req.log.error(err);
    return reply.code(500).send({ error: { code: 'internal', message: 'internal error; the server log has the details' } });
  });

  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/api/health', { schema: { hide: true } }, async () => ({ ok: true }));
  registerSession(api, ctx);
  registerMeta(api, ctx);
  registerCompany(api, ctx);
  registerCalc(api, ctx);
  registerStaff(api, ctx);
  registerCampaigns(api, ctx);

  const webDir = options.webDir;
  if (webDir && existsSync(join(webDir, 'index.html'))) {
    // Files are looked up per request (not listed at start), so a rebuilt app is served without a restart.
    await app.register(fastifyStatic, { root: webDir });
    // Client-side routes (/company/..., /bureau/...) are the app's: answer them with its page.
    app.setNotFoundHandler((req, reply) => {
      if (req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.startsWith('/docs')) return reply.sendFile('index.html');
      return reply.code(404).send({ error: { code: 'notFound', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
    });
  } else {
    app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: 'notFound', message: `no route ${req.method} ${req.url.split('?')[0]}` } }));
  }
  return app;
}
