import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { type CarrierRegistry, createCarrierRegistry, devWebhookSecret } from '../activities/carriers/registry';
import type { Db } from '../activities/db';
import type { NotifyConfig } from '../activities/escalations';
import { CARRIER_CATALOGUE } from '../scripts/carrier-simulator/catalogue';
import { HttpWebhookSink } from '../scripts/carrier-simulator/http-webhook-sink';
import type { SimulatorScript } from '../scripts/carrier-simulator/script';
import { CarrierSimulator, type Clock, FileSimulatorStore } from '../scripts/carrier-simulator/simulator';
import { WebhookDispatcher } from '../scripts/carrier-simulator/webhook-dispatcher';
import { ALL_QUEUES, type QueueChoice } from '../config';
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
}

/** The simulator is the only carrier backend so far (COLIS_CARRIERS accepts nothing else). */
export function buildCarriers(options: CarrierOptions = {}): Carriers {
  const script = options.script ?? {};
  const stateFile = options.stateFile;
  const simulator = new CarrierSimulator({
    store: stateFile === undefined ? undefined : new FileSimulatorStore(stateFile),
    clock: options.clock,
    timeScale: options.timeScale,
    scenarios: { default: script.default, byCarrier: script.byCarrier, byShipment: script.byShipment },
    faults: script.faults,
    faultSeed: script.faultSeed,
  });
  const secrets = new Map(
    CARRIER_CATALOGUE.map((carrier) => [carrier.code, options.secrets?.[carrier.code] ?? devWebhookSecret(carrier.code)]),
  );
  const registry = createCarrierRegistry(simulator.carriers(), { secrets, close: () => simulator.close() });
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
  const queues: QueueSelection = selectQueues(options.queues ?? ALL_QUEUES, active);
  const workers = await createColisWorkers({
    connection: options.connection,
    namespace: options.namespace,
    db,
    carriers,
    queues,
    dataConverter: options.dataConverter,
    ...(options.notify ? { notify: options.notify } : {}),
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
