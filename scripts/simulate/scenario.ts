import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MAX_QUANTITY_PER_LINE } from '../../domain/order';
import { addressIssues } from '../../domain/order-rules';
import { SKUS } from '../../prisma/seed-data/skus';
import { WAREHOUSE_CODES } from '../../prisma/seed-data/warehouses';
import { SimulatorScriptSchema } from '../carrier-simulator/script';

/**
 * A simulation scenario, as a JSON file (`npm run simulate -- --scenario file.json`): when the week starts,
 * how many orders arrive each day and of what, where they go, what the carriers really do (faults, stalls,
 * true transit against their quotes), which warehouses go down when, and the seed every draw derives from.
 * Other scenarios run without code changes.
 */

const Weighted = <T extends z.ZodRawShape>(shape: T) => z.strictObject({ ...shape, weight: z.number().positive() });

/**
 * A run's stack is seeded with the network and catalogue of prisma/seed-data: a warehouse or SKU outside them, or a
 * size no run could finish, would only fail after minutes of start-up (or never finish), so the file is refused first.
 */
const KNOWN_WAREHOUSES = new Set<string>(WAREHOUSE_CODES);
const KNOWN_SKUS = new Set(SKUS.map((sku) => sku.code));
const MAX_DAYS = 366;
const MAX_ORDERS_PER_DAY = 100_000;
const knownWarehouse = z.string().refine((code) => KNOWN_WAREHOUSES.has(code), {
  message: `is not a warehouse of the seeded network (${WAREHOUSE_CODES.join(', ')})`,
});

/** A refusal of what the caller gave (a scenario, an option): said in one line, no stack trace. */
export class SimulationInputError extends Error {
  override readonly name = 'SimulationInputError';
}

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1),
  seed: z.number().int(),
  /** The Monday (or any day) the business calendar starts on, YYYY-MM-DD, midnight in Paris. */
  startDay: z.iso.date(),
  /** Business seconds per real second. */
  timeScale: z.number().min(1),
  /** Orders per day, one entry per simulated day (the peak is a day with ten times the baseline). */
  ordersPerDay: z.array(z.number().int().nonnegative().max(MAX_ORDERS_PER_DAY)).min(1).max(MAX_DAYS),
  /** Local hours (Paris) orders arrive between, uniformly. */
  orderHours: z.tuple([z.number().min(0).max(24), z.number().min(0).max(24)]).default([7, 22]),
  /** Business days after the last demand day the run waits for the last deliveries. */
  tailDays: z.number().positive().max(60).default(6),
  skus: z
    .array(
      Weighted({
        sku: z.string().refine((code) => KNOWN_SKUS.has(code), { message: 'is not a SKU of the seeded catalogue' }),
        maxQuantity: z.number().int().positive().max(MAX_QUANTITY_PER_LINE).default(1),
      }),
    )
    .min(1),
  /** How many different SKUs an order holds at most (drawn 1…maxLines). */
  maxLines: z.number().int().positive().default(2),
  /** Where orders go: each an address intake accepts (a country, its postal code format), or every order to it is refused. */
  destinations: z
    .array(
      Weighted({
        city: z.string().trim().min(1),
        postalCode: z.string().trim().min(1),
        countryCode: z.string().regex(/^[A-Z]{2}$/, 'is an ISO 3166-1 alpha-2 code such as "FR"'),
        line1: z.string().trim().min(1).default('1 rue de la Gare'),
      }).superRefine((destination, context) => {
        for (const issue of addressIssues(destination, [])) context.addIssue({ code: 'custom', ...issue });
      }),
    )
    .min(1),
  serviceLevels: z
    .strictObject({ economy: z.number().min(0), standard: z.number().min(0), express: z.number().min(0) })
    .refine((levels) => levels.economy + levels.standard + levels.express > 0, { message: 'needs one level with a positive weight' }),
  /** The carriers' side: faults, scenario shares (stalls), true transit (calendar mode). */
  carriers: SimulatorScriptSchema,
  /** Warehouses down from one business instant to another (ops mark them down; their queue stops being served). */
  outages: z
    .array(
      z
        .strictObject({
          warehouseCode: knownWarehouse,
          fromDay: z.number().nonnegative().max(MAX_DAYS),
          toDay: z.number().positive().max(MAX_DAYS),
          reason: z.string().default('outage'),
        })
        .refine((outage) => outage.fromDay < outage.toDay, { message: 'must be after fromDay', path: ['toDay'] }),
    )
    .default([]),
  /** Overrides per warehouse (daily pick capacity), to make a peak press on capacity. */
  warehouses: z.record(knownWarehouse, z.strictObject({ dailyCapacity: z.number().int().positive().optional() })).default({}),
  /**
   * The shop's targets under the promise rules (COLIS_PROMISE_CONFIDENCE, COLIS_ON_TIME_TARGET); unset, the
   * product's defaults. `--promise-confidence` and `--on-time-target` override them for one run.
   */
  targets: z
    .strictObject({ promiseConfidence: z.number().gt(0).lt(1).optional(), onTimeTarget: z.number().gt(0).lt(1).optional() })
    .default({}),
  /** Extra units added to every seeded stock level, so a peak does not turn into backorders only. */
  extraStock: z.number().int().nonnegative().default(0),
});
export type Scenario = z.infer<typeof ScenarioSchema>;

export function loadScenario(path: string): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SimulationInputError(`cannot read scenario ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = ScenarioSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SimulationInputError(`scenario ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
