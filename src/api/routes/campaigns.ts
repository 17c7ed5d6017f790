import { z } from 'zod';
import { filingCalendar } from '../../law/filingDeadline.ts';
import { itemWords } from '../../match/lacking.ts';
import { parseQuarter } from '../../match/period.ts';
import { DISTRICT_IDS, ROLES } from '../../model/enums.ts';
import { personKeySql } from '../../push/person.ts';
import { planPushes, rolesFor } from '../../push/plan.ts';
import { DEFAULT_PLAN_SETTINGS } from '../../push/settings.ts';
import type { SqlParam } from '../../store/db.ts';
import { type ApiContext, onlyFor, type ZodApi } from '../context.ts';
import { invalid } from '../errors.ts';
import { BUREAU_ROLES, MAY_PLAN_PUSHES } from '../roles.ts';
import { errors, period } from '../schemas.ts';
import { matchedPeriods } from './meta.ts';

export const campaignBody = z.object({
  period,
  policyIds: z.array(z.string()).min(1, 'choose at least one policy').max(100),
  statuses: z
    .array(z.enum(['matched', 'nearMiss']))
    .min(1)
    .default(['matched']),
  districts: z.array(z.enum(DISTRICT_IDS)).max(20).optional(),
  industrySections: z
    .array(z.string().regex(/^[A-T]$/))
    .max(20)
    .optional(),
});
export type Campaign = z.infer<typeof campaignBody>;

const count = z.number().int();

/** `$n, $n+1, ...` for a list, each value bound: a campaign's choices never become SQL text. */
function placeholders(params: SqlParam[], values: readonly SqlParam[]): string {
  return values
    .map((v) => {
      params.push(v);
      return `$${params.length}`;
    })
    .join(', ');
}

/**
 * The current results a campaign chooses: the latest run's rows of the chosen policies and statuses
 * for the quarter, in the chosen districts and industries, with a benefit to claim (or unknown).
 * Every value is bound.
 */
function hitSql(c: Campaign, params: SqlParam[]): string {
  const period = placeholders(params, [c.period]);
  const majorAt = placeholders(params, [DEFAULT_PLAN_SETTINGS.majorReliefYuan.toFixed(2)]);
  const policies = placeholders(params, c.policyIds);
  const statuses = placeholders(params, c.statuses);
  const districts = c.districts?.length ? `AND t.district IN (${placeholders(params, c.districts)})` : '';
  const sections = c.industrySections?.length ? `AND substr(t.industry, 1, 1) IN (${placeholders(params, c.industrySections)})` : '';
  return `
      WITH latest AS (SELECT credit_code, max(computed_at) AS computed_at FROM taxpayer_fact WHERE period = ${period} GROUP BY credit_code)
      SELECT m.credit_code, m.policy_id, m.status, t.district,
             CASE WHEN m.status = 'matched' AND m.benefit >= CAST(${majorAt} AS DECIMAL(18,2)) THEN 'y' ELSE 'n' END AS major
      FROM policy_match m
      JOIN latest l ON l.credit_code = m.credit_code AND l.computed_at = m.computed_at
      JOIN taxpayer t ON t.credit_code = m.credit_code
      WHERE m.period = ${period} AND m.policy_id IN (${policies}) AND m.status IN (${statuses})
        AND (m.benefit IS NULL OR m.benefit <> 0) ${districts} ${sections}
        -- Not a relief a later quarter of the year took back (the ledger's lapsedInYear): the plan does not tell it.
        AND NOT EXISTS (SELECT 1 FROM ledger_entry le WHERE le.credit_code = m.credit_code AND le.period = m.period
                          AND le.policy_id = m.policy_id AND le.status = 'lapsedInYear')`;
}

// A policy out of force in the quarter, or a quarter never matched, would reach nobody: said as
// such rather than answered with a campaign of 0.
function checkPolicies(ctx: ApiContext, c: Campaign) {
  const end = parseQuarter(c.period).end;
  return c.policyIds.map((id) => {
    const e = ctx.catalogue.entries.find((x) => x.id === id && x.kind === 'policy');
    if (!e) throw invalid(`no policy '${id}' in the catalogue`, 'policyIds');
    if (e.effective.from > end || e.effective.to < end)
      throw invalid(`policy '${id}' is not in force at the end of ${c.period} (in force ${e.effective.from} to ${e.effective.to})`, 'policyIds');
    return e;
  });
}

/** The policies of a campaign, once its quarter is known to have a city-wide match. */
async function checkCampaign(ctx: ApiContext, c: Campaign) {
  const entries = checkPolicies(ctx, c);
  if (!(await matchedPeriods(ctx)).includes(c.period))
    throw invalid(`no city-wide match run for ${c.period}: run zhishu match --period ${c.period} first`, 'period');
  return entries;
}

/**
 * The taxpayers and people a campaign reaches: the current results of the chosen policies and
 * statuses for the quarter, in the chosen districts and industries, with the roles the push layer
 * would address (a relief of 10,000 yuan or more also to the legal representative), counted once
 * per person however many policies reach them; a person holding several roles, once, as the first.
 */
export async function campaignReach(ctx: ApiContext, c: Campaign) {
  const entries = await checkCampaign(ctx, c);
  const params: SqlParam[] = [];
  const hits = hitSql(c, params);
  const layer: SqlParam[][] = [];
  for (const e of entries) {
    for (const status of c.statuses) {
      for (const major of status === 'matched' ? ['y', 'n'] : ['n']) {
        for (const role of rolesFor(e, status === 'matched' ? 'relief' : 'nearMiss', major === 'y')) layer.push([e.id, status, major, role]);
      }
    }
  }
  const layerSql = layer.map((row) => `(${placeholders(params, row)})`).join(', ');
  const sql = `
    WITH hit AS (${hits}), layer (policy_id, status, major, role) AS (VALUES ${layerSql}),
    -- One person in several roles (the same name with the same mobile, else e-mail) hears once, as the
    -- first of them, as the push plan addresses it (src/push/sql/plan.sql, section persons).
    person AS (
      SELECT p.credit_code, p.role, min(p.role) OVER (PARTITION BY p.credit_code, coalesce(${personKeySql('p')}, p.role)) AS lead
      FROM company_person p
    ),
    addressed AS (
      SELECT DISTINCT h.credit_code, h.policy_id, p.lead AS role
      FROM hit h JOIN layer y ON y.policy_id = h.policy_id AND y.status = h.status AND y.major = h.major
      JOIN person p ON p.credit_code = h.credit_code AND p.role = y.role
    )
    SELECT 'total' AS kind, '' AS key, (SELECT count(DISTINCT credit_code) FROM hit) AS n
    UNION ALL SELECT 'messages', '', (SELECT count(*) FROM addressed)
    UNION ALL SELECT 'role', role, count(DISTINCT credit_code) FROM addressed GROUP BY role
    UNION ALL SELECT 'policy', policy_id, count(DISTINCT credit_code) FROM hit GROUP BY policy_id
    UNION ALL SELECT 'district', district, count(DISTINCT credit_code) FROM hit GROUP BY district`;
  const rows = await ctx.db.all<{ kind: string; key: string; n: number | string }>(sql, params);
  const of = (kind: string) => rows.filter((r) => r.kind === kind);
  const people = Object.fromEntries(ROLES.map((r) => [r, Number(of('role').find((x) => x.key === r)?.n ?? 0)])) as Record<(typeof ROLES)[number], number>;
  return {
    taxpayers: Number(of('total')[0]?.n ?? 0),
    people,
    messages: Number(of('messages')[0]?.n ?? 0),
    byPolicy: c.policyIds.map((id) => ({ policyId: id, taxpayers: Number(of('policy').find((x) => x.key === id)?.n ?? 0) })),
    byDistrict: of('district')
      .map((r) => ({ key: r.key, taxpayers: Number(r.n) }))
      .sort((a, b) => b.taxpayers - a.taxpayers),
  };
}

export function registerCampaigns(api: ZodApi, ctx: ApiContext): void {
  api.post(
    '/api/campaigns/preview',
    {
      preValidation: onlyFor(BUREAU_ROLES, 'campaign preview'),
      schema: {
        tags: ['bureau'],
        summary: 'How many taxpayers and people a policy campaign reaches, before planning it',
        body: campaignBody,
        response: {
          200: z.object({
            taxpayers: count,
            people: z.object({ legalRepresentative: count, financeOfficer: count, taxHandler: count }),
            messages: count.describe('messages the campaign calls for, before frequency caps and digests'),
            byPolicy: z.array(z.object({ policyId: z.string(), taxpayers: count })),
            byDistrict: z.array(z.object({ key: z.string(), taxpayers: count })),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      return campaignReach(ctx, req.body);
    },
  );

  api.post(
    '/api/campaigns/plan',
    {
      preValidation: onlyFor(MAY_PLAN_PUSHES, 'planning pushes'),
      schema: {
        tags: ['bureau'],
        summary:
          'Plans the push of a campaign: the messages its results call for, by role, timed ahead of the deadline, capped, into the outbox (officers and administrators)',
        body: campaignBody,
        response: {
          200: z.object({
            planned: count.describe('rows added to the outbox, digests included'),
            skipped: count.describe('messages the campaign calls for that were in the outbox already'),
            notStacked: count.describe(
              'results of the campaign (matched reliefs or near misses) not pushed: a matched relief they do not stack with (same exclusiveGroup) is worth as much or more to the taxpayer',
            ),
            report: z.record(z.string(), z.unknown()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      req.audit = { action: 'campaign.plan', creditCode: null };
      await checkCampaign(ctx, req.body);
      const params: SqlParam[] = [];
      const scope = { sql: `SELECT credit_code, policy_id, status FROM (${hitSql(req.body, params)}) h`, params: params as (string | number | null)[] };
      // On DuckDB the store's own connection plans (its temp tables live there); on PostgreSQL the
      // pooled database, on which the plan takes one connection and one transaction of its own.
      const db = ctx.store ?? ctx.db;
      // A near miss says what the company lacks, and a relief its notices, as the match command's plan says them.
      const words = itemWords(db, ctx.lawDir, req.body.period);
      const report = await planPushes(db, ctx.catalogue.entries, {
        period: req.body.period,
        now: new Date(),
        scope,
        words,
        deadlines: filingCalendar(ctx.catalogue.parameters),
      });
      return { planned: report.planned, skipped: report.alreadyPlanned, notStacked: report.notStacked, report: report as unknown as Record<string, unknown> };
    },
  );
}
