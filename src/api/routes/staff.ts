import { z } from 'zod';
import { policyReport } from '../../ledger/ledger.ts';
import { DRILL_SORT, DRILL_STATUSES, type DrillFilter, drillCsv, reportTaxpayers } from '../../ledger/taxpayers.ts';
import { CREDIT_LEVELS, DISTRICT_IDS, TAXPAYER_KINDS, VAT_STATUSES } from '../../model/enums.ts';
import { entriesById, MESSAGE_STATUSES, type RenderableMessage, renderMessage } from '../../push/message.ts';
import { createUser } from '../accounts.ts';
import { type ApiContext, onlyFor, type ZodApi } from '../context.ts';
import { invalid, notFound } from '../errors.ts';
import { pageRows } from '../paging.ts';
import { BUREAU_ROLES, MAY_MANAGE_USERS, USER_ROLES } from '../roles.ts';
import { creditCode, errors, paged, pageQuery, period, yuan } from '../schemas.ts';
import { matchedPeriods } from './meta.ts';

// Which figure of the city report to drill into: each key as the report's roll-ups name it.
const drillQuery = {
  year: z.coerce.number().int().min(2019).max(2100).optional().describe('default: the year of the latest city-wide match run'),
  district: z
    .enum(DISTRICT_IDS as [string, ...string[]])
    .optional()
    .describe('a key of byDistrict'),
  industrySection: z
    .string()
    .regex(/^[A-T]$/)
    .optional()
    .describe('a key of byIndustry: a GB/T 4754 section letter'),
  policyId: z.string().max(100).optional().describe('a key of byPolicy'),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM')
    .optional()
    .describe('a key of byMonth (YYYY-MM) within the year'),
  has: z.enum(DRILL_STATUSES).optional().describe('only taxpayers with a ledger row of this status in the selection'),
  sort: z.enum(Object.keys(DRILL_SORT) as [keyof typeof DRILL_SORT]).default('missed'),
};
const drillTotals = z.object({
  taxpayers: z.number().int(),
  enjoyed: yuan,
  missed: yuan,
  claimedNotEligible: yuan,
  lapsed: yuan,
  claimedLapsed: yuan,
});

const rollup = z.array(z.object({ key: z.string(), taxpayers: z.number().int(), enjoyed: yuan, missed: yuan }));

// Sort keys map to columns here, so a query string can never name a column or inject SQL.
const TAXPAYER_SORT = {
  creditCode: 'credit_code',
  name: 'name',
  district: 'district',
  industry: 'industry',
  employees: 'employees',
  creditLevel: 'credit_level',
} as const;

// The city report sums every ledger row of the year (most of a second at 20,000 taxpayers): it is
// kept until a new match run appears (the ledger is rebuilt with each) and at most REPORT_CACHE_MS,
// which also covers the ledger build that follows a run.
const REPORT_CACHE_MS = 30_000;
const reports = new WeakMap<ApiContext, Map<number, { run: string; until: number; report: ReturnType<typeof policyReport> }>>();

async function cachedReport(ctx: ApiContext, year: number): ReturnType<typeof policyReport> {
  const { run } = await ctx.db.one<{ run: string | number | null }>('SELECT CAST(max(run_id) AS VARCHAR) AS run FROM match_run');
  const byYear = reports.get(ctx) ?? new Map();
  reports.set(ctx, byYear);
  const hit = byYear.get(year);
  if (hit && hit.run === String(run) && Date.now() < hit.until) return hit.report;
  const report = policyReport(ctx.db, year);
  byYear.set(year, { run: String(run), until: Date.now() + REPORT_CACHE_MS, report });
  report.catch(() => byYear.delete(year));
  return report;
}

export function registerStaff(api: ZodApi, ctx: ApiContext): void {
  const entries = entriesById(ctx.catalogue.entries);

  /** The year a report question is of (404 for one without a city-wide run), as /api/report/policy takes it. */
  const reportYear = async (asked: number | undefined): Promise<number> => {
    const periods = await matchedPeriods(ctx);
    // The city report is of city-wide runs: a year with re-matches of single taxpayers alone has none.
    if (asked !== undefined && !periods.some((p) => p.startsWith(`${asked}-`))) throw notFound(`a city-wide match run in ${asked}`);
    return asked ?? Number((periods[periods.length - 1] ?? String(new Date().getFullYear())).slice(0, 4));
  };
  /** A drill-down's filter, checked: a policy the catalogue does not hold, or a month outside the year, names nothing. */
  const drillFilter = async (q: { year?: number | undefined } & Omit<DrillFilter, 'year'>): Promise<DrillFilter> => {
    const year = await reportYear(q.year);
    if (q.policyId !== undefined && entries.get(q.policyId)?.kind !== 'policy') throw invalid(`no policy '${q.policyId}' in the catalogue`, 'policyId');
    if (q.month !== undefined && !q.month.startsWith(`${year}-`)) throw invalid(`month ${q.month} is not in ${year}`, 'month');
    return { year, district: q.district, industrySection: q.industrySection, policyId: q.policyId, month: q.month, has: q.has };
  };
  api.get(
    '/api/taxpayers',
    {
      preValidation: onlyFor(BUREAU_ROLES, 'the taxpayer roll'),
      schema: {
        tags: ['bureau'],
        summary: 'Search the taxpayer roll (bureau staff)',
        querystring: z.object({
          q: z.string().max(100).optional().describe('part of the name, or the start of the credit code'),
          district: z.enum(DISTRICT_IDS as [string, ...string[]]).optional(),
          industrySection: z
            .string()
            .regex(/^[A-T]$/)
            .optional(),
          sort: z.enum(Object.keys(TAXPAYER_SORT) as [keyof typeof TAXPAYER_SORT]).default('creditCode'),
          ...pageQuery,
        }),
        response: {
          200: paged(
            z.object({
              creditCode,
              name: z.string(),
              kind: z.enum(TAXPAYER_KINDS),
              vatStatus: z.enum(VAT_STATUSES),
              industry: z.string(),
              district: z.string(),
              employees: z.number().int(),
              creditLevel: z.enum(CREDIT_LEVELS),
            }),
          ),
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const where = `(CAST($1 AS VARCHAR) IS NULL OR strpos(name, $1) > 0 OR starts_with(credit_code, $1))
        AND (CAST($2 AS VARCHAR) IS NULL OR district = $2) AND (CAST($3 AS VARCHAR) IS NULL OR starts_with(industry, $3))`;
      const { rows, ...paging } = await pageRows<{
        credit_code: string;
        name: string;
        kind: (typeof TAXPAYER_KINDS)[number];
        vat_status: (typeof VAT_STATUSES)[number];
        industry: string;
        district: string;
        employees: number | string;
        credit_level: (typeof CREDIT_LEVELS)[number];
      }>(ctx.db, {
        select: 'credit_code, name, kind, vat_status, industry, district, employees, credit_level',
        from: 'taxpayer',
        where,
        orderBy: `${TAXPAYER_SORT[q.sort]} ${q.order === 'desc' ? 'DESC' : 'ASC'}, credit_code`,
        params: [q.q ?? null, q.district ?? null, q.industrySection ?? null],
        page: q.page,
        pageSize: q.pageSize,
      });
      return {
        items: rows.map((r) => ({
          creditCode: r.credit_code,
          name: r.name,
          kind: r.kind,
          vatStatus: r.vat_status,
          industry: r.industry,
          district: r.district,
          employees: Number(r.employees),
          creditLevel: r.credit_level,
        })),
        ...paging,
      };
    },
  );

  api.get(
    '/api/report/policy',
    {
      preValidation: onlyFor(BUREAU_ROLES, 'the city report'),
      schema: {
        tags: ['bureau'],
        summary:
          "The policy robot's city figures for a year: taxpayers matched, with reduction data, reliefs enjoyed and missed, claims without eligibility apart, by district, industry, policy and month",
        // Strict: a district or a policy asked of the city report would otherwise be dropped, and the
        // city's figures returned as if they were its (the filters are /api/report/policy/taxpayers's).
        querystring: z.object({ year: z.coerce.number().int().min(2019).max(2100).optional() }).strict(),
        response: {
          200: z.object({
            year: z.number().int(),
            taxpayersMatched: z.number().int(),
            taxpayersMatchedWithReductionData: z.number().int(),
            enjoyed: yuan,
            enjoyedUnverified: yuan,
            taxpayersEnjoyedUnverified: z.number().int(),
            missed: yuan,
            taxpayersMissing: z.number().int(),
            taxpayersMissingAmountUnknown: z.number().int(),
            taxpayersReturnNotFiled: z
              .number()
              .int()
              .describe('taxpayers with reliefs waiting on a return of the quarter not filed yet (returnNotFiled): not missed'),
            reliefsReturnNotFiled: z.number().int(),
            claimedNotEligible: yuan,
            taxpayersClaimedNotEligible: z.number().int(),
            lapsed: yuan.describe('unclaimed reliefs a later quarter of the year took back (lapsedInYear), not in missed'),
            taxpayersLapsed: z.number().int(),
            claimedLapsed: yuan.describe('claims a later quarter of the year took back (claimedLapsedInYear), to be repaid, not in enjoyed'),
            taxpayersClaimedLapsed: z.number().int(),
            lapsedByPolicy: z
              .array(
                z.object({
                  policyId: z.string(),
                  lapsed: yuan,
                  taxpayersLapsed: z.number().int(),
                  claimedLapsed: yuan,
                  taxpayersClaimedLapsed: z.number().int(),
                }),
              )
              .describe('what a later quarter of the year took back, by policy: unclaimed, and claimed (to be repaid)'),
            claimsNotEligible: z.array(
              z.object({ policyId: z.string(), matchStatus: z.string(), taxpayers: z.number().int(), claims: z.number().int(), claimed: yuan }),
            ),
            byDistrict: rollup,
            byIndustry: rollup,
            byPolicy: rollup,
            byMonth: rollup,
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      return cachedReport(ctx, await reportYear(req.query.year));
    },
  );

  api.get(
    '/api/report/policy/taxpayers',
    {
      preValidation: onlyFor(BUREAU_ROLES, 'the city report'),
      schema: {
        tags: ['bureau'],
        summary:
          'The taxpayers behind a figure of the city report (a district, industry section, policy or month, or several at once), with their amounts; the count and sums equal the roll-up of the same keys',
        querystring: z.object({
          ...drillQuery,
          page: pageQuery.page,
          pageSize: pageQuery.pageSize,
        }),
        response: {
          200: paged(
            z.object({
              creditCode: z.string(),
              name: z.string(),
              district: z.string(),
              industry: z.string(),
              enjoyed: yuan,
              missed: yuan,
              claimedNotEligible: yuan,
              lapsed: yuan,
              claimedLapsed: yuan,
              policiesMissed: z.number().int(),
              policiesMissedAmountUnknown: z.number().int(),
            }),
          ).extend({ year: z.number().int(), totals: drillTotals }),
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const filter = await drillFilter(q);
      // Companies' amounts, many at once: on the audit log with the question asked (its path and query).
      req.audit = { action: 'read.report.taxpayers', creditCode: null };
      const r = await reportTaxpayers(ctx.db, filter, { sort: q.sort, limit: q.pageSize, offset: (q.page - 1) * q.pageSize });
      return { items: r.items, page: q.page, pageSize: q.pageSize, total: r.totals.taxpayers, year: filter.year, totals: r.totals };
    },
  );

  api.get(
    '/api/report/policy/taxpayers.csv',
    {
      preValidation: onlyFor(BUREAU_ROLES, 'the city report'),
      schema: {
        tags: ['bureau'],
        summary: 'The same taxpayers, all of them, as CSV for a spreadsheet (UTF-8 with a byte order mark; headers in the language asked for)',
        querystring: z.object({
          ...drillQuery,
          lang: z.enum(['zh', 'en']).default('zh'),
        }),
        response: { 200: z.string().describe('text/csv'), ...errors },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const filter = await drillFilter(q);
      req.audit = { action: 'export.report.taxpayers', creditCode: null };
      const r = await reportTaxpayers(ctx.db, filter, { sort: q.sort, limit: null });
      const name = ['zhishu-policy', filter.year, filter.district, filter.industrySection, filter.policyId, filter.month, filter.has]
        .filter((x) => x !== undefined)
        .join('-');
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}.csv"`)
        .send(drillCsv(r.items, q.lang));
    },
  );

  api.get(
    '/api/push/messages',
    {
      preValidation: onlyFor(BUREAU_ROLES, 'the outbox'),
      schema: {
        tags: ['bureau'],
        summary: 'The outbox of planned and sent messages (bureau staff)',
        querystring: z.object({
          creditCode: creditCode.optional(),
          status: z.enum(MESSAGE_STATUSES).optional(),
          period: period.optional(),
          ...pageQuery,
        }),
        response: {
          200: paged(
            z.object({
              messageId: z.string(),
              creditCode: z.string(),
              role: z.string(),
              kind: z.string(),
              period: z.string(),
              policyId: z.string().nullable(),
              category: z.string(),
              benefit: yuan.nullable(),
              groupClaimed: yuan
                .nullable()
                .describe('a relief beside a claim of one it does not stack with: that claim, which benefit is net of (a digest: null, see its lines)'),
              channel: z.string(),
              subject: z.string(),
              status: z.string(),
              scheduledAt: z.string(),
              attempts: z.number().int(),
              sentAt: z.string().nullable(),
            }),
          ),
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.creditCode) req.audit = { action: 'read.outbox', creditCode: q.creditCode };
      const where =
        '(CAST($1 AS VARCHAR) IS NULL OR credit_code = $1) AND (CAST($2 AS VARCHAR) IS NULL OR status = $2) AND (CAST($3 AS VARCHAR) IS NULL OR period = $3)';
      const { rows, ...paging } = await pageRows<Record<string, string | number | null>>(ctx.db, {
        // The texts are rendered from what the row keeps, as they will be sent (push/message.ts).
        select: `message_id, credit_code, role, kind, period, policy_id, items, category, CAST(benefit AS VARCHAR) AS benefit, CAST(group_claimed AS VARCHAR) AS group_claimed,
                 CAST(deadline AS VARCHAR) AS deadline, channel, subject, body, person_name, taxpayer_name, lacking, digest_items, status,
                 CAST(scheduled_at AS VARCHAR) AS scheduled_at, attempts, CAST(sent_at AS VARCHAR) AS sent_at`,
        from: 'push_message',
        where,
        orderBy: `scheduled_at ${q.order === 'desc' ? 'DESC' : 'ASC'}, message_id`,
        params: [q.creditCode ?? null, q.status ?? null, q.period ?? null],
        page: q.page,
        pageSize: q.pageSize,
      });
      return {
        items: rows.map((r) => ({
          messageId: String(r.message_id),
          creditCode: String(r.credit_code),
          role: String(r.role),
          kind: String(r.kind),
          period: String(r.period),
          policyId: r.policy_id === null ? null : String(r.policy_id),
          category: String(r.category),
          benefit: r.benefit === null ? null : String(r.benefit),
          groupClaimed: r.group_claimed === null ? null : String(r.group_claimed),
          channel: String(r.channel),
          // Worded as of the day it was sent, or is to be sent (a deadline passed by then says so).
          subject: renderMessage(r as unknown as RenderableMessage, entries, String(r.sent_at ?? r.scheduled_at).slice(0, 10)).subject,
          status: String(r.status),
          scheduledAt: String(r.scheduled_at),
          attempts: Number(r.attempts),
          sentAt: r.sent_at === null ? null : String(r.sent_at),
        })),
        ...paging,
      };
    },
  );

  api.get(
    '/api/worklists',
    {
      preValidation: onlyFor(BUREAU_ROLES, 'the work lists'),
      schema: {
        tags: ['bureau'],
        summary: 'Bureau work lists (invoice supply, credit warnings, applications: filled by later capabilities)',
        response: {
          200: z.object({ lists: z.array(z.object({ id: z.string(), title: z.object({ zh: z.string(), en: z.string() }), count: z.number().int() })) }),
          ...errors,
        },
      },
    },
    async () => ({ lists: [] }),
  );

  api.get(
    '/api/audit',
    {
      preValidation: onlyFor(MAY_MANAGE_USERS, 'the audit log'),
      schema: {
        tags: ['bureau'],
        summary: "The audit log: bureau reads of companies' data, changes and refused attempts (administrators)",
        querystring: z.object({
          username: z.string().optional(),
          creditCode: creditCode.optional(),
          ...pageQuery,
          order: z.enum(['asc', 'desc']).default('desc'),
        }),
        response: {
          200: paged(
            z.object({
              at: z.string(),
              username: z.string(),
              role: z.string(),
              action: z.string(),
              creditCode: z.string().nullable(),
              method: z.string(),
              path: z.string(),
              status: z.number().int(),
            }),
          ),
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const where = '(CAST($1 AS VARCHAR) IS NULL OR username = $1) AND (CAST($2 AS VARCHAR) IS NULL OR credit_code = $2)';
      const { rows, ...paging } = await pageRows<{
        at: string;
        username: string;
        role: string;
        action: string;
        credit_code: string | null;
        method: string;
        path: string;
        status: number;
      }>(ctx.db, {
        select: 'CAST(occurred_at AS VARCHAR) AS at, username, role, action, credit_code, method, path, status',
        from: 'audit_log',
        where,
        orderBy: `occurred_at ${q.order === 'asc' ? 'ASC' : 'DESC'}`,
        params: [q.username ?? null, q.creditCode ?? null],
        page: q.page,
        pageSize: q.pageSize,
      });
      return {
        items: rows.map((r) => ({
          at: r.at,
          username: r.username,
          role: r.role,
          action: r.action,
          creditCode: r.credit_code,
          method: r.method,
          path: r.path,
          status: Number(r.status),
        })),
        ...paging,
      };
    },
  );

  api.post(
    '/api/users',
    {
      preValidation: onlyFor(MAY_MANAGE_USERS, 'adding accounts'),
      schema: {
        tags: ['bureau'],
        summary: 'Adds an account: bureau staff, or a company user bound to one taxpayer in one role (administrators)',
        body: z.object({
          username: z.string(),
          displayName: z.string().min(1).max(100),
          role: z.enum(USER_ROLES),
          creditCode: creditCode.nullable().optional(),
          password: z.string().min(10).max(256),
        }),
        response: { 201: z.object({ username: z.string(), displayName: z.string(), role: z.enum(USER_ROLES), creditCode: z.string().nullable() }), ...errors },
      },
    },
    async (req, reply) => {
      req.audit = { action: 'user.create', creditCode: req.body.creditCode ?? null };
      return reply.code(201).send(await createUser(ctx.db, req.body));
    },
  );
}
