import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Db } from '../../activities/db';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import type { TrackingStatus } from '../../domain/lifecycle';
import { normaliseCarrierEvent } from '../../domain/tracking-codes';

/**
 * A parcel given up as lost turns up after all: the carrier brings it back (late-carrier-returns.ts) or delivers
 * it after its shipment ended. Its carrier claim would then be paid for goods the carrier did not lose.
 */

/**
 * One not filed yet is withdrawn here; one filed or already paid is ops' to settle with the carrier (withdraw it, or
 * pay the money back): its note says so, added to what ops wrote (the carrier's claim reference), once however often
 * the carrier repeats its scan.
 */
export async function settleClaimOfFoundParcel(db: Db, shipmentId: string, why: string): Promise<void> {
  await db.carrierClaim.updateMany({
    where: { shipmentId, status: 'open' },
    data: { status: 'withdrawn', updatedBy: 'colis', note: `${why}: nothing to claim, withdrawn` },
  });
  const words = (status: 'submitted' | 'paid') =>
    status === 'paid'
      ? `${why}: the carrier paid for goods that turned up; the amount is owed back to it`
      : `${why}: withdraw the claim with the carrier, then here`;
  for (const status of ['submitted', 'paid'] as const) {
    const note = words(status);
    await db.$executeRaw`
      UPDATE "CarrierClaim" SET "note" = CASE WHEN "note" IS NULL THEN ${note} ELSE "note" || ' · ' || ${note} END, "updatedAt" = now()
      WHERE "shipmentId" = ${shipmentId} AND "status" = ${status}::"CarrierClaimStatus" AND ("note" IS NULL OR strpos("note", ${note}) = 0)`;
  }
}

/** Whether a carrier scan, read in the tracking model's terms, says `status` (a code no mapping reads says nothing). */
export const scanSays = (status: TrackingStatus) => (event: CarrierTrackingEvent) => {
  const normalised = normaliseCarrierEvent(event);
  return normalised.ok && normalised.event.status === status;
};

/**
 * The carrier delivers a parcel whose shipment ended lost (ops had it re-shipped or refunded): the customer has
 * the goods, so nothing is owed by the carrier. True when the batch was such a delivery (its claim settled), else
 * false: no delivery, or a shipment that did not end lost.
 */
export async function receiveLateDelivery(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  shipmentId: string,
  batch: readonly CarrierTrackingEvent[],
): Promise<boolean> {
  const delivered = batch.find(scanSays('delivered'));
  if (!delivered) return false;
  const shipment = await app.db.shipment.findUnique({ where: { id: shipmentId }, select: { status: true } });
  // Under any of its labels: a parcel re-labelled before it left may travel under the label it was first given.
  if (shipment?.status !== 'lost') return false;
  await settleClaimOfFoundParcel(app.db, shipmentId, `the carrier delivered the parcel after all (${delivered.occurredAt.slice(0, 10)})`);
  log.info({ shipmentId }, 'parcel of a shipment ended lost delivered after all: its claim settled');
  return true;
}
