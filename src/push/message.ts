import { createHash } from 'node:crypto';
import type { CatalogueEntry } from '../law/catalogue.ts';
import type { CHANNELS, ROLES } from '../model/enums.ts';
import { groupedYuan } from '../model/yuan.ts';
import { parsePeriod } from './time.ts';

export type Role = (typeof ROLES)[number];
export type Channel = (typeof CHANNELS)[number];
/** The outbox's kinds and statuses: on DuckDB the ENUMs push_kind and push_status (migration 012) hold exactly these. */
export const MESSAGE_KINDS = ['relief', 'nearMiss', 'digest'] as const;
export const MESSAGE_STATUSES = ['planned', 'sending', 'sent', 'failed', 'skipped'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** What planning needs of a catalogue entry (a narrow view, so the push part does not depend on the rest). */
export type PushEntry = Pick<
  CatalogueEntry,
  'id' | 'kind' | 'title' | 'category' | 'taxes' | 'notify' | 'exclusiveGroup' | 'groupRank' | 'reductionCodes' | 'notices'
> &
  Partial<Pick<CatalogueEntry, 'action' | 'pushQuarters'>>;

/** One row of push_message, as read from the store (DECIMAL and TIMESTAMP as text). */
export type OutboxMessage = {
  message_id: string;
  credit_code: string;
  role: Role;
  kind: MessageKind;
  period: string;
  policy_id: string | null;
  items: string | null;
  category: string;
  run_id: string;
  benefit: string | null;
  /**
   * A relief of an exclusive group the company claimed another relief of in the period: that claim
   * (yuan), which `benefit` is net of. Null otherwise, and for a digest (its lines carry their own).
   */
  group_claimed: string | null;
  deadline: string;
  channel: Channel;
  recipient: string;
  /** Set only on rows planned before texts were rendered at sending: those are sent as written. */
  subject: string | null;
  body: string | null;
  /** Whom the message greets, as planned. */
  person_name: string | null;
  taxpayer_name: string | null;
  /**
   * A JSON array of phrases: for a near miss what it lacks (null: not explained), for a relief what
   * the company must mind (the catalogue's notices that hold; null: none).
   */
  lacking: string | null;
  /** A digest: its lines, a JSON array of DigestItem in order. */
  digest_items: string | null;
  status: MessageStatus;
  scheduled_at: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
};

/** A row with its texts rendered: what a channel delivers. */
export type DeliverableMessage = OutboxMessage & { subject: string; body: string };

export const ROLE_ZH: Record<Role, string> = { legalRepresentative: '法定代表人', financeOfficer: '财务负责人', taxHandler: '办税人员' };

/**
 * The role as a greeting names it: an individual business (个体工商户: a unified social credit code
 * whose registration authority and organisation class are 9 and 2, GB 32100-2015) has an operator
 * (经营者), not a legal representative, and its operator often files its taxes too.
 */
export const greetingRole = (creditCode: string, role: Role): string =>
  role === 'legalRepresentative' && creditCode.startsWith('92') ? '经营者' : ROLE_ZH[role];
export const CATEGORY_ZH: Record<string, string> = {
  vat: '增值税',
  surcharges: '附加税费',
  cit: '企业所得税',
  iit: '个人所得税',
  stampDuty: '印花税',
  other: '其他税费',
};

/**
 * The idempotency key of a message: the same taxpayer, person, subject, period and kind always give
 * the same id, so planning again inserts nothing. It is also a valid Message-ID left part (RFC 5322
 * dot-atom: catalogue ids are dotted camelCase, credit codes and periods letters, digits and '-').
 */
export function messageId(period: string, creditCode: string, role: Role, kind: MessageKind, subject: string): string {
  return `${period}.${creditCode}.${role}.${kind}.${subject}`;
}

/**
 * A digest is named by what it holds: the same items give the same digest, other items another one.
 * itemIds are the items as the row keeps them (`kind.policy_id`, without the `period.credit_code.role.`
 * that the digest's own id starts with).
 */
export function digestSubject(itemIds: readonly string[]): string {
  return `digest-${createHash('sha256')
    .update([...itemIds].sort().join('\n'))
    .digest('hex')
    .slice(0, 16)}`;
}

/** The in-app address of a person: the inbox is per taxpayer and role. */
export const inboxAddress = (creditCode: string, role: Role): string => `inbox:${creditCode}/${role}`;

/** Whole fen from a DECIMAL(18,2) text, so thresholds are compared exactly. */
export function toFen(amount: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!m) throw new Error(`'${amount}' is not an amount of yuan`);
  const fen = BigInt(m[2] as string) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -fen : fen;
}

export function formatYuan(fen: bigint): string {
  const sign = fen < 0n ? '-' : '';
  const abs = fen < 0n ? -fen : fen;
  return `${sign}${groupedYuan(`${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`)}`;
}

export interface ItemText {
  kind: 'relief' | 'nearMiss';
  entry: PushEntry;
  benefitFen: bigint | null;
  /** What the company claimed in the period of reliefs that do not stack with this one: benefitFen is net of it. */
  groupClaimedFen?: bigint | null;
  deadline: string;
  /** Near miss: the conditions not yet met, in words. Relief: what the company must mind (the catalogue's notices that hold). */
  lacking: readonly string[] | null;
  /** The filing deadline had passed when the message was rendered (sent or shown). */
  past?: boolean;
}

export interface Addressee {
  taxpayerName: string;
  creditCode: string;
  personName: string;
  role: Role;
  periodZh: string;
}

// The words of the messages: the one place they are written. The planner stores what they are made
// of and renderMessage puts them together when a message is sent or shown, so a city's outbox does not
// carry gigabytes of text, and a change of wording reaches every message not yet sent.
const SUBJECT_PREFIX = '【智数·政策提醒】';

function footer(id: string): string {
  return `本提醒由智数政策机器人根据税务机关掌握的数据自动发出，仅供参考，以申报时的实际情况为准。\n消息编号：${id}`;
}

const titleLine = (e: PushEntry) => `${e.title.zh}（${e.title.en}）`;
// A relief beside a claim of one it does not stack with (the high-tech rate claimed, the small
// low-profit relief worth more) is worth what switching adds: the amount says so, with the relief's
// own estimate and the claim it is net of. 不得叠加享受 is the notices' term for reliefs that cannot
// be combined.
const benefitText = (fen: bigint | null, groupClaimedFen?: bigint | null) =>
  fen === null
    ? '暂无法估算'
    : groupClaimedFen === undefined || groupClaimedFen === null || groupClaimedFen <= 0n
      ? `约 ${formatYuan(fen)} 元`
      : `约 ${formatYuan(fen)} 元（本政策预计减免 ${formatYuan(fen + groupClaimedFen)} 元，扣除贵单位本期已享受、与本政策不得叠加享受的其他优惠 ${formatYuan(groupClaimedFen)} 元后，为改为享受本政策可多减免的税费）`;
// A relief not taken by the deadline is not lost: the return can be corrected, and tax paid beyond
// what was due is refunded on request within three years of its payment (税收征收管理法 第五十一条).
const LATE_CLAIM = '可通过更正申报享受；多缴的税款，可自结算缴纳之日起三年内申请退还（《中华人民共和国税收征收管理法》第五十一条）';

// A relief with no reduction code cannot be seen claimed in a return (the ledger's matchedNoCode):
// after its deadline it is told as one to check, not as one missed.
const UNSEEN_PAST = '申报期限已过；税务机关的申报数据无法显示贵单位是否已享受，如尚未享受';
const unseen = (e: PushEntry) => (e.reductionCodes?.length ?? 0) === 0;
const reliefHead = (item: ItemText) => (informs(item.entry) ? '请转告员工' : !item.past ? '可享受' : unseen(item.entry) ? '请核实是否已享受' : '尚未享受');
// A relief the employees enjoy themselves (the exemption from the annual IIT reconciliation): the
// company files nothing for it, so it is asked to pass it on, and no deadline or late claim is named.
const informs = (e: PushEntry) => e.action === 'informEmployees';
// Not tied to the quarter the message is of: the exemption from the annual reconciliation, for one,
// concerns the year before's income and is had from 1 March to 30 June.
const INFORM = '该优惠由符合条件的员工本人享受，贵单位无需为此申报享受；请转告员工';

export function singleText(id: string, to: Addressee, item: ItemText): { subject: string; body: string } {
  const greeting = `${to.personName}（${to.taxpayerName}${greetingRole(to.creditCode, to.role)}）您好：`;
  const facts = [
    `政策：${item.entry.title.zh}`,
    `Policy: ${item.entry.title.en}`,
    `税费种类：${item.entry.taxes?.zh ?? CATEGORY_ZH[item.entry.category] ?? item.entry.category}`,
    `所属期：${to.periodZh}`,
  ];
  if (item.kind === 'relief' && informs(item.entry)) {
    return {
      subject: `${SUBJECT_PREFIX}${reliefHead(item)}：${titleLine(item.entry)}`,
      body: [
        greeting,
        '',
        `根据税务机关掌握的数据，贵单位（统一社会信用代码 ${to.creditCode}）有员工可能适用以下个人所得税优惠政策。${INFORM}。`,
        '',
        ...facts.filter((f) => !f.startsWith('所属期')),
        ...(item.benefitFen === null ? [] : [`预计减免：${benefitText(item.benefitFen, item.groupClaimedFen)}`]),
        ...(item.lacking && item.lacking.length > 0 ? ['', '请注意：', ...item.lacking.map((l) => `- ${l}`)] : []),
        '',
        footer(id),
      ].join('\n'),
    };
  }
  if (item.kind === 'relief') {
    // After the deadline the relief is told as not yet enjoyed, and how it can still be had.
    return {
      subject: `${SUBJECT_PREFIX}${reliefHead(item)}：${titleLine(item.entry)}`,
      body: [
        greeting,
        '',
        `根据税务机关掌握的数据，贵单位（统一社会信用代码 ${to.creditCode}）${to.periodZh}符合以下税费优惠政策的条件，${!item.past ? '请在申报时享受。' : unseen(item.entry) ? `${UNSEEN_PAST}，${LATE_CLAIM}。` : '申报期限已过，尚未享受。'}`,
        '',
        ...facts,
        `预计减免：${benefitText(item.benefitFen, item.groupClaimedFen)}`,
        !item.past
          ? `申报期限：${item.deadline}（请在此之前完成申报）`
          : unseen(item.entry)
            ? `申报期限：${item.deadline}（已过）`
            : `申报期限：${item.deadline}（已过）。${LATE_CLAIM}。`,
        ...(item.lacking && item.lacking.length > 0 ? ['', '请注意：', ...item.lacking.map((l) => `- ${l}`)] : []),
        '',
        footer(id),
      ].join('\n'),
    };
  }
  const lacking =
    item.lacking && item.lacking.length > 0
      ? ['尚未满足的条件：', ...item.lacking.map((l) => `- ${l}`)]
      : ['尚未满足的条件请登录电子税务局或智数查看政策条件说明。'];
  return {
    subject: `${SUBJECT_PREFIX}差一点符合：${titleLine(item.entry)}`,
    body: [
      greeting,
      '',
      `根据税务机关掌握的数据，贵单位（统一社会信用代码 ${to.creditCode}）${to.periodZh}接近但尚未符合以下税费优惠政策的条件。`,
      '',
      ...facts,
      ...(item.benefitFen === null ? [] : [`符合后预计减免：${benefitText(item.benefitFen)}`]),
      ...lacking,
      `申报期限：${item.deadline}${item.past ? '（已过）' : ''}`,
      '',
      footer(id),
    ].join('\n'),
  };
}

export function digestText(id: string, to: Addressee, items: readonly ItemText[]): { subject: string; body: string } {
  const lines = items.map((it, i) => {
    const head = `${i + 1}. ${it.kind === 'relief' ? reliefHead(it) : '差一点符合'}：${titleLine(it.entry)}`;
    const deadline = `申报期限：${it.deadline}${it.past ? '（已过）' : ''}`;
    const notices = it.lacking && it.lacking.length > 0 ? `\n   请注意：${it.lacking.join('；')}` : '';
    const late = !it.past ? '' : unseen(it.entry) ? `。申报数据无法显示是否已享受，如尚未享受，${LATE_CLAIM}` : `。${LATE_CLAIM}`;
    const detail =
      it.kind === 'relief' && informs(it.entry)
        ? `   ${INFORM}${notices}`
        : it.kind === 'relief'
          ? `   预计减免：${benefitText(it.benefitFen, it.groupClaimedFen)}；${deadline}${late}${notices}`
          : `   ${it.lacking && it.lacking.length > 0 ? `尚未满足：${it.lacking.join('；')}` : '尚未满足的条件请登录智数查看'}；${deadline}`;
    return `${head}\n${detail}`;
  });
  return {
    subject: `${SUBJECT_PREFIX}${to.periodZh}共 ${items.length} 项税费政策提醒`,
    body: [
      `${to.personName}（${to.taxpayerName}${greetingRole(to.creditCode, to.role)}）您好：`,
      '',
      `根据税务机关掌握的数据，贵单位（统一社会信用代码 ${to.creditCode}）${to.periodZh}有以下税费优惠政策值得关注。为免打扰，我们把它们合并在这一条消息中：`,
      '',
      ...lines,
      '',
      footer(id),
    ].join('\n'),
  };
}

/**
 * One line of a digest as the outbox keeps it (push_message.digest_items), in the order of the row's
 * items (push_message.items: each `kind.policy_id`). Rows planned before the items were kept that
 * way carry kind and policy_id here too, and their items in full.
 */
export interface DigestItem {
  /** Yuan with two decimals; null when unknown. */
  benefit: string | null;
  deadline: string;
  lacking: string[] | null;
  /** Yuan: the claim of a relief it does not stack with, which benefit is net of (absent on lines planned before it was kept). */
  group_claimed?: string | null;
  kind?: 'relief' | 'nearMiss';
  policy_id?: string;
}

/** What rendering needs of an outbox row. */
export type RenderableMessage = Pick<
  OutboxMessage,
  | 'message_id'
  | 'credit_code'
  | 'role'
  | 'kind'
  | 'period'
  | 'policy_id'
  | 'items'
  | 'category'
  | 'benefit'
  | 'group_claimed'
  | 'deadline'
  | 'subject'
  | 'body'
  | 'person_name'
  | 'taxpayer_name'
  | 'lacking'
  | 'digest_items'
>;

/**
 * The subject and body of an outbox row, in the words above, with the catalogue's current titles.
 * A policy no longer in the catalogue is named by its id. Rows planned with their texts (by an
 * earlier version) keep them. `today` (local date, YYYY-MM-DD: the day it is sent or shown) words a
 * relief whose filing deadline is before it as one still to be had by a corrected return. A digest
 * leaves out its lines of the reliefs in `leaveOut` (policy ids: taken back since it was planned).
 */
export function renderMessage(
  m: RenderableMessage,
  entries: ReadonlyMap<string, PushEntry>,
  today?: string,
  leaveOut: ReadonlySet<string> = new Set(),
): { subject: string; body: string } {
  if (m.subject !== null && m.body !== null) return { subject: m.subject, body: m.body };
  const entry = (id: string, category: string): PushEntry =>
    entries.get(id) ?? { id, kind: 'policy', title: { zh: id, en: id }, category: category as PushEntry['category'], notify: [] };
  const to: Addressee = {
    taxpayerName: m.taxpayer_name ?? '',
    creditCode: m.credit_code,
    personName: m.person_name ?? '',
    role: m.role,
    periodZh: parsePeriod(m.period).zh,
  };
  const fen = (yuan: string | null) => (yuan === null ? null : toFen(yuan));
  const past = (deadline: string) => today !== undefined && deadline < today;
  if (m.kind === 'digest') {
    if (m.digest_items === null) throw new Error(`push_message ${m.message_id}: a digest without digest_items or texts cannot be rendered`);
    // A relief taken back since the digest was planned (`leaveOut`, its policy ids) is not told.
    const lines = digestLines(m).filter((l) => !(l.kind === 'relief' && leaveOut.has(l.policyId)));
    return digestText(
      m.message_id,
      to,
      lines.map(({ line: it, kind, policyId }) => ({
        kind,
        entry: entry(policyId, 'other'),
        benefitFen: fen(it.benefit),
        groupClaimedFen: fen(it.group_claimed ?? null),
        deadline: it.deadline,
        lacking: it.lacking,
        past: past(it.deadline),
      })),
    );
  }
  if (m.policy_id === null) throw new Error(`push_message ${m.message_id}: a ${m.kind} without policy_id cannot be rendered`);
  return singleText(m.message_id, to, {
    kind: m.kind,
    entry: entry(m.policy_id, m.category),
    benefitFen: fen(m.benefit),
    groupClaimedFen: fen(m.group_claimed),
    deadline: m.deadline,
    lacking: m.lacking === null ? null : (JSON.parse(m.lacking) as string[]),
    past: past(m.deadline),
  });
}

/**
 * A digest's lines (digest_items) with the kind and policy of each: from its item (items, in the same
 * order), without the prefix the row carries, or as rows planned before that kept them in the line.
 */
export function digestLines(
  m: Pick<OutboxMessage, 'message_id' | 'period' | 'credit_code' | 'role' | 'items' | 'digest_items'>,
): { line: DigestItem; kind: 'relief' | 'nearMiss'; policyId: string }[] {
  const lines = JSON.parse(m.digest_items ?? '[]') as DigestItem[];
  const ids = m.items === null ? [] : m.items.split(',');
  const prefix = `${m.period}.${m.credit_code}.${m.role}.`;
  return lines.map((line, i) => {
    const id = ids[i] ?? '';
    const rest = id.startsWith(prefix) ? id.slice(prefix.length) : id;
    const dot = rest.indexOf('.');
    const kind = line.kind ?? rest.slice(0, dot);
    const policyId = line.policy_id ?? rest.slice(dot + 1);
    if ((kind !== 'relief' && kind !== 'nearMiss') || policyId === '') {
      throw new Error(`push_message ${m.message_id}: line ${i + 1} of the digest has no item (items: ${m.items})`);
    }
    return { line, kind, policyId };
  });
}

/** The catalogue's policies by id, for renderMessage. */
export const entriesById = (entries: readonly PushEntry[]): ReadonlyMap<string, PushEntry> => new Map(entries.map((e) => [e.id, e]));
