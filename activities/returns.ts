import { createHash } from 'node:crypto';
import type { Milestone, WebhookEventType } from '../domain/notifications';
import {
  CARRIER_RETURN_REASON,
  type CustomerSettlingDecision,
  FINAL_RETURN_STATUSES,
  type ReturnReason,
  type ReturnStatus,
  refundCents,
  returnIds,
} from '../domain/return-policy';
import type { NormalisedTrackingEvent } from '../domain/tracking';
import type { CarrierRegistry } from './carriers/registry';
import { parcelTrackingOf } from './carriers/tracking-mode';
import type { Db } from './db';
import { asActivity } from './failures';
import { refuseForeignRun } from './workflow-owner';
import { lockOrder, ordersAwaitingStock, type Tx } from './inventory';
import { noRelayWaker, type RelayWaker, withMilestones } from './notifications/outbox';
import type { ReturnStarter } from './return-starter';

/**
 * The database side of a return (RMA): what the return workflow reads to resume, each status it
 * moves to (with the shop's webhook and the customer's mail written in the same transaction), the
 * inbound scans, and the settlement: stock movements in the ledger and the refund due, exactly once.
 * Every function may run twice and still change things once.
 */

/** What the workflow needs to know about its return; never a name or an address. */
export interface ReturnFacts {
  returnId: string;
  orderId: string;
  status: ReturnStatus;
  warehouseCode: string;
  lines: { lineNo: number; skuCode: string; quantity: number }[];
  carrierCode?: string;
  trackingNumber?: string;
  labelExpiresAt?: string;
  /** Whether the return's carrier pushes scans; when not, the workflow polls. */
  carrierPushesScans: boolean;
  /** Set for a carrier polled although it pushes scans (ShipEngine): every this fraction of the stall window. */
  pollStallFraction?: number;
  /** A carrier return: the carrier brought the parcel back, received already; only its inspection is left. */
  broughtBackByCarrier?: true;
}

/** What ops found when the parcel was opened, per return line. */
export interface InspectionResult {
  lines: { lineNo: number; restock: number; writeOff: number }[];
  inspectedBy: string;
  note?: string;
}

/** A parcel the carrier brought back to the warehouse, and how ops settled the customer for it (none: they waited). */
export interface CarrierReturn {
  shipmentId: string;
  /** `reship`, `refund`, `cancel`: the customer is settled by that answer; absent: the inspection owes the refund. */
  customerSettledBy?: CustomerSettlingDecision;
  at: string;
  /** The shipment's time scale, for the return's workflow. */
  timeScale: number;
}

/** One carrier return per parcel: its id follows from the shipment's, so a retry finds the one it made. */
export const carrierReturnIdFor = (shipmentId: string) =>
  `RMA-${createHash('sha256').update(`return:carrier:${shipmentId}`, 'utf8').digest('hex').slice(0, 12).toUpperCase()}`;

export type ReturnSettlement = { kind: 'inspected'; inspection: InspectionResult } | { kind: 'refunded_without_goods'; decidedBy: string };

/** The moves a return's status makes after its label: forward only, so a retried or late write never turns it back. */
const FORWARD: Record<ReturnStatus, readonly ReturnStatus[]> = {
  requested: ['label_created', 'expired', 'cancelled'],
  label_created: ['in_transit', 'received', 'expired', 'cancelled'],
  in_transit: ['received', 'cancelled'],
  received: [],
  completed: [],
  expired: [],
  cancelled: [],
};

const WEBHOOK_OF: Partial<Record<ReturnStatus, WebhookEventType>> = {
  label_created: 'return.label_created',
  in_transit: 'return.in_transit',
  received: 'return.received',
  expired: 'return.cancelled',
  cancelled: 'return.cancelled',
};

/** Reading a return, moving it forward, and keeping its inbound scans. */
function createReturnProgressActivities(db: Db, carriers: CarrierRegistry, waker: RelayWaker) {
  return {
    loadReturn(input: { returnId: string }): Promise<ReturnFacts> {
      return asActivity(async () => {
        const row = await db.return.findUniqueOrThrow({
          where: { id: input.returnId },
          include: { lines: { orderBy: { lineNo: 'asc' } } },
        });
        refuseForeignRun({ kind: 'return', id: row.id, orderId: row.orderId }, row.workflowId);
        const tracking = row.carrierCode ? await parcelTrackingOf(db, carriers, row.carrierCode) : undefined;
        return {
          returnId: row.id,
          orderId: row.orderId,
          status: row.status,
          warehouseCode: row.warehouseCode,
          lines: row.lines.map((l) => ({ lineNo: l.lineNo, skuCode: l.skuCode, quantity: l.quantity })),
          ...(row.carrierCode ? { carrierCode: row.carrierCode } : {}),
          ...(row.trackingNumber ? { trackingNumber: row.trackingNumber } : {}),
          ...(row.labelExpiresAt ? { labelExpiresAt: row.labelExpiresAt.toISOString() } : {}),
          carrierPushesScans: tracking?.pushesScans ?? false,
          ...(tracking?.pollStallFraction === undefined ? {} : { pollStallFraction: tracking.pollStallFraction }),
          ...(row.channel === 'carrier' ? { broughtBackByCarrier: true as const } : {}),
        };
      });
    },

    /**
     * Moves the return to `status` if that is forward from where it is, and tells the shop (and, for
     * the label, the customer: the return steps with the label link). Answers the status it is in.
     */
    advanceReturn(input: { returnId: string; status: ReturnStatus; at: string; reason?: string }): Promise<{ status: ReturnStatus }> {
      return asActivity(() =>
        withMilestones(db, waker, async (tx) => {
          const row = await lockedReturn(tx, input.returnId);
          if (!FORWARD[row.status].includes(input.status)) return { result: { status: row.status }, milestones: [] };
          const at = new Date(input.at);
          await tx.return.update({
            where: { id: row.id },
            data: {
              status: input.status,
              ...(input.status === 'received' ? { receivedAt: at } : {}),
              ...(input.status === 'expired' || input.status === 'cancelled'
                ? { closedAt: at, closeReason: input.reason ?? input.status }
                : {}),
            },
          });
          const items =
            input.status === 'label_created'
              ? (await tx.returnLine.findMany({ where: { returnId: row.id }, orderBy: { lineNo: 'asc' } })).map((l) => ({
                  skuCode: l.skuCode,
                  quantity: l.quantity,
                }))
              : [];
          return { result: { status: input.status }, milestones: statusMilestones(row, input.status, input.reason, items) };
        }),
      );
    },

    recordReturnScans(input: {
      returnId: string;
      source: 'webhook' | 'poll';
      events: NormalisedTrackingEvent[];
      lastScanAt: string | null;
    }): Promise<{ stored: number }> {
      return asActivity(async () => {
        const stored = await db.returnScan.createMany({
          data: returnScanRows(input.returnId, input.source, input.events),
          skipDuplicates: true,
        });
        if (input.lastScanAt) await db.return.update({ where: { id: input.returnId }, data: { lastScanAt: new Date(input.lastScanAt) } });
        return { stored: stored.count };
      });
    },
  };
}

/** Opening the return of a parcel the carrier brought back. */
export function createCarrierReturnActivities(db: Db, waker: RelayWaker, starter: ReturnStarter | undefined) {
  return {
    /**
     * Opens the return of a parcel the carrier brought back to the warehouse that shipped it: already received (no
     * label, no inbound tracking: the carrier's own scans brought it), its lines the shipment's, waiting for the
     * inspection. The shop hears `return.created` and `return.received`; the customer, who started nothing, no mail.
     * One per shipment: a retry answers the return it opened, and starts its workflow if it is not yet.
     */
    openCarrierReturn(input: CarrierReturn): Promise<{ returnId: string; workflowId: string }> {
      return asActivity(async () => {
        const opened = await withMilestones(db, waker, async (tx) => {
          const returnId = carrierReturnIdFor(input.shipmentId);
          const workflowId = returnIds.workflowId(returnId);
          const shipment = await tx.shipment.findUniqueOrThrow({
            where: { id: input.shipmentId },
            include: { lines: { include: { orderLine: { include: { sku: { select: { unitPriceCents: true, currency: true } } } } } } },
          });
          await lockOrder(tx, shipment.orderId);
          const known = await tx.return.findUnique({
            where: { shipmentId: input.shipmentId },
            select: { id: true, workflowId: true, orderId: true },
          });
          if (known) return { result: { returnId: known.id, workflowId: known.workflowId, orderId: known.orderId }, milestones: [] };
          const at = new Date(input.at);
          const lines = [...shipment.lines]
            .sort((a, b) => (a.orderLineId < b.orderLineId ? -1 : a.orderLineId > b.orderLineId ? 1 : 0))
            .map((line, i) => ({
              lineNo: i + 1,
              orderLineId: line.orderLineId,
              skuCode: line.skuCode,
              quantity: line.quantity,
              unitPriceCents: line.orderLine.sku.unitPriceCents,
            }));
          await tx.return.create({
            data: {
              id: returnId,
              orderId: shipment.orderId,
              idempotencyKey: `carrier:${input.shipmentId}`,
              requestHash: createHash('sha256').update(`carrier:${input.shipmentId}`, 'utf8').digest('hex'),
              channel: 'carrier',
              requestedBy: 'colis',
              reason: CARRIER_RETURN_REASON,
              status: 'received',
              warehouseCode: shipment.warehouseCode,
              workflowId,
              receivedAt: at,
              shipmentId: input.shipmentId,
              customerSettledBy: input.customerSettledBy ?? null,
              currency: shipment.lines[0]?.orderLine.sku.currency ?? 'EUR',
              lines: { create: lines },
            },
          });
          const parcel = {
            returnId,
            shipmentId: input.shipmentId,
            carrierCode: shipment.carrierCode,
            trackingNumber: shipment.trackingNumber,
          };
          const items = lines.map((l) => ({ lineNo: l.lineNo, skuCode: l.skuCode, quantity: l.quantity }));
          const milestones: Milestone[] = [
            {
              orderId: shipment.orderId,
              key: `return:${returnId}:created`,
              webhook: {
                type: 'return.created',
                data: { ...parcel, channel: 'carrier', reason: CARRIER_RETURN_REASON, warehouseCode: shipment.warehouseCode, items },
              },
            },
            {
              orderId: shipment.orderId,
              key: `return:${returnId}:received`,
              webhook: { type: 'return.received', data: { ...parcel, status: 'received', reason: CARRIER_RETURN_REASON } },
            },
          ];
          return { result: { returnId, workflowId, orderId: shipment.orderId }, milestones };
        });
        if (starter) {
          await starter.start({ returnId: opened.returnId, orderId: opened.orderId, timeScale: input.timeScale });
          await db.return.updateMany({ where: { id: opened.returnId, startedAt: null }, data: { startedAt: new Date() } });
        }
        return { returnId: opened.returnId, workflowId: opened.workflowId };
      });
    },
  };
}

/** A return parcel's scans as rows, keyed by carrier and event id so a repeat is a duplicate. */
function returnScanRows(returnId: string, source: 'webhook' | 'poll', events: readonly NormalisedTrackingEvent[]) {
  return events.map((e) => ({
    id: `${e.carrierCode}:${e.eventId}`,
    returnId,
    carrierCode: e.carrierCode,
    carrierEventId: e.eventId,
    trackingNumber: e.trackingNumber,
    status: e.status,
    detail: e.detail ?? null,
    location: e.location ?? null,
    occurredAt: new Date(e.occurredAt),
    source,
  }));
}

/** A finished return whose parcel the carrier delivered to the warehouse after all: what its webhook scan says. */
export interface ArrivalAfterClose {
  returnId: string;
  /** The batch's scans of the return's parcel, the `delivered` one among them, in the tracking model's terms. */
  scans: NormalisedTrackingEvent[];
  at: string;
}

/**
 * The goods of a return that ended without them (refunded without the goods, expired or cancelled once its label was
 * used) reach the warehouse: its workflow has closed, so nothing would count them back into stock. The return is
 * received again, waiting for the inspection (`/ops/returns`), which settles it in the database once
 * (api/services/late-return-arrivals.ts); `closedAt` stays, saying it had closed first. A return refunded without
 * its goods keeps that refund and owes no other (`customerSettledBy: refund`); one expired or cancelled owes what the
 * inspection finds, as any return does. The scans are stored, so the carrier's repeat is a duplicate. Answers whether
 * this call received it: false for a return inspected already, not finished, received again before, or another parcel.
 */
export async function receiveReturnAfterClose(db: Db, waker: RelayWaker, input: ArrivalAfterClose): Promise<boolean> {
  return withMilestones(db, waker, async (tx) => {
    const head = await tx.return.findUnique({ where: { id: input.returnId }, select: { orderId: true } });
    if (!head) return { result: false, milestones: [] };
    await lockOrder(tx, head.orderId);
    const row = await lockedReturn(tx, input.returnId);
    const facts = await tx.return.findUniqueOrThrow({ where: { id: row.id }, select: { inspectedAt: true, closeReason: true } });
    const delivered = input.scans.some((scan) => scan.status === 'delivered' && scan.trackingNumber === row.trackingNumber);
    if (!FINAL_RETURN_STATUSES.includes(row.status) || facts.inspectedAt || !delivered) return { result: false, milestones: [] };
    await tx.returnScan.createMany({ data: returnScanRows(row.id, 'webhook', input.scans), skipDuplicates: true });
    const lastScanAt = new Date(Math.max(...input.scans.map((e) => Date.parse(e.occurredAt))));
    await tx.return.update({
      where: { id: row.id },
      data: {
        status: 'received',
        receivedAt: new Date(input.at),
        lastScanAt,
        ...(row.status === 'completed' ? { customerSettledBy: 'refund' } : {}),
      },
    });
    const why = `the parcel arrived after the return was closed (${facts.closeReason ?? row.status})`;
    return { result: true, milestones: statusMilestones(row, 'received', why, []) };
  });
}

/** Ending a return: stock, refund, and the orders waiting for what came back. */
export function createReturnSettlementActivities(db: Db, waker: RelayWaker) {
  return {
    /**
     * Ends a return: the inspected goods go back on sale or are written off (ledger movements keyed by
     * return and line, so they are made once), and the shop learns what it owes the customer
     * (`refund.due`). A return settled already answers what it settled.
     */
    settleReturn(input: { returnId: string; settlement: ReturnSettlement; at: string }): Promise<{ refundCents: number }> {
      return asActivity(() =>
        withMilestones(db, waker, async (tx) => {
          const head = await tx.return.findUniqueOrThrow({ where: { id: input.returnId }, select: { orderId: true } });
          // The order first, then the return, then the levels: the lock order every stock change of an order follows.
          await lockOrder(tx, head.orderId);
          const row = await lockedReturn(tx, input.returnId);
          if (row.status === 'completed') return { result: { refundCents: row.refundCents ?? 0 }, milestones: [] };
          if (FINAL_RETURN_STATUSES.includes(row.status)) return { result: { refundCents: 0 }, milestones: [] };
          const settled = input.settlement;
          // Refunded without the goods once they were at the warehouse already (ops' answer and the delivery crossed): that
          // refund stands, and a retry answers it; the goods stay received for their inspection (keptForInspection below).
          if (settled.kind === 'refunded_without_goods' && row.refundCents !== null)
            return { result: { refundCents: row.refundCents }, milestones: [] };
          const lines = await tx.returnLine.findMany({ where: { returnId: row.id }, orderBy: { lineNo: 'asc' } });
          const at = new Date(input.at);
          const outcome = lines.map((line) => {
            if (settled.kind === 'refunded_without_goods') return { line, restocked: 0, writtenOff: 0 };
            const found = settled.inspection.lines.find((l) => l.lineNo === line.lineNo);
            return { line, restocked: found?.restock ?? 0, writtenOff: found?.writeOff ?? 0 };
          });
          if (settled.kind === 'inspected') await moveReturnedStock(tx, row, outcome);
          // A carrier return ops answered with a re-ship, a refund or a cancel: the customer was settled then, never twice.
          const owesRefund = row.customerSettledBy === null;
          const refund = !owesRefund
            ? 0
            : settled.kind === 'refunded_without_goods'
              ? lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0)
              : refundCents(
                  row.reason as ReturnReason,
                  outcome.map((o) => ({ ...o, quantity: o.line.quantity, unitPriceCents: o.line.unitPriceCents })),
                );
          for (const o of outcome) {
            if (settled.kind !== 'inspected') break;
            await tx.returnLine.update({
              where: { returnId_lineNo: { returnId: row.id, lineNo: o.line.lineNo } },
              data: { restocked: o.restocked, writtenOff: o.writtenOff },
            });
          }
          // Goods at the warehouse are never left uninspected: closed (closedAt), received, inspected in the database
          // (api/services/late-return-arrivals.ts), their refund made already.
          const keptForInspection = settled.kind === 'refunded_without_goods' && row.status === 'received';
          await tx.return.update({
            where: { id: row.id },
            data: {
              status: keptForInspection ? 'received' : 'completed',
              ...(keptForInspection ? { customerSettledBy: row.customerSettledBy ?? 'refund' } : {}),
              // A return refunded without its goods whose parcel arrived after all keeps the refund it was settled with.
              refundCents: (row.refundCents ?? 0) + refund,
              closedAt: at,
              closeReason: settled.kind,
              ...(settled.kind === 'inspected'
                ? { inspectedAt: at, inspectedBy: settled.inspection.inspectedBy, receivedAt: row.receivedAt ?? at }
                : {}),
            },
          });
          const items = outcome.map((o) => ({
            lineNo: o.line.lineNo,
            skuCode: o.line.skuCode,
            quantity: o.line.quantity,
            restocked: o.restocked,
            writtenOff: o.writtenOff,
          }));
          const milestones: Milestone[] = [];
          if (settled.kind === 'inspected') {
            milestones.push({
              orderId: row.orderId,
              key: `return:${row.id}:inspected`,
              webhook: { type: 'return.inspected', data: { returnId: row.id, items, inspectedAt: input.at } },
            });
          }
          if (owesRefund)
            milestones.push({
              orderId: row.orderId,
              key: `return:${row.id}:refund_due`,
              webhook: {
                type: 'refund.due',
                data: {
                  returnId: row.id,
                  amountCents: refund,
                  currency: row.currency,
                  reason: row.reason,
                  basis: settled.kind,
                  items: items.map((i) => ({ ...i, unitPriceCents: lines.find((l) => l.lineNo === i.lineNo)?.unitPriceCents })),
                },
              },
            });
          return { result: { refundCents: refund }, milestones };
        }),
      );
    },

    /**
     * What a settled return put back on sale, and the orders waiting for each of those SKUs (backordered, or a
     * replacement waiting for stock): the return workflow wakes them as `POST /inventory/restock` does.
     * Read after the settlement committed, so a retry answers the same.
     */
    ordersAwaitingReturnedStock({
      returnId,
    }: {
      returnId: string;
    }): Promise<{ orderId: string; warehouseCode: string; skuCode: string }[]> {
      return asActivity(async () => {
        const row = await db.return.findUniqueOrThrow({ where: { id: returnId }, select: { warehouseCode: true } });
        const lines = await db.returnLine.findMany({ where: { returnId, restocked: { gt: 0 } }, select: { skuCode: true } });
        const wake: { orderId: string; warehouseCode: string; skuCode: string }[] = [];
        for (const skuCode of [...new Set(lines.map((l) => l.skuCode))].sort()) {
          for (const orderId of await ordersAwaitingStock(db, skuCode)) wake.push({ orderId, warehouseCode: row.warehouseCode, skuCode });
        }
        return wake;
      });
    },

    /**
     * The parcel's `delivered` scan reached the return's workflow while it took its last step (the webhook read the row
     * before that step made it final): the workflow hands it here before it closes, and the goods are received again
     * for inspection as the webhook does for a return already closed. False when there is nothing to receive.
     */
    receiveReturnAfterClose(input: ArrivalAfterClose): Promise<boolean> {
      return asActivity(() => receiveReturnAfterClose(db, waker, input));
    },
  };
}

/**
 * `starter`: starts a carrier return's workflow right after its row commits; none (a worker without a Temporal client),
 * the API's sweep of unstarted returns starts it, and so does the inspection's call.
 */
export function createReturnActivities(db: Db, carriers: CarrierRegistry, waker: RelayWaker = noRelayWaker, starter?: ReturnStarter) {
  return {
    ...createReturnProgressActivities(db, carriers, waker),
    ...createCarrierReturnActivities(db, waker, starter),
    ...createReturnSettlementActivities(db, waker),
  };
}

export type ReturnActivities = ReturnType<typeof createReturnActivities>;

type ReturnRow = {
  id: string;
  orderId: string;
  status: ReturnStatus;
  warehouseCode: string;
  reason: string;
  currency: string;
  refundCents: number | null;
  receivedAt: Date | null;
  carrierCode: string | null;
  trackingNumber: string | null;
  labelUrl: string | null;
  labelExpiresAt: Date | null;
  customerSettledBy: string | null;
};

async function lockedReturn(tx: Tx, returnId: string): Promise<ReturnRow> {
  const [row] = await tx.$queryRaw<ReturnRow[]>`
    SELECT "id", "orderId", "status"::text AS "status", "warehouseCode", "reason"::text AS "reason", "currency", "refundCents",
           "receivedAt", "carrierCode", "trackingNumber", "labelUrl", "labelExpiresAt", "customerSettledBy"
    FROM "Return" WHERE "id" = ${returnId} FOR UPDATE`;
  if (!row) throw new Error(`return ${returnId} does not exist`);
  return row;
}

/**
 * Every returned unit is counted in at the warehouse (`return_receipt`); the damaged ones are then
 * written off (`write_off`), so the ledger shows both what came back and what was lost. Keys per
 * return and line make a retry add nothing.
 */
async function moveReturnedStock(
  tx: Tx,
  row: ReturnRow,
  outcome: readonly { line: { lineNo: number; skuCode: string; quantity: number }; restocked: number; writtenOff: number }[],
): Promise<void> {
  const sorted = [...outcome].sort((a, b) => (a.line.skuCode < b.line.skuCode ? -1 : a.line.skuCode > b.line.skuCode ? 1 : 0));
  for (const { line, restocked, writtenOff } of sorted) {
    const received = restocked + writtenOff;
    if (received === 0) continue;
    const key = `return:${row.id}:${line.lineNo}`;
    const { count } = await tx.inventoryMovement.createMany({
      data: [
        {
          warehouseCode: row.warehouseCode,
          skuCode: line.skuCode,
          kind: 'return_receipt',
          onHandDelta: received,
          reservedDelta: 0,
          orderId: row.orderId,
          idempotencyKey: `${key}:receipt`,
          note: `return ${row.id}`,
        },
        ...(writtenOff > 0
          ? [
              {
                warehouseCode: row.warehouseCode,
                skuCode: line.skuCode,
                kind: 'write_off' as const,
                onHandDelta: -writtenOff,
                reservedDelta: 0,
                orderId: row.orderId,
                idempotencyKey: `${key}:write_off`,
                note: `return ${row.id}: damaged`,
              },
            ]
          : []),
      ],
      skipDuplicates: true,
    });
    if (count === 0 || restocked === 0) continue;
    await tx.$executeRaw`
      INSERT INTO "InventoryLevel" ("warehouseCode", "skuCode", "onHand", "reserved", "updatedAt")
      VALUES (${row.warehouseCode}, ${line.skuCode}, ${restocked}, 0, now())
      ON CONFLICT ("warehouseCode", "skuCode")
      DO UPDATE SET "onHand" = "InventoryLevel"."onHand" + EXCLUDED."onHand", "updatedAt" = now()`;
  }
}

function statusMilestones(
  row: ReturnRow,
  status: ReturnStatus,
  reason: string | undefined,
  items: { skuCode: string; quantity: number }[],
): Milestone[] {
  const type = WEBHOOK_OF[status];
  if (!type) return [];
  const parcel = { returnId: row.id, carrierCode: row.carrierCode, trackingNumber: row.trackingNumber };
  const milestones: Milestone[] = [
    {
      orderId: row.orderId,
      key: `return:${row.id}:${status}`,
      webhook: {
        type,
        data: {
          ...parcel,
          status,
          ...(status === 'label_created' ? { labelUrl: row.labelUrl, labelExpiresAt: row.labelExpiresAt?.toISOString() } : {}),
          ...(reason ? { reason } : {}),
        },
      },
    },
  ];
  if (status === 'label_created') {
    // The return steps: print the label, hand the parcel over before it expires.
    milestones[0] = {
      ...(milestones[0] as Milestone),
      mail: {
        milestone: 'return_started',
        data: {
          returnId: row.id,
          ...(row.labelUrl ? { labelUrl: row.labelUrl } : {}),
          ...(row.labelExpiresAt ? { returnBy: row.labelExpiresAt.toISOString() } : {}),
          ...(row.carrierCode ? { carrierCode: row.carrierCode } : {}),
          ...(row.trackingNumber ? { trackingNumber: row.trackingNumber } : {}),
          items,
        },
      },
    };
  }
  return milestones;
}
