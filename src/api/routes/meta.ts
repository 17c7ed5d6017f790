import { z } from 'zod';
import { sourceZh } from '../../match/explain.ts';
import { DISTRICTS, INDUSTRY_SECTIONS } from '../../model/enums.ts';
import { CATEGORY_ZH } from '../../push/message.ts';
import type { ApiContext, ZodApi } from '../context.ts';
import { errors, period, title } from '../schemas.ts';

const CATEGORY_EN: Record<string, string> = {
  vat: 'VAT',
  surcharges: 'Surcharges',
  cit: 'Corporate income tax',
  iit: 'Individual income tax',
  stampDuty: 'Stamp duty',
  other: 'Other taxes and fees',
};

const label = z.object({ code: z.string(), zh: z.string(), en: z.string() });

// A new city-wide match run is a batch job of minutes; seeing its quarter a few seconds late is fine,
// and asking on every request cost a query per request.
const PERIODS_CACHE_MS = 5_000;
const periodsCache = new WeakMap<ApiContext, { until: number; periods: Promise<string[]> }>();

/** The quarters that have a city-wide match, oldest first. */
export function matchedPeriods(ctx: ApiContext): Promise<string[]> {
  const hit = periodsCache.get(ctx);
  if (hit && Date.now() < hit.until) return hit.periods;
  const periods = ctx.db
    .all<{ period: string }>("SELECT DISTINCT period FROM match_run WHERE scope = 'city' ORDER BY period")
    .then((rows) => rows.map((r) => r.period));
  periodsCache.set(ctx, { until: Date.now() + PERIODS_CACHE_MS, periods });
  periods.catch(() => periodsCache.delete(ctx));
  return periods;
}

/**
 * Whether a match run (of the city, or of one taxpayer) is of the quarter, or with a year, of a quarter of
 * that year: asked for data of a quarter or year never matched, the API says so instead of answering
 * with empty lists and zeros, which read as a company or city with no reliefs.
 */
export async function hasMatchRun(ctx: ApiContext, periodOrYear: string | number): Promise<boolean> {
  const pattern = typeof periodOrYear === 'number' ? `${periodOrYear}-Q_` : periodOrYear;
  return (await ctx.db.all('SELECT 1 AS x FROM match_run WHERE period LIKE $1 LIMIT 1', [pattern])).length > 0;
}

export function registerMeta(api: ZodApi, ctx: ApiContext): void {
  api.get(
    '/api/meta',
    {
      schema: {
        tags: ['meta'],
        summary: 'Periods with results, and the labels of districts, industry sections and policy categories',
        response: {
          200: z.object({
            periods: z.array(period),
            latestPeriod: period.nullable(),
            years: z.array(z.number().int()),
            districts: z.array(label),
            industrySections: z.array(label),
            categories: z.array(label),
          }),
          ...errors,
        },
      },
    },
    async () => {
      const periods = await matchedPeriods(ctx);
      return {
        periods,
        latestPeriod: periods[periods.length - 1] ?? null,
        years: [...new Set(periods.map((p) => Number(p.slice(0, 4))))],
        districts: Object.entries(DISTRICTS).map(([code, zh]) => ({ code, zh, en: code[0]?.toUpperCase() + code.slice(1) })),
        industrySections: Object.entries(INDUSTRY_SECTIONS).map(([code, s]) => ({ code, zh: s.zh, en: s.en })),
        categories: Object.entries(CATEGORY_ZH).map(([code, zh]) => ({ code, zh, en: CATEGORY_EN[code] ?? code })),
      };
    },
  );

  api.get(
    '/api/policies',
    {
      schema: {
        tags: ['meta'],
        summary: 'The preferential policies of the catalogue, with their legal sources and dates',
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.string(),
                title,
                category: z.string(),
                taxes: z
                  .object({ zh: z.string(), en: z.string() })
                  .nullable()
                  .describe('the taxes or fees the policy is of, where the category (other) does not name them'),
                audience: z.string(),
                sources: z.array(
                  z.object({
                    document: z.string(),
                    documentZh: z.string().describe('the document as Chinese text reads it (an English note in Chinese)'),
                    issued: z.string().nullable(),
                    link: z.string().nullable(),
                    confidence: z.string(),
                  }),
                ),
                effectiveFrom: z.string(),
                effectiveTo: z.string(),
                replaces: z.string().nullable(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async () => ({
      items: ctx.catalogue.entries
        .filter((e) => e.kind === 'policy')
        .map((e) => ({
          id: e.id,
          title: e.title,
          category: e.category,
          taxes: e.taxes ?? null,
          audience: e.audience,
          sources: e.sources.map((s) => ({
            document: s.document,
            documentZh: sourceZh(s.document),
            issued: s.issued ?? null,
            link: s.link ?? null,
            confidence: s.confidence,
          })),
          effectiveFrom: e.effective.from,
          effectiveTo: e.effective.to,
          replaces: e.replaces ?? null,
        })),
    }),
  );
}
