import { z } from 'zod';
import { calculate } from '../../calc/calculate.ts';
import { CALCULATIONS } from '../../calc/registry.ts';
import type { ApiContext, ZodApi } from '../context.ts';
import { errors, title } from '../schemas.ts';

export function registerCalc(api: ZodApi, ctx: ApiContext): void {
  // The calculations and their input schemas do not change while the server runs.
  const list = [...CALCULATIONS.values()].map((c) => ({
    name: c.name,
    title: c.title,
    description: c.description,
    periodKinds: [...c.periodKinds],
    inputs: z.toJSONSchema(c.inputs, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
    example: c.example,
  }));

  api.get(
    '/api/calc/calculations',
    {
      schema: {
        tags: ['calculator'],
        summary: 'The calculations of the tax and fee calculator, each with the JSON Schema of its inputs and an example request',
        response: {
          200: z.object({
            items: z.array(
              z.object({
                name: z.string(),
                title,
                description: z.string(),
                periodKinds: z.array(z.string()),
                inputs: z.record(z.string(), z.unknown()),
                example: z.object({ period: z.string(), inputs: z.record(z.string(), z.unknown()) }),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async () => ({ items: list }),
  );

  api.post(
    '/api/calc',
    {
      schema: {
        tags: ['calculator'],
        summary: 'Runs one calculation: the same JSON contract as `zhishu calc` (docs/calculator.md); every line explained with its law',
        // The calculator validates the request itself and names the field it refuses; the schema
        // here only documents the envelope.
        body: z
          .object({
            calculation: z.unknown().describe('the name of a calculation, e.g. "vat.smallScale"'),
            period: z.unknown().describe('e.g. "2026-Q1", "2026-03" or 2026, as the calculation takes'),
            inputs: z.unknown().describe('the calculation’s input fields (GET /api/calc/calculations gives their schema)'),
            settings: z.unknown().optional().describe('the open legal questions, e.g. { "vat2026ExactThresholdExempt": true }'),
          })
          .partial()
          .loose(),
        response: { 200: z.record(z.string(), z.unknown()), ...errors },
      },
    },
    async (req) => calculate(req.body, ctx.lawDir) as unknown as Record<string, unknown>,
  );
}
