import { evaluateFormula } from '../rules/formula.ts';
import { type ConditionTrace, type Explained, evaluate, explain, type FactRow } from '../rules/interpret.ts';
import type { Db } from '../store/db.ts';
import { FACT_LABELS, type MatchStatus, STATUS_LABELS, VALUE_LABELS } from './labels.ts';
import { catalogueOf, DEFAULT_LAW_DIR, policiesFor } from './match.ts';
import { parseQuarter } from './period.ts';

export interface PolicyExplanation {
  policy: string;
  title: { zh: string; en: string };
  category: string;
  status: MatchStatus;
  /** Estimated benefit for the quarter (matched and near miss), yuan. */
  benefit: string | null;
  sources: { document: string; confidence: string }[];
  /** Why, in words, one line per condition. */
  text: { zh: string[]; en: string[] };
  trace: Explained;
}

export interface TaxpayerExplanation {
  creditCode: string;
  period: string;
  /** When the facts were computed: the explanation is of the data as of then. */
  computedAt: string;
  /** The law files differ from those the facts' match used: the rules shown are today's. */
  lawChangedSince: boolean;
  facts: FactRow;
  policies: PolicyExplanation[];
}

const OPS_ZH: Record<string, string> = { '<=': '不超过', '<': '低于', '>=': '不低于', '>': '高于', '==': '为', '!=': '不为' };
const OPS_EN: Record<string, string> = { '<=': 'at most', '<': 'below', '>=': 'at least', '>': 'above', '==': 'equal to', '!=': 'other than' };
/** What a comparison asks for when the rule asks for it not to hold. */
const NEGATED_OP: Record<string, string> = { '<=': '>', '<': '>=', '>=': '<', '>': '<=', '==': '!=', '!=': '==' };
const YES_NO = { zh: ['是', '否'], en: ['yes', 'no'] } as const;

function conditionText(c: ConditionTrace): { zh: string; en: string } {
  const fact = Object.keys(c.observed)[0] ?? '';
  const label = FACT_LABELS[fact] ?? { zh: fact, en: fact };
  const raw = c.observed[fact];
  const show = (v: unknown, lang: 'zh' | 'en') =>
    typeof v === 'boolean' || v === 'true' || v === 'false'
      ? YES_NO[lang][v === true || v === 'true' ? 0 : 1]
      : typeof v === 'string' && VALUE_LABELS[v]
        ? VALUE_LABELS[v][lang]
        : String(v);
  const observed = { zh: show(raw, 'zh'), en: show(raw, 'en') };
  const written = /(<=|>=|==|!=|<|>)/.exec(c.condition)?.[1] ?? '==';
  // A bare fact has no operator to turn round: its required value (yes, or no) carries the negation.
  const op = c.negated && c.against ? (NEGATED_OP[written] ?? written) : written;
  // A bare yes-or-no fact (`high_tech`, or `!high_tech` under a negation) is compared with yes (or no).
  const againstIn = (lang: 'zh' | 'en') =>
    c.against
      ? Array.isArray(c.against.value)
        ? c.against.value.map((v) => show(v, lang)).join(', ')
        : show(c.against.value, lang)
      : YES_NO[lang][c.negated ? 1 : 0];
  const against = { zh: againstIn('zh'), en: againstIn('en') };
  const src = c.against?.param ? `${c.against.param}: ${c.against.source}` : '';
  const mark = { true: ['✓', 'met'], false: ['✗', 'not met'], unknown: ['?', 'unknown'] }[c.result];
  if (c.result === 'unknown') {
    return {
      zh: `? ${label.zh}：缺少数据（${c.missing.map((m) => FACT_LABELS[m]?.zh ?? m).join('、')}），无法判断 —— 条件 ${c.condition}`,
      en: `? ${label.en}: not known (missing ${c.missing.join(', ')}), so this cannot be decided — condition ${c.condition}`,
    };
  }
  const near = c.nearMiss
    ? { zh: `，${c.nearMiss.direction === 'over' ? '超出' : '差'} ${c.nearMiss.by}`, en: `: ${c.nearMiss.by} ${c.nearMiss.direction} the limit` }
    : { zh: '', en: '' };
  if (c.condition.includes(' in ')) {
    return {
      zh: `${mark[0]} ${label.zh}为 ${observed.zh}，要求${c.negated ? '不属于' : '属于'} [${against.zh}]`,
      en: `${mark[0]} ${label.en} is ${observed.en}; required ${c.negated ? 'not in' : 'in'} [${against.en}] (${mark[1]})`,
    };
  }
  return {
    zh: `${mark[0]} ${label.zh}为 ${observed.zh}，要求${OPS_ZH[op] ?? op} ${against.zh}${near.zh}${src ? `（${src}）` : ''}`,
    en: `${mark[0]} ${label.en} is ${observed.en}, required ${OPS_EN[op] ?? op} ${against.en}${near.en}${src ? ` (${src})` : ''}`,
  };
}

/**
 * Why each policy in force did or did not match one taxpayer for a quarter, from the facts stored
 * by its latest match (so the answer is reproducible as of that moment), in Chinese and English.
 */
export async function explainTaxpayer(
  store: Db,
  opts: { creditCode: string; period: string; policy?: string; lawDir?: string; asOf?: string },
): Promise<TaxpayerExplanation> {
  const quarter = parseQuarter(opts.period);
  const row = (
    await store.all<Record<string, unknown>>(
      // The latest facts of this one taxpayer (the current_fact view would rank every taxpayer's rows).
      // As of a moment: the facts the latest match up to then computed (they are never overwritten).
      // The taxpayer's rows alone first, so an index on credit_code serves the lookup where one exists.
      `WITH mine AS MATERIALIZED (SELECT * FROM taxpayer_fact WHERE credit_code = $1)
       SELECT * FROM mine WHERE period = $2 AND computed_at <= CAST($3 AS TIMESTAMP) ORDER BY computed_at DESC LIMIT 1`,
      [opts.creditCode, quarter.period, opts.asOf ?? '9999-12-31'],
    )
  )[0];
  if (!row) {
    throw new Error(
      `no facts for taxpayer ${opts.creditCode} in ${quarter.period}${opts.asOf ? ` computed by ${opts.asOf}` : ''}: run zhishu match --period ${quarter.period} first`,
    );
  }
  const { catalogue, sha } = catalogueOf(opts.lawDir ?? DEFAULT_LAW_DIR);
  const run = await store.all<{ sha: string }>('SELECT catalogue_sha256 AS sha FROM match_run WHERE started_at = CAST($1 AS TIMESTAMP) LIMIT 1', [
    String(row.computed_at),
  ]);
  const policies = policiesFor(catalogue, quarter).filter((p) => !opts.policy || p.entry.id === opts.policy);
  if (opts.policy && policies.length === 0) throw new Error(`no policy '${opts.policy}' in force on ${quarter.end}`);
  const facts: FactRow = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
  return {
    creditCode: opts.creditCode,
    period: quarter.period,
    computedAt: String(row.computed_at),
    lawChangedSince: run[0] !== undefined && run[0].sha !== sha,
    facts,
    policies: policies.map(({ entry, rule, loose, benefit }) => {
      const trace = explain(rule, facts);
      const status: MatchStatus =
        trace.result === 'true' ? 'matched' : trace.result === 'unknown' ? 'unknown' : evaluate(loose, facts) === 'true' ? 'nearMiss' : 'notEligible';
      const value = benefit && (status === 'matched' || status === 'nearMiss') ? evaluateFormula(benefit, facts) : null;
      const lines = trace.conditions.map(conditionText);
      const head = {
        zh: `${entry.title.zh}：${STATUS_LABELS[status].zh}${value ? `，预计本季度可享受约 ${value} 元` : ''}。依据：${entry.sources.map((s) => s.document).join('；')}`,
        en: `${entry.title.en}: ${STATUS_LABELS[status].en}${value ? `, worth about ${value} yuan this quarter` : ''}. Source: ${entry.sources.map((s) => s.document).join('; ')}`,
      };
      return {
        policy: entry.id,
        title: entry.title,
        category: entry.category,
        status,
        benefit: value,
        sources: entry.sources.map((s) => ({ document: s.document, confidence: s.confidence })),
        text: { zh: [head.zh, ...lines.map((l) => `  ${l.zh}`)], en: [head.en, ...lines.map((l) => `  ${l.en}`)] },
        trace,
      };
    }),
  };
}
