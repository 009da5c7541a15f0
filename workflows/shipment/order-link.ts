import { getExternalWorkflowHandle, isCancellation, log, workflowInfo } from '@temporalio/workflow';
import { MILESTONES_FOR_THE_ORDER, type ShipmentMilestone } from '../../domain/milestones';
import { shipmentMilestoneSignal } from '../definitions';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import type { Timeline } from '../shared/timeline';

/**
 * How a shipment tells its order the milestones the order acts on: a signal to its parent. An order terminated in Temporal
 * (the Web UI's Terminate, `temporal workflow terminate`) is gone: its shipments get a cancel request, which one whose
 * parcel the carrier has refuses, and its journey goes on (README, "Cancelling from Temporal itself"). The signal to the
 * gone order then fails, and that failure used to fail the shipment at its next escalation or re-promise: a stuck parcel's
 * escalation left open in the database with no workflow to take ops' answer, the parcel no longer followed. Now the
 * shipment notes it once and goes on alone; it keeps signalling, so an order that ops reset (a new run under the same id,
 * which adopts the shipment) hears the milestones again. Patch `order-gone-shipment-goes-on`: asked only when the signal
 * failed, so a history whose order was never gone never meets the marker; one that failed replays its failure.
 */
export class OrderLink {
  private noted = false;

  constructor(private readonly timeline: Timeline) {}

  async tell(milestone: ShipmentMilestone): Promise<void> {
    const parent = workflowInfo().parent;
    if (!parent || !MILESTONES_FOR_THE_ORDER.has(milestone.kind)) return;
    try {
      await getExternalWorkflowHandle(parent.workflowId).signal(shipmentMilestoneSignal, milestone);
    } catch (error) {
      if (isCancellation(error) || !takesLater(LATER_PATCHES.orderGoneShipmentGoesOn)) throw error;
      log.warn('the order workflow is gone: the shipment goes on alone', { order: parent.workflowId, milestone: milestone.kind });
      if (this.noted) return;
      this.noted = true;
      this.timeline.note(
        'note',
        'order workflow ended',
        `${parent.workflowId} has ended in Temporal (terminated?) and hears nothing more; the shipment goes on alone`,
      );
    }
  }
}
