import type { CustomerSettlingDecision } from '../../domain/return-policy';
import { reships, summarised } from '../activity-options';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import type { ShipmentJourney } from './shipment';

/**
 * A parcel the carrier returned to sender is back at the warehouse: its goods are neither lost nor the
 * customer's, they wait for the warehouse's inspection as a customer return's do. True when this parcel's
 * goods take that way: the carrier's final word is `returned_to_sender` (callers ask only for goods that left
 * stock with the parcel: one never handed over still holds reservations, which a refund or cancel releases, and a
 * re-ship consumes first). Shipments that
 * answered before the change replay their old path (README, "Patches in force in every generation"); the
 * patch is asked only of a parcel the carrier returned, so no other history meets it.
 */
export function cameBackToSender(j: ShipmentJourney): boolean {
  return j.tracking.status === 'returned_to_sender' && takesLater(LATER_PATCHES.carrierReturnInspected);
}

/**
 * Opens the carrier return (already received at the shipment's warehouse, no label, no inbound tracking), whose
 * `return-<id>` workflow waits for the inspection: restocked or written off there, once.
 * `settledBy`: ops' answer when it already settled the customer (re-ship, refund, cancel), so the inspection
 * owes no refund; absent when ops let the parcel end, and the inspection tells the shop what is owed.
 */
export async function receiveCarrierReturn(j: ShipmentJourney, settledBy?: CustomerSettlingDecision): Promise<string> {
  const { shipmentId, timeScale } = j.input;
  // The activity starts `return-<id>` on its own, not as a child: the return outlives this shipment by however long
  // the inspection takes (and an abandoned child stalls the time-skipping test server: sdk-typescript#1101).
  const opened = await summarised(reships.openCarrierReturn, `Receive ${shipmentId}'s returned goods at the warehouse for inspection`, {
    shipmentId,
    ...(settledBy ? { customerSettledBy: settledBy } : {}),
    at: new Date().toISOString(),
    timeScale,
  });
  j.timeline.note(
    'note',
    'returned goods received',
    `the carrier brought the parcel back: return ${opened.returnId} waits for the warehouse's inspection (restock or write off)`,
  );
  return opened.returnId;
}
