import type { FinalShipmentStage } from '../../domain/lifecycle';
import { PARCEL_LOSS_WORDS, parcelLossCause } from '../../domain/parcel-loss';
import { bookkeeping, reships, summarised } from '../activity-options';
import type { Answered } from '../shared/escalation-owner';
import { PATCHES } from '../shared/generation';
import { voidLabel } from './label-void';
import { cameBackToSender, receiveCarrierReturn } from './carrier-return';
import type { ShipmentJourney } from './shipment';

/**
 * v2 histories recorded before a re-ship re-fulfilled re-booked a label for the same parcel in the same
 * shipment; they replay that way (README, "Upgrading a running system").
 */
export const reshipRefulfils = (j: ShipmentJourney): boolean => j.takes(PATCHES.reshipRefulfils);

/**
 * Ops decided to re-ship a lost, damaged or late parcel: this shipment ends as lost, its goods written off
 * (claimed back from the carrier when it lost or broke them: domain/parcel-loss.ts), and the order
 * re-fulfils its lines as a replacement shipment (reserved again, picked, packed, booked and tracked like
 * any other; order/replacement.ts). A parcel the carrier brought back is not written off: its goods wait
 * at the warehouse for inspection (carrier-return.ts); the replacement is sent all the same.
 */
export async function giveUpParcel(j: ShipmentJourney, { view }: Answered): Promise<FinalShipmentStage> {
  const { shipmentId } = j.input;
  // A label the carrier never scanned is still refundable; the goods packed under it are gone all the same.
  await voidLabel(j, 'reship');
  if (!j.dispatched) await bookkeeping.consumeReservations({ shipmentId });
  j.saga.clear();
  if (cameBackToSender(j)) {
    const returnId = await receiveCarrierReturn(j, 'reship');
    j.timeline.note(
      'note',
      'parcel given up: re-shipped',
      `${view.reason} escalation answered "reship" (${PARCEL_LOSS_WORDS.returned}); goods back for inspection in return ${returnId}, nothing written off or claimed`,
    );
    j.replacement = { reason: PARCEL_LOSS_WORDS.returned, cause: 'returned' };
    return 'lost';
  }
  // What the carrier said when the parcel broke (it may have scanned it moving since), and a late parcel that also
  // stalled is no longer only late.
  const reported = view.reason === 'broken' ? (j.watch.brokenEscalatedFor ?? j.tracking.status) : j.tracking.status;
  const cause = parcelLossCause(view.reason === 'late' && j.escalations.isOpen('stuck') ? 'stuck' : view.reason, reported);
  const settled = await summarised(reships.settleLostParcel, `Write off ${shipmentId}'s goods, claim them from the carrier`, {
    shipmentId,
    damaged: cause === 'damaged',
    cause,
  });
  j.timeline.note(
    'note',
    'parcel given up: re-shipped',
    `${view.reason} escalation answered "reship" (${PARCEL_LOSS_WORDS[cause]}); goods written off` +
      (settled.claimId ? `, carrier claim ${settled.claimId} opened` : ', no carrier claim (the carrier neither lost nor broke them)'),
  );
  j.replacement = { reason: PARCEL_LOSS_WORDS[cause], cause };
  return 'lost';
}
