import { type ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type { CarrierQueueActivities, OrderQueueActivities, WarehouseQueueActivities } from '../activity-types';
import { TASK_QUEUES } from '../../domain/ids';

/**
 * Activity options, one set per kind of work, each with the timeouts and retries that kind needs.
 * Business "no"s (domain errors, carrier rejections) are non-retryable failures thrown by the
 * activities themselves; everything else is retried with backoff.
 */

const BUSINESS_FAILURES = ['OutOfStock', 'InvalidAddress', 'NoServiceAvailable', 'UnknownSku', 'OrderStateConflict', 'CarrierRejected'];

/** Database work: quick, retried without limit (a database outage must not fail an order; it waits). */
const DATABASE: ActivityOptions = {
  taskQueue: TASK_QUEUES.orders,
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: BUSINESS_FAILURES },
};

/**
 * Warehouse work runs on the warehouse's own queue. No schedule-to-start limit: while a
 * warehouse is down its shipments wait for it rather than fail; heartbeats catch a dead worker.
 */
const warehouse = (warehouseCode: string): ActivityOptions => ({
  taskQueue: TASK_QUEUES.warehouse(warehouseCode),
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: BUSINESS_FAILURES },
});

/** Rate quotes: a few quick attempts; a carrier that stays down is left out of this rate shop. */
const CARRIER_QUOTE: ActivityOptions = {
  taskQueue: TASK_QUEUES.carriers,
  startToCloseTimeout: '15 seconds',
  retry: {
    initialInterval: '500 ms',
    backoffCoefficient: 2,
    maximumInterval: '5 seconds',
    maximumAttempts: 4,
    nonRetryableErrorTypes: BUSINESS_FAILURES,
  },
};

/**
 * Label purchase, void, tracking polls and the carrier list: retried until they succeed. The carrier
 * list is a database read the journey cannot do without (with a quote's 4 attempts, a 5 s PostgreSQL
 * restart failed shipments in the drill). The purchase carries an idempotency key, so a retry after
 * a timeout returns the label already bought.
 */
const CARRIER_COMMAND: ActivityOptions = {
  taskQueue: TASK_QUEUES.carriers,
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: BUSINESS_FAILURES },
};

export const db = proxyActivities<OrderQueueActivities>(DATABASE);
export const warehouseAt = (warehouseCode: string) => proxyActivities<WarehouseQueueActivities>(warehouse(warehouseCode));
export const carrierQuotes = proxyActivities<Pick<CarrierQueueActivities, 'quoteRates'>>(CARRIER_QUOTE);
export const carrierCommands = proxyActivities<Omit<CarrierQueueActivities, 'quoteRates'>>(CARRIER_COMMAND);

/** Call an activity with a one-line summary shown next to it in the Web UI's event history. */
export function summarised<A extends unknown[], R>(
  fn: { executeWithOptions(options: ActivityOptions, args: A): Promise<R> },
  summary: string,
  ...args: A
): Promise<R> {
  return fn.executeWithOptions({ summary }, args);
}
