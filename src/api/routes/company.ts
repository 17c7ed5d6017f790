import { z } from 'zod';
import { formatYuan, parseYuan } from '../../calc/money.ts';
import { taxpayerLedger } from '../../ledger/ledger.ts';
import { ExplainNotFound, explainTaxpayer } from '../../match/explain.ts';
import { takenInstead } from '../../match/stacking.ts';
import { COLLECTION_MODES, CREDIT_LEVELS, ROLES, TAXPAYER_KINDS, VAT_STATUSES } from '../../model/enums.ts';
import { rolesOfPersonSql } from '../../push/person.ts';
import { dateText, sqlTimestamp, toLocal } from '../../push/time.ts';
import { type ApiContext, companyAccess, type ZodApi } from '../context.ts';
import { ApiError, forbidden, notFound } from '../errors.ts';
import { RunCache } from '../freshness.ts';
import { pageRows } from '../paging.ts';
import { isBureau } from '../roles.ts';
import { creditCode, errors, paged, pageOf, pageQuery, period, sortBy, title, yuan } from '../schemas.ts';
import { hasMatchRun, matchedPeriods } from './meta.ts';

const MATCH_STATUSES = ['matched', 'nearMiss', 'unknown'] as const;

const matchItem = z.object({
  policyId: z.string(),
  title,
  category: z.string(),
  status: z.enum(MATCH_STATUSES),
  benefit: yuan.nullable(),
  period,
  // Of reliefs that do not stack (不得叠加享受): the relief of its group the company would take instead,
  // as the pushes choose it (a matched one worth more, or one that makes meeting a near miss gain nothing).
  takenInstead: z.object({ policyId: z.string(), title }).nullable(),
});

const codeParams = z.object({ code: creditCode });

async function periodOrLatest(ctx: ApiContext, p: string | undefined): Promise<string> {
  if (p) {
    if (!(await hasMatchRun(ctx, p))) throw notFound(`a match run of ${p}`);
    return p;
  }
  const periods = await matchedPeriods(ctx);
  const latest = periods[periods.length - 1];
  if (!latest) throw notFound('a matched period (run zhishu match first)');
  return latest;
}

/**
 * A code of no taxpayer on the roll is a 404 (its check character is the schema's): answered with
 * empty results, it read as a company with nothing to claim.
 */
async function onTheRoll(ctx: ApiContext, code: string): Promise<void> {
  if ((await ctx.db.all('SELECT 1 AS x FROM taxpayer WHERE credit_code = $1', [code])).length === 0) throw notFound(`taxpayer ${code}`);
}

type MatchRow = { policy_id: string; status: (typeof MATCH_STATUSES)[number]; benefit: string | null; category: string; period: string };
type Explained = Awaited<ReturnType<typeof explainTaxpayer>>;

export function registerCompany(api: ZodApi, ctx: ApiContext): void {
  // A company's results and explanations change only with a match run (see freshness.ts).
  const matchCache = new RunCache<MatchRow[]>();
  const explainCache = new RunCache<Explained>();
  const titles = new Map(ctx.catalogue.entries.map((e) => [e.id, e.title]));
  const entries = new Map(ctx.catalogue.entries.map((e) => [e.id, e]));

  api.get(
    '/api/taxpayers/:code',
    {
      schema: {
        tags: ['company'],
        summary: "A taxpayer's registration and its people by role",
        params: codeParams,
        response: {
          200: z.object({
            creditCode,
            name: z.string(),
            kind: z.enum(TAXPAYER_KINDS),
            vatStatus: z.enum(VAT_STATUSES),
            industry: z.string(),
            district: z.string(),
            registeredOn: z.string(),
            employees: z.number().int(),
            totalAssets: yuan,
            collectionMode: z.enum(COLLECTION_MODES),
            // A certificate valid today (China date): one expired since is not shown as held.
            highTech: z.boolean(),
            highTechUntil: z.string().nullable(),
            creditLevel: z.enum(CREDIT_LEVELS),
            people: z.array(z.object({ role: z.enum(ROLES), name: z.string(), preferredChannel: z.string() })),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      companyAccess(req, req.params.code, 'read.taxpayer');
      const rows = await ctx.db.all<{
        credit_code: string;
        name: string;
        kind: (typeof TAXPAYER_KINDS)[number];
        vat_status: (typeof VAT_STATUSES)[number];
        industry: string;
        district: string;
        registered_on: string;
        employees: number | string;
        total_assets: string;
        collection_mode: (typeof COLLECTION_MODES)[number];
        high_tech: boolean;
        high_tech_until: string | null;
        credit_level: (typeof CREDIT_LEVELS)[number];
      }>(
        `SELECT credit_code, name, kind, vat_status, industry, district, CAST(registered_on AS VARCHAR) AS registered_on, employees,
                CAST(total_assets AS VARCHAR) AS total_assets, collection_mode, high_tech, CAST(high_tech_until AS VARCHAR) AS high_tech_until, credit_level
         FROM taxpayer WHERE credit_code = $1`,
        [req.params.code],
      );
      const t = rows[0];
      if (!t) throw notFound(`taxpayer ${req.params.code}`);
      const today = dateText(toLocal(new Date()));
      const people = await ctx.db.all<{ role: (typeof ROLES)[number]; name: string; preferred_channel: string }>(
        'SELECT role, name, preferred_channel FROM company_person WHERE credit_code = $1 ORDER BY role',
        [req.params.code],
      );
      return {
        creditCode: t.credit_code,
        name: t.name,
        kind: t.kind,
        vatStatus: t.vat_status,
        industry: t.industry,
        district: t.district,
        registeredOn: t.registered_on,
        employees: Number(t.employees),
        totalAssets: t.total_assets,
        collectionMode: t.collection_mode,
        highTech: t.high_tech && (t.high_tech_until === null || t.high_tech_until >= today),
        highTechUntil: t.high_tech ? t.high_tech_until : null,
        creditLevel: t.credit_level,
        people: people.map((p) => ({ role: p.role, name: p.name, preferredChannel: p.preferred_channel })),
      };
    },
  );

  api.get(
    '/api/taxpayers/:code/matches',
    {
      schema: {
        tags: ['company'],
        summary: "A taxpayer's current results for a quarter: matched, near misses and unknown (not eligible ones are not listed)",
        params: codeParams,
        querystring: z.object({
          period: period.optional(),
          status: z.enum(MATCH_STATUSES).optional(),
          sort: z.enum(['benefit', 'status', 'policyId', 'category']).default('benefit'),
          ...pageQuery,
          order: z.enum(['asc', 'desc']).default('desc'),
        }),
        response: { 200: paged(matchItem), ...errors },
      },
    },
    async (req) => {
      companyAccess(req, req.params.code, 'read.matches');
      await onTheRoll(ctx, req.params.code);
      const q = req.query;
      const p = await periodOrLatest(ctx, q.period);
      // The results of the taxpayer's latest run for the quarter: a city run or a later re-match.
      const rows = await matchCache.get(ctx, `${req.params.code}|${p}`, () =>
        ctx.db.all<{ policy_id: string; status: (typeof MATCH_STATUSES)[number]; benefit: string | null; category: string; period: string }>(
          // Each table is first narrowed to the taxpayer alone, so the lookups use the serving indexes on
          // credit_code (beside a second condition DuckDB would scan the table instead).
          `WITH f AS MATERIALIZED (SELECT period, computed_at FROM taxpayer_fact WHERE credit_code = $1),
              m AS MATERIALIZED (SELECT * FROM policy_match WHERE credit_code = $1)
         SELECT m.policy_id, m.status, CAST(m.benefit AS VARCHAR) AS benefit, m.category, m.period
         FROM m WHERE m.period = $2 AND m.computed_at = (SELECT max(computed_at) FROM f WHERE period = $2)`,
          [req.params.code, p],
        ),
      );
      // Weighed over all the quarter's results, whichever status is listed.
      const weighed = rows.map((r) => ({ entry: entries.get(r.policy_id) ?? { id: r.policy_id }, status: r.status, benefit: r.benefit }));
      const items = rows
        .map((r, i) => ({ r, instead: takenInstead(weighed[i] as (typeof weighed)[number], weighed) }))
        .filter(({ r }) => !q.status || r.status === q.status)
        .map(({ r, instead }) => ({
          policyId: r.policy_id,
          title: titles.get(r.policy_id) ?? { zh: r.policy_id, en: r.policy_id },
          category: r.category,
          status: r.status,
          benefit: r.benefit,
          period: r.period,
          takenInstead: instead ? { policyId: instead.entry.id, title: titles.get(instead.entry.id) ?? { zh: instead.entry.id, en: instead.entry.id } } : null,
        }));
      const key = {
        benefit: (i: (typeof items)[number]) => i.benefit,
        status: (i: (typeof items)[number]) => i.status,
        policyId: (i: (typeof items)[number]) => i.policyId,
        category: (i: (typeof items)[number]) => i.category,
      }[q.sort];
      return pageOf(sortBy(items, key, q.order), q.page, q.pageSize);
    },
  );

  api.get(
    '/api/taxpayers/:code/matches/:policyId',
    {
      schema: {
        tags: ['company'],
        summary: 'Why a policy did or did not match: every condition with the observed value, the limit and its legal source, in Chinese and English',
        params: z.object({ code: creditCode, policyId: z.string().regex(/^[a-z][A-Za-z0-9.]*$/) }),
        querystring: z.object({ period: period.optional() }),
        response: {
          200: z.object({
            policy: z.string(),
            title,
            category: z.string(),
            status: z.enum(['matched', 'nearMiss', 'unknown', 'notEligible']),
            benefit: yuan.nullable(),
            sources: z.array(
              z.object({
                document: z.string(),
                documentZh: z.string().describe('the document as Chinese text reads it (an English note in Chinese)'),
                confidence: z.string(),
              }),
            ),
            text: z.object({ zh: z.array(z.string()), en: z.array(z.string()) }),
            // Reliefs of its exclusive group (不得叠加享受) the taxpayer matches too, and which is worth most.
            stacking: z
              .object({ with: z.array(z.string()), best: z.string(), beaten: z.boolean(), text: z.object({ zh: z.string(), en: z.string() }) })
              .nullable(),
            notices: z
              .array(z.object({ zh: z.string(), en: z.string() }))
              .describe(
                'what the company must mind: for a matched relief, one had provisionally; for a relief settled on the year, a later quarter that takes it back, or the earlier quarters this one takes back',
              ),
            year: z
              .object({
                lapsedBy: z
                  .string()
                  .nullable()
                  .describe('the later quarter of the year whose figures fail this relief (matched, or unknown here), taking it back'),
                takesBack: z
                  .array(z.object({ period: z.string(), status: z.enum(['matched', 'unknown']), benefit: yuan.nullable() }))
                  .describe('for a quarter that fails the rule: the earlier quarters of the year that matched it (with their estimates) or could not judge it'),
              })
              .nullable()
              .describe('a relief settled on the year (prepayments of the year to date): how the other quarters of the year bear on this one'),
            computedAt: z.string(),
            trace: z.unknown(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      companyAccess(req, req.params.code, 'read.explanation');
      // A quarter without facts of the taxpayer is explainTaxpayer's 404, which says that.
      const p = req.query.period ?? (await periodOrLatest(ctx, undefined));
      if (!ctx.catalogue.entries.some((e) => e.id === req.params.policyId)) throw notFound(`policy ${req.params.policyId}`);
      let explained: Explained;
      try {
        const { code, policyId } = req.params;
        explained = await explainCache.get(ctx, `${code}|${p}|${policyId}`, () =>
          explainTaxpayer(ctx.db, { creditCode: code, period: p, policy: policyId, lawDir: ctx.lawDir }),
        );
      } catch (err) {
        // No facts for this taxpayer and quarter, or the policy is not in force then: not found. A
        // failure of the store is not the client's to fix, and stays a 500.
        if (err instanceof ExplainNotFound) throw new ApiError(404, 'notFound', err.message);
        throw err;
      }
      const one = explained.policies[0];
      if (!one) throw notFound(`policy ${req.params.policyId} in ${p}`);
      return { ...one, computedAt: explained.computedAt };
    },
  );

  api.get(
    '/api/taxpayers/:code/ledger',
    {
      schema: {
        tags: ['company'],
        summary: 'The benefit ledger (政策红利账本) of a year: reliefs enjoyed and missed, by month and policy',
        params: codeParams,
        querystring: z.object({ year: z.coerce.number().int().min(2019).max(2100).optional() }),
        response: {
          200: z.object({
            creditCode,
            year: z.number().int(),
            rows: z.array(
              z.object({
                period,
                month: z.string(),
                policyId: z.string(),
                title,
                status: z.string(),
                enjoyed: yuan,
                missed: yuan.nullable(),
                claimed: yuan.nullable().describe('what a claim row claimed (enjoyed, claimedNotEligible)'),
                matchStatus: z.string().nullable().describe('what the match said of the policy for the quarter (null: not judged)'),
                lapsed: yuan
                  .nullable()
                  .describe(
                    'lapsedInYear: what the relief was worth before a later quarter of the year took it back; claimedOnAnnualReturn: what it was worth when the annual return claimed it; returnNotFiled: what it is worth, to claim when the return is filed',
                  ),
                groupClaimed: yuan
                  .nullable()
                  .describe(
                    'a relief of a group that does not stack: what the taxpayer enjoyed of another relief of its group in the quarter, which missed (or lapsed) is net of; alone the relief is worth the two summed',
                  ),
              }),
            ),
            enjoyed: yuan,
            enjoyedUnverified: yuan.describe('of enjoyed, the claims the match could not verify'),
            missed: yuan,
            missedAmountUnknown: z.number().int().describe('reliefs missed of unknown amount: counted, not summed'),
            returnNotFiled: z
              .number()
              .int()
              .describe("reliefs not missed because the quarter's return that would claim them is not filed yet (returnNotFiled): counted"),
            claimedNotEligible: yuan.describe('claims the match contradicts, not in enjoyed'),
            lapsed: yuan.describe('unclaimed reliefs a later quarter of the year took back (lapsedInYear), not in missed'),
            claimedLapsed: yuan.describe('claims a later quarter of the year took back (claimedLapsedInYear), to be repaid, not in enjoyed'),
            byMonth: z.array(z.object({ month: z.string(), enjoyed: yuan, missed: yuan })),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      companyAccess(req, req.params.code, 'read.ledger');
      await onTheRoll(ctx, req.params.code);
      if (req.query.year !== undefined && !(await hasMatchRun(ctx, req.query.year))) throw notFound(`a match run in ${req.query.year}`);
      const year = req.query.year ?? Number((await periodOrLatest(ctx, undefined)).slice(0, 4));
      const ledger = await taxpayerLedger(ctx.db, req.params.code, year);
      // Sums per month in whole fen: exact, like every amount.
      const months = new Map<string, { enjoyed: number; missed: number }>();
      for (const r of ledger.rows) {
        const m = months.get(r.month) ?? { enjoyed: 0, missed: 0 };
        m.enjoyed += parseYuan(r.enjoyed);
        m.missed += parseYuan(r.missed ?? '0');
        months.set(r.month, m);
      }
      return {
        ...ledger,
        rows: ledger.rows.map((r) => ({ ...r, title: titles.get(r.policyId) ?? { zh: r.policyId, en: r.policyId } })),
        byMonth: [...months.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([month, m]) => ({ month, enjoyed: formatYuan(m.enjoyed), missed: formatYuan(m.missed) })),
      };
    },
  );

  api.get(
    '/api/taxpayers/:code/messages',
    {
      schema: {
        tags: ['company'],
        summary:
          "The in-app inbox: a company user sees the messages to its own role, and to its other roles where it holds several (one person is told once, under the first); bureau staff see the company's",
        params: codeParams,
        querystring: z.object({ ...pageQuery, unread: z.enum(['true', 'false']).optional() }),
        response: {
          200: paged(
            z.object({
              messageId: z.string(),
              role: z.enum(ROLES),
              subject: z.string(),
              body: z.string(),
              deliveredAt: z.string(),
              readAt: z.string().nullable(),
            }),
          ),
          ...errors,
        },
      },
    },
    async (req) => {
      const user = companyAccess(req, req.params.code, 'read.messages');
      await onTheRoll(ctx, req.params.code);
      const role = isBureau(user.role) ? null : user.role;
      const where = `(CAST($2 AS VARCHAR) IS NULL OR role IN ${rolesOfPersonSql('$1', '$2')})${req.query.unread === 'true' ? ' AND read_at IS NULL' : ''}`;
      const { rows, ...paging } = await pageRows<{
        message_id: string;
        role: (typeof ROLES)[number];
        subject: string;
        body: string;
        delivered_at: string;
        read_at: string | null;
      }>(ctx.db, {
        with: 'WITH mine AS MATERIALIZED (SELECT * FROM inbox_message WHERE credit_code = $1)',
        select: 'message_id, role, subject, body, CAST(delivered_at AS VARCHAR) AS delivered_at, CAST(read_at AS VARCHAR) AS read_at',
        from: 'mine',
        where,
        orderBy: `delivered_at ${req.query.order === 'asc' ? 'ASC' : 'DESC'}, message_id`,
        params: [req.params.code, role],
        page: req.query.page,
        pageSize: req.query.pageSize,
      });
      return {
        items: rows.map((r) => ({ messageId: r.message_id, role: r.role, subject: r.subject, body: r.body, deliveredAt: r.delivered_at, readAt: r.read_at })),
        ...paging,
      };
    },
  );

  api.post(
    '/api/taxpayers/:code/messages/:messageId/read',
    {
      schema: {
        tags: ['company'],
        summary: 'Marks a message of my inbox read (company users, their own roles only)',
        params: z.object({ code: creditCode, messageId: z.string().min(1).max(300) }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      const user = companyAccess(req, req.params.code, 'message.read');
      // Reading someone's message for them is not the bureau's business: only the addressee marks it.
      if (isBureau(user.role)) throw forbidden('only the person a message is addressed to can mark it read');
      req.audit = { action: 'message.read', creditCode: req.params.code };
      const found = await ctx.db.all<{ read_at: string | null }>(
        `SELECT CAST(read_at AS VARCHAR) AS read_at FROM inbox_message WHERE message_id = $1 AND credit_code = $2 AND role IN ${rolesOfPersonSql('$2', '$3')}`,
        [req.params.messageId, req.params.code, user.role],
      );
      if (found.length === 0) throw notFound(`message ${req.params.messageId} in your inbox`);
      await ctx.db.exec(
        `UPDATE inbox_message SET read_at = CAST($4 AS TIMESTAMP) WHERE message_id = $1 AND credit_code = $2 AND role IN ${rolesOfPersonSql('$2', '$3')} AND read_at IS NULL`,
        [
          req.params.messageId,
          req.params.code,
          user.role,
          // Inbox times are Asia/Shanghai local time, as delivered_at is.
          sqlTimestamp(toLocal(new Date())),
        ],
      );
      return reply.code(204).send(null);
    },
  );
}
