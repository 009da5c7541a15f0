import type { NativeConnection } from '@temporalio/worker';
import { type CarrierRegistry, carrierWebhookSecret, createCarrierRegistry } from '../activities/carriers/registry';
import type { Db } from '../activities/db';
import type { NotifyConfig } from '../activities/escalations';
import { CARRIER_CATALOGUE } from '../scripts/carrier-simulator/catalogue';
import { HttpWebhookSink } from '../scripts/carrier-simulator/http-webhook-sink';
import { parseSimulatorScript } from '../scripts/carrier-simulator/script';
import { CarrierSimulator, type Clock, FileSimulatorStore } from '../scripts/carrier-simulator/simulator';
import { WebhookDispatcher } from '../scripts/carrier-simulator/webhook-dispatcher';
import { createColisWorkers, parseQueueSelection, type QueueSelection, type RunningWorkers } from './workers';

/**
 * The one place that decides which carriers a process talks to and wires them to the workers; used
 * by `worker/main.ts`, `scripts/start.ts` and the test harness alike.
 *
 *   COLIS_CARRIERS               carrier backend: `simulator` (the default, and the only one so far)
 *   COLIS_CARRIER_SECRET_<CODE>  webhook signing secret per carrier, e.g. COLIS_CARRIER_SECRET_SWIFTPOST
 *   COLIS_SIMULATOR_SCRIPT       optional JSON: scenarios and faults for demos (scripts/carrier-simulator/script.ts)
 *   COLIS_SIMULATOR_STATE_FILE   optional JSON file keeping the simulated carriers' labels across
 *                                restarts (the `stateFile` option wins); without either, state is in memory
 */

type Env = Record<string, string | undefined>;

export interface Carriers extends CarrierRegistry {
  /** Present when the carriers are simulated: for webhook pushes, scripting and inspection. */
  readonly simulator: CarrierSimulator | undefined;
}

export interface CarrierOptions {
  env?: Env;
  clock?: Clock;
  /** Business seconds per real second, shared with the workflows so scans and timers agree. */
  timeScale?: number;
  /** Where the simulator keeps its state across restarts; defaults to COLIS_SIMULATOR_STATE_FILE, else memory only. */
  stateFile?: string;
}

export function buildCarriers(options: CarrierOptions = {}): Carriers {
  const env = options.env ?? process.env;
  const backend = env.COLIS_CARRIERS ?? 'simulator';
  if (backend !== 'simulator') throw new Error(`COLIS_CARRIERS=${backend} is not supported; the only carrier backend is "simulator"`);

  const script = parseSimulatorScript(env.COLIS_SIMULATOR_SCRIPT);
  const stateFile = options.stateFile ?? (env.COLIS_SIMULATOR_STATE_FILE?.trim() || undefined);
  const simulator = new CarrierSimulator({
    store: stateFile === undefined ? undefined : new FileSimulatorStore(stateFile),
    clock: options.clock,
    timeScale: options.timeScale,
    scenarios: { default: script.default, byCarrier: script.byCarrier, byShipment: script.byShipment },
    faults: script.faults,
    faultSeed: script.faultSeed,
  });
  // Resolved once, so a missing production secret fails at start-up, not at the first webhook.
  const secrets = new Map(CARRIER_CATALOGUE.map((carrier) => [carrier.code, carrierWebhookSecret(carrier.code, env)]));
  const registry = createCarrierRegistry(simulator.carriers(), { secrets, close: () => simulator.close() });
  return { ...registry, simulator };
}

export interface ColisWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  db: Db;
  carriers: Carriers;
  /** Explicit queues (tests), else `COLIS_WORKER_QUEUES` syntax over the active warehouses (all by default). */
  queues?: QueueSelection;
  queueSelection?: string;
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
  const queues =
    options.queues ??
    parseQueueSelection(
      options.queueSelection,
      (await db.warehouse.findMany({ where: { active: true }, select: { code: true } })).map((w) => w.code),
    );
  const workers = await createColisWorkers({
    connection: options.connection,
    namespace: options.namespace,
    db,
    carriers,
    queues,
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
