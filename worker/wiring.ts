import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { type CarrierRegistry, createCarrierRegistry, devWebhookSecret } from '../activities/carriers/registry';
import type { Db } from '../activities/db';
import type { NotifyConfig } from '../activities/escalations';
import type { NotifyConfig as CustomerNotifyConfig } from '../activities/notifications/config';
import type { RelayWaker } from '../activities/notifications/outbox';
import { type BusinessClock, businessClock } from '../domain/business-clock';
import type { DecisionSettings } from '../domain/decision-rules';
import { CARRIER_CATALOGUE } from '../scripts/carrier-simulator/catalogue';
import { HttpWebhookSink } from '../scripts/carrier-simulator/http-webhook-sink';
import type { SimulatorScript } from '../scripts/carrier-simulator/script';
import { CarrierSimulator, type Clock, FileSimulatorStore } from '../scripts/carrier-simulator/simulator';
import type { TransitTruth } from '../scripts/carrier-simulator/transit-truth';
import { WebhookDispatcher } from '../scripts/carrier-simulator/webhook-dispatcher';
import { ShipEngineCarrier } from '../activities/carriers/shipengine/adapter';
import { shipEngineAddressValidator } from '../activities/carriers/shipengine/address-validator';
import { ShipEngineHttp } from '../activities/carriers/shipengine/http';
import type { AddressValidator } from '../domain/carrier';
import { simulatedAddressValidator } from '../scripts/carrier-simulator/address-rules';
import { type Config, ALL_QUEUES, type QueueChoice } from '../config';
import { createColisWorkers, type QueueSelection, type RunningWorkers, selectQueues } from './workers';

/**
 * The one place that decides which carriers a process talks to and wires them to the workers; used
 * by `worker/main.ts`, `scripts/start.ts` and the test harness alike, with the values their
 * configuration parsed (COLIS_CARRIERS, COLIS_CARRIER_SECRET_<CODE>, COLIS_SIMULATOR_SCRIPT,
 * COLIS_SIMULATOR_STATE_FILE: config/variables.ts).
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

/** Who checks delivery addresses at intake and on an address change: ShipEngine when a key is configured, else the simulator's rules. */
export function buildAddressValidator(config: Config, transport?: typeof fetch): AddressValidator {
  if (!config.COLIS_SHIPENGINE_API_KEY) return simulatedAddressValidator;
  return shipEngineAddressValidator(
    new ShipEngineHttp({
      apiUrl: config.COLIS_SHIPENGINE_API_URL,
      apiKey: config.COLIS_SHIPENGINE_API_KEY,
      timeoutMs: config.COLIS_SHIPENGINE_TIMEOUT_MS,
      ...(transport ? { fetch: transport } : {}),
    }),
  );
}

/**
 * The simulator serves every carrier code unless configuration books it through ShipEngine; the
 * simulated carriers keep running either way (their past labels still get scans).
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
  const registry = createCarrierRegistry(apis, { secrets, close: () => simulator.close() });
  return { ...registry, simulator };
}

export interface ColisWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  db: Db;
  carriers: Carriers;
  /** Which queues to serve (COLIS_WORKER_QUEUES); all by default. A warehouse that is not active is refused. */
  queues?: QueueChoice;
  /** Payload encryption (worker/data-converter.ts): the same on every worker and client. */
  dataConverter: DataConverter;
  notify?: NotifyConfig;
  /** Customer mail and shop webhook settings, for the notify queue. */
  customerNotify?: CustomerNotifyConfig;
  /** Wakes the notification relays after the order queue's activities wrote to the outbox. */
  waker?: RelayWaker;
  /** The decision layer's rules and targets (COLIS_DECISION_RULES, COLIS_PROMISE_CONFIDENCE, COLIS_ON_TIME_TARGET). */
  decisions?: DecisionSettings;
  maxCachedWorkflows?: number;
  /** Where simulated carriers push tracking webhooks (the API); only the process serving the carriers queue pushes. */
  webhookTargetUrl?: string;
}

export interface ColisWorkers extends RunningWorkers {
  queues: QueueSelection;
  /**
   * Starts the simulated carriers' webhook pushes to `baseUrl` (once the API listens); nothing without a
   * simulator or the carriers queue. `shutdown` stops them too; the returned stop is for stopping them first.
   */
  pushWebhooksTo(baseUrl: string): () => Promise<void>;
}

/** Every worker this process serves, plus the simulated carriers' webhook pushes when it serves the carriers queue. */
export async function startColisWorkers(options: ColisWorkerOptions): Promise<ColisWorkers> {
  const { carriers, db } = options;
  const active = (await db.warehouse.findMany({ where: { active: true }, select: { code: true } })).map((w) => w.code);
  // A carrier booked through ShipEngine under a code of its own needs its row to be rate-shopped; until
  // deliveries teach otherwise it is polled (no webhook assumed) and ranks on an average reliability.
  await db.carrier.createMany({
    data: carriers.codes().map((code) => ({ code, name: code, reliability: 0.9, supportsWebhooks: false })),
    skipDuplicates: true,
  });
  const queues: QueueSelection = selectQueues(options.queues ?? ALL_QUEUES, active);
  const workers = await createColisWorkers({
    connection: options.connection,
    namespace: options.namespace,
    db,
    carriers,
    queues,
    dataConverter: options.dataConverter,
    ...(options.notify ? { notify: options.notify } : {}),
    ...(options.customerNotify ? { customerNotify: options.customerNotify } : {}),
    ...(options.waker ? { waker: options.waker } : {}),
    ...(options.decisions ? { decisions: options.decisions } : {}),
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
  });

  let dispatcher: WebhookDispatcher | undefined;
  const stopPushes = async () => {
    const running = dispatcher;
    dispatcher = undefined;
    await running?.stop();
  };
  const pushWebhooksTo = (baseUrl: string) => {
    if (dispatcher || !queues.carriers || !carriers.simulator) return stopPushes;
    dispatcher = new WebhookDispatcher({
      simulator: carriers.simulator,
      sink: new HttpWebhookSink({ baseUrl, secretFor: (code) => carriers.secretFor(code) }),
    });
    dispatcher.start();
    return stopPushes;
  };
  if (options.webhookTargetUrl) pushWebhooksTo(options.webhookTargetUrl);

  return {
    ...workers,
    queues,
    pushWebhooksTo,
    shutdown: async () => {
      await stopPushes();
      await workers.shutdown();
    },
  };
}
