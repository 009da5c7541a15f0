import { loadBusinessClock } from '../activities/business-clock';
import { type CarrierRegistry, createCarrierRegistry, devWebhookSecret } from '../activities/carriers/registry';
import { ShipEngineCarrier } from '../activities/carriers/shipengine/adapter';
import { shipEngineAddressValidator } from '../activities/carriers/shipengine/address-validator';
import { ShipEngineHttp } from '../activities/carriers/shipengine/http';
import type { Db } from '../activities/db';
import type { Config } from '../config';
import { firstLine, StartupFailure } from '../config/process';
import { type BusinessClock, businessClock } from '../domain/business-clock';
import type { AddressValidator } from '../domain/carrier';
import type { FxRates } from '../domain/money';
import { simulatedAddressValidator } from '../scripts/carrier-simulator/address-rules';
import { CARRIER_CATALOGUE } from '../scripts/carrier-simulator/catalogue';
import type { SimulatorScript } from '../scripts/carrier-simulator/script';
import { CarrierSimulator, type Clock, FileSimulatorStore } from '../scripts/carrier-simulator/simulator';
import type { TransitTruth } from '../scripts/carrier-simulator/transit-truth';

/**
 * The one place that decides which carriers a process talks to, and who checks delivery addresses:
 * the simulator or ShipEngine, from the values the configuration parsed (COLIS_SHIPENGINE_*,
 * COLIS_CARRIER_SECRET_<CODE>, COLIS_SIMULATOR_SCRIPT, COLIS_SIMULATOR_STATE_FILE: config/variables.ts).
 * Workers (worker/wiring.ts), the API (its address check), `npm start` and the tests all build
 * their carriers here, so no entry point depends on another's code.
 */
export interface Carriers extends CarrierRegistry {
  /** Present when the carriers are simulated: for webhook pushes, scripting and inspection. */
  readonly simulator: CarrierSimulator | undefined;
}

export interface CarrierOptions {
  clock?: Clock;
  /** Business seconds per real second, shared with the workflows so scans and timers agree. */
  timeScale?: number;
  /** Scenarios and faults for the simulated carriers (COLIS_SIMULATOR_SCRIPT). */
  script?: SimulatorScript;
  /** Where the simulator keeps its state across restarts; memory only when undefined. */
  stateFile?: string;
  /** Webhook signing secret per carrier code; development secrets for those not given. */
  secrets?: Readonly<Record<string, string>>;
  /** Carrier codes booked through ShipEngine instead of the simulator (COLIS_SHIPENGINE_*). */
  shipEngine?: ShipEngineWiring;
  /** Exchange rates for quotes in another currency than the order's (COLIS_FX_RATES). */
  fxRates?: FxRates;
  /**
   * Whether the simulated carriers sell new labels beside ShipEngine's. By default they do only when no
   * carrier is booked through ShipEngine: a deployment shipping real parcels must never buy a label from
   * a carrier that does not exist. A demo or a test may mix them on purpose.
   */
  simulatedCarriersSell?: boolean;
  /**
   * The deployment's business calendar: with a script that asks for calendar transit (`transit`), parcels are
   * delivered on its working days (the peak-week simulation's ground truth). Required then.
   */
  businessClock?: BusinessClock;
}

export interface ShipEngineWiring {
  apiUrl: string;
  apiKey: string;
  timeoutMs: number;
  /** This process's share of the account's request rate (COLIS_SHIPENGINE_REQUESTS_PER_MINUTE). */
  requestsPerMinute?: number;
  /** Polls of ShipEngine parcels, every this fraction of a stall window (COLIS_SHIPENGINE_POLL_FRACTION); 0.5 by default. */
  pollStallFraction?: number;
  /** Colis carrier code → ShipEngine carrier id. */
  carriers: Readonly<Record<string, string>>;
  /** Colis warehouse code → ShipEngine warehouse id. */
  warehouses: Readonly<Record<string, string>>;
  /** The transport (tests steer the contract mock through it). */
  fetch?: typeof fetch;
}

/** The ShipEngine part of the configuration, or undefined when no carrier is booked through ShipEngine. */
export function shipEngineWiring(config: Config): ShipEngineWiring | undefined {
  if (!config.COLIS_SHIPENGINE_CARRIERS || !config.COLIS_SHIPENGINE_API_KEY) return undefined;
  return {
    apiUrl: config.COLIS_SHIPENGINE_API_URL,
    apiKey: config.COLIS_SHIPENGINE_API_KEY,
    timeoutMs: config.COLIS_SHIPENGINE_TIMEOUT_MS,
    requestsPerMinute: config.COLIS_SHIPENGINE_REQUESTS_PER_MINUTE,
    pollStallFraction: config.COLIS_SHIPENGINE_POLL_FRACTION,
    carriers: config.COLIS_SHIPENGINE_CARRIERS,
    warehouses: config.COLIS_SHIPENGINE_WAREHOUSES ?? {},
  };
}

export function buildShipEngineCarriers(wiring: ShipEngineWiring): ShipEngineCarrier[] {
  const http = new ShipEngineHttp({
    apiUrl: wiring.apiUrl,
    apiKey: wiring.apiKey,
    timeoutMs: wiring.timeoutMs,
    ...(wiring.requestsPerMinute === undefined ? {} : { requestsPerMinute: wiring.requestsPerMinute }),
    ...(wiring.fetch ? { fetch: wiring.fetch } : {}),
  });
  return Object.entries(wiring.carriers).map(
    ([carrierCode, carrierId]) =>
      new ShipEngineCarrier({
        http,
        account: { carrierCode, carrierId },
        warehouses: wiring.warehouses,
        ...(wiring.pollStallFraction === undefined ? {} : { pollStallFraction: wiring.pollStallFraction }),
      }),
  );
}

/**
 * Active warehouses ShipEngine has no ship-from for. Once ShipEngine books the carriers nothing else
 * sells, so every parcel of such a warehouse would wait for ops in a no_carrier escalation: the
 * process says so at start. None without ShipEngine.
 */
export async function warehousesWithoutShipFrom(config: Config, db: Db): Promise<string[]> {
  const wiring = shipEngineWiring(config);
  if (!wiring) return [];
  const active = await db.warehouse.findMany({ where: { active: true }, select: { code: true }, orderBy: { code: 'asc' } });
  return active.map((w) => w.code).filter((code) => !Object.hasOwn(wiring.warehouses, code));
}

/**
 * Who checks delivery addresses at intake and on an address change: ShipEngine when a key is configured,
 * else the simulator's rules. When ShipEngine books the carriers it also asks for the recipient's phone.
 */
export function buildAddressValidator(config: Config, transport?: typeof fetch): AddressValidator {
  if (!config.COLIS_SHIPENGINE_API_KEY) return simulatedAddressValidator;
  return shipEngineAddressValidator(
    new ShipEngineHttp({
      apiUrl: config.COLIS_SHIPENGINE_API_URL,
      apiKey: config.COLIS_SHIPENGINE_API_KEY,
      timeoutMs: config.COLIS_SHIPENGINE_TIMEOUT_MS,
      requestsPerMinute: config.COLIS_SHIPENGINE_REQUESTS_PER_MINUTE,
      // An order waits for its answer: over the account's rate its address is taken as given (unverified) at once.
      maxTurnWaitMs: 250,
      ...(transport ? { fetch: transport } : {}),
    }),
    { shipEngineBooks: config.COLIS_SHIPENGINE_CARRIERS !== undefined },
  );
}

/**
 * The simulator serves every carrier code unless configuration books it through ShipEngine; the
 * simulated carriers keep running either way (their past labels still get scans), but once ShipEngine
 * books any code they sell no new label unless asked to (`simulatedCarriersSell`).
 */
export function buildCarriers(options: CarrierOptions = {}): Carriers {
  const script = options.script ?? {};
  const stateFile = options.stateFile;
  const truth: TransitTruth | undefined = script.transit
    ? { clock: options.businessClock ?? businessClock(options.timeScale ?? 1, Date.now()), delays: script.transit.delays }
    : undefined;
  const simulator = new CarrierSimulator({
    store: stateFile === undefined ? undefined : new FileSimulatorStore(stateFile),
    clock: options.clock,
    timeScale: options.timeScale,
    scenarios: { default: script.default, byCarrier: script.byCarrier, byShipment: script.byShipment, shares: script.shares },
    faults: script.faults,
    faultSeed: script.faultSeed,
    ...(truth ? { truth } : {}),
  });
  const secrets = new Map(
    CARRIER_CATALOGUE.map((carrier) => [carrier.code, options.secrets?.[carrier.code] ?? devWebhookSecret(carrier.code)]),
  );
  const shipEngine = options.shipEngine ? buildShipEngineCarriers(options.shipEngine) : [];
  const booked = new Set(shipEngine.map((carrier) => carrier.code));
  const apis = [...simulator.carriers().filter((carrier) => !booked.has(carrier.code)), ...shipEngine];
  const simulatedSell = options.simulatedCarriersSell ?? booked.size === 0;
  const registry = createCarrierRegistry(apis, {
    secrets,
    ...(simulatedSell ? {} : { selling: booked }),
    ...(options.fxRates ? { fxRates: options.fxRates } : {}),
    close: () => simulator.close(),
  });
  return { ...registry, simulator };
}

/**
 * A process's carriers as its configuration asks for them: `worker/main.ts` and `npm start` both build
 * theirs here. Calendar transit (a simulation's script) delivers on the deployment's business calendar,
 * read from the database so the simulated carriers and the workflows agree on what day it is.
 */
export async function carriersFromConfig(config: Config, db: Db, defaults: { stateFile?: string } = {}): Promise<Carriers> {
  const stateFile = config.COLIS_SIMULATOR_STATE_FILE ?? defaults.stateFile;
  if (stateFile !== undefined) simulatorStateUsable(stateFile);
  return buildCarriers({
    ...(config.COLIS_SIMULATOR_SCRIPT?.transit ? { businessClock: await loadBusinessClock(db, config.COLIS_TIME_SCALE) } : {}),
    timeScale: config.COLIS_TIME_SCALE,
    script: config.COLIS_SIMULATOR_SCRIPT,
    ...(stateFile !== undefined ? { stateFile } : {}),
    secrets: config.carrierSecrets,
    shipEngine: shipEngineWiring(config),
    ...(config.COLIS_FX_RATES ? { fxRates: config.COLIS_FX_RATES } : {}),
  });
}

/**
 * The simulator's state file can be read and saved to: one line naming COLIS_SIMULATOR_STATE_FILE (which moves it, also
 * from `npm start`'s data folder) and what is wrong with the file, where a corrupt one ended the process with a stack
 * trace and one that cannot be written let it start and fail every label it sold.
 */
function simulatorStateUsable(stateFile: string): void {
  const store = new FileSimulatorStore(stateFile);
  try {
    store.load();
    store.checkWritable();
  } catch (error) {
    throw new StartupFailure(`cannot use the carrier simulator state (COLIS_SIMULATOR_STATE_FILE): ${firstLine(error)}`);
  }
}
