import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createCarrierQueueActivities, createOrderQueueActivities, createWarehouseQueueActivities } from '../activities';
import type { CarrierRegistry } from '../activities/carriers/registry';
import type { Db } from '../activities/db';
import type { NotifyConfig } from '../activities/escalations';
import { createNotifyActivities } from '../activities/notifications';
import type { NotifyConfig as CustomerNotifyConfig } from '../activities/notifications/config';
import { MailRelay } from '../activities/notifications/mail-relay';
import type { RelayWaker } from '../activities/notifications/outbox';
import type { ReturnStarter } from '../activities/return-starter';
import type { ShipmentWatcher } from '../activities/shipment-watch';
import { WebhookRelay } from '../activities/notifications/webhook-relay';
import type { QueueSelection } from './queue-selection';
import type { DecisionSettings } from '../domain/decision-rules';
import { TASK_QUEUES } from '../domain/ids';
import { LegacyRelayServing } from './legacy-relays';
import { watchStalledRelays } from '../activities/notifications/stalled-relays';
import { cachedWorkflowBundle } from './workflow-bundles';

/**
 * Colis's task queues and the workers that serve them:
 *   colis-orders        order and shipment workflows, and their database activities;
 *   warehouse-<code>    pick slots, picking and packing, one queue per warehouse, so a warehouse
 *                       outage (its worker down) stalls only its own shipments;
 *   colis-carriers      rate quotes, labels, voids and tracking polls;
 *   colis-notify        the deliveries of customer mails and shop webhooks, so a slow mail server or shop
 *                       endpoint ties up only these workers (the relay workflows that schedule them run on
 *                       colis-orders; those a release before started here are served until they move over).
 * A process may serve any subset (`COLIS_WORKER_QUEUES`); run more processes to scale out.
 */

export interface ColisWorkersOptions {
  connection: NativeConnection;
  namespace: string;
  db: Db;
  carriers: CarrierRegistry;
  queues: QueueSelection;
  /** Payload encryption (worker/data-converter.ts): the same on every worker and client. */
  dataConverter: DataConverter;
  notify?: NotifyConfig;
  /** Customer mail and shop webhook settings: required when the selection serves `notify`. */
  customerNotify?: CustomerNotifyConfig;
  /** Wakes the notification relays from the order queue's activities (none: the relays' sweeps find the work). */
  waker?: RelayWaker;
  /** Starts a carrier return's workflow from the order queue's activities (none: the API's sweep starts it). */
  returnStarter?: ReturnStarter;
  /** Waits for shipments an order adopted after an operator's reset (activities/shipment-watch.ts). */
  shipmentWatcher?: ShipmentWatcher;
  decisions?: DecisionSettings;
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Sticky cache size: bounds memory however many shipments are waiting for scans. */
  maxCachedWorkflows?: number;
  /**
   * Whether relays a release before started on the notify queue are still running there
   * (worker/legacy-relays.ts); none given: none are, no workflow worker on that queue.
   */
  relaysLeftOnTheNotifyQueue?: () => Promise<boolean>;
}

export interface RunningWorkers {
  workers: Worker[];
  /** Resolves when every worker has stopped; rejects if one fails. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export { NOTIFY_WORKFLOWS_PATH, WORKFLOWS_PATH } from './workflow-paths';

/**
 * Stopping never hangs: running activities get a few seconds to finish, then are cancelled.
 * Nothing is lost either way; Temporal retries them on the next worker.
 */
const SHUTDOWN = { shutdownGraceTime: '5 seconds', shutdownForceTime: '15 seconds' } as const;

/** The order, shipment and return workflows, bundled once per code version (worker/workflow-bundles.ts). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  return cachedWorkflowBundle('workflows');
}

function notifyWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  return cachedWorkflowBundle('notify');
}

export async function createColisWorkers(options: ColisWorkersOptions): Promise<RunningWorkers> {
  const { connection, namespace, db, carriers, queues, dataConverter } = options;
  const workers: Worker[] = [];
  if (queues.orders) {
    workers.push(
      await Worker.create({
        connection,
        namespace,
        dataConverter,
        taskQueue: TASK_QUEUES.orders,
        workflowBundle: options.workflowBundle ?? (await workflowBundle()),
        activities: createOrderQueueActivities({
          db,
          carriers,
          notify: options.notify,
          waker: options.waker,
          ...(options.returnStarter ? { returnStarter: options.returnStarter } : {}),
          ...(options.shipmentWatcher ? { shipmentWatcher: options.shipmentWatcher } : {}),
          ...(options.decisions ? { decisions: options.decisions } : {}),
        }),
        maxCachedWorkflows: options.maxCachedWorkflows ?? 1000,
        maxConcurrentActivityTaskExecutions: 50,
        ...SHUTDOWN,
      }),
    );
  }
  for (const code of queues.warehouses) {
    workers.push(
      await Worker.create({
        connection,
        namespace,
        dataConverter,
        taskQueue: TASK_QUEUES.warehouse(code),
        activities: createWarehouseQueueActivities({ db }),
        maxConcurrentActivityTaskExecutions: 20,
        ...SHUTDOWN,
      }),
    );
  }
  if (queues.carriers) {
    workers.push(
      await Worker.create({
        connection,
        namespace,
        dataConverter,
        taskQueue: TASK_QUEUES.carriers,
        activities: createCarrierQueueActivities({ db, carriers, ...(options.decisions ? { decisions: options.decisions } : {}) }),
        maxConcurrentActivityTaskExecutions: 50,
        ...SHUTDOWN,
      }),
    );
  }
  let mail: MailRelay | undefined;
  let legacyRelays: LegacyRelayServing | undefined;
  let stalledRelays: { stop(): void } | undefined;
  if (queues.notify) {
    const settings = options.customerNotify;
    if (!settings) throw new Error('the notify queue needs customerNotify settings');
    mail = new MailRelay(db, settings.mail);
    // A relay terminated in Temporal is started again by the worker that delivers its sends, not by the next event.
    if (options.waker) stalledRelays = watchStalledRelays(db, options.waker, (message) => console.warn(`colis worker: ${message}`));
    workers.push(
      await Worker.create({
        connection,
        namespace,
        dataConverter,
        taskQueue: TASK_QUEUES.notify,
        activities: createNotifyActivities({ db, mail, webhooks: new WebhookRelay(db, settings.webhooks) }),
        maxConcurrentActivityTaskExecutions: 20,
        ...SHUTDOWN,
      }),
    );
    if (options.relaysLeftOnTheNotifyQueue) {
      legacyRelays = new LegacyRelayServing(
        options.relaysLeftOnTheNotifyQueue,
        async () =>
          Worker.create({
            connection,
            namespace,
            // Relays are started by clients that encrypt: without the codec every workflow task fails.
            dataConverter,
            taskQueue: TASK_QUEUES.notify,
            workflowBundle: await notifyWorkflowBundle(),
            ...SHUTDOWN,
          }),
        (message) => console.warn(`colis worker: ${message}`),
      );
      await legacyRelays.start();
    }
  }
  const running = Promise.all(workers.map((w) => w.run())).then(() => undefined);
  const done = legacyRelays ? Promise.race([running, legacyRelays.failed]) : running;
  return {
    workers,
    done,
    shutdown: async () => {
      stalledRelays?.stop();
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await legacyRelays?.shutdown();
      await done.catch(() => {});
      mail?.close();
    },
  };
}
