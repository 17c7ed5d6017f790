import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ROLES } from '../model/enums.ts';
import { compileRule, RuleError } from '../rules/compile.ts';
import { compileFormula, type Formula } from '../rules/formula.ts';
import type { Rule } from '../rules/ir.ts';
import { type LawParameter, loadParameters, paramsAt, tablesAt } from './parameters.ts';
import { type LawFileError, readYaml } from './yamlFile.ts';

/** The categories of the catalogue's entries (DuckDB keeps them in policy_match as the ENUM policy_category, migration 009). */
export const CATEGORIES = ['vat', 'surcharges', 'cit', 'iit', 'stampDuty', 'other'] as const;

/**
 * The returns (filing.tax_type) a relief of each category is claimed on, the first the one whose deadline
 * the push plan tells (for IIT the due dates of both are read and the first taken): IIT reliefs on the
 * withholding or the business-income return. Category `other` (land-use and property tax, the disability
 * fund) has none among the bureau's returns here.
 */
export const RETURNS_OF_CATEGORY: Readonly<Record<(typeof CATEGORIES)[number], readonly string[]>> = {
  vat: ['vat'],
  surcharges: ['surcharges'],
  cit: ['cit'],
  iit: ['iit', 'iitBusiness'],
  stampDuty: ['stampDuty'],
  other: [],
};

/** A policy id: dotted camelCase, e.g. cit.smallLowProfit. */
export const POLICY_ID = /^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$/;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)');

/** One entry of the catalogue: a preferential policy, a tag or a warning, as data. */
const entrySchema = z
  .object({
    id: z.string().regex(POLICY_ID, 'must be dotted camelCase, e.g. cit.smallLowProfit'),
    kind: z.enum(['policy', 'tag', 'warning']),
    title: z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict(),
    category: z.enum(CATEGORIES),
    sources: z
      .array(
        z
          .object({
            document: z.string().min(1),
            issued: isoDate.optional(),
            link: z.url().optional(),
            confidence: z.enum(['C', 'R', 'U']),
            /**
             * The dates the source governs, where narrower than the entry's: a document whose part of
             * the relief ended (财政部 税务总局公告2023年第6号 for 2023-2024) is not cited for a later quarter.
             */
            covers: z.object({ from: isoDate.optional(), to: isoDate.optional() }).strict().optional(),
          })
          .strict(),
      )
      .min(1, 'an entry needs at least one legal source'),
    effective: z
      .object({ from: isoDate, to: isoDate })
      .strict()
      .refine((e) => e.from <= e.to, { message: 'from is after to', path: ['to'] }),
    /** Replaced by or replacing another entry (by id), e.g. a 2026 rule replacing a 2023 one. */
    replaces: z.string().optional(),
    audience: z.string().min(1),
    /**
     * The taxes or fees the relief is of, as a return names them, where the category does not (category
     * `other`: an accountant told 其他税费 has to guess which return to correct).
     */
    taxes: z
      .object({ zh: z.string().min(1), en: z.string().min(1) })
      .strict()
      .optional(),
    eligibility: z.string().min(1),
    /**
     * What the policy is worth to a matched taxpayer for the quarter, in yuan: a formula over numeric
     * facts and law parameters (src/rules/formula.ts). Omitted when no estimate is honest.
     */
    benefit: z.string().min(1).optional(),
    /**
     * Whether failing by a little is worth telling the company (default yes). No for a policy whose
     * limits a company is better off not reaching, e.g. the 1 % rate for sales at or above the
     * threshold, below which the sales are exempt altogether.
     */
    nearMiss: z.boolean().default(true),
    /**
     * Reliefs that do not stack (不得叠加享受) share a group: a taxpayer takes one of them, the larger,
     * so the ledger counts a group's best matched relief, less what was claimed of the group, and
     * pushes tell of the best alone.
     */
    exclusiveGroup: z
      .string()
      .regex(/^[a-z][A-Za-z0-9]*$/, 'a group is a name in camelCase')
      .optional(),
    /**
     * Within an exclusive group, which relief is worth more when no estimate tells them apart (1 is
     * the best): for reliefs that are rates of one base, such as the R&D super deduction at 120 % and
     * at 100 % of the same costs. It orders reliefs whose estimates are equal or both missing; an
     * estimated benefit still beats a missing one.
     */
    groupRank: z.number().int().min(1).max(999).optional(),
    /**
     * Judged on the year's figures so far and settled at the annual return (汇算清缴), as the small
     * low-profit relief is: each quarter's prepayment applies the rule to the year to date, so a later
     * quarter of the year that fails it undoes the relief of the earlier ones. The ledger then counts
     * those earlier quarters' unclaimed relief as `lapsedInYear`, not as missed.
     */
    settledOnYear: z.boolean().default(false),
    /** The reduction codes (减免性质代码) a return uses to claim this policy: how the ledger knows it was enjoyed. */
    reductionCodes: z.array(z.string().regex(/^\d{10}$/, 'a reduction code has 10 digits')).optional(),
    notify: z.array(z.enum(ROLES)).min(1, 'say who in the company should hear of it'),
    /**
     * What the company does with a relief it matches: `claim` it on its own return (the default), or
     * `informEmployees`, for a relief its employees enjoy themselves and the company files nothing for,
     * as the exemption from the annual IIT reconciliation (免予办理汇算) is. A push of such a relief
     * asks the company to tell its employees, not to claim it, and names no filing deadline.
     */
    action: z.enum(['claim', 'informEmployees']).default('claim'),
    /**
     * The quarters of the year whose push plans tell a matched relief (default: every quarter), for a
     * relief whose moment is once a year: the exemption from the annual IIT reconciliation is told by
     * the plans of Q4 and Q1, which reach companies in January and April, before and in its window of
     * 1 March to 30 June; told in July it would come after the window.
     */
    pushQuarters: z.array(z.number().int().min(1).max(4)).min(1).optional(),
    /**
     * What a matched company must mind, said where it holds of the company's facts (`when`, an
     * expression over facts as the eligibility is): a relief had provisionally, for one, as the
     * high-tech rate in the year the certificate expires, paid back if it is not renewed. Explanations
     * show it, and pushes of the relief carry it.
     */
    notices: z
      .array(z.object({ when: z.string().min(1), zh: z.string().min(1), en: z.string().min(1) }).strict())
      .min(1)
      .optional(),
  })
  .strict();

export type CatalogueEntry = z.infer<typeof entrySchema> & { file: string };

export interface Catalogue {
  entries: CatalogueEntry[];
  parameters: LawParameter[];
  errors: LawFileError[];
}

/**
 * Loads a law directory: parameters.yaml and every policies/*.yaml. Each file
 * is checked on its own (one bad file does not stop the others), and each
 * eligibility rule is compiled against the parameters in force on the first
 * and the last day the entry is effective.
 */
export function loadCatalogue(dir: string): Catalogue {
  const { parameters, errors } = loadParameters(join(dir, 'parameters.yaml'));
  const entries: CatalogueEntry[] = [];
  const files = readdirSync(join(dir, 'policies'))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const seen = new Map<string, string>();
  for (const f of files) {
    const file = join(dir, 'policies', f);
    const { value, errors: fileErrors } = readYaml(file, entrySchema);
    errors.push(...fileErrors);
    if (!value) continue;
    const ruleErrors = checkEligibility(value, parameters);
    errors.push(...ruleErrors.map((message) => ({ file, line: fieldLine(file, 'eligibility'), field: 'eligibility', message })));
    const benefitErrors = checkBenefit(value, parameters);
    errors.push(...benefitErrors.map((message) => ({ file, line: fieldLine(file, 'benefit'), field: 'benefit', message })));
    ruleErrors.push(...benefitErrors);
    const noticeErrors = checkNotices(value, parameters);
    errors.push(...noticeErrors.map((message) => ({ file, line: fieldLine(file, 'notices'), field: 'notices', message })));
    ruleErrors.push(...noticeErrors);
    const first = seen.get(value.id);
    if (first) errors.push({ file, line: 1, field: 'id', message: `id '${value.id}' is already used by ${first}` });
    seen.set(value.id, file);
    if (ruleErrors.length === 0 && !first) entries.push({ ...value, file });
  }
  for (const e of entries) {
    if (e.replaces && !entries.some((x) => x.id === e.replaces)) {
      errors.push({ file: e.file, line: 1, field: 'replaces', message: `no entry '${e.replaces}' to replace` });
    }
    // A group is the reliefs that do not stack with one another: a group of one is a misspelt name.
    if (e.exclusiveGroup && !entries.some((x) => x !== e && x.exclusiveGroup === e.exclusiveGroup)) {
      errors.push({
        file: e.file,
        line: fieldLine(e.file, 'exclusiveGroup'),
        field: 'exclusiveGroup',
        message: `no other entry is in group '${e.exclusiveGroup}': a group names reliefs that do not stack with one another`,
      });
    }
    if (e.groupRank !== undefined && !e.exclusiveGroup) {
      errors.push({
        file: e.file,
        line: fieldLine(e.file, 'groupRank'),
        field: 'groupRank',
        message: 'a rank orders the reliefs of an exclusiveGroup: name the group',
      });
    }
    // Two reliefs of a group without an estimate, in force on a day together, would be told apart by
    // their ids alone: the catalogue must say which is worth more.
    if (e.exclusiveGroup && !e.benefit) {
      const together = (x: CatalogueEntry) => x.effective.from <= e.effective.to && e.effective.from <= x.effective.to;
      const peers = entries.filter((x) => x !== e && x.exclusiveGroup === e.exclusiveGroup && !x.benefit && together(x));
      const same = e.groupRank === undefined ? peers : peers.filter((x) => x.groupRank === e.groupRank);
      if (same.length > 0) {
        const ids = same.map((x) => x.id).join(', ');
        const has = same.length > 1 ? 'have' : 'has';
        errors.push({
          file: e.file,
          line: fieldLine(e.file, e.groupRank === undefined ? 'exclusiveGroup' : 'groupRank'),
          field: 'groupRank',
          message:
            e.groupRank === undefined
              ? `no benefit estimate, nor ${has} ${ids} in group '${e.exclusiveGroup}': give each a different groupRank (1 is worth most)`
              : `${ids} in group '${e.exclusiveGroup}' ${has} groupRank ${e.groupRank} too, and no benefit estimate either: give each a different rank`,
        });
      }
    }
  }
  return { entries, parameters, errors };
}

function checkEligibility(entry: z.infer<typeof entrySchema>, parameters: readonly LawParameter[]): string[] {
  const problems = new Set<string>();
  for (const date of [entry.effective.from, entry.effective.to]) {
    try {
      compileRule(entry.id, entry.eligibility, paramsAt(parameters, date));
    } catch (err) {
      if (!(err instanceof RuleError)) throw err;
      const hint = /unknown parameter/.test(err.reason) ? ` on ${date}` : '';
      problems.add(`position ${err.position}: ${err.reason}${hint}`);
    }
  }
  return [...problems];
}

function checkNotices(entry: z.infer<typeof entrySchema>, parameters: readonly LawParameter[]): string[] {
  const problems = new Set<string>();
  for (const [i, notice] of (entry.notices ?? []).entries()) {
    for (const date of [entry.effective.from, entry.effective.to]) {
      try {
        compileRule(`${entry.id}.notices[${i}]`, notice.when, paramsAt(parameters, date));
      } catch (err) {
        if (!(err instanceof RuleError)) throw err;
        problems.add(`notice ${i + 1}, when, position ${err.position}: ${err.reason}${/unknown parameter/.test(err.reason) ? ` on ${date}` : ''}`);
      }
    }
  }
  return [...problems];
}

function checkBenefit(entry: z.infer<typeof entrySchema>, parameters: readonly LawParameter[]): string[] {
  if (!entry.benefit) return [];
  const problems = new Set<string>();
  for (const date of [entry.effective.from, entry.effective.to]) {
    try {
      compileFormula(entry.id, entry.benefit, paramsAt(parameters, date), tablesAt(parameters, date));
    } catch (err) {
      if (!(err instanceof RuleError)) throw err;
      problems.add(`position ${err.position}: ${err.reason}${/unknown (table )?parameter/.test(err.reason) ? ` on ${date}` : ''}`);
    }
  }
  return [...problems];
}

function fieldLine(file: string, field: string): number {
  const i = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.startsWith(`${field}:`));
  return i + 1 || 1;
}

/** The entries in force on a date, with their eligibility and benefit compiled against that date's parameters. */
export function entriesAt(
  catalogue: Catalogue,
  date: string,
): { entry: CatalogueEntry; rule: Rule; benefit: Formula | null; notices: { rule: Rule; zh: string; en: string }[] }[] {
  const params = paramsAt(catalogue.parameters, date);
  const tables = tablesAt(catalogue.parameters, date);
  return catalogue.entries
    .filter((e) => e.effective.from <= date && date <= e.effective.to)
    .map((entry) => ({
      entry,
      rule: compileRule(entry.id, entry.eligibility, params),
      benefit: entry.benefit ? compileFormula(entry.id, entry.benefit, params, tables) : null,
      notices: (entry.notices ?? []).map((n, i) => ({ rule: compileRule(`${entry.id}.notices[${i}]`, n.when, params), zh: n.zh, en: n.en })),
    }));
}

/** The sources of an entry that govern a date (a quarter's last day): those whose `covers` holds it. */
export function sourcesAt(entry: CatalogueEntry, date: string): CatalogueEntry['sources'] {
  return entry.sources.filter((s) => (s.covers?.from ?? '0000-01-01') <= date && date <= (s.covers?.to ?? '9999-12-31'));
}
