import type { LineShortage } from '../domain/inventory';
import { ids } from '../domain/ids';
import { claimReasonFor, PARCEL_LOSS_WORDS, type ParcelLossCause } from '../domain/parcel-loss';
import type { Milestone } from '../domain/notifications';
import type { CostContext } from './cost-allocation';
import type { Db } from './db';
import { asActivity } from './failures';
import { allocateLocked, holdAllocation, lockOrder, type Tx } from './inventory';
import { noRelayWaker, type RelayWaker, withMilestones } from './notifications/outbox';
import type { PlannedShipmentView } from './shipment-planning';

/**
 * A re-ship that re-fulfils, on the database side: the lost (or damaged) parcel's goods are written off
 * and claimed back from its carrier, and the same lines are reserved again as new shipments, planned in
 * one transaction under the order's lock like every stock change of the order. Each call may run twice
 * or concurrently with itself and still changes the ledger once: movements, claims and replacement
 * shipments all carry keys derived from the lost shipment's id.
 */

export interface LostParcelSettlement {
  /** Units written off by this call; a retry of a completed settlement writes off nothing. */
  writtenOff: number;
  /** The claim against the carrier, when the carrier had the parcel and lost or broke it. */
  claimId?: string;
}

export interface LostParcel {
  shipmentId: string;
  /** Histories recorded before `cause` existed send only this: damaged, else lost. */
  damaged: boolean;
  /** Why the parcel was given up (domain/parcel-loss.ts): only lost and damaged goods are claimed. */
  cause?: ParcelLossCause;
}

export interface ReplacementPlan {
  /** The replacement shipments, one per warehouse; none while the goods are short (the replacement waits). */
  planned: PlannedShipmentView[];
  shortages: LineShortage[];
}

export const claimIdFor = (shipmentId: string) => `claim-${shipmentId}`;

/**
 * `costsFor`: under the promise rules, what a replacement's allocation weighs (activities/cost-allocation.ts,
 * against the intake promise); absent (the baseline rules), the customer's country first, then the lowest code.
 */
export function createReshipActivities(
  db: Db,
  waker: RelayWaker = noRelayWaker,
  costsFor: (orderId: string) => Promise<CostContext | undefined> = async () => undefined,
) {
  return {
    /**
     * Writes the given-up parcel's goods off (they left stock when the carrier took them; the movement records
     * why they will not come back) and, when the carrier lost or broke them, opens a claim for their value.
     */
    async settleLostParcel({ shipmentId, damaged, cause = damaged ? 'damaged' : 'lost' }: LostParcel): Promise<LostParcelSettlement> {
      return asActivity(() => db.$transaction((tx) => settleLostParcelIn(tx, shipmentId, cause)));
    },

    /**
     * Reserves the lost shipment's lines again, wherever the allocation finds them (another warehouse,
     * several), and plans them as replacement shipments; all or nothing, so a short replacement waits
     * whole for a restock, unless ops chose to ship what is in stock (`shipAvailable`: the rest is
     * short-shipped). The customer and the shop hear of the re-ship once, at the first call.
     */
    async reserveReplacement({
      orderId,
      lostShipmentId,
      reason,
      cause,
      shipAvailable = false,
    }: {
      orderId: string;
      lostShipmentId: string;
      /** In English, as the timeline says it; `cause` lets each mail say it in its own language. */
      reason: string;
      cause?: ParcelLossCause;
      shipAvailable?: boolean;
    }): Promise<ReplacementPlan> {
      return asActivity(async () => {
        // Read before the transaction: it holds its locks on one pooled connection and must not wait for a second.
        const costs = await costsFor(orderId);
        return withMilestones(db, waker, async (tx) => {
          await lockOrder(tx, orderId);
          const lost = await tx.shipment.findUniqueOrThrow({ where: { id: lostShipmentId }, include: { lines: true } });
          const plan = await planReplacement(tx, orderId, lost, shipAvailable, costs);
          return { result: plan, milestones: [reshippedMilestone(orderId, lost, plan, reason, cause)] };
        });
      });
    },

    /**
     * Goods a re-ship will not send after all are owed to the customer: the shop hears `refund.due` for
     * them, once per lost parcel. `shortages`: the units ops short-shipped (`ship_available`); absent, every
     * unit of the lost parcel (ops called the replacement off, or nothing was in stock to send).
     */
    async announceReplacementShortfall({
      orderId,
      lostShipmentId,
      shortages,
    }: {
      orderId: string;
      lostShipmentId: string;
      shortages?: LineShortage[];
    }): Promise<{ amountCents: number }> {
      return asActivity(() =>
        withMilestones(db, waker, async (tx) => {
          const lost = await tx.shipment.findUniqueOrThrow({
            where: { id: lostShipmentId },
            include: { lines: { include: { orderLine: { include: { sku: { select: { unitPriceCents: true, currency: true } } } } } } },
          });
          const { amountCents, milestones } = shortfallMilestone(orderId, lost, shortages);
          return { result: { amountCents }, milestones };
        }),
      );
    },
  };
}

export type ReshipActivities = ReturnType<typeof createReshipActivities>;

type LostShipment = { id: string; orderId: string; promisedBy: Date; lines: { orderLineId: string; skuCode: string; quantity: number }[] };

/** The write-off (once per line) and, when the carrier lost or broke the parcel, its claim (once per shipment). */
async function settleLostParcelIn(tx: Tx, shipmentId: string, cause: ParcelLossCause): Promise<LostParcelSettlement> {
  const shipment = await tx.shipment.findUniqueOrThrow({
    where: { id: shipmentId },
    include: { lines: { include: { orderLine: { include: { sku: { select: { unitPriceCents: true, currency: true } } } } } } },
  });
  const why = `${PARCEL_LOSS_WORDS[cause]}${shipment.trackingNumber ? ` (${shipment.carrierCode} ${shipment.trackingNumber})` : ''}: re-shipped`;
  const { count } = await tx.inventoryMovement.createMany({
    data: shipment.lines.map((line) => ({
      warehouseCode: shipment.warehouseCode,
      skuCode: line.skuCode,
      kind: 'write_off' as const,
      // The goods left on-hand with the parcel (its `ship` movement): nothing is left to count down.
      onHandDelta: 0,
      reservedDelta: 0,
      orderId: shipment.orderId,
      shipmentId,
      idempotencyKey: `write_off:reship:${shipmentId}:${line.orderLineId}`,
      note: why,
    })),
    skipDuplicates: true,
  });
  const writtenOff = count === 0 ? 0 : shipment.lines.reduce((n, l) => n + l.quantity, 0);
  const reason = claimReasonFor(cause);
  if (!shipment.carrierCode || !shipment.trackingNumber || !reason) return { writtenOff };
  const amountCents = shipment.lines.reduce((sum, l) => sum + l.quantity * l.orderLine.sku.unitPriceCents, 0);
  await tx.carrierClaim.createMany({
    data: [
      {
        id: claimIdFor(shipmentId),
        shipmentId,
        orderId: shipment.orderId,
        carrierCode: shipment.carrierCode,
        trackingNumber: shipment.trackingNumber,
        reason,
        amountCents,
        currency: shipment.lines[0]?.orderLine.sku.currency ?? 'EUR',
        updatedBy: 'colis',
      },
    ],
    skipDuplicates: true,
  });
  return { writtenOff, claimId: claimIdFor(shipmentId) };
}

/** The customer's mail and the shop's webhook for a re-ship, keyed by the lost parcel: told once. */
function reshippedMilestone(
  orderId: string,
  lost: LostShipment & { carrierCode: string | null; trackingNumber: string | null },
  plan: ReplacementPlan,
  reason: string,
  cause: ParcelLossCause | undefined,
): Milestone {
  const promisedBy = plan.planned.length > 0 ? lost.promisedBy.toISOString() : undefined;
  return {
    orderId,
    key: `reshipped:${lost.id}`,
    mail: {
      milestone: 'reshipped',
      data: {
        reason,
        ...(cause ? { lossCause: cause } : {}),
        ...(promisedBy ? { promisedBy } : {}),
        items: lost.lines.map((l) => ({ skuCode: l.skuCode, quantity: l.quantity })),
      },
    },
    webhook: {
      type: 'shipment.reshipped',
      data: {
        shipmentId: lost.id,
        carrierCode: lost.carrierCode,
        trackingNumber: lost.trackingNumber,
        reason,
        ...(cause ? { cause } : {}),
        replacedBy: plan.planned.map((p) => p.shipmentId),
        ...(promisedBy ? { promisedBy } : {}),
      },
    },
  };
}

/** What the shop owes the customer for goods a re-ship will not send, and the milestone that tells it (none when nothing is owed). */
function shortfallMilestone(
  orderId: string,
  lost: {
    id: string;
    lines: { orderLineId: string; skuCode: string; quantity: number; orderLine: { sku: { unitPriceCents: number; currency: string } } }[];
  },
  shortages: LineShortage[] | undefined,
): { amountCents: number; milestones: Milestone[] } {
  const lostShipmentId = lost.id;
  const owed = lost.lines.flatMap((line) => {
    const quantity = shortages
      ? shortages.filter((s) => s.orderLineId === line.orderLineId).reduce((n, s) => n + s.missing, 0)
      : line.quantity;
    return quantity > 0 ? [{ sku: line.skuCode, quantity, unitPriceCents: line.orderLine.sku.unitPriceCents }] : [];
  });
  const amountCents = owed.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0);
  const currency = lost.lines[0]?.orderLine.sku.currency ?? 'EUR';
  const milestone: Milestone = {
    orderId,
    key: `reship:${lostShipmentId}:refund_due`,
    mail: {
      milestone: 'replacement_refunded',
      data: {
        items: owed.map((i) => ({ skuCode: i.sku, quantity: i.quantity })),
        amountCents,
        currency,
        ...(shortages ? { partial: true } : {}),
      },
    },
    webhook: {
      type: 'refund.due',
      data: {
        shipmentId: lostShipmentId,
        amountCents,
        currency,
        basis: shortages ? 'replacement_short_shipped' : 'replacement_called_off',
        items: owed,
      },
    },
  };
  return { amountCents, milestones: owed.length > 0 ? [milestone] : [] };
}

async function planReplacement(
  tx: Tx,
  orderId: string,
  lost: LostShipment,
  shipAvailable: boolean,
  costs: CostContext | undefined,
): Promise<ReplacementPlan> {
  const already = await tx.shipment.findMany({ where: { replacesShipmentId: lost.id }, orderBy: { seq: 'asc' }, include: { lines: true } });
  if (already.length > 0) return { planned: already.map(toPlanned), shortages: [] };

  const wanted = lost.lines.map((l) => ({ lineId: l.orderLineId, skuCode: l.skuCode, quantity: l.quantity }));
  const allocation = await allocateLocked(tx, orderId, wanted, [], costs);
  const shortages = allocation.shortages.map((s) => ({ orderLineId: s.lineId, skuCode: s.skuCode, missing: s.missing }));
  if (shortages.length > 0 && (!shipAvailable || allocation.shipments.length === 0)) return { planned: [], shortages };
  const reservationsSoFar = await tx.reservation.count({ where: { orderId } });
  const held = await holdAllocation(tx, orderId, allocation, reservationsSoFar);
  const last = await tx.shipment.aggregate({ where: { orderId }, _max: { seq: true } });
  let seq = last._max.seq ?? 0;
  const planned: PlannedShipmentView[] = [];
  for (const part of allocation.shipments) {
    seq += 1;
    const shipmentId = ids.shipmentId(orderId, seq);
    const lines = part.lines.map((l) => ({ orderLineId: l.lineId, skuCode: l.skuCode, quantity: l.quantity }));
    await tx.shipment.create({
      data: {
        id: shipmentId,
        orderId,
        seq,
        warehouseCode: part.warehouseCode,
        workflowId: ids.shipmentWorkflowId(shipmentId),
        promisedBy: lost.promisedBy,
        status: 'planned',
        replacesShipmentId: lost.id,
        lines: { createMany: { data: lines } },
      },
    });
    await tx.reservation.updateMany({
      where: { id: { in: held.filter((r) => r.warehouseCode === part.warehouseCode).map((r) => r.reservationId) } },
      data: { shipmentId },
    });
    planned.push({ shipmentId, workflowId: ids.shipmentWorkflowId(shipmentId), warehouseCode: part.warehouseCode, lines });
  }
  return { planned, shortages };
}

function toPlanned(s: {
  id: string;
  workflowId: string;
  warehouseCode: string;
  lines: { orderLineId: string; skuCode: string; quantity: number }[];
}): PlannedShipmentView {
  return {
    shipmentId: s.id,
    workflowId: s.workflowId,
    warehouseCode: s.warehouseCode,
    lines: s.lines.map((l) => ({ orderLineId: l.orderLineId, skuCode: l.skuCode, quantity: l.quantity })),
  };
}
