import { type ActivityOptions, type LocalActivityOptions, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../domain/errors';
import { TASK_QUEUES } from '../domain/ids';
import type { CarrierQueueActivities, OrderQueueActivities, WarehouseQueueActivities } from './activity-types';

/**
 * The activities the workflows call, one option set per kind of work. Business "no"s (domain errors,
 * carrier refusals) are non-retryable failures thrown by the activities themselves; everything else is
 * retried with backoff, without limit where giving up would fail an order over an outage.
 */

const BUSINESS_FAILURES = [...NON_RETRYABLE_ERROR_TYPES, 'CarrierRejected'];
const UNTIL_IT_WORKS = {
  initialInterval: '500 ms',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: BUSINESS_FAILURES,
};

/**
 * Database bookkeeping the workflow can simply retry: status rows and stage visits, the order's own
 * rows, escalation rows, consumed stock. Local activities: they run inside the workflow task on the
 * orders worker, with no task queue round trip and one history marker each.
 */
const BOOKKEEPING: LocalActivityOptions = { startToCloseTimeout: '15 seconds', retry: UNTIL_IT_WORKS };

/** Stock moves that Temporal should retry and show on their own: reservation and release. */
const STOCK: ActivityOptions = { taskQueue: TASK_QUEUES.orders, startToCloseTimeout: '1 minute', retry: UNTIL_IT_WORKS };

/** Telling people (the escalation webhook): an outside system, retried on its own schedule. */
const ALERTS: ActivityOptions = { taskQueue: TASK_QUEUES.orders, startToCloseTimeout: '30 seconds', retry: UNTIL_IT_WORKS };

/**
 * Warehouse work runs on the warehouse's own queue; heartbeats catch a dead worker. Shipments started
 * before outages were handled have no schedule-to-start limit (they wait for their warehouse); the pick
 * of a later one has one (`serveWithinMs`): a queue that leaves it unserved that long means the
 * warehouse is down, and the shipment moves (workflows/shipment/outage.ts).
 */
const warehouse = (warehouseCode: string, serveWithinMs?: number): ActivityOptions => ({
  taskQueue: TASK_QUEUES.warehouse(warehouseCode),
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { ...UNTIL_IT_WORKS, initialInterval: '1 second', maximumInterval: '1 minute' },
  ...(serveWithinMs !== undefined ? { scheduleToStartTimeout: serveWithinMs } : {}),
});

/** One rate shop asks every carrier in parallel, each with its own attempts (activities/carrier-booking/rate-shop.ts). */
const RATE_SHOP: ActivityOptions = {
  taskQueue: TASK_QUEUES.carriers,
  startToCloseTimeout: '90 seconds',
  heartbeatTimeout: '30 seconds',
  retry: { ...UNTIL_IT_WORKS, initialInterval: '1 second', maximumInterval: '1 minute' },
};

/** Label purchase, void and tracking polls: retried until they succeed; the purchase carries an idempotency key. */
const CARRIER_COMMAND: ActivityOptions = {
  taskQueue: TASK_QUEUES.carriers,
  startToCloseTimeout: '30 seconds',
  retry: { ...UNTIL_IT_WORKS, initialInterval: '1 second', maximumInterval: '1 minute' },
};

/**
 * Waiting for a shipment an order adopted after an operator's reset (workflows/order/adoption.ts): as long
 * as the shipment's journey, which a tracking wait can make weeks; heartbeats catch a dead worker.
 */
const ADOPTED_SHIPMENT: ActivityOptions = {
  taskQueue: TASK_QUEUES.orders,
  startToCloseTimeout: '365 days',
  heartbeatTimeout: '1 minute',
  retry: UNTIL_IT_WORKS,
};

type Bookkeeping = Pick<
  OrderQueueActivities,
  | 'recordOrder'
  | 'planShipments'
  | 'bookPickSlot'
  | 'changeShippingAddress'
  | 'recordOrderStage'
  | 'recordShipmentStage'
  | 'recordTrackingEvents'
  | 'storeScans'
  | 'consumeReservations'
  | 'openEscalation'
  | 'raiseEscalationSeverity'
  | 'closeEscalation'
  | 'chooseCarrierQuote'
  | 'repromiseShipment'
  | 'repromiseBackorder'
  | 'announcePromiseChange'
>;

export const bookkeeping = proxyLocalActivities<Bookkeeping>(BOOKKEEPING);
export const stock =
  proxyActivities<Pick<OrderQueueActivities, 'reserveStock' | 'releaseReservations' | 'reallocateShipment' | 'declareWarehouseDown'>>(
    STOCK,
  );
/**
 * A re-ship's stock and ledger work: the lost parcel written off and claimed, its lines reserved again; a parcel the
 * carrier brought back received for inspection instead.
 */
export const reships =
  proxyActivities<
    Pick<OrderQueueActivities, 'settleLostParcel' | 'reserveReplacement' | 'announceReplacementShortfall' | 'openCarrierReturn'>
  >(STOCK);
export const adoption = proxyActivities<Pick<OrderQueueActivities, 'awaitShipmentOutcome' | 'awaitShipmentResumed'>>(ADOPTED_SHIPMENT);
export const alerts = proxyActivities<Pick<OrderQueueActivities, 'notifyEscalation'>>(ALERTS);
export const warehouseAt = (warehouseCode: string, serveWithinMs?: number) =>
  proxyActivities<Pick<WarehouseQueueActivities, 'releasePickSlot' | 'pickItems' | 'packParcels'>>(warehouse(warehouseCode, serveWithinMs));
export const rateShop = proxyActivities<Pick<CarrierQueueActivities, 'quoteAllCarriers'>>(RATE_SHOP);
export const carrier =
  proxyActivities<Pick<CarrierQueueActivities, 'purchaseLabel' | 'voidLabel' | 'pollTracking' | 'labelTracking'>>(CARRIER_COMMAND);

/** Call an activity with a one-line summary shown next to it in the Web UI's event history. */
export function summarised<A extends unknown[], R>(
  fn: { executeWithOptions(options: { summary: string }, args: A): Promise<R> },
  summary: string,
  ...args: A
): Promise<R> {
  return fn.executeWithOptions({ summary }, args);
}
