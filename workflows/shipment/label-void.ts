import { carrier, summarised } from '../activity-options';
import type { ShipmentJourney } from './shipment';

/**
 * Voids the label in hand unless the carrier already has the parcel; its price comes off the shipment's cost. A
 * carrier that refuses the void (it scanned the label unheard yet, its void window passed) leaves the label bought
 * and its cost counted, said in the timeline: the cancel, the new address or the re-ship that asked goes on.
 */
export async function voidLabel(j: ShipmentJourney, why: string): Promise<void> {
  const current = j.label;
  if (!current || j.dispatched) return;
  const answer = await summarised(carrier.voidLabel, `Void label #${current.attempt} (${why})`, {
    shipmentId: j.input.shipmentId,
    attempt: current.attempt,
  });
  j.saga.drop({ step: 'void label', attempt: current.attempt });
  if (answer.refused === undefined) {
    j.view.shippingCostCents -= current.amountCents;
    j.timeline.note('note', `label ${current.trackingNumber} voided`, why);
  } else {
    j.timeline.note('note', `label ${current.trackingNumber} could not be voided`, `${why}: ${answer.refused}; its cost stays`);
  }
  j.label = undefined;
}
