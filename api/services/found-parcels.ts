import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Db } from '../../activities/db';
import { withMilestones } from '../../activities/notifications/outbox';
import { temporalRelayWaker } from '../../activities/notifications/waker';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { ids } from '../../domain/ids';
import { ESCALATION_REASON_RULES, type TrackingStatus } from '../../domain/lifecycle';
import type { Milestone } from '../../domain/notifications';
import { normaliseCarrierEvent } from '../../domain/tracking-codes';
import { alertOps } from './ops-alert';

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

/** Shipments given up while their parcel was with the carrier, the customer settled without it: sent again, or refunded. */
const GIVEN_UP = ['lost', 'refunded'] as const;
type GivenUp = (typeof GIVEN_UP)[number];

/**
 * The carrier delivers a parcel whose shipment was given up (ended lost: ops had it sent again; or refunded): the customer
 * holds goods sent twice, or goods refunded, and nothing is owed by the carrier. Its carrier claim is settled, ops get a
 * `delivered_after_all` escalation to settle it with the customer (ask for the extra goods back: `wait`, they come back as
 * a return; or write them off: `cancel`, the customer keeps them), paged for as a journey's escalation, and the shop hears
 * `shipment.delivered` (with `endedAs`), in one transaction with the escalation: once, however often the carrier repeats
 * the scan, and made good by its retry when the API stopped half-way. The delivery itself is in the order's timeline
 * (scans-after-end.ts); the customer's page reads "Delivered after all". True when the batch was such a delivery.
 */
export async function receiveLateDelivery(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  shipmentId: string,
  batch: readonly CarrierTrackingEvent[],
): Promise<boolean> {
  const delivered = batch.find(scanSays('delivered'));
  if (!delivered) return false;
  const shipment = await app.db.shipment.findUnique({
    where: { id: shipmentId },
    select: {
      status: true,
      orderId: true,
      carrierCode: true,
      lines: { select: { skuCode: true, quantity: true }, orderBy: { skuCode: 'asc' } },
    },
  });
  // Under any of its labels: a parcel re-labelled before it left may travel under the label it was first given.
  const endedAs = GIVEN_UP.find((status) => status === shipment?.status);
  if (!shipment || !endedAs) return false;
  const day = delivered.occurredAt.slice(0, 10);
  await settleClaimOfFoundParcel(app.db, shipmentId, `the carrier delivered the parcel after all (${day})`);
  const dedupeKey = `${shipmentId}:delivered_after_all`;
  const parcel = { shipmentId, carrierCode: shipment.carrierCode ?? delivered.carrierCode, trackingNumber: delivered.trackingNumber };
  const detail = await deliveredAfterAllDetail(app.db, { ...parcel, endedAs, day, lines: shipment.lines });
  // The escalation's insert holds its key until this transaction commits: a twin handled at once waits there, inserts
  // nothing, and then finds the shop's event recorded (the outbox is keyed by the milestone's key).
  const opened = await withMilestones(app.db, temporalRelayWaker(app.temporal), async (tx) => {
    const { count } = await tx.escalation.createMany({
      data: [
        {
          id: ids.escalationId(dedupeKey),
          dedupeKey,
          orderId: shipment.orderId,
          shipmentId,
          reason: 'delivered_after_all',
          severity: ESCALATION_REASON_RULES.delivered_after_all.initialSeverity,
          detail,
        },
      ],
      skipDuplicates: true,
    });
    const milestone: Milestone = {
      orderId: shipment.orderId,
      // The shipment's own delivery key: a parcel delivered once is told once, whoever tells it.
      key: `delivered:${shipmentId}`,
      webhook: { type: 'shipment.delivered', data: { ...parcel, deliveredAt: delivered.occurredAt, endedAs } },
    };
    return { result: count === 1, milestones: [milestone] };
  });
  await alertOps(app, dedupeKey);
  if (opened)
    log.warn({ shipmentId, endedAs }, 'given-up parcel delivered after all: claim settled, ops asked to settle it with the customer');
  return true;
}

/** What the escalation tells ops: the parcel, what the customer now holds and why that is owed, and what to do. */
async function deliveredAfterAllDetail(
  db: Db,
  parcel: {
    shipmentId: string;
    carrierCode: string;
    trackingNumber: string;
    endedAs: GivenUp;
    day: string;
    lines: { skuCode: string; quantity: number }[];
  },
): Promise<string> {
  const goods = parcel.lines.map((line) => `${line.quantity} × ${line.skuCode}`).join(', ') || 'its goods';
  let holds: string;
  if (parcel.endedAs === 'refunded') {
    holds = `goods the shop refunded (${goods})`;
  } else {
    const replacements = await db.shipment.findMany({
      where: { replacesShipmentId: parcel.shipmentId },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    holds =
      replacements.length > 0
        ? `its goods twice (${goods}: sent again as ${replacements.map((r) => r.id).join(', ')})`
        : `goods given up as lost (${goods}; no replacement sent yet)`;
  }
  return (
    `parcel ${parcel.trackingNumber} (${parcel.carrierCode}) of shipment ${parcel.shipmentId}, given up as ${parcel.endedAs}, ` +
    `was delivered by the carrier after all on ${parcel.day}: the customer holds ${holds}. Settle it with the customer: ask ` +
    'them to send the extra goods back and close this escalation `wait` (they come back as a return), or write the goods ' +
    'off and close it `cancel` (the customer keeps them).'
  );
}
