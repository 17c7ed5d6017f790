import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { CREDIT_CODE_ALPHABET, creditCodeCheckCharacter, creditCodeProblem, isValidCreditCode, withCheckCharacter } from '../src/model/index.ts';
import { Store } from '../src/store/store.ts';

// Codes printed on the published business licences of two Shenzhen companies.
const PUBLISHED = ['91440300708461136T', '914403001922038216'];

describe('unified social credit code (GB 32100-2015)', () => {
  it('accepts published codes', () => {
    for (const code of PUBLISHED) assert.equal(creditCodeProblem(code), null, code);
  });

  it('rejects every single-character substitution of a valid code', () => {
    // The weights are all non-zero modulo the prime 31, so any one wrong character changes the check sum.
    const code = PUBLISHED[0] as string;
    let rejected = 0;
    for (let i = 0; i < 18; i++) {
      for (const ch of CREDIT_CODE_ALPHABET) {
        if (ch === code[i]) continue;
        const mutated = code.slice(0, i) + ch + code.slice(i + 1);
        assert.equal(isValidCreditCode(mutated), false, mutated);
        rejected++;
      }
    }
    assert.equal(rejected, 18 * 30);
  });

  it('names the problem: length, forbidden character, check character', () => {
    assert.equal(creditCodeProblem('91440300708461136'), 'must be 18 characters, got 17');
    assert.equal(creditCodeProblem('91440300708461136I'), "character 18 'I' is not allowed (digits and capitals except I, O, Z, S, V)");
    assert.equal(creditCodeProblem('9144030070846113ot'), "character 17 'o' is not allowed (digits and capitals except I, O, Z, S, V)");
    assert.equal(creditCodeProblem('91440300708461136A'), "check character is 'A', expected 'T'");
  });

  it('completes 17 characters with the check character', () => {
    assert.equal(withCheckCharacter('91440300708461136'), '91440300708461136T');
    assert.equal(creditCodeCheckCharacter('9144030070846113S'), null);
    assert.throws(() => withCheckCharacter('short'), /cannot compute/);
  });

  describe('the SQL macro gives the same answer as the TypeScript function', () => {
    let store: Store;
    after(() => store?.close());
    it('on 3,000 random valid and invalid codes', async () => {
      store = await Store.open(':memory:', { migrate: false });
      const validish = fc.array(fc.constantFrom(...CREDIT_CODE_ALPHABET), { minLength: 17, maxLength: 17 }).map((cs) => withCheckCharacter(cs.join('')));
      const anyish = fc.string({ unit: fc.constantFrom(...`${CREDIT_CODE_ALPHABET}IOZSVa-`), minLength: 0, maxLength: 20 });
      const codes = fc.sample(
        fc.oneof(
          validish,
          anyish,
          validish.map((c) => c.slice(0, 17) + (c[17] === '0' ? '1' : '0')),
        ),
        { numRuns: 3000, seed: 42 },
      );
      const rows = await store.all<{ code: string; problem: string | null }>(
        `SELECT code, credit_code_problem(code) AS problem FROM unnest(from_json($1, '["VARCHAR"]')) t(code)`,
        [JSON.stringify(codes)],
      );
      assert.equal(rows.length, codes.length);
      let valid = 0;
      for (const r of rows) {
        assert.equal(r.problem, creditCodeProblem(r.code), r.code);
        if (r.problem === null) valid++;
      }
      assert.ok(valid > 500 && valid < 2500, `a real mix of valid (${valid}) and invalid codes`);
    });
  });
});
