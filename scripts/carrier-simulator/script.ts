import { z } from 'zod';
import { CARRIER_CATALOGUE } from './catalogue';
import { CARRIER_OPERATIONS } from './faults';
import { SCENARIOS } from './scenarios';

/**
 * What a demo or a drill scripts into the simulated carriers (`COLIS_SIMULATOR_SCRIPT`): scenarios
 * per carrier, per shipment or by default, and faults per carrier.
 * e.g. {"byCarrier":{"ecoroute":"stall"},"faults":{"swiftpost":{"errorRate":0.2}}}
 */

const ScenarioNameSchema = z.enum(SCENARIOS);
const FaultsSchema = z.object({
  errorRate: z.number().min(0).max(1).optional(),
  timeoutRate: z.number().min(0).max(1).optional(),
  timeoutMs: z.number().int().positive().optional(),
  latencyMs: z.number().int().nonnegative().optional(),
  operations: z.array(z.enum(CARRIER_OPERATIONS)).optional(),
});

const KNOWN_CARRIERS = new Set<string>(CARRIER_CATALOGUE.map((carrier) => carrier.code));
// A typo in a carrier code would otherwise script nothing, silently.
const byKnownCarrier = <T extends z.ZodType>(value: T) =>
  z.record(z.string(), value).refine((byCode) => Object.keys(byCode).every((code) => KNOWN_CARRIERS.has(code)), {
    message: `names a carrier that does not exist (known: ${[...KNOWN_CARRIERS].join(', ')})`,
  });

/** Parsed once with the rest of the configuration (config/variables.ts); unknown keys are typos, refused. */
export const SimulatorScriptSchema = z.strictObject({
  default: ScenarioNameSchema.optional(),
  byCarrier: byKnownCarrier(ScenarioNameSchema).optional(),
  byShipment: z.record(z.string(), ScenarioNameSchema).optional(),
  faults: byKnownCarrier(FaultsSchema).optional(),
  faultSeed: z.number().int().optional(),
  /** Shares of labels playing a scenario, e.g. {"stall":0.05}. */
  shares: z.partialRecord(ScenarioNameSchema, z.number().min(0).max(1)).optional(),
  /**
   * Calendar mode (transit-truth.ts): parcels delivered on working days of the deployment's business calendar,
   * each named carrier late against its quote by P(delay = 0, 1, 2… working days), e.g. {"delays":{"ecoroute":[0.4,0.4,0.2]}}.
   */
  transit: z.strictObject({ delays: byKnownCarrier(z.array(z.number().min(0)).min(1)) }).optional(),
});
export type SimulatorScript = z.infer<typeof SimulatorScriptSchema>;
