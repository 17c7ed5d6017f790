import { createHash } from 'node:crypto';
import type { CatalogueEntry } from '../law/catalogue.ts';
import type { CHANNELS, ROLES } from '../model/enums.ts';

export type Role = (typeof ROLES)[number];
export type Channel = (typeof CHANNELS)[number];
export type MessageKind = 'relief' | 'nearMiss' | 'digest';
export type MessageStatus = 'planned' | 'sending' | 'sent' | 'failed' | 'skipped';

/** What planning needs of a catalogue entry (a narrow view, so the push part does not depend on the rest). */
export type PushEntry = Pick<CatalogueEntry, 'id' | 'kind' | 'title' | 'category' | 'notify'>;

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
  deadline: string;
  channel: Channel;
  recipient: string;
  subject: string;
  body: string;
  status: MessageStatus;
  scheduled_at: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
};

export const ROLE_ZH: Record<Role, string> = { legalRepresentative: '法定代表人', financeOfficer: '财务负责人', taxHandler: '办税人员' };
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

/** A digest is named by what it holds: the same items give the same digest, other items another one. */
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
  const yuan = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${yuan}.${(abs % 100n).toString().padStart(2, '0')}`;
}

export interface ItemText {
  kind: 'relief' | 'nearMiss';
  entry: PushEntry;
  benefitFen: bigint | null;
  deadline: string;
  /** Near miss: the conditions not yet met, in words. */
  lacking: readonly string[] | null;
}

export interface Addressee {
  taxpayerName: string;
  creditCode: string;
  personName: string;
  role: Role;
  periodZh: string;
}

// The words of the messages. The planner writes them set-wise in SQL (sql/plan.sql, section
// `insert`); singleText and digestText are their specification, and test/push.test.ts holds the
// SQL to them, so a change of wording is made in both places.
const SUBJECT_PREFIX = '【智数·政策提醒】';

function footer(id: string): string {
  return `本提醒由智数政策机器人根据税务机关掌握的数据自动发出，仅供参考，以申报时的实际情况为准。\n消息编号：${id}`;
}

const titleLine = (e: PushEntry) => `${e.title.zh}（${e.title.en}）`;
const benefitText = (fen: bigint | null) => (fen === null ? '暂无法估算' : `约 ${formatYuan(fen)} 元`);

export function singleText(id: string, to: Addressee, item: ItemText): { subject: string; body: string } {
  const greeting = `${to.personName}（${to.taxpayerName}${ROLE_ZH[to.role]}）您好：`;
  const facts = [
    `政策：${item.entry.title.zh}`,
    `Policy: ${item.entry.title.en}`,
    `税费种类：${CATEGORY_ZH[item.entry.category] ?? item.entry.category}`,
    `所属期：${to.periodZh}`,
  ];
  if (item.kind === 'relief') {
    return {
      subject: `${SUBJECT_PREFIX}可享受：${titleLine(item.entry)}`,
      body: [
        greeting,
        '',
        `根据税务机关掌握的数据，贵单位（统一社会信用代码 ${to.creditCode}）${to.periodZh}符合以下税费优惠政策的条件，请在申报时享受。`,
        '',
        ...facts,
        `预计减免：${benefitText(item.benefitFen)}`,
        `申报期限：${item.deadline}（请在此之前完成申报）`,
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
      `申报期限：${item.deadline}`,
      '',
      footer(id),
    ].join('\n'),
  };
}

export function digestText(id: string, to: Addressee, items: readonly ItemText[]): { subject: string; body: string } {
  const lines = items.map((it, i) => {
    const head = `${i + 1}. ${it.kind === 'relief' ? '可享受' : '差一点符合'}：${titleLine(it.entry)}`;
    const detail =
      it.kind === 'relief'
        ? `   预计减免：${benefitText(it.benefitFen)}；申报期限：${it.deadline}`
        : `   ${it.lacking && it.lacking.length > 0 ? `尚未满足：${it.lacking.join('；')}` : '尚未满足的条件请登录智数查看'}；申报期限：${it.deadline}`;
    return `${head}\n${detail}`;
  });
  return {
    subject: `${SUBJECT_PREFIX}${to.periodZh}共 ${items.length} 项税费政策提醒`,
    body: [
      `${to.personName}（${to.taxpayerName}${ROLE_ZH[to.role]}）您好：`,
      '',
      `根据税务机关掌握的数据，贵单位（统一社会信用代码 ${to.creditCode}）${to.periodZh}有以下税费优惠政策值得关注。为免打扰，我们把它们合并在这一条消息中：`,
      '',
      ...lines,
      '',
      footer(id),
    ].join('\n'),
  };
}
