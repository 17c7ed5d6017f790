import { type CatalogueEntry, sourcesAt } from '../law/catalogue.ts';
import { groupedYuan } from '../model/yuan.ts';
import { evaluateFormula } from '../rules/formula.ts';
import { type ConditionTrace, type Explained, evaluate, explain, type FactRow, factsRead, type TraceNode, type Truth } from '../rules/interpret.ts';
import type { Db } from '../store/db.ts';
import { FACT_LABELS, type MatchStatus, SOURCE_NOTES_ZH, STAND_INS, STATUS_LABELS, VALUE_LABELS } from './labels.ts';
import { catalogueOf, DEFAULT_LAW_DIR, policiesOf } from './match.ts';
import { parseQuarter } from './period.ts';
import { fen, matchedPeers, rank, takenInstead, worthMore } from './stacking.ts';

export interface PolicyExplanation {
  policy: string;
  title: { zh: string; en: string };
  category: string;
  status: MatchStatus;
  /** Estimated benefit for the quarter (matched and near miss), yuan. */
  benefit: string | null;
  /** documentZh: the document as Chinese text reads it (sourceZh: an English note given in Chinese, or left out). */
  sources: { document: string; documentZh: string; confidence: string }[];
  /**
   * Why, in words: the verdict, then one line per condition, marked ✓ (holds), ✗ (fails), ?
   * (cannot be decided) or – (not known, and not needed: its group is decided by another part), indented by two spaces; where the rule has alternatives, a line opens each
   * group (任一 / any one of, 全部 / all of) and its parts follow, two spaces further in.
   */
  text: { zh: string[]; en: string[] };
  /**
   * A relief that does not stack (不得叠加享受) with others of its exclusive group that the taxpayer
   * matches too: which of them is worth most (as the pushes decide), in words. Null
   * when the policy is in no group, or no other relief of its group is matched.
   */
  stacking: {
    /** The other matched reliefs of the group. */
    with: string[];
    /** The one worth most: this policy, or one of `with`; for a near miss, `beaten` says whether meeting it would gain nothing. */
    best: string;
    beaten: boolean;
    text: { zh: string; en: string };
  } | null;
  /**
   * What the company must mind: for a matched relief, the catalogue's notices that hold of its facts
   * (a relief had provisionally, for one), and for a relief settled on the year what `year` says.
   */
  notices: { zh: string; en: string }[];
  /**
   * For a relief settled on the year (the catalogue's `settledOnYear`; its prepayments are of the
   * year to date), how the year's other quarters bear on this one, as the ledger judges them
   * (`lapsedInYear`, `claimedLapsedInYear`): `lapsedBy`, the later quarter whose failing figures take
   * this quarter's relief back (matched; or unknown, where a claim would be taken back all the same);
   * `takesBack`, for a quarter that fails the rule, the earlier quarters of the year that matched it,
   * with their estimates, or could not judge it (a claim of those is taken back too), whose relief this
   * one takes back. Null for other policies, and where neither holds.
   */
  year: { lapsedBy: string | null; takesBack: { period: string; status: 'matched' | 'unknown'; benefit: string | null }[] } | null;
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

type Words = { zh: string; en: string };

const MARK: Record<Truth, string> = { true: '✓', false: '✗', unknown: '?' };
/** A condition or group not known, whose answer could not change its group's (无须判断). */
const MOOT = '–';

/**
 * A legal source as Chinese text reads it: the law files note some sources in English, in
 * parentheses ("财政部 税务总局公告2022年第10号 (how small low-profit status is determined for it)").
 * Such a note is given in Chinese (SOURCE_NOTES_ZH), or left out when it has no Chinese rendering;
 * notes without English words ("(2018-2020)", a document's number) stay as written.
 */
export function sourceZh(source: string): string {
  return source.replace(/\s*\(([^()]*)\)/g, (whole, note: string) => {
    if (!/[A-Za-z]{2}/.test(note)) return whole;
    const zh = SOURCE_NOTES_ZH[note];
    return zh === undefined ? '' : `（${zh}）`;
  });
}

/**
 * The fact a condition reads, and its label: where the facts are given and the figure is the registered
 * one standing in for a return's (STAND_INS), named as the registered one.
 */
function factOf(c: ConditionTrace, facts?: FactRow): { fact: string; label: Words } {
  const fact = Object.keys(c.observed)[0] ?? '';
  const standIn = STAND_INS[fact];
  const reported = standIn && facts ? facts[standIn.reportedBy] : undefined;
  if (standIn && (reported === false || reported === 'false')) return { fact, label: standIn };
  return { fact, label: FACT_LABELS[fact] ?? { zh: fact, en: fact } };
}

/** One condition in words, without its mark (✓, ✗ or ?, MARK). */
function conditionText(c: ConditionTrace, facts?: FactRow): Words {
  const { fact, label } = factOf(c, facts);
  const raw = c.observed[fact];
  const show = (v: unknown, lang: 'zh' | 'en') =>
    typeof v === 'boolean' || v === 'true' || v === 'false'
      ? YES_NO[lang][v === true || v === 'true' ? 0 : 1]
      : typeof v === 'string' && VALUE_LABELS[v]
        ? VALUE_LABELS[v][lang]
        : String(v);
  // A number of a fact that counts yuan or people is written with its unit (43,573,960.44 元); the
  // comparison's operands and what is lacking alike.
  const unit = FACT_LABELS[fact]?.unit;
  // An amount of the company's (observed, or how far it is from the limit) is money to the fen and is
  // written so, 2,507,284.00 元; a limit of the law as the law writes it, 3,000,000 元.
  const measured = (v: unknown, lang: 'zh' | 'en', toTheFen = false) => {
    const n = typeof v === 'number' ? String(v) : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? v : null;
    if (n === null || unit === undefined) return show(v, lang);
    if (unit === 'people') return lang === 'zh' ? `${n} 人` : n;
    const [whole = '', decimals] = n.split('.');
    const yuan = groupedYuan(decimals === undefined && !toTheFen ? whole : `${whole}.${(decimals ?? '').padEnd(2, '0')}`);
    return lang === 'zh' ? `${yuan} 元` : `${yuan} yuan`;
  };
  const observed = { zh: measured(raw, 'zh', true), en: measured(raw, 'en', true) };
  const written = /(<=|>=|==|!=|<|>)/.exec(c.condition)?.[1] ?? '==';
  // A bare fact has no operator to turn round: its required value (yes, or no) carries the negation.
  const op = c.negated && c.against ? (NEGATED_OP[written] ?? written) : written;
  // A bare yes-or-no fact (`high_tech`, or `!high_tech` under a negation) is compared with yes (or no).
  const againstIn = (lang: 'zh' | 'en') =>
    c.against
      ? Array.isArray(c.against.value)
        ? c.against.value.map((v) => show(v, lang)).join(', ')
        : measured(c.against.value, lang)
      : YES_NO[lang][c.negated ? 1 : 0];
  const against = { zh: againstIn('zh'), en: againstIn('en') };
  const src = c.against?.param ? { zh: `${c.against.param}: ${sourceZh(c.against.source ?? '')}`, en: `${c.against.param}: ${c.against.source}` } : null;
  if (c.result === 'unknown') {
    // Where the missing data would come from, so that the company knows whom to ask (or what to file).
    const from = [...new Set(c.missing.map((m) => FACT_LABELS[m]?.from).filter((f) => f !== undefined))];
    return {
      zh: `${label.zh}：缺少数据（${c.missing.map((m) => FACT_LABELS[m]?.zh ?? m).join('、')}），无法判断 —— 条件 ${c.condition}${from.length > 0 ? `；数据来源：${from.map((f) => f.zh).join('、')}` : ''}`,
      en: `${label.en}: not known (missing ${c.missing.join(', ')}), so this cannot be decided — condition ${c.condition}${from.length > 0 ? `; the data comes from ${from.map((f) => f.en).join(' and ')}` : ''}`,
    };
  }
  // A gap of 0 is a strict limit met exactly ("above 30" with 30): no amount says what it lacks, and
  // the value beside the requirement says it all. "Exactly at the limit" (until 2026-12-03) read as
  // nearly there to a company with no R&D at all ("above 0" with 0).
  const near =
    !c.nearMiss || Number(c.nearMiss.by) === 0
      ? { zh: '', en: '' }
      : {
          zh: `，${c.nearMiss.direction === 'over' ? '超出' : '差'} ${measured(c.nearMiss.by, 'zh', true)}`,
          en: `: ${measured(c.nearMiss.by, 'en', true)} ${c.nearMiss.direction} the limit`,
        };
  if (c.condition.includes(' in ')) {
    return {
      zh: `${label.zh}为 ${observed.zh}，要求${c.negated ? '不属于' : '属于'} [${against.zh}]`,
      en: `${label.en} is ${observed.en}; required ${c.negated ? 'not in' : 'in'} [${against.en}] (${c.result === 'true' ? 'met' : 'not met'})`,
    };
  }
  return {
    zh: `${label.zh}为 ${observed.zh}，要求${OPS_ZH[op] ?? op} ${against.zh}${near.zh}${src ? `（${src.zh}）` : ''}`,
    en: `${label.en} is ${observed.en}, required ${OPS_EN[op] ?? op} ${against.en}${near.en}${src ? ` (${src.en})` : ''}`,
  };
}

/** A condition not known whose group is decided without it: what is missing, and that it is not needed. */
function mootText(c: ConditionTrace, why: Words): Words {
  const { label } = factOf(c);
  return {
    zh: `${label.zh}：缺少数据（${c.missing.map((m) => FACT_LABELS[m]?.zh ?? m).join('、')}），无须判断（${why.zh}）`,
    en: `${label.en}: not known (missing ${c.missing.join(', ')}), not needed: ${why.en}`,
  };
}

/** How a group of conditions opens, before what is said of it. */
const GROUP_OPENS: Record<'all' | 'any', Words> = {
  any: { zh: '以下任一项满足即可', en: 'any one of the following' },
  all: { zh: '以下各项须全部满足', en: 'all of the following' },
};

/** What a group's line says of it, by its result. */
const GROUP_SAYS: Record<'all' | 'any', Record<Truth, Words>> = {
  any: { true: { zh: '已满足', en: 'met' }, false: { zh: '均未满足', en: 'none met' }, unknown: { zh: '无法判断', en: 'cannot be decided' } },
  all: { true: { zh: '已满足', en: 'met' }, false: { zh: '未全部满足', en: 'not all met' }, unknown: { zh: '无法判断', en: 'cannot be decided' } },
};

/** The line that opens a group of conditions (all of them must hold, or any one), saying `says` of it. */
const groupLine = (op: 'all' | 'any', says: Words): Words => ({ zh: `${GROUP_OPENS[op].zh}（${says.zh}）：`, en: `${GROUP_OPENS[op].en} (${says.en}):` });

/**
 * The lines of a rule's conditions, as the rule combines them: a group (any one of, all of) opens
 * with its own line and its parts follow, indented, each marked with whether it holds. A rule that
 * is all of its conditions is the list of them, as it always read.
 */
function conditionLines(trace: Explained, facts?: FactRow): Words[] {
  const lines: Words[] = [];
  // moot: why a part not known here needs no answer (its group is decided without it), or null. A
  // group not needed passes on its own reason to its unknown parts. Shown as "cannot be decided",
  // such a part would read as data the company must supply, for a result that does not depend on it.
  const walk = (n: TraceNode, depth: number, moot: Words | null) => {
    const indent = '  '.repeat(depth);
    const line = (result: Truth, w: Words) => {
      const mark = result === 'unknown' && moot ? MOOT : MARK[result];
      lines.push({ zh: `${indent}${mark} ${w.zh}`, en: `${indent}${mark} ${w.en}` });
    };
    if ('condition' in n) {
      const c = trace.conditions[n.condition] as ConditionTrace;
      line(c.result, c.result === 'unknown' && moot ? mootText(c, moot) : conditionText(c, facts));
    } else if ('constant' in n) line(n.result, { zh: n.constant, en: n.constant });
    else if (n.result === 'unknown' && moot) {
      line(n.result, groupLine(n.op, { zh: `无须判断：${moot.zh}`, en: `not needed: ${moot.en}` }));
      for (const x of n.of) walk(x, depth + 1, { zh: '所在一组无须判断', en: 'its group is not needed' });
    } else {
      line(n.result, groupLine(n.op, GROUP_SAYS[n.op][n.result]));
      for (const x of n.of) walk(x, depth + 1, mootWhy(n));
    }
  };
  const top = trace.tree;
  if ('op' in top && top.op === 'all') for (const x of top.of) walk(x, 1, mootWhy(top));
  else walk(top, 1, null);
  return lines;
}

/**
 * Why a part of this group that is not known cannot change the group's answer, or null when it can.
 * A group is decided without its unknown parts when one alternative holds (any one of) or one
 * condition fails (all of): three-valued logic, as the rules are evaluated.
 */
function mootWhy(n: { op: 'all' | 'any'; result: Truth }): Words | null {
  if (n.result === 'unknown') return null;
  return n.op === 'any' ? { zh: '同组另一项已满足', en: 'another alternative holds' } : { zh: '同组另一项未满足', en: 'another condition of the group fails' };
}

const CIRCLED = '①②③④⑤⑥⑦⑧⑨⑩';

/**
 * What a taxpayer lacks for a rule it fails, in words: each failed condition that the rule needs.
 * Of alternatives (any one of) none holds, and meeting one of them is enough: they are one phrase,
 * each alternative with what it lacks ("满足以下任一项即可：①……；②……"); where some alternatives fail
 * on figures alone, only those. A failed alternative of a group that holds anyway is not lacking, nor
 * is a condition that cannot be decided. Given the
 * taxpayer's facts, a registered figure standing in for a return's is named as registered.
 */
export function lackingOf(p: Pick<PolicyExplanation, 'trace'>, facts?: FactRow): { zh: string[]; en: string[] } {
  const { conditions, tree } = p.trace;
  // Whether every condition a node fails is a gap in a figure (a failed comparison of numbers), which a
  // near miss can close, rather than a state (a VAT status, how the VAT is filed), which it cannot.
  const gapsOnly = (n: TraceNode): boolean => {
    if ('condition' in n) {
      const c = conditions[n.condition] as ConditionTrace;
      return c.result !== 'false' || c.nearMiss !== undefined;
    }
    if ('constant' in n || n.result !== 'false') return true;
    return n.op === 'all' ? n.of.every(gapsOnly) : n.of.some(gapsOnly);
  };
  const walk = (n: TraceNode): Words[] => {
    if ('condition' in n) {
      const c = conditions[n.condition] as ConditionTrace;
      return c.result === 'false' ? [conditionText(c, facts)] : [];
    }
    if ('constant' in n || n.result !== 'false') return [];
    if (n.op === 'all') return n.of.flatMap(walk);
    // Of alternatives some of which lack figures alone, those are what the company lacks: a quarterly
    // filer just over the quarterly line lacks sales under it, not "or file monthly".
    const closable = n.of.filter(gapsOnly);
    const alternatives = (closable.length > 0 ? closable : n.of).map(walk).filter((a) => a.length > 0);
    if (alternatives.length <= 1) return alternatives[0] ?? [];
    return [
      {
        zh: `满足以下任一项即可：${alternatives.map((a, i) => `${CIRCLED[i] ?? `（${i + 1}）`}${a.map((w) => w.zh).join('，且')}`).join('；')}`,
        en: `any one of: ${alternatives.map((a, i) => `(${i + 1}) ${a.map((w) => w.en).join(', and ')}`).join('; ')}`,
      },
    ];
  };
  const words = walk(tree);
  return { zh: words.map((w) => w.zh), en: words.map((w) => w.en) };
}

/**
 * What explainTaxpayer could not find: facts of the taxpayer for the quarter (none, or none computed
 * by the moment asked), or the policy in force then. A caller answers it as the user's mistake (the
 * API's 404, the CLI's usage error); any other error is a failure.
 */
export class ExplainNotFound extends Error {
  constructor(
    message: string,
    readonly what: 'facts' | 'policy',
  ) {
    super(message);
    this.name = 'ExplainNotFound';
  }
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
  // The policy first: a mistyped id is said before any lookup, whatever the store holds.
  const { catalogue, sha } = catalogueOf(opts.lawDir ?? DEFAULT_LAW_DIR);
  const inForce = policiesOf(catalogue, quarter);
  const policies = inForce.filter((p) => !opts.policy || p.entry.id === opts.policy);
  if (opts.policy && policies.length === 0) {
    const entry = catalogue.entries.find((e) => e.id === opts.policy);
    throw new ExplainNotFound(
      entry
        ? `no policy '${opts.policy}' in force on ${quarter.end} (in force ${entry.effective.from} to ${entry.effective.to})`
        : `no policy '${opts.policy}' in the catalogue`,
      'policy',
    );
  }
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
    // Only now, to say which: none at all, or none yet at that moment (then when the first came).
    const [first] = opts.asOf
      ? await store.all<{ t: string | null }>('SELECT min(computed_at)::VARCHAR AS t FROM taxpayer_fact WHERE credit_code = $1 AND period = $2', [
          opts.creditCode,
          quarter.period,
        ])
      : [];
    throw new ExplainNotFound(
      first?.t
        ? `no facts for taxpayer ${opts.creditCode} in ${quarter.period} computed by ${opts.asOf} UTC: the first were computed at ${first.t} UTC (--as-of ${first.t.replace(' ', 'T')}Z)`
        : `no facts for taxpayer ${opts.creditCode} in ${quarter.period}: run zhishu match --period ${quarter.period} first`,
      'facts',
    );
  }
  const run = await store.all<{ sha: string }>('SELECT catalogue_sha256 AS sha FROM match_run WHERE started_at = CAST($1 AS TIMESTAMP) LIMIT 1', [
    String(row.computed_at),
  ]);
  const facts = factRow(row);
  // The policies asked about, with the other reliefs of their groups, are explained and judged on the
  // year: a relief taken back no longer counts in its group, which changes what its peers' stacking says.
  const groups = new Set(policies.flatMap((p) => p.entry.exclusiveGroup ?? []));
  const asked = new Set(policies.map((p) => p.entry.id));
  const weighed = explainFacts(
    facts,
    inForce,
    inForce.filter((p) => asked.has(p.entry.id) || groups.has(p.entry.exclusiveGroup ?? '')),
  );
  await judgedOnTheYear(store, catalogue, opts.creditCode, quarter.period, opts.asOf ?? '9999-12-31', weighed);
  restack(weighed, inForce);
  const explained = weighed.filter((p) => asked.has(p.policy));
  return {
    creditCode: opts.creditCode,
    period: quarter.period,
    computedAt: String(row.computed_at),
    lawChangedSince: run[0] !== undefined && run[0].sha !== sha,
    facts,
    policies: explained,
  };
}

/**
 * A relief settled on the year (the catalogue's `settledOnYear`: the prepayments are of the year to
 * date) is judged on the year, as the ledger judges it (`lapsedInYear`, `claimedLapsedInYear`): of the
 * taxpayer's later quarters of the year with facts (as of the moment asked), the latest that judged
 * the policy decides; one that could not (unknown) is passed over. Where it fails, this quarter's
 * relief is taken back: said in the verdict and as a notice, for a matched relief, and for one this
 * quarter cannot judge (a claim of it would be taken back all the same). A quarter that fails the
 * rule, unless a later one qualifies again, takes back the relief of the earlier quarters that matched
 * it or could not judge it: said as a notice naming them, with their estimates (what was claimed of
 * them is the ledger's to say).
 */
async function judgedOnTheYear(
  store: Db,
  catalogue: ReturnType<typeof catalogueOf>['catalogue'],
  creditCode: string,
  period: string,
  asOf: string,
  explained: PolicyExplanation[],
): Promise<void> {
  const entries = new Map(catalogue.entries.filter((e) => e.settledOnYear).map((e) => [e.id, e]));
  const settled = explained.filter((p) => entries.has(p.policy));
  if (settled.length === 0) return;
  // The taxpayer's rows alone first, so an index on credit_code serves the lookups where one exists.
  // Each other quarter's results in force as of then: those computed with its latest facts.
  const results = await store.all<{ period: string; policy_id: string | null; status: string | null; benefit: string | null }>(
    `WITH my_fact AS MATERIALIZED (SELECT period, computed_at FROM taxpayer_fact WHERE credit_code = $1),
          my_match AS MATERIALIZED (SELECT policy_id, period, status, benefit, computed_at FROM policy_match WHERE credit_code = $1),
          quarter AS (SELECT period, max(computed_at) AS computed_at FROM my_fact
                      WHERE period >= $3 AND period <= $4 AND period <> $2 AND computed_at <= CAST($5 AS TIMESTAMP) GROUP BY period)
     SELECT q.period, m.policy_id, m.status::VARCHAR AS status, m.benefit::VARCHAR AS benefit FROM quarter q
     LEFT JOIN my_match m ON m.period = q.period AND m.computed_at = q.computed_at
     ORDER BY q.period`,
    [creditCode, period, `${period.slice(0, 4)}-Q1`, `${period.slice(0, 4)}-Q4`, asOf],
  );
  const quarters = [...new Set(results.map((r) => r.period))];
  for (const p of settled) {
    const entry = entries.get(p.policy) as CatalogueEntry;
    const judged = quarters.filter((q) => policiesOf(catalogue, parseQuarter(q)).some((x) => x.entry.id === p.policy));
    const result = (q: string) => results.find((r) => r.period === q && r.policy_id === p.policy);
    // The quarters of the year that judged the policy, before and after this one: matched there, or
    // not (no row: not eligible). The latest after it decides, as in the ledger.
    const judgedAt = (qs: string[]) => qs.map((q) => ({ period: q, status: result(q)?.status ?? 'notEligible' })).filter((r) => r.status !== 'unknown');
    const later = judgedAt(judged.filter((q) => q > period));
    const decider = later.at(-1);
    if (p.status === 'matched' || p.status === 'unknown') {
      if (decider === undefined || decider.status === 'matched') continue;
      // The prepayment that takes it back: the first quarter to fail after the last one to qualify.
      const lastQualifying = later.map((r) => r.status).lastIndexOf('matched');
      const takenAt = later[lastQualifying + 1]?.period ?? decider.period;
      p.year = { lapsedBy: takenAt, takesBack: [] };
      const head = headline(entry, p.status, p.benefit, takenAt, parseQuarter(period).end);
      p.text = { zh: [head.zh, ...p.text.zh.slice(1)], en: [head.en, ...p.text.en.slice(1)] };
      p.notices.push(
        p.status === 'matched'
          ? {
              zh: `按本年截至${takenAt}的累计数据，纳税人已不再符合本项优惠的条件：预缴按本年累计计算，本季度的优惠在${takenAt}预缴或年度汇算清缴时不再享受（已申报的应补缴，未申报的不计入应享未享）`,
              en: `On the year's figures to ${takenAt}, the taxpayer no longer meets this relief's conditions: prepayments are of the year to date, so this quarter's relief is no longer due, settled at the prepayment for ${takenAt} or at the annual return (a claim of it is repaid; unclaimed, it is not counted as missed)`,
            }
          : {
              zh: `本季度缺少数据、无法判断，但按本年截至${takenAt}的累计数据，纳税人不符合本项优惠的条件：预缴按本年累计计算，本季度如已申报本项优惠，应在${takenAt}预缴或年度汇算清缴时补缴`,
              en: `This quarter cannot be judged (data missing), but on the year's figures to ${takenAt} the taxpayer does not meet this relief's conditions: prepayments are of the year to date, so a claim of it for this quarter is repaid at the prepayment for ${takenAt} or at the annual return`,
            },
      );
      continue;
    }
    if (decider?.status === 'matched') continue;
    // Taken back already, by an earlier quarter that failed too (none qualified since): nothing more to take.
    if ((judgedAt(judged.filter((q) => q < period)).at(-1)?.status ?? 'matched') !== 'matched') continue;
    const earlier = judged.flatMap((q) => {
      const r = result(q);
      return q < period && (r?.status === 'matched' || r?.status === 'unknown')
        ? [{ period: q, status: r.status as 'matched' | 'unknown', benefit: r.status === 'matched' ? (r.benefit ?? null) : null }]
        : [];
    });
    if (earlier.length === 0) continue;
    p.year = { lapsedBy: null, takesBack: earlier };
    const matched = earlier.filter((q) => q.status === 'matched');
    const unknown = earlier.filter((q) => q.status === 'unknown').map((q) => q.period);
    const worth = (b: string | null) =>
      b === null
        ? { zh: '金额不详', en: 'amount unknown' }
        : Number(b) <= 0
          ? { zh: '当季无可享金额', en: 'nothing to claim that quarter' }
          : { zh: `约 ${groupedYuan(b)} 元`, en: `about ${groupedYuan(b)} yuan` };
    const listEn = (xs: string[]) => (xs.length < 2 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);
    const zh = [
      ...(matched.length > 0
        ? [`纳税人在本年${matched.map((q) => `${q.period}（${worth(q.benefit).zh}）`).join('、')}符合本项优惠的条件，按本年截至本季度的累计数据已不再符合`]
        : [`按本年截至本季度的累计数据，纳税人已不再符合本项优惠的条件`]),
      ...(unknown.length > 0 ? [`${unknown.join('、')}缺少数据、无法判断，如已申报本项优惠同样应补缴`] : []),
    ];
    const en = [
      ...(matched.length > 0
        ? [
            `The taxpayer met this relief's conditions earlier in the year, in ${listEn(matched.map((q) => `${q.period} (${worth(q.benefit).en})`))}; on the year's figures to this quarter it no longer does`,
          ]
        : [`On the year's figures to this quarter, the taxpayer does not meet this relief's conditions`]),
      ...(unknown.length > 0 ? [`${listEn(unknown)} could not be judged (data missing), and a claim of it there is repaid too`] : []),
    ];
    p.notices.push({
      zh: `${zh.join('；')}。预缴按本年累计计算，这些季度的优惠在本季度预缴（或年度汇算清缴）时不再享受（已申报的应补缴，未申报的不计入应享未享）`,
      en: `${en.join('. ')}. Prepayments are of the year to date, so the relief of those quarters is no longer due, settled at this quarter's prepayment or at the annual return (a claim of it is repaid; unclaimed, it is not counted as missed)`,
    });
  }
}

/**
 * A relief taken back by a later quarter (`year.lapsedBy`) no longer counts in its group of reliefs
 * that do not stack, as in the ledger: the group's other reliefs are weighed again without it, and it
 * says nothing of them.
 */
function restack(explained: PolicyExplanation[], inForce: InForce): void {
  const lapsed = new Set(explained.filter((p) => p.year?.lapsedBy).map((p) => p.policy));
  if (lapsed.size === 0) return;
  const entries = new Map(inForce.map((x) => [x.entry.id, x.entry]));
  const groups = new Set([...lapsed].flatMap((id) => entries.get(id)?.exclusiveGroup ?? []));
  const weighed = explained
    .filter((p) => groups.has(entries.get(p.policy)?.exclusiveGroup ?? ''))
    .map((p) => ({ entry: entries.get(p.policy) as CatalogueEntry, status: lapsed.has(p.policy) ? ('notEligible' as const) : p.status, benefit: p.benefit }));
  for (const p of explained) {
    const entry = entries.get(p.policy);
    if (!entry?.exclusiveGroup || !groups.has(entry.exclusiveGroup)) continue;
    p.stacking = lapsed.has(p.policy) ? null : stackingOf({ entry, status: p.status, benefit: p.benefit }, weighed);
  }
}

/**
 * explainTaxpayer for many taxpayers at once, each for the policies asked about only, from their
 * latest facts: one query for all of them. What a push planner asks about the near misses of a batch
 * of a city (thousands of taxpayers), where one explainTaxpayer each took 20 ms, 15 minutes at a
 * million. Taxpayers without facts for the period come back in `missing`. Each is explained from the
 * quarter's own facts: how the year's other quarters bear on a relief settled on the year (`year`)
 * is explainTaxpayer's alone.
 */
export async function explainTaxpayers(
  store: Db,
  opts: { period: string; wanted: ReadonlyMap<string, ReadonlySet<string>>; lawDir?: string },
): Promise<{ explained: Map<string, PolicyExplanation[]>; missing: string[] }> {
  const { facts, inForce } = await latestFacts(store, opts);
  const explained = new Map<string, PolicyExplanation[]>();
  for (const [code, row] of facts) {
    const wanted = opts.wanted.get(code) as ReadonlySet<string>;
    explained.set(
      code,
      explainFacts(
        row,
        inForce,
        inForce.filter((p) => wanted.has(p.entry.id)),
      ),
    );
  }
  return { explained, missing: [...opts.wanted.keys()].filter((c) => !explained.has(c)) };
}

/**
 * The words a push message of each item asked about carries, for many taxpayers at once from their
 * latest facts: for a near miss what it lacks (lackingOf), for a matched relief the catalogue's
 * notices that hold (noticesOf; a relief with none is left out). explainTaxpayers without what a push
 * message does not say (the verdict's words, the reliefs of a group weighed against each other, the
 * sources). A push plan asks this of each batch's items. Taxpayers without facts for the period come
 * back in `missing`.
 */
export async function wordsOfTaxpayers(
  store: Db,
  opts: { period: string; wanted: ReadonlyMap<string, ReadonlyMap<string, 'relief' | 'nearMiss'>>; lawDir?: string },
): Promise<{ words: Map<string, Map<string, { zh: string[]; en: string[] }>>; missing: string[] }> {
  // Only the facts the words read: a near miss's rule (and whether a registered figure stands in for a
  // return's, STAND_INS), a relief's notices. A push plan asks of tens of thousands of taxpayers a batch,
  // and every column of their facts rows, read into JavaScript, cost most of its time (docs/policy.md).
  const asked = new Map<string, Set<'relief' | 'nearMiss'>>();
  for (const policies of opts.wanted.values()) for (const [id, kind] of policies) asked.set(id, (asked.get(id) ?? new Set()).add(kind));
  const { facts, inForce } = await latestFacts(store, opts, (all) => {
    const columns = new Set<string>();
    for (const p of all) {
      const kinds = asked.get(p.entry.id);
      if (kinds?.has('nearMiss'))
        for (const f of factsRead(p.rule)) {
          columns.add(f);
          const standIn = STAND_INS[f];
          if (standIn) columns.add(standIn.reportedBy);
        }
      if (kinds?.has('relief')) for (const n of p.notices) for (const f of factsRead(n.rule)) columns.add(f);
    }
    return [...columns].sort();
  });
  const words = new Map<string, Map<string, { zh: string[]; en: string[] }>>();
  for (const [code, row] of facts) {
    const wanted = opts.wanted.get(code) as ReadonlyMap<string, 'relief' | 'nearMiss'>;
    const mine = new Map<string, { zh: string[]; en: string[] }>();
    for (const p of inForce) {
      const kind = wanted.get(p.entry.id);
      if (kind === 'nearMiss') mine.set(p.entry.id, lackingOf({ trace: explain(p.rule, row) }, row));
      else if (kind === 'relief') {
        const notices = noticesOf(p.notices, row);
        if (notices.length > 0) mine.set(p.entry.id, { zh: notices.map((n) => n.zh), en: notices.map((n) => n.en) });
      }
    }
    words.set(code, mine);
  }
  return { words, missing: [...opts.wanted.keys()].filter((c) => !words.has(c)) };
}

/**
 * The latest facts of the taxpayers asked about (one query for all of them), and the policies in force;
 * of the facts only the columns `columnsOf` names of those policies, where it is given.
 */
async function latestFacts(
  store: Db,
  opts: { period: string; wanted: ReadonlyMap<string, unknown>; lawDir?: string },
  columnsOf?: (inForce: InForce) => readonly string[],
): Promise<{ facts: Map<string, FactRow>; inForce: InForce }> {
  const quarter = parseQuarter(opts.period);
  const inForce = policiesOf(catalogueOf(opts.lawDir ?? DEFAULT_LAW_DIR).catalogue, quarter);
  const columns = columnsOf?.(inForce);
  const codes = JSON.stringify([...opts.wanted.keys()]);
  const list = store.dialect === 'postgres' ? 'SELECT jsonb_array_elements_text($2::jsonb)' : `SELECT unnest(from_json($2, '["VARCHAR"]'))`;
  // Fact names are the rules' own (checked against the facts' list when a rule is read): safe as quoted identifiers.
  const select = columns ? ['credit_code', ...columns.filter((c) => c !== 'credit_code')].map((c) => `"${c}"`).join(', ') : '*';
  const rows = await store.all<Record<string, unknown>>(
    `SELECT DISTINCT ON (credit_code) ${select} FROM taxpayer_fact WHERE period = $1 AND credit_code IN (${list}) ORDER BY credit_code, computed_at DESC`,
    [quarter.period, codes],
  );
  const facts = new Map(rows.filter((r) => opts.wanted.has(String(r.credit_code))).map((r) => [String(r.credit_code), factRow(r)] as const));
  return { facts, inForce };
}

type InForce = ReturnType<typeof policiesOf>;

const factRow = (row: Record<string, unknown>): FactRow => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));

/** The explanations of `policies` (some of `inForce`) on one taxpayer's facts. */
function explainFacts(facts: FactRow, inForce: InForce, policies: InForce): PolicyExplanation[] {
  // Every relief in force of the groups asked about is weighed, whichever of them was asked about.
  const groups = new Set(policies.flatMap((p) => (p.entry.exclusiveGroup ? [p.entry.exclusiveGroup] : [])));
  const grouped = inForce
    .filter(({ entry }) => entry.exclusiveGroup && groups.has(entry.exclusiveGroup))
    .map(({ entry, rule, loose, benefit }) => {
      const status = statusOf(evaluate(rule, facts), loose, facts);
      return { entry, status, benefit: benefit && (status === 'matched' || status === 'nearMiss') ? evaluateFormula(benefit, facts) : null };
    });
  return policies.map(({ entry, rule, loose, benefit, notices }) => {
    const trace = explain(rule, facts);
    const status = statusOf(trace.result, loose, facts);
    const value = benefit && (status === 'matched' || status === 'nearMiss') ? evaluateFormula(benefit, facts) : null;
    const lines = conditionLines(trace, facts);
    const date = String(facts.period_end);
    const head = headline(entry, status, value, null, date);
    return {
      policy: entry.id,
      title: entry.title,
      category: entry.category,
      status,
      benefit: value,
      sources: citedAt(entry, date).map((s) => ({
        document: s.document,
        documentZh: sourceZh(s.document),
        confidence: s.confidence,
      })),
      text: { zh: [head.zh, ...lines.map((l) => l.zh)], en: [head.en, ...lines.map((l) => l.en)] },
      stacking: stackingOf({ entry, status, benefit: value }, grouped),
      notices: status === 'matched' ? noticesOf(notices, facts) : [],
      year: null,
      trace,
    };
  });
}

/** The sources cited for a quarter ending on `date`: those that govern it; every one without a date (facts always carry one). */
const citedAt = (entry: CatalogueEntry, date: string) => (/^\d{4}-\d{2}-\d{2}$/.test(date) ? sourcesAt(entry, date) : entry.sources);

/**
 * The verdict line: the policy, its status, its estimate for the quarter, and its sources. A matched
 * relief that a later quarter takes back (`lapsedBy`) says so here, where the eye lands first.
 */
function headline(entry: CatalogueEntry, status: MatchStatus, value: string | null, lapsedBy: string | null, date: string): Words {
  const sources = citedAt(entry, date);
  // A near miss is not eligible: its estimate is what meeting the conditions would be worth.
  // An estimate of 0.00 or less (no tax to reduce this quarter) is said as such: "worth about 0.00
  // yuan if the conditions were met" would read as an error, and pushes leave such results out.
  const worth =
    value === null
      ? { zh: '', en: '' }
      : Number(value) <= 0
        ? {
            zh: `，但本季度没有可减免的税费（估算 ${groupedYuan(value)} 元）`,
            en: `, but there is nothing to reduce this quarter (estimated at ${groupedYuan(value)} yuan)`,
          }
        : status === 'nearMiss'
          ? {
              zh: `，如满足以下条件，本季度约可减免 ${groupedYuan(value)} 元`,
              en: `, worth about ${groupedYuan(value)} yuan this quarter if the conditions below were met`,
            }
          : { zh: `，预计本季度可享受约 ${groupedYuan(value)} 元`, en: `, worth about ${groupedYuan(value)} yuan this quarter` };
  const lapsed =
    lapsedBy === null
      ? { zh: '', en: '' }
      : {
          zh: `${status === 'matched' ? '（按本季度数据）' : ''}；但按本年截至${lapsedBy}的累计数据已不符合，本季度的优惠不再享受`,
          en: `, but no longer due: the year's figures to ${lapsedBy} fail it`,
        };
  return {
    zh: `${entry.title.zh}：${STATUS_LABELS[status].zh}${worth.zh}${lapsed.zh}。依据：${sources.map((s) => sourceZh(s.document)).join('；')}`,
    en: `${entry.title.en}: ${STATUS_LABELS[status].en}${worth.en}${lapsed.en}. Source: ${sources.map((s) => s.document).join('; ')}`,
  };
}

/** The notices that hold of the facts, in the catalogue's order. */
export function noticesOf(notices: InForce[number]['notices'], facts: FactRow): { zh: string; en: string }[] {
  return notices.filter((n) => evaluate(n.rule, facts) === 'true').map(({ zh, en }) => ({ zh, en }));
}

function statusOf(result: 'true' | 'false' | 'unknown', loose: Parameters<typeof evaluate>[0], facts: FactRow): MatchStatus {
  return result === 'true' ? 'matched' : result === 'unknown' ? 'unknown' : evaluate(loose, facts) === 'true' ? 'nearMiss' : 'notEligible';
}

type Weighed = { entry: CatalogueEntry; status: MatchStatus; benefit: string | null };

/** How a matched relief or near miss stands against the other matched reliefs of its group, in words. */
function stackingOf(self: Weighed, grouped: readonly Weighed[]): PolicyExplanation['stacking'] {
  if (self.status !== 'matched' && self.status !== 'nearMiss') return null;
  const others = matchedPeers(self, grouped) as Weighed[];
  if (others.length === 0) return null;
  const title = (x: Weighed) => ({ zh: `「${x.entry.title.zh}」`, en: `"${x.entry.title.en}"` });
  const list = (xs: readonly Weighed[]) => ({ zh: xs.map((o) => title(o).zh).join('、'), en: xs.map((o) => title(o).en).join(', ') });
  const names = list(others);
  const worth = (x: Weighed) =>
    x.benefit === null ? { zh: '', en: '' } : { zh: `（约 ${groupedYuan(x.benefit)} 元）`, en: ` (about ${groupedYuan(x.benefit)} yuan)` };
  const with_ = others.map((o) => o.entry.id);
  const instead = takenInstead(self, grouped) as Weighed | null;
  if (self.status === 'matched') {
    const best = instead ?? self;
    // Worth as much as the best (the same estimate, or none, and the same rank): only the id tells them apart.
    const tied = [self, ...others].filter((x) => x !== self && fen(x) === fen(best) && rank(x) === rank(best));
    if (tied.length > 0 && fen(self) === fen(best) && rank(self) === rank(best)) {
      return {
        with: with_,
        best: best.entry.id,
        beaten: best !== self,
        text: {
          zh: `与${names.zh}不得叠加享受，同一期间只能选择其一；本项与${list(tied).zh}对企业同样有利。`,
          en: `Does not stack with ${names.en}: the company takes one of them in a period, and this one is worth as much as ${list(tied).en}.`,
        },
      };
    }
    if (best === self) {
      return {
        with: with_,
        best: self.entry.id,
        beaten: false,
        text: {
          zh: `与${names.zh}不得叠加享受，同一期间只能选择其一；本项对企业${others.length === 1 ? '更' : '最'}有利。`,
          en: `Does not stack with ${names.en}: the company takes one of them in a period, and this one is worth ${others.length === 1 ? 'more' : 'the most'}.`,
        },
      };
    }
    return {
      with: with_,
      best: best.entry.id,
      beaten: true,
      text:
        others.length === 1
          ? {
              zh: `与${title(best).zh}${worth(best).zh}不得叠加享受，同一期间只能选择其一；后者对企业更有利。`,
              en: `Does not stack with ${title(best).en}${worth(best).en}: the company takes one of them in a period, and that one is worth more to it.`,
            }
          : {
              zh: `与${names.zh}不得叠加享受，同一期间只能选择其一；其中${title(best).zh}${worth(best).zh}对企业最有利。`,
              en: `Does not stack with ${names.en}: the company takes one of them in a period, and ${title(best).en}${worth(best).en} is worth the most to it.`,
            },
    };
  }
  // A near miss: meeting it gains nothing when a matched relief of the group covers it (takenInstead).
  const best = instead ?? ([...others].sort(worthMore)[0] as Weighed);
  return {
    with: with_,
    best: best.entry.id,
    beaten: instead !== null,
    text: instead
      ? {
          zh: `已符合的${title(best).zh}${worth(best).zh}与本项不得叠加享受，且优惠不低于本项：达到本项条件也不会增加优惠。`,
          en: `Meeting it would gain nothing: ${title(best).en}${worth(best).en}, already met, does not stack with it and is worth at least as much.`,
        }
      : {
          zh: `与已符合的${names.zh}不得叠加享受：达到本项条件后，可择优选择其一。`,
          en: `Does not stack with ${names.en}, already met: once the company meets this one too, it can take whichever is worth more.`,
        },
  };
}
