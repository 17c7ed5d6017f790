/**
 * Unified social credit code (统一社会信用代码), GB 32100-2015.
 *
 * 18 characters: registration authority (1), entity type (1), administrative
 * division (6), organisation code (9), check character (1). The character set
 * is the digits and the capital letters without I, O, Z, S and V; each
 * character has the value of its index in that set.
 */
export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The check character for the first 17 characters, or null if a character is outside the set. */
export function creditCodeCheckCharacter(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_ALPHABET.indexOf(first17.charAt(i));
    if (value < 0) return null;
    sum += value * (CREDIT_CODE_WEIGHTS[i] as number);
  }
  return CREDIT_CODE_ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/** Why a string is not a valid credit code, or null if it is one. The wording is shared with the SQL macro. */
export function creditCodeProblem(code: string): string | null {
  if (code.length !== 18) return `must be 18 characters, got ${code.length}`;
  for (let i = 0; i < 18; i++) {
    if (!CREDIT_CODE_ALPHABET.includes(code.charAt(i))) {
      return `character ${i + 1} '${code.charAt(i)}' is not allowed (digits and capitals except I, O, Z, S, V)`;
    }
  }
  const expected = creditCodeCheckCharacter(code.slice(0, 17));
  if (expected !== code.charAt(17)) return `check character is '${code.charAt(17)}', expected '${expected}'`;
  return null;
}

export function isValidCreditCode(code: string): boolean {
  return creditCodeProblem(code) === null;
}

/** Completes 17 characters with their check character. */
export function withCheckCharacter(first17: string): string {
  const check = creditCodeCheckCharacter(first17);
  if (check === null) throw new Error(`cannot compute a check character for '${first17}'`);
  return first17 + check;
}
