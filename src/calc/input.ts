import { z } from 'zod';
import { type Fen, MoneyError, parseYuan } from './money.ts';

/** An amount in yuan, written as a decimal string ("1234.56"), read into fen. */
export function yuan(opts: { min?: 'zero' | 'any' } = {}) {
  return z
    .string({ error: 'must be an amount in yuan written as a decimal string, e.g. "1234.56"' })
    .meta({ format: 'yuan' })
    .transform((s, ctx): Fen => {
      try {
        const fen = parseYuan(s);
        if ((opts.min ?? 'zero') === 'zero' && fen < 0) {
          ctx.addIssue({ code: 'custom', message: `must not be negative (got ${s})` });
          return z.NEVER;
        }
        return fen;
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: e instanceof MoneyError ? e.message : String(e) });
        return z.NEVER;
      }
    });
}

/** An amount in yuan that may be left out (then 0). */
export const optionalYuan = () => yuan().default(0);

/** A whole number ≥ 0 (people, children, months). */
export const count = () => z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must not be negative').max(1_000_000_000);

export const vatStatus = z.enum(['general', 'smallScale']).describe('VAT status: general taxpayer (一般纳税人) or small-scale taxpayer (小规模纳税人)');
export const taxpayerKind = z.enum(['enterprise', 'individualBusiness']).describe('enterprise, or individual business (个体工商户)');
/** Where the taxpayer is located, for the urban maintenance and construction tax rate. */
export const location = z
  .enum(['city', 'county', 'other'])
  .describe('where the taxpayer is located: city district (市区), county town or town (县城、镇), elsewhere; sets the urban construction tax rate');

/** What decides the "six taxes and two fees" halving. */
export const taxpayerProfile = z
  .object({
    vatStatus,
    kind: taxpayerKind.default('enterprise'),
    smallLowProfit: z.boolean().default(false).describe('a small low-profit enterprise (小型微利企业)'),
  })
  .strict()
  .describe('what decides the six-taxes-two-fees halving');
export type TaxpayerProfile = z.infer<typeof taxpayerProfile>;
