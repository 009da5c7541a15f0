import { ApplicationFailure } from '@temporalio/common';
import { ANSWERED_IN_THE_DATABASE, isFinalShipmentStage } from '../domain/lifecycle';
import { PARCEL_LOSS_WORDS, type ParcelLossCause, parcelLossCause } from '../domain/parcel-loss';
import type { ShipmentOutcome } from '../workflows/shipment/types';
import type { Tx } from './inventory';

/**
 * A shipment whose journey has ended: what its run returned, as its row keeps it. The first step of a shipment
 * journey (the pick slot's booking, or the pick of a slot booked with the plan) answers it instead of doing its work
 * when a run starts on a shipment that has ended already: only a reset to before that step (`temporal workflow reset
 * --type FirstWorkflowTask`, the Web UI's Reset) starts one. Its run then ends at once with this outcome, instead of
 * replaying the journey against the database (the row's status written back to `in_transit`, escalations paging ops
 * for a parcel delivered or given up long ago). Histories recorded before never carry it: they replay as they ran.
 */
export type EndedShipment = Omit<ShipmentOutcome, 'shipmentId'>;

/**
 * The shipment's outcome when it has ended: its row's status is final and no escalation of its own workflow is open.
 * A final status with one open is a journey still waiting for ops (a parcel the carrier reported lost or sent back,
 * which a later scan or ops' answer moves on): that run is not over, so its shipment is not ended. Escalations a
 * return's workflow opened, and those no workflow follows (`left_after_cancel`, `delivered_after_all`: answered in the database), are not
 * the shipment workflow's and do not keep it open. A shipment without a row is refused (`unknownShipment`).
 */
export async function endedShipment(db: Tx, shipmentId: string): Promise<EndedShipment | undefined> {
  const row = await db.shipment.findUnique({
    where: { id: shipmentId },
    select: { status: true, packagingCostCents: true, shippingCostCents: true, promiseMiss: true, fastestCostCents: true },
  });
  if (!row) throw unknownShipment(shipmentId);
  if (!isFinalShipmentStage(row.status)) return undefined;
  const escalations = await db.escalation.findMany({
    where: { shipmentId, returnId: null, reason: { notIn: [...ANSWERED_IN_THE_DATABASE] } },
    select: { status: true, reason: true, decision: true, resolvedAt: true },
  });
  if (escalations.some((e) => e.status === 'open')) return undefined;
  const stage = row.status;
  const ended: EndedShipment = {
    stage,
    packagingCostCents: row.packagingCostCents,
    shippingCostCents: row.shippingCostCents,
    promiseMiss: row.promiseMiss,
    savingCents: row.fastestCostCents === null ? 0 : Math.max(0, row.fastestCostCents - row.shippingCostCents),
  };
  const lastDecision = escalations
    .filter((e) => e.decision !== null && e.resolvedAt !== null)
    .sort((a, b) => (a.resolvedAt?.getTime() ?? 0) - (b.resolvedAt?.getTime() ?? 0))
    .at(-1);
  // Only a re-ship that gave the parcel up ends it lost (workflows/shipment/reship.ts); one that re-booked it in the same
  // shipment (v2 histories) went on, and a later "wait" on a lost parcel is the decision that ended it.
  if (stage !== 'lost' || lastDecision?.decision !== 'reship') return ended;
  const cause = await lossCause(db, shipmentId, lastDecision.reason);
  return { ...ended, reshipped: { reason: PARCEL_LOSS_WORDS[cause], cause } };
}

/** The cause the re-ship recorded: its carrier claim's, else as the workflow judged it from the carrier's last word. */
async function lossCause(db: Tx, shipmentId: string, escalationReason: Parameters<typeof parcelLossCause>[0]): Promise<ParcelLossCause> {
  const claim = await db.carrierClaim.findUnique({ where: { shipmentId }, select: { reason: true } });
  if (claim) return claim.reason;
  const lastScan = await db.trackingEvent.findFirst({ where: { shipmentId }, orderBy: { occurredAt: 'desc' }, select: { status: true } });
  return parcelLossCause(escalationReason, lastScan?.status ?? 'in_transit');
}

/**
 * A journey's first step for a shipment no order planned: its row is written before its workflow starts (the order's
 * plan, a re-ship), so a run without one was started by hand (`temporal workflow start` with a made-up id). Retried, its
 * first step failed for ever; refused, the run fails at once, naming it.
 */
export function unknownShipment(shipmentId: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `shipment ${shipmentId} does not exist: no order planned it, so no journey runs for it`,
    'UnknownShipment',
  );
}

/** The answer of a journey's first step for a shipment that has ended (`endedShipment`): nothing done, nothing written. */
export interface AlreadyEnded {
  alreadyEnded: EndedShipment;
}

/** `endedShipment` as a first step's answer, or undefined to do the step's work. */
export async function alreadyEnded(db: Tx, shipmentId: string): Promise<AlreadyEnded | undefined> {
  const ended = await endedShipment(db, shipmentId);
  return ended ? { alreadyEnded: ended } : undefined;
}
