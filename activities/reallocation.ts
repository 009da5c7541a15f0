import { type AllocationLine, allocateOrder, type StockLevel } from '../domain/allocation';
import { DEFAULT_DECISION_SETTINGS, type DecisionSettings } from '../domain/decision-rules';
import { FINAL_ORDER_STAGES } from '../domain/lifecycle';
import { netOfHolds } from '../domain/promised-stock';
import { Prisma } from '../prisma/generated/client';
import { allocateByCost, type CostContext, costContext } from './cost-allocation';
import type { Db } from './db';
import { asActivity } from './failures';
import { domesticWarehouses, holdsOfOthers, lockLevels, lockOrder, releaseMovement, type Tx } from './inventory';
import type { PlanningFacts } from './planning-facts';

/**
 * Warehouse outages. A warehouse is down when ops declare it (PUT /warehouses/{code}/availability) or
 * when its queue leaves a pick unserved for the configured time (the shipment workflow declares it). A
 * shipment waiting there and not yet picked moves to another warehouse holding all of its stock: its
 * reservations released at the old warehouse and taken at the new one, its pick slot given back, and
 * the shipment re-pointed, in one transaction keyed by shipment and warehouse left — so a retried or
 * re-run activity moves it once, and a pick at the old warehouse (which checks the same row under the
 * same lock) and the move never both happen.
 */

export interface WarehouseAvailabilityRequest {
  warehouseCode: string;
  down: boolean;
  reason?: string;
  /** An ops key's name, or `colis` for a queue found unserved. */
  changedBy: string;
  /**
   * A queue found unserved: when the pick it left began to wait. Ops who declared the warehouse up since then looked at
   * it after that evidence began, so their word stands and nothing is written (the shipment finds it up and picks there).
   */
  unservedSince?: string;
}

export interface WarehouseAvailability {
  warehouseCode: string;
  down: boolean;
  downSince: string | null;
  downReason: string | null;
  downBy: string | null;
  /** False when the warehouse already was in that state (nothing was written). */
  changed: boolean;
}

export interface ReallocationRequest {
  orderId: string;
  shipmentId: string;
  fromWarehouseCode: string;
  reason: string;
}

export type ReallocationResult =
  | { moved: true; warehouseCode: string; fromWarehouseCode: string }
  /**
   * `picked`: too late, the goods are off the shelf; `no_stock`: no other warehouse holds all of it;
   * `up_again`: the warehouse is up by the time the move runs (ops brought it back, or its signals crossed).
   */
  | { moved: false; why: 'picked' | 'no_stock' | 'up_again' };

/** Down or up, written once per change with who changed it; a repeat of the same state changes nothing. */
export async function setWarehouseAvailability(db: Db, request: WarehouseAvailabilityRequest): Promise<WarehouseAvailability | undefined> {
  return db.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ code: string; downSince: Date | null }[]>`
      SELECT "code", "downSince" FROM "Warehouse" WHERE "code" = ${request.warehouseCode} FOR UPDATE`;
    if (!row) return undefined;
    const overruled = request.unservedSince !== undefined && (await upDeclaredSince(tx, request.warehouseCode, request.unservedSince));
    const changed = (row.downSince !== null) !== request.down && !overruled;
    if (changed) {
      const at = new Date();
      await tx.warehouse.update({
        where: { code: request.warehouseCode },
        data: request.down
          ? { downSince: at, downReason: request.reason ?? null, downBy: request.changedBy }
          : { downSince: null, downReason: null, downBy: null },
      });
      await tx.warehouseAvailabilityChange.create({
        data: {
          id: `${request.warehouseCode}:${at.toISOString()}:${request.down ? 'down' : 'up'}`,
          warehouseCode: request.warehouseCode,
          down: request.down,
          reason: request.reason ?? null,
          changedBy: request.changedBy,
          createdAt: at,
        },
      });
    }
    const now = await tx.warehouse.findUniqueOrThrow({ where: { code: request.warehouseCode } });
    return {
      warehouseCode: now.code,
      down: now.downSince !== null,
      downSince: now.downSince?.toISOString() ?? null,
      downReason: now.downReason,
      downBy: now.downBy,
      changed,
    };
  });
}

/** Whether ops declared the warehouse up at or after `since` (an ISO instant; one that is not reads as never). */
async function upDeclaredSince(tx: Tx, warehouseCode: string, since: string): Promise<boolean> {
  const at = new Date(since);
  if (Number.isNaN(at.getTime())) return false;
  const up = await tx.warehouseAvailabilityChange.findFirst({
    where: { warehouseCode, down: false, changedBy: { not: 'colis' }, createdAt: { gte: at } },
    select: { id: true },
  });
  return up !== null;
}

/** Shipments at the warehouse not picked yet and not finished: the ones a down warehouse must tell. */
export async function shipmentsWaitingAt(db: Db, warehouseCode: string): Promise<{ shipmentId: string; workflowId: string }[]> {
  const rows = await db.shipment.findMany({
    where: { warehouseCode, pickedAt: null, status: { in: ['planned', 'waiting_for_pick_slot', 'picking'] } },
    select: { id: true, workflowId: true },
    orderBy: { id: 'asc' },
  });
  return rows.map((r) => ({ shipmentId: r.id, workflowId: r.workflowId }));
}

/**
 * The orders a warehouse declared up again may unblock, each once with one SKU it holds free for them, oldest first:
 * the ones `ordersAwaitingStock` names for a restock of that SKU (backordered orders with a line for it, a re-shipped
 * parcel's replacement waiting for it). While it was down, allocation skipped its stock; its return is, to these
 * orders, a restock of everything it holds free, so each is signalled `restocked` to try again.
 */
export async function ordersAwaitingStockAt(db: Db, warehouseCode: string): Promise<{ orderId: string; skuCode: string }[]> {
  const rows = await db.$queryRaw<{ id: string; skuCode: string }[]>`
    WITH held AS (
      SELECT "skuCode" FROM "InventoryLevel" WHERE "warehouseCode" = ${warehouseCode} AND "onHand" > "reserved"
    ), waiting AS (
      SELECT o."id", o."createdAt", l."skuCode" FROM "Order" o JOIN "OrderLine" l ON l."orderId" = o."id"
      WHERE o."status" = 'backordered' AND l."skuCode" IN (SELECT "skuCode" FROM held)
      UNION
      SELECT o."id", o."createdAt", sl."skuCode"
      FROM "Shipment" s JOIN "Order" o ON o."id" = s."orderId" JOIN "ShipmentLine" sl ON sl."shipmentId" = s."id"
      WHERE s."status" = 'lost' AND o."status"::text NOT IN (${Prisma.join(FINAL_ORDER_STAGES)})
        AND sl."skuCode" IN (SELECT "skuCode" FROM held)
        AND EXISTS (SELECT 1 FROM "InventoryMovement" m WHERE m."shipmentId" = s."id" AND m."kind" = 'write_off')
        AND NOT EXISTS (SELECT 1 FROM "Shipment" r WHERE r."replacesShipmentId" = s."id")
    ), one_each AS (
      SELECT DISTINCT ON ("id") "id", "createdAt", "skuCode" FROM waiting ORDER BY "id", "skuCode"
    )
    SELECT "id", "skuCode" FROM one_each ORDER BY "createdAt", "id"`;
  return rows.map((row) => ({ orderId: row.id, skuCode: row.skuCode }));
}

export function createReallocationActivities(deps: { db: Db; facts: PlanningFacts; settings?: DecisionSettings }) {
  const { db, facts } = deps;
  const settings = deps.settings ?? DEFAULT_DECISION_SETTINGS;
  return {
    /**
     * The workflow found the warehouse's queue unserved: it counts as down until ops say otherwise, unless they declared it up
     * while the pick waited (a stale "down" would undo their word).
     */
    declareWarehouseDown(input: {
      warehouseCode: string;
      reason: string;
      unservedSince?: string;
    }): Promise<WarehouseAvailability | undefined> {
      return asActivity(() => setWarehouseAvailability(db, { ...input, down: true, changedBy: 'colis' }));
    },

    reallocateShipment(input: ReallocationRequest): Promise<ReallocationResult> {
      return asActivity(async () => {
        // Read before the transaction: it holds its locks on one pooled connection and must not wait for a second.
        const costs = settings.rules === 'promise' ? await costContext({ db, facts, settings }, input.orderId) : undefined;
        return db.$transaction((tx) => moveShipment(tx, input, costs), { maxWait: 30_000, timeout: 60_000 });
      });
    },
  };
}

async function moveShipment(tx: Tx, input: ReallocationRequest, costs: CostContext | undefined): Promise<ReallocationResult> {
  const { orderId, shipmentId, fromWarehouseCode } = input;
  await lockOrder(tx, orderId);
  const [shipment] = await tx.$queryRaw<{ warehouseCode: string; pickedAt: Date | null; pickDay: Date | null }[]>`
    SELECT "warehouseCode", "pickedAt", "pickDay" FROM "Shipment" WHERE "id" = ${shipmentId} FOR UPDATE`;
  if (!shipment) throw new Error(`shipment ${shipmentId} does not exist`);
  const moves = await tx.shipmentReallocation.findMany({ where: { shipmentId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  const last = moves.at(-1);
  // A retry after the move committed (the shipment still where it put it): the same answer, nothing moved twice.
  if (last?.fromWarehouseCode === fromWarehouseCode && last.toWarehouseCode === shipment.warehouseCode) {
    return { moved: true, warehouseCode: last.toWarehouseCode, fromWarehouseCode };
  }
  if (shipment.pickedAt) return { moved: false, why: 'picked' };
  if (shipment.warehouseCode !== fromWarehouseCode) {
    throw new Error(`shipment ${shipmentId} is at ${shipment.warehouseCode}, not ${fromWarehouseCode}, and was not moved from it`);
  }
  // The shipment heard "down", but the warehouse is up again: a down and an up toggled in quick succession can
  // reach it in either order. It stays (locked against a toggle while the move is decided).
  const [from] = await tx.$queryRaw<{ active: boolean; downSince: Date | null }[]>`
    SELECT "active", "downSince" FROM "Warehouse" WHERE "code" = ${fromWarehouseCode} FOR SHARE`;
  if (from?.active && from.downSince === null) return { moved: false, why: 'up_again' };
  // A shipment sent back to a warehouse it left (that one up again, the other down) may have to leave it again:
  // each move from the same warehouse has its own row and reservations, else the second would answer the first's.
  const earlier = moves.filter((m) => m.fromWarehouseCode === fromWarehouseCode).length;
  const leg = earlier === 0 ? '' : `~${earlier + 1}`;
  const id = `${shipmentId}:${fromWarehouseCode}${leg}`;

  const lines = await tx.shipmentLine.findMany({ where: { shipmentId }, orderBy: { orderLineId: 'asc' } });
  const wanted: AllocationLine[] = lines.map((l) => ({ lineId: l.orderLineId, skuCode: l.skuCode, quantity: l.quantity }));
  const to = await chooseWarehouse(tx, orderId, fromWarehouseCode, wanted, costs);
  if (!to) return { moved: false, why: 'no_stock' };

  const held = await tx.reservation.findMany({ where: { shipmentId, status: 'held' }, orderBy: { id: 'asc' } });
  const taken = lines.map((l, i) => ({
    id: `${shipmentId}-M${fromWarehouseCode}${leg}-${i + 1}`,
    orderLineId: l.orderLineId,
    skuCode: l.skuCode,
    quantity: l.quantity,
  }));
  await lockLevels(tx, [...held, ...taken.map((t) => ({ warehouseCode: to, skuCode: t.skuCode }))]);
  for (const r of held) {
    const changed = await tx.$executeRaw`
      UPDATE "InventoryLevel" SET "reserved" = "reserved" - ${r.quantity}, "updatedAt" = now()
      WHERE "warehouseCode" = ${r.warehouseCode} AND "skuCode" = ${r.skuCode} AND "reserved" >= ${r.quantity}`;
    if (changed !== 1) throw new Error(`level ${r.warehouseCode}/${r.skuCode} holds less than reservation ${r.id}`);
  }
  for (const t of taken) {
    const changed = await tx.$executeRaw`
      UPDATE "InventoryLevel" SET "reserved" = "reserved" + ${t.quantity}, "updatedAt" = now()
      WHERE "warehouseCode" = ${to} AND "skuCode" = ${t.skuCode} AND "onHand" - "reserved" >= ${t.quantity}`;
    // Cannot happen under the lock; if it does, everything rolls back and the retry chooses afresh.
    if (changed !== 1) throw new Error(`level ${to}/${t.skuCode} cannot hold ${t.quantity} more for ${shipmentId}`);
  }
  await tx.reservation.updateMany({ where: { id: { in: held.map((r) => r.id) } }, data: { status: 'released', releasedAt: new Date() } });
  await tx.reservation.createMany({
    data: taken.map((t) => ({
      id: t.id,
      orderId,
      orderLineId: t.orderLineId,
      shipmentId,
      warehouseCode: to,
      skuCode: t.skuCode,
      quantity: t.quantity,
      status: 'held' as const,
    })),
  });
  const note = `moved to ${to}: ${input.reason}`;
  await tx.inventoryMovement.createMany({
    data: [
      ...held.map((r) => releaseMovement({ ...r, shipmentId }, orderId, note)),
      ...taken.map((t) => ({
        warehouseCode: to,
        skuCode: t.skuCode,
        kind: 'reserve' as const,
        onHandDelta: 0,
        reservedDelta: t.quantity,
        orderId,
        shipmentId,
        idempotencyKey: `reserve:${t.id}`,
        note,
      })),
    ],
  });
  // The old slot's capacity goes back to the old warehouse; the shipment books a new one where it now is.
  if (shipment.pickDay) {
    await tx.warehouseCapacityDay.updateMany({
      where: { warehouseCode: fromWarehouseCode, day: shipment.pickDay, booked: { gt: 0 } },
      data: { booked: { decrement: 1 } },
    });
  }
  await tx.shipment.update({ where: { id: shipmentId }, data: { warehouseCode: to, pickDay: null } });
  await tx.shipmentReallocation.create({
    data: { id, shipmentId, orderId, fromWarehouseCode, toWarehouseCode: to, reason: input.reason },
  });
  return { moved: true, warehouseCode: to, fromWarehouseCode };
}

/**
 * Another warehouse up and holding every line of the shipment: the cheapest to the door that keeps the
 * promise under the promise rules, else (baseline) the customer's country first, then by code.
 */
async function chooseWarehouse(
  tx: Tx,
  orderId: string,
  from: string,
  wanted: readonly AllocationLine[],
  costs: CostContext | undefined,
): Promise<string | undefined> {
  if (wanted.length === 0) return undefined;
  const skuCodes = [...new Set(wanted.map((l) => l.skuCode))];
  const levels = await tx.$queryRaw<{ warehouseCode: string; skuCode: string; onHand: number; reserved: number }[]>`
    SELECT l."warehouseCode", l."skuCode", l."onHand", l."reserved"
    FROM "InventoryLevel" l JOIN "Warehouse" w ON w."code" = l."warehouseCode"
    WHERE l."skuCode" IN (${Prisma.join(skuCodes)}) AND w."active" AND w."downSince" IS NULL AND w."code" <> ${from}
    ORDER BY l."warehouseCode", l."skuCode"
    FOR UPDATE OF l`;
  // The restock units backorders were dated from are theirs, as at a reservation (activities/inventory.ts): a shipment
  // leaving a down warehouse does not take them and leave the order that was promised them short again.
  const { waiting } = await holdsOfOthers(tx, orderId, skuCodes);
  const free = netOfHolds(
    levels.map((l) => ({ warehouseCode: l.warehouseCode, skuCode: l.skuCode, available: l.onHand - l.reserved })),
    [],
    waiting,
  ).stock;
  const needed = new Map<string, number>();
  for (const line of wanted) needed.set(line.skuCode, (needed.get(line.skuCode) ?? 0) + line.quantity);
  const covering = [...new Set(free.map((l) => l.warehouseCode))].filter((code) =>
    [...needed].every(([sku, quantity]) => {
      const level = free.find((l) => l.warehouseCode === code && l.skuCode === sku);
      return level !== undefined && level.available >= quantity;
    }),
  );
  if (covering.length === 0) return undefined;
  const stock: StockLevel[] = free.filter((l) => covering.includes(l.warehouseCode));
  const byCost = costs ? allocateByCost(costs, wanted, stock) : undefined;
  const single = byCost?.allocation.shipments.length === 1 ? byCost.allocation.shipments[0]?.warehouseCode : undefined;
  if (single) return single;
  const fallback = allocateOrder(wanted, stock, { warehousePreference: await domesticWarehouses(tx, orderId) });
  return fallback.shipments.length === 1 ? fallback.shipments[0]?.warehouseCode : covering[0];
}
