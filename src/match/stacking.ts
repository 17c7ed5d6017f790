import type { CatalogueEntry } from '../law/catalogue.ts';
import { type Dec, parseDec, roundDec } from '../rules/formula.ts';

/**
 * Reliefs that do not stack (不得叠加享受, the catalogue's `exclusiveGroup`): which of a taxpayer's
 * results of one group it would take. The same order as the push plan (src/push/sql/plan.sql,
 * section not_stacked): by estimate, a missing one as -0.01 yuan, then by the catalogue's groupRank,
 * then by id. The ledger (src/ledger/sql/build.sql) orders the same way, but weighs the reliefs with
 * a reduction code and those without apart.
 */
export interface Weighed {
  entry: Pick<CatalogueEntry, 'id' | 'exclusiveGroup' | 'groupRank'>;
  status: string;
  /** The estimated benefit for the quarter, yuan; null when unknown. */
  benefit: string | null;
}

/** A formula's yuan, as whole fen: compared exactly. */
const toFen = (yuan: string): bigint => roundDec(parseDec(yuan) as Dec, 2).v;
/** What a relief is worth, in fen: a missing estimate as -0.01 yuan. */
export const fen = (x: Weighed): bigint => (x.benefit === null ? -1n : toFen(x.benefit));
/** Its rank in its group: a missing one last. */
export const rank = (x: Weighed): number => x.entry.groupRank ?? Number.MAX_SAFE_INTEGER;

/** Of two reliefs of one group, the one worth more first. */
export function worthMore(a: Weighed, b: Weighed): number {
  const [fa, fb] = [fen(a), fen(b)];
  if (fa !== fb) return fa > fb ? -1 : 1;
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  return a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0;
}

/** The other matched reliefs of its group, in `all` (the taxpayer's results of one quarter). */
export function matchedPeers(self: Weighed, all: readonly Weighed[]): Weighed[] {
  const group = self.entry.exclusiveGroup;
  if (!group) return [];
  return all.filter((o) => o.entry.id !== self.entry.id && o.entry.exclusiveGroup === group && o.status === 'matched');
}

/**
 * The relief of its group the taxpayer would take instead of this one, or null. A matched relief
 * yields to a matched one worth more (a tie: the better rank, then the smaller id); a near miss to
 * the most valuable matched one that is known to be worth as much, or, neither estimated, is ranked
 * better: meeting it would gain nothing.
 */
export function takenInstead(self: Weighed, all: readonly Weighed[]): Weighed | null {
  const peers = matchedPeers(self, all);
  if (peers.length === 0) return null;
  if (self.status === 'matched') {
    const best = [self, ...peers].sort(worthMore)[0] as Weighed;
    return best === self ? null : best;
  }
  if (self.status !== 'nearMiss') return null;
  const covering = peers
    .filter((o) => (o.benefit !== null && self.benefit !== null ? fen(o) >= fen(self) : o.benefit === null && self.benefit === null && rank(o) < rank(self)))
    .sort(worthMore);
  return covering[0] ?? null;
}
