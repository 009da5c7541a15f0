import { type ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type { CarrierQueueActivities, OrderQueueActivities } from '../activity-types';
import { NON_RETRYABLE_ERROR_TYPES } from '../../domain/errors';
import { TASK_QUEUES } from '../../domain/ids';
import type { EscalationActivities } from '../shared/escalation-owner';

/**
 * The activities a return calls: database work on the orders queue, carrier calls on the carriers
 * queue, both retried until they work (an outage delays a return, never fails it); business "no"s are
 * non-retryable failures the activities throw themselves.
 */

const UNTIL_IT_WORKS = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES, 'CarrierRejected'],
};

const DATABASE: ActivityOptions = { taskQueue: TASK_QUEUES.orders, startToCloseTimeout: '30 seconds', retry: UNTIL_IT_WORKS };
const CARRIER: ActivityOptions = { taskQueue: TASK_QUEUES.carriers, startToCloseTimeout: '30 seconds', retry: UNTIL_IT_WORKS };

export const returnsDb =
  proxyActivities<
    Pick<
      OrderQueueActivities,
      | 'loadReturn'
      | 'advanceReturn'
      | 'recordReturnScans'
      | 'settleReturn'
      | 'ordersAwaitingReturnedStock'
      | 'receiveReturnAfterClose'
      | 'openEscalation'
      | 'raiseEscalationSeverity'
      | 'closeEscalation'
      | 'notifyEscalation'
    >
  >(DATABASE);

export const returnCarrier = proxyActivities<Pick<CarrierQueueActivities, 'buyReturnLabel' | 'voidReturnLabel' | 'pollTracking'>>(CARRIER);

/** A return's escalation rows and alerts are activities on the orders queue (as first recorded: histories replay them). */
export const RETURN_ESCALATION_ACTIVITIES: EscalationActivities = {
  openEscalation: (input) => returnsDb.openEscalation(input),
  raiseEscalationSeverity: (input) => returnsDb.raiseEscalationSeverity(input),
  closeEscalation: (input) => returnsDb.closeEscalation(input),
  notifyEscalation: (input) => returnsDb.notifyEscalation(input),
};
