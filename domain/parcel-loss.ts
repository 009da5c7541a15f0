import type { EscalationReason } from './lifecycle';

/**
 * Why ops gave a parcel up and re-shipped it, as the ledger, the carrier claim and the customer's mail
 * say it. Zod-free: the shipment workflow decides the cause, the re-ship activity records it.
 *
 * Only a carrier that lost or broke the goods owes their value, so only those two causes open a
 * carrier claim. A parcel re-shipped because it is late is still moving: claiming its goods would be a
 * false claim (the carrier would refuse it once it delivers), so none is opened; a parcel the carrier
 * sends back is coming home, so neither is one opened for it.
 */
export const PARCEL_LOSS_CAUSES = ['lost', 'damaged', 'late', 'returned'] as const;
export type ParcelLossCause = (typeof PARCEL_LOSS_CAUSES)[number];

/** The causes a carrier claim is opened for: the carrier's `CarrierClaimReason`. */
export const CLAIM_REASONS = ['lost', 'damaged'] as const;
export type ClaimReason = (typeof CLAIM_REASONS)[number];

export function claimReasonFor(cause: ParcelLossCause): ClaimReason | undefined {
  return cause === 'lost' || cause === 'damaged' ? cause : undefined;
}

/** What the customer and the timeline read of the cause. */
export const PARCEL_LOSS_WORDS: Readonly<Record<ParcelLossCause, string>> = {
  lost: 'lost by the carrier',
  damaged: 'damaged in transit',
  late: 'late in transit',
  returned: 'sent back by the carrier',
};

export const PARCEL_LOSS_WORDS_FR: Readonly<Record<ParcelLossCause, string>> = {
  lost: 'perdu par le transporteur',
  damaged: 'abîmé pendant le transport',
  late: 'en retard chez le transporteur',
  returned: 'renvoyé par le transporteur',
};

/**
 * The cause, from what the carrier said (for a broken parcel, what it said when it broke) and the
 * escalation ops answered "reship" on: the carrier's own word first (a damage report, a loss, a return
 * to sender); else a parcel nobody scanned for the stall window is presumed lost (also when ops answer
 * its late escalation), and one that is only late is late.
 */
export function parcelLossCause(escalation: EscalationReason, trackingStatus: string): ParcelLossCause {
  if (trackingStatus === 'exception') return 'damaged';
  if (trackingStatus === 'lost') return 'lost';
  if (trackingStatus === 'returned_to_sender') return 'returned';
  return escalation === 'late' ? 'late' : 'lost';
}
