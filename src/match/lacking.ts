import type { Db } from '../store/db.ts';
import { lackingOfTaxpayers } from './explain.ts';

/**
 * What each near miss lacks, in Chinese, by taxpayer and then policy: the failed conditions the
 * policy's rule needs, from the taxpayer's current facts (the same words as the ✗ lines of `zhishu
 * explain`), with by how much; where the rule has alternatives none of which holds, one phrase saying
 * that any one of them would do, each with what it lacks (explain.ts lackingOf). A push plan
 * (push/plan.ts LackingProvider) asks once per batch of taxpayers, and the batch's near misses are
 * judged together (lackingOfTaxpayers: one facts query, only each rule's trace). Taxpayers without facts for the period get no words, and
 * stderr says which.
 */
export function nearMissLacking(store: Db, lawDir: string, period: string) {
  return async (nearMisses: readonly { creditCode: string; policyId: string }[]): Promise<Map<string, Map<string, readonly string[]>>> => {
    const wanted = new Map<string, Set<string>>();
    for (const n of nearMisses) wanted.set(n.creditCode, (wanted.get(n.creditCode) ?? new Set()).add(n.policyId));
    const { lacking, missing } = await lackingOfTaxpayers(store, { period, wanted, lawDir });
    const out = new Map<string, Map<string, readonly string[]>>();
    for (const [creditCode, policies] of lacking) out.set(creditCode, new Map([...policies].map(([policy, words]) => [policy, words.zh])));
    if (missing.length > 0) {
      process.stderr.write(
        `some near misses are sent without what they lack: no facts in ${period} for ${missing.length} taxpayer(s), ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}\n`,
      );
    }
    return out;
  };
}
