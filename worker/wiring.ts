import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import type { Db } from '../activities/db';
import type { NotifyConfig } from '../activities/escalations';
import type { NotifyConfig as CustomerNotifyConfig } from '../activities/notifications/config';
import type { RelayWaker } from '../activities/notifications/outbox';
import { temporalRelayWaker } from '../activities/notifications/waker';
import { type ReturnStarter, temporalReturnStarter } from '../activities/return-starter';
import { type ShipmentWatcher, temporalShipmentWatcher } from '../activities/shipment-watch';
import { decisionSettingsOf } from '../api/config';
import type { Carriers } from '../carriers/wiring';
import { ALL_QUEUES, type Config, type QueueChoice } from '../config';
import type { DecisionSettings } from '../domain/decision-rules';
import { HttpWebhookSink } from '../scripts/carrier-simulator/http-webhook-sink';
import { WebhookDispatcher } from '../scripts/carrier-simulator/webhook-dispatcher';
import { relaysLeftOnTheNotifyQueue } from './legacy-relays';
import { type QueueSelection, selectQueues } from './queue-selection';
import { createColisWorkers, type RunningWorkers } from './workers';

/**
 * Wires the carriers a process talks to (built once in `carriers/wiring.ts`) to the workers it
 * serves; used by `worker/main.ts`, `scripts/start.ts` and the test harness alike.
 */

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
  /** Starts a carrier return's workflow from the order queue's activities (none: the API's sweep starts it). */
  returnStarter?: ReturnStarter;
  /** Waits for shipments an order adopted after an operator's reset (activities/shipment-watch.ts). */
  shipmentWatcher?: ShipmentWatcher;
  /** The decision layer's rules and targets (COLIS_DECISION_RULES, COLIS_PROMISE_CONFIDENCE, COLIS_ON_TIME_TARGET). */
  decisions?: DecisionSettings;
  maxCachedWorkflows?: number;
  /** Where simulated carriers push tracking webhooks (the API); only the process serving the carriers queue pushes. */
  webhookTargetUrl?: string;
  /** Whether relays of the release before still run on the notify queue (worker/legacy-relays.ts). */
  relaysLeftOnTheNotifyQueue?: () => Promise<boolean>;
}

/** What a process has built before its workers: its connection, database, carriers and the client its activities start workflows with. */
export interface WorkerParts {
  connection: NativeConnection;
  namespace: string;
  db: Db;
  carriers: Carriers;
  dataConverter: DataConverter;
  /** A client on the worker's connection: wakes notification relays and starts carrier returns. */
  client: Client;
  customerNotify: CustomerNotifyConfig;
}

/**
 * The workers' options as the configuration asks for them, the same for `worker/main.ts` and `npm start`.
 * Webhook pushes are left to the caller: a worker process pushes to COLIS_WEBHOOK_TARGET_URL from the
 * start, `npm start` to its own API once it listens.
 */
export function workerOptionsFromConfig(config: Config, parts: WorkerParts): ColisWorkerOptions & { waker: RelayWaker } {
  const { client, ...built } = parts;
  return {
    ...built,
    queues: config.COLIS_WORKER_QUEUES,
    notify: { webhookUrl: config.COLIS_ESCALATION_WEBHOOK_URL },
    decisions: decisionSettingsOf(config),
    maxCachedWorkflows: config.COLIS_MAX_CACHED_WORKFLOWS,
    waker: temporalRelayWaker(client),
    returnStarter: temporalReturnStarter(client),
    shipmentWatcher: temporalShipmentWatcher(client),
    relaysLeftOnTheNotifyQueue: relaysLeftOnTheNotifyQueue(client, built.db),
  };
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
    ...(options.returnStarter ? { returnStarter: options.returnStarter } : {}),
    ...(options.shipmentWatcher ? { shipmentWatcher: options.shipmentWatcher } : {}),
    ...(options.decisions ? { decisions: options.decisions } : {}),
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    ...(options.relaysLeftOnTheNotifyQueue ? { relaysLeftOnTheNotifyQueue: options.relaysLeftOnTheNotifyQueue } : {}),
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
