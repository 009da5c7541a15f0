import { isCancellation, log } from '@temporalio/workflow';
import { stock, bookkeeping, summarised } from '../activity-options';
import { ORDER_WORKFLOW_INPUT } from '../../domain/workflow-input-shapes';
import { shieldedFromCancelRequests } from '../shared/cancel-request';
import { requireStartInput } from '../shared/message-guards';
import { rootFailure } from '../shared/failures';
import { type Generation, LATER_PATCHES, takesLater } from '../shared/generation';
import { waitForStock } from './backorder';
import { fulfil } from './fulfilment';
import { answerMessages, takeCancelRequest } from './messages';
import { describeShortages, OrderCancelled, OrderJourney } from './order';
import type { OrderInput, OrderOutcome } from './types';

export type { OrderOutcome } from './types';

/**
 * order-<id>: one customer order from intake to the last parcel delivered (or resolved).
 * record → reserve stock → backorder handling → one child shipment per warehouse → completion.
 * Cancel and address change are updates validated against the order's state.
 */
export async function orderWorkflowV3(input: OrderInput): Promise<OrderOutcome> {
  return runOrder(input, 'v3');
}

/** Orders started before v3 run to their end on the commands they recorded, with v2 shipments (shared/generation.ts). */
export async function orderWorkflowV2(input: OrderInput): Promise<OrderOutcome> {
  return runOrder(input, 'v2');
}

async function runOrder(input: OrderInput, generation: Generation): Promise<OrderOutcome> {
  requireStartInput(`order workflow (${generation})`, ORDER_WORKFLOW_INPUT, input);
  const order = new OrderJourney(input, generation);
  answerMessages(order);
  return shieldedFromCancelRequests(
    () => journey(order),
    () => takeCancelRequest(order),
  );
}

async function journey(order: OrderJourney): Promise<OrderOutcome> {
  const { input } = order;
  try {
    if (!input.carriedOver) {
      if (!(await record(order))) return await order.finish('failed');
      const reservation = await summarised(stock.reserveStock, 'Reserve stock', { orderId: input.orderId });
      order.shortages = reservation.shortages;
      order.held = reservation.held.length;
    }
    if (order.shortages.length > 0 && input.request.backorderPolicy === 'backorder') await waitForStock(order);
    order.stopIfCancelled();
    if (order.held === 0) {
      order.cancelReason = describeShortages(order.shortages, 'nothing in stock');
      throw new OrderCancelled();
    }
    const outcomes = await fulfil(order);
    if (outcomes.every((r) => r.stage === 'cancelled' || r.stage === 'refunded')) {
      const why = order.cancelReason ?? 'every shipment was cancelled or refunded';
      await order.enterStage('cancelled', why);
      // The order's own held-but-unplanned units (none normally; a cancel's leftovers) go back to stock.
      await order.releaseAll(why);
      return await order.finish('cancelled');
    }
    await order.enterStage('completed', `Completed: ${outcomes.map((r) => `${r.shipmentId} ${r.stage.replace(/_/g, ' ')}`).join(', ')}`);
    return await order.finish('completed');
  } catch (error) {
    if (error instanceof OrderCancelled) {
      // Cancelled first, released second: a late reserveStock retry then finds a closed order and reserves nothing.
      await order.enterStage('cancelled', `Cancelled: ${order.cancelReason ?? 'by request'}`);
      await order.releaseAll(order.cancelReason ?? 'cancelled');
      // A question still open on the ops desk (a backorder past its deadline) has no order left to answer for.
      if (order.escalations.isOpen() && takesLater(LATER_PATCHES.cancelClosesEscalations))
        await order.escalations.resolveByFacts(`order cancelled: ${order.cancelReason ?? 'by request'}`);
      return await order.finish('cancelled');
    }
    if (!isCancellation(error)) log.error('order failed', { orderId: input.orderId, error: String(error) });
    throw error;
  }
}

/** Records the order's rows and begins reserving; false when the order names SKUs nobody sells (it fails). */
async function record(order: OrderJourney): Promise<boolean> {
  const { input } = order;
  order.stages.visited('intake', input.receivedAt, new Date().toISOString());
  try {
    await summarised(bookkeeping.recordOrder, `Record order ${input.orderId}`, input);
  } catch (error) {
    const failure = rootFailure(error);
    if (failure?.type !== 'UnknownSku') throw error;
    order.timeline.note('note', 'order refused', failure.message);
    await order.enterStage('failed', `Refused: ${failure.message}`);
    return false;
  }
  await order.enterStage('reserving', 'Reserving stock: one warehouse if one can ship it all, else the fewest shipments');
  return true;
}
