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

export const SimulatorScriptSchema = z.object({
  default: ScenarioNameSchema.optional(),
  byCarrier: z.record(z.string(), ScenarioNameSchema).optional(),
  byShipment: z.record(z.string(), ScenarioNameSchema).optional(),
  faults: z.record(z.string(), FaultsSchema).optional(),
  faultSeed: z.number().int().optional(),
});
export type SimulatorScript = z.infer<typeof SimulatorScriptSchema>;

export function parseSimulatorScript(raw: string | undefined): SimulatorScript {
  if (raw === undefined || raw.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new Error(`COLIS_SIMULATOR_SCRIPT is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = SimulatorScriptSchema.safeParse(json);
  if (!parsed.success) throw new Error(`COLIS_SIMULATOR_SCRIPT is invalid: ${z.prettifyError(parsed.error)}`);
  // A typo in a carrier code would otherwise script nothing, silently.
  const known = new Set(CARRIER_CATALOGUE.map((carrier) => carrier.code));
  const named = [...Object.keys(parsed.data.byCarrier ?? {}), ...Object.keys(parsed.data.faults ?? {})];
  const unknown = named.filter((code) => !known.has(code));
  if (unknown.length > 0) throw new Error(`COLIS_SIMULATOR_SCRIPT names unknown carriers: ${unknown.join(', ')}`);
  return parsed.data;
}
