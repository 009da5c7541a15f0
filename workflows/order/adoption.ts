import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { type ChildWorkflowHandle, getExternalWorkflowHandle } from '@temporalio/workflow';
import { watchShipment } from './shipment-watch';
import type { TerminatedAnswer } from '../shipment/types';
import type { shipmentWorkflowV2 } from '../shipment/workflow';
import type { OrderJourney } from './order';
import { reachableChild } from './reset-children';

/** What the order needs of a shipment it waits for: its id, its signals, its outcome. */
export type ShipmentChild = Pick<ChildWorkflowHandle<typeof shipmentWorkflowV2>, 'workflowId' | 'signal' | 'result'>;

/**
 * Starts a shipment, or adopts it when an earlier run of this order started it: an operator who resets an
 * order (`temporal workflow reset`, the Web UI's Reset) to a point before its shipments started gets a new
 * run whose start finds them still running, or finished. Temporal keeps them (a reset does not apply the
 * parent-close policy), with the stock, pick slot and label they hold; starting them again would fail the
 * order, and a second journey would pick and label the parcel twice. The adopted shipment is signalled by
 * its id like a child (its milestones reach this run: they are sent to the order's id) and its outcome is
 * awaited through an activity (activities/shipment-watch.ts). Never taken by a run that was not reset.
 */
export async function startOrAdopt(o: OrderJourney, workflowId: string, start: () => Promise<ShipmentChild>): Promise<ShipmentChild> {
  try {
    // Started by this run, or kept by Temporal through a reset to a point after its start (order/reset-children.ts).
    return reachableChild(await start());
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    o.timeline.note(
      'note',
      'shipment adopted',
      `${workflowId} was started by an earlier run of this order (a reset): waited for, not started again`,
    );
    return adoptedShipment(workflowId);
  }
}

/**
 * A shipment this run did not start (or whose child handle ended with a termination): signalled by id, awaited by an
 * activity. A termination is reported to the order (terminated-shipment.ts) unless the order already knows of it.
 */
export function adoptedShipment(
  workflowId: string,
  summary = `Wait for ${workflowId}, started before a reset`,
  whenTerminated: TerminatedAnswer = 'report',
): ShipmentChild {
  const external = getExternalWorkflowHandle(workflowId);
  return {
    workflowId,
    signal: (def, ...args) => external.signal(def, ...args),
    result: () => watchShipment(summary, { workflowId, whenTerminated, reportDeleted: true }),
  };
}
