import { z } from 'zod';

/**
 * Open questions of the law, made explicit. Each default is the conservative reading: the one that
 * never tells a taxpayer it owes less than it may. A request can override them; the result echoes
 * the settings it was computed with. docs/calculator.md explains each.
 */
export const settingsSchema = z
  .object({
    vat2026ExactThresholdExempt: z
      .boolean()
      .default(false)
      .describe('2026+: are sales of exactly 100,000 a month (300,000 a quarter) exempt? The VAT Law\'s "未达到起征点" says no.'),
    vat2026RealEstateCarveOut: z
      .boolean()
      .default(false)
      .describe('2026+: are real-property sales still left out when testing the small-scale line? Restatement unconfirmed.'),
    vat2026AdditionalDeduction: z
      .boolean()
      .default(false)
      .describe('2026+: does the input-tax additional deduction (加计抵减) continue? Only a secondary source says so.'),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});
