import type { Db } from '../store/db.ts';
import { wordsOfTaxpayers } from './explain.ts';

/**
 * The words a push message of each item carries, in Chinese, by taxpayer and then policy, from the
 * taxpayer's current facts: what a near miss lacks (the failed conditions the policy's rule needs,
 * the same words as the ✗ lines of `zhishu explain`, with by how much; where the rule has
 * alternatives none of which holds, one phrase saying that any one of them would do, each with what it
 * lacks: explain.ts lackingOf), and for a matched relief the catalogue's notices that hold (a relief
 * had provisionally, for one; a relief with none gets no words). A push plan (push/plan.ts
 * ItemWordsProvider) asks once per batch of taxpayers, and the batch's items are judged together
 * (wordsOfTaxpayers: one facts query, only each rule's trace). Taxpayers without facts for the period
 * get no words, and stderr says which.
 */
export function itemWords(store: Db, lawDir: string, period: string) {
  return async (
    items: readonly { creditCode: string; policyId: string; kind?: 'relief' | 'nearMiss' }[],
  ): Promise<Map<string, Map<string, readonly string[]>>> => {
    const wanted = new Map<string, Map<string, 'relief' | 'nearMiss'>>();
    for (const n of items) wanted.set(n.creditCode, (wanted.get(n.creditCode) ?? new Map()).set(n.policyId, n.kind ?? 'nearMiss'));
    const { words, missing } = await wordsOfTaxpayers(store, { period, wanted, lawDir });
    const out = new Map<string, Map<string, readonly string[]>>();
    for (const [creditCode, policies] of words) out.set(creditCode, new Map([...policies].map(([policy, w]) => [policy, w.zh])));
    if (missing.length > 0) {
      process.stderr.write(
        `some messages are sent without their words (what a near miss lacks, a relief's notices): no facts in ${period} for ${missing.length} taxpayer(s), ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}\n`,
      );
    }
    return out;
  };
}
