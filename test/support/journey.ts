import { randomBytes } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { SimulatorScript } from '../../scripts/carrier-simulator/script';
import type { Clock } from '../../scripts/carrier-simulator/simulator';
import { type NotifyConfig, notifyConfigFrom } from '../../activities/notifications/config';
import { temporalRelayWaker } from '../../activities/notifications/waker';
import { temporalReturnStarter } from '../../activities/return-starter';
import { temporalShipmentWatcher } from '../../activities/shipment-watch';
import { loadConfig } from '../../config';
import { addWorkingDays, timeZoneOf } from '../../domain/calendar';
import { DAY_MS } from '../../domain/clock';
import { destinationPlace, endOfDeliveryDayMs } from '../../domain/fulfilment-plan';
import { localDay } from '../../domain/local-time';
import type { FxRates } from '../../domain/money';
import { ids, TASK_QUEUES } from '../../domain/ids';
import { type OrderRequest, OrderRequestSchema, type OrderWorkflowInput } from '../../domain/order';
import { Runtime } from '@temporalio/worker';
import { WorkerLogger } from '../../worker/logger';
import { registerSearchAttributes } from '../../worker/search-attributes';
import { searchAttributes } from '../../workflows/definitions';
import { buildCarriers, type Carriers, type ShipEngineWiring } from '../../carriers/wiring';
import { startColisWorkers } from '../../worker/wiring';
import type { RunningWorkers } from '../../worker/workers';
import type { OrderInput } from '../../workflows/order/types';
import type { orderWorkflowV3 } from '../../workflows/order/workflow';
import { createTestDatabase, type TestDatabase } from './database';
import { JOURNEY_NAMESPACE } from './namespaces';
import { inject } from 'vitest';
import { connectDevServer, createTimeSkippingEnv, testDataConverter } from './temporal';

/**
 * The whole journey on real parts: Temporal's time-skipping server, a private PostgreSQL
 * database, every worker Colis runs, and the carrier simulator (the only stand-in: carriers are
 * outside). The simulator reads the activity's scheduled time, which on the time-skipping server
 * is the skipped clock, so parcels move as days pass in milliseconds.
 */
export interface Journey {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  carriers: Carriers;
  workers: RunningWorkers;
  /**
   * `promiseWorkingDays`: the order is promised by the end of that working day after today at its destination
   * (`harnessPromise`), unless the request carries its own `promisedBy`.
   * `historyEventsPerRun`: continue-as-new much sooner than production does, to test the hand-over.
   * `shopId`: the intake key name the order is placed as (its idempotency key is scoped with it, as intake does).
   */
  placeOrder(request?: Partial<OrderRequest>, options?: PlaceOrderOptions): Promise<WorkflowHandle<typeof orderWorkflowV3>>;
  teardown(): Promise<void>;
}

/** Inside an activity: the server's time for this attempt; elsewhere: the wall clock. */
export const activityClock: Clock = {
  now() {
    try {
      return Context.current().info.currentAttemptScheduledTimestampMs;
    } catch {
      return Date.now();
    }
  },
};

export const DEFAULT_ORDER: OrderRequest = OrderRequestSchema.parse({
  customer: { id: 'CUST-TEST', name: 'Camille Martin', email: 'camille@example.test' },
  shipTo: { name: 'Camille Martin', line1: '12 rue de la République', city: 'Lyon', postalCode: '69002', countryCode: 'FR' },
  lines: [{ sku: 'MUG-CER-350', quantity: 2 }],
  serviceLevel: 'standard',
});

export interface PlaceOrderOptions {
  promiseWorkingDays?: number;
  historyEventsPerRun?: number;
  shopId?: string;
}

/**
 * Far enough that a plain journey keeps it whatever the carrier: never sooner than the ten calendar days the
 * harness promised before it promised in working days.
 */
export const DEFAULT_PROMISE_WORKING_DAYS = 8;

/**
 * The shape of the engine's promise (domain/promise-engine.ts): the last instant of a working day at the
 * destination, in its time zone and calendar, here the `workingDays`-th after the order's local day. A promise to
 * the minute would fall hours before a carrier's delivery on the same day, or after it, by the hour a test runs.
 */
export function harnessPromise(
  nowMs: number,
  shipTo: Pick<OrderRequest['shipTo'], 'countryCode' | 'postalCode'>,
  workingDays: number,
): string {
  const destination = { countryCode: shipTo.countryCode, postalCode: shipTo.postalCode };
  const today = localDay(nowMs, timeZoneOf(destination));
  return new Date(endOfDeliveryDayMs(destination, addWorkingDays(destinationPlace(destination), today, workingDays))).toISOString();
}

export interface JourneyOptions {
  simulatorScript?: SimulatorScript;
  /**
   * `time-skipping` (default): Temporal's test server, days pass instantly while workflows wait.
   * `dev`: the run's real dev server (what `npm start` runs), in its `journey` namespace, with real
   * visibility (list queries, search attributes); time then passes for real, scaled by `timeScale`.
   */
  server?: 'time-skipping' | 'dev';
  /** On the dev server: the test file's own namespace (support/namespaces.ts), `journey` by default. */
  namespace?: string;
  timeScale?: number;
  /** Carrier codes booked through ShipEngine (the contract tests point it at Prism). */
  shipEngine?: ShipEngineWiring;
  /** Exchange rates for quotes in another currency than the order's (COLIS_FX_RATES). */
  fxRates?: FxRates;
  /**
   * Runs the notify queue too (customer mails to the suite's MailDev, shop webhooks), with these
   * settings over the defaults. Off by default: journeys that do not look at mails skip its bundle.
   */
  notify?: boolean | Partial<NotifyConfig>;
  /** Warehouses whose queue no worker serves (an outage nobody declared). */
  unservedWarehouses?: string[];
  /** Where escalations page ops (COLIS_ESCALATION_WEBHOOK_URL); unset, a page is a log line only. */
  escalationWebhookUrl?: string;
}

export async function startJourney(options: JourneyOptions = {}): Promise<Journey> {
  installQuietRuntime();
  const onDevServer = options.server === 'dev';
  const namespace = onDevServer ? (options.namespace ?? JOURNEY_NAMESPACE) : 'default';
  const timeScale = options.timeScale ?? 1;
  const env = onDevServer ? await connectDevServer(namespace) : await createTimeSkippingEnv();
  if (!onDevServer) {
    await registerSearchAttributes(env.connection, namespace, (m) => {
      if (m.startsWith('could not')) throw new Error(m);
    });
  }
  const database = await createTestDatabase(10);
  const carriers = buildCarriers({
    script: options.simulatorScript,
    clock: onDevServer ? undefined : activityClock,
    timeScale,
    ...(options.shipEngine ? { shipEngine: options.shipEngine } : {}),
    ...(options.fxRates ? { fxRates: options.fxRates } : {}),
  });
  const warehouses = (await database.db.warehouse.findMany({ select: { code: true } }))
    .map((w) => w.code)
    .filter((code) => !options.unservedWarehouses?.includes(code));
  const notify = options.notify
    ? { ...notifyConfigFrom(loadConfig({ COLIS_SMTP_URL: inject('smtpUrl') })), ...(options.notify === true ? {} : options.notify) }
    : undefined;
  const workers = await startColisWorkers({
    connection: env.nativeConnection,
    namespace,
    db: database.db,
    carriers,
    queues: { orders: true, carriers: true, warehouses, notify: notify !== undefined },
    dataConverter: testDataConverter,
    returnStarter: temporalReturnStarter(env.client),
    shipmentWatcher: temporalShipmentWatcher(env.client),
    ...(notify ? { customerNotify: notify, waker: temporalRelayWaker(env.client) } : {}),
    ...(options.escalationWebhookUrl ? { notify: { webhookUrl: options.escalationWebhookUrl } } : {}),
  });
  let seq = 0;
  return {
    env,
    database,
    carriers,
    workers,
    async placeOrder(overrides = {}, { promiseWorkingDays = DEFAULT_PROMISE_WORKING_DAYS, historyEventsPerRun, shopId } = {}) {
      seq += 1;
      const orderId = `ORD-T${randomBytes(3).toString('hex').toUpperCase()}${seq}`;
      const request = OrderRequestSchema.parse({ ...DEFAULT_ORDER, ...overrides });
      const now = await env.currentTimeMs();
      const input: OrderInput = {
        orderId,
        idempotencyKey: shopId ? `${shopId}:test-${orderId}` : `test-${orderId}`,
        requestHash: orderId,
        receivedAt: new Date(now).toISOString(),
        promisedBy:
          request.promisedBy ??
          // A demo clock has no business calendar here (the journey stores none): working days pass as scaled days.
          (timeScale === 1
            ? harnessPromise(now, request.shipTo, promiseWorkingDays)
            : new Date(now + (promiseWorkingDays * DAY_MS) / timeScale).toISOString()),
        request,
        timeScale,
        ...(historyEventsPerRun !== undefined ? { historyEventsPerRun } : {}),
      };
      return env.client.workflow.start('orderWorkflowV3', {
        workflowId: ids.orderWorkflowId(orderId),
        taskQueue: TASK_QUEUES.orders,
        args: [input],
        // As intake starts them (api/services/order-starter.ts): searchable from the first second, at no upsert.
        typedSearchAttributes: [
          { key: searchAttributes.orderId, value: orderId },
          { key: searchAttributes.customerId, value: request.customer.id },
          { key: searchAttributes.orderStatus, value: 'received' },
          { key: searchAttributes.promisedBy, value: new Date(input.promisedBy) },
          { key: searchAttributes.escalated, value: false },
        ],
      }) as Promise<WorkflowHandle<typeof orderWorkflowV3>>;
    },
    async teardown() {
      await workers.shutdown();
      carriers.close();
      await env.teardown();
      await database.drop();
    },
  };
}

let runtimeInstalled = false;
/** Worker logs at WARN: a passing run stays readable, a failing one still shows why. */
function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new WorkerLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  } catch {
    // Already installed by another helper in this process.
  }
}

/** An order's workflow input as intake hands it to `recordOrder`: placed through `shop`, promised five days out. */
export function orderInputFor(orderId: string, shop: string, request: Partial<OrderRequest> = {}): OrderWorkflowInput {
  const now = new Date();
  return {
    orderId,
    idempotencyKey: `${shop}:${orderId}`,
    requestHash: `hash-${orderId}`,
    receivedAt: now.toISOString(),
    promisedBy: new Date(now.getTime() + 5 * DAY_MS).toISOString(),
    request: { ...DEFAULT_ORDER, ...request },
    timeScale: 1,
  };
}
