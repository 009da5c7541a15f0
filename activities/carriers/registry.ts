import { z } from 'zod';
import type { CarrierApi, CarrierCode } from '../../domain/carrier';
import { CARRIER_CATALOGUE } from '../../scripts/carrier-simulator/catalogue';
import { CARRIER_OPERATIONS } from '../../scripts/carrier-simulator/faults';
import { SCENARIOS } from '../../scripts/carrier-simulator/scenarios';
import { CarrierSimulator, FileSimulatorStore, type Clock } from '../../scripts/carrier-simulator/simulator';

/**
 * The carriers this process talks to, built from configuration, and the webhook secret shared with
 * each. Today the only backend is the simulator (`COLIS_CARRIERS=simulator`); a real carrier
 * adapter would be added here and nowhere else.
 *
 *   COLIS_CARRIERS               carrier backend; only `simulator` for now (the default)
 *   COLIS_CARRIER_SECRET_<CODE>  webhook signing secret per carrier, e.g. COLIS_CARRIER_SECRET_SWIFTPOST
 *   COLIS_SIMULATOR_SCRIPT       optional JSON: scenarios and faults for demos, see SimulatorScriptSchema
 *   COLIS_SIMULATOR_STATE_FILE   optional JSON file keeping the simulated carriers' labels across
 *                                restarts (the `stateFile` option wins); without either, state is in memory
 */

type Env = Record<string, string | undefined>;

const ScenarioNameSchema = z.enum(SCENARIOS);
const FaultsSchema = z.object({
  errorRate: z.number().min(0).max(1).optional(),
  timeoutRate: z.number().min(0).max(1).optional(),
  timeoutMs: z.number().int().positive().optional(),
  latencyMs: z.number().int().nonnegative().optional(),
  operations: z.array(z.enum(CARRIER_OPERATIONS)).optional(),
});

/** e.g. {"byCarrier":{"ecoroute":"stall"},"faults":{"swiftpost":{"errorRate":0.2}}} */
export const SimulatorScriptSchema = z.object({
  default: ScenarioNameSchema.optional(),
  byCarrier: z.record(z.string(), ScenarioNameSchema).optional(),
  byShipment: z.record(z.string(), ScenarioNameSchema).optional(),
  faults: z.record(z.string(), FaultsSchema).optional(),
  faultSeed: z.number().int().optional(),
});
export type SimulatorScript = z.infer<typeof SimulatorScriptSchema>;

export function carrierSecretEnvName(carrierCode: CarrierCode): string {
  return `COLIS_CARRIER_SECRET_${carrierCode.toUpperCase()}`;
}

/**
 * The secret that signs `carrierCode`'s webhooks. Development gets a predictable default so the
 * simulator and the API agree without setup; production must set it, or a guessable secret would
 * let anyone post tracking events.
 */
export function carrierWebhookSecret(carrierCode: CarrierCode, env: Env = process.env): string {
  const configured = env[carrierSecretEnvName(carrierCode)];
  if (configured) return configured;
  if (env.NODE_ENV === 'production') throw new Error(`${carrierSecretEnvName(carrierCode)} must be set in production`);
  return `dev-webhook-secret-${carrierCode}`;
}

export interface CarrierRegistry {
  get(carrierCode: CarrierCode): CarrierApi;
  all(): CarrierApi[];
  codes(): CarrierCode[];
  secretFor(carrierCode: CarrierCode): string;
  /** Present when the carriers are simulated: for webhook dispatch, scripting and inspection. */
  simulator: CarrierSimulator | undefined;
  close(): void;
}

export interface CarrierRegistryOptions {
  env?: Env;
  clock?: Clock;
  /** Business seconds per real second, shared with the workflows so scans and timers agree. */
  timeScale?: number;
  /** Where the simulator keeps its state across restarts; defaults to COLIS_SIMULATOR_STATE_FILE, else memory only. */
  stateFile?: string;
}

export function buildCarrierRegistry(options: CarrierRegistryOptions = {}): CarrierRegistry {
  const env = options.env ?? process.env;
  const backend = env.COLIS_CARRIERS ?? 'simulator';
  if (backend !== 'simulator') throw new Error(`COLIS_CARRIERS=${backend} is not supported; the only carrier backend is "simulator"`);

  const script = parseScript(env.COLIS_SIMULATOR_SCRIPT);
  const stateFile = options.stateFile ?? (env.COLIS_SIMULATOR_STATE_FILE?.trim() || undefined);
  const simulator = new CarrierSimulator({
    store: stateFile === undefined ? undefined : new FileSimulatorStore(stateFile),
    clock: options.clock,
    timeScale: options.timeScale,
    scenarios: { default: script.default, byCarrier: script.byCarrier, byShipment: script.byShipment },
    faults: script.faults,
    faultSeed: script.faultSeed,
  });
  const apis = new Map(simulator.carriers().map((api) => [api.code, api]));
  // Resolved once, so a missing production secret fails at start-up, not at the first webhook.
  const secrets = new Map(CARRIER_CATALOGUE.map((carrier) => [carrier.code, carrierWebhookSecret(carrier.code, env)]));

  return {
    get(carrierCode) {
      const api = apis.get(carrierCode);
      if (!api) throw new Error(`no carrier ${carrierCode} is configured`);
      return api;
    },
    all: () => [...apis.values()],
    codes: () => [...apis.keys()],
    secretFor(carrierCode) {
      const secret = secrets.get(carrierCode);
      if (secret === undefined) throw new Error(`no webhook secret for unknown carrier ${carrierCode}`);
      return secret;
    },
    simulator,
    close: () => simulator.close(),
  };
}

function parseScript(raw: string | undefined): SimulatorScript {
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
