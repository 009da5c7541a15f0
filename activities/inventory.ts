import { ApplicationFailure } from '@temporalio/common';
import { allocateOrder, type StockLevel } from '../domain/allocation';
import { BACKORDER_HOLD_AT_LEAST_MS, BACKORDER_HOLD_MS, holdsAfterReservation, netOfHolds, type StockHold } from '../domain/promised-stock';
import { DEFAULT_DECISION_SETTINGS, type DecisionSettings } from '../domain/decision-rules';
import { type AllocationByCost, allocateByCost, type CostContext, costContext } from './cost-allocation';
import { PlanningFacts } from './planning-facts';
import { DomainError } from '../domain/errors';
import { FINAL_ORDER_STAGES } from '../domain/lifecycle';
import type {
  HeldReservation,
  InventoryLevelView,
  LedgerMismatch,
  LineShortage,
  ListedInventoryLevel,
  ReservationResult,
  RestockRequest,
  RestockResult,
} from '../domain/inventory';
import { Prisma } from '../prisma/generated/client';
import type { Db } from './db';
import { asActivity } from './failures';

/** A stock level's `onHand` is a PostgreSQL integer: a receipt that would count past it is refused, not overflowed. */
export const MOST_UNITS_A_LEVEL_COUNTS = 2_147_483_647;

/**
 * The stock side of the journey. Every function may run twice, or concurrently with itself after a
 * timeout, and still change stock once:
 * - one transaction per call; the Order row is locked first (`FOR UPDATE`), so calls for the same
 *   order serialise and a retry sees what the first attempt committed;
 * - then the InventoryLevel rows, always in (warehouseCode, skuCode) order, so no two calls deadlock;
 * - every level change goes with a ledger movement whose unique key is derived from a deterministic
 *   reservation id (`<orderId>-R<n>`), and with a conditional UPDATE the CHECK constraint backs up.
 * Anyone else who locks Order and InventoryLevel rows in one transaction must take them in this order.
 */

export type Tx = Prisma.TransactionClient;

export interface InventoryActivityOptions {
  /** How long a call may wait for a pooled connection before failing (and being retried). */
  maxWaitMs?: number;
  /** Upper bound on one call's transaction, lock waits included. */
  transactionTimeoutMs?: number;
  /** Allocation by cost to the door against the promise (`promise`), or by warehouse code (`baseline`). */
  decisions?: DecisionSettings;
  /** The process's planning facts, shared with the other decisions; its own otherwise. */
  facts?: PlanningFacts;
}

export interface ReservationScope {
  orderId: string;
  /** Only the reservations planned into this shipment. */
  shipmentId?: string;
  reason: string;
}

export interface ReleaseResult {
  /** What this call released; a retry of a completed release finds nothing left and answers []. */
  released: HeldReservation[];
}

export interface ConsumeResult {
  /** What this call took out of stock; a retry of a completed consume answers []. */
  consumed: HeldReservation[];
}

export const DEFAULT_INVENTORY_OPTIONS: Required<Omit<InventoryActivityOptions, 'decisions' | 'facts'>> = {
  maxWaitMs: 30_000,
  transactionTimeoutMs: 60_000,
};

/** Orders in these states never get new stock: a late retry must not re-reserve what a cancel released. */
const CLOSED_ORDER_STATES: ReadonlySet<string> = new Set(FINAL_ORDER_STAGES);

export function createInventoryActivities(db: Db, options: InventoryActivityOptions = {}) {
  const { maxWaitMs, transactionTimeoutMs } = { ...DEFAULT_INVENTORY_OPTIONS, ...options };
  const settings = options.decisions ?? DEFAULT_DECISION_SETTINGS;
  const facts = options.facts ?? new PlanningFacts(db);
  const contextFor = (orderId: string) => (settings.rules === 'promise' ? costContext({ db, facts, settings }, orderId) : undefined);
  const inTransaction = <T>(body: (tx: Tx) => Promise<T>): Promise<T> =>
    db.$transaction(body, { maxWait: maxWaitMs, timeout: transactionTimeoutMs });

  return {
    async reserveStock({
      orderId,
      warehousePreference = [],
    }: {
      orderId: string;
      warehousePreference?: string[];
    }): Promise<ReservationResult> {
      return asActivity(async () => {
        const context = await contextFor(orderId);
        return inTransaction((tx) => reserveIn(tx, orderId, warehousePreference, context));
      });
    },

    async releaseReservations(scope: ReservationScope): Promise<ReleaseResult> {
      return asActivity(() => inTransaction((tx) => releaseIn(tx, scope)));
    },

    async consumeReservations({ shipmentId }: { shipmentId: string }): Promise<ConsumeResult> {
      return asActivity(() => inTransaction((tx) => consumeIn(tx, shipmentId)));
    },

    async restock(request: RestockRequest): Promise<RestockResult> {
      return asActivity(async () => {
        await refuseBadReceipt(db, request);
        return inTransaction((tx) => receiveIn(tx, request));
      });
    },

    /**
     * The orders a restock of the SKU may unblock, each once, oldest first: the ones to signal `restocked`.
     * Backordered orders with a line for it, and running orders whose re-shipped parcel (a `lost`
     * shipment written off by a re-ship) holds it and has no replacement yet: that replacement waits for
     * stock (workflows/order/replacement.ts).
     */
    ordersAwaitingStock({ skuCode }: { skuCode: string }): Promise<string[]> {
      return asActivity(() => ordersAwaitingStock(db, skuCode));
    },

    async inventoryLevels(filter: { warehouseCode?: string; skuCode?: string } = {}): Promise<ListedInventoryLevel[]> {
      return asActivity(() => levelsWithPromised(db, filter));
    },

    /** Levels that disagree with the sum of their movements (either side missing counts as 0). Empty = balanced. */
    async ledgerBalances(): Promise<LedgerMismatch[]> {
      return asActivity(() => ledgerMismatches(db));
    },
  };
}

export type InventoryActivities = ReturnType<typeof createInventoryActivities>;

/** Gives back an order's (or one shipment's) held reservations, under the order's lock: a retry releases nothing twice. */
async function releaseIn(tx: Tx, { orderId, shipmentId, reason }: ReservationScope): Promise<ReleaseResult> {
  await lockOrder(tx, orderId);
  const reservations = await tx.reservation.findMany({
    where: { orderId, status: 'held', ...(shipmentId === undefined ? {} : { shipmentId }) },
    orderBy: { id: 'asc' },
  });
  await lockLevels(tx, reservations);
  for (const r of reservations) {
    const changed = await tx.$executeRaw`
      UPDATE "InventoryLevel" SET "reserved" = "reserved" - ${r.quantity}, "updatedAt" = now()
      WHERE "warehouseCode" = ${r.warehouseCode} AND "skuCode" = ${r.skuCode} AND "reserved" >= ${r.quantity}`;
    if (changed !== 1) throw new Error(`level ${r.warehouseCode}/${r.skuCode} holds less than reservation ${r.id}`);
  }
  await tx.inventoryMovement.createMany({ data: reservations.map((r) => releaseMovement(r, orderId, reason)) });
  await tx.reservation.updateMany({
    where: { id: { in: reservations.map((r) => r.id) }, status: 'held' },
    data: { status: 'released', releasedAt: new Date() },
  });
  return { released: reservations.map(toHeld) };
}

/** Takes a shipment's held reservations out of stock as it leaves the warehouse; a retry of a completed consume takes nothing. */
async function consumeIn(tx: Tx, shipmentId: string): Promise<ConsumeResult> {
  const shipment = await tx.shipment.findUnique({ where: { id: shipmentId }, select: { orderId: true } });
  if (!shipment) throw new Error(`shipment ${shipmentId} does not exist`);
  await lockOrder(tx, shipment.orderId);
  const reservations = await tx.reservation.findMany({
    where: { shipmentId, status: 'held' },
    orderBy: { id: 'asc' },
  });
  await lockLevels(tx, reservations);
  for (const r of reservations) {
    const changed = await tx.$executeRaw`
      UPDATE "InventoryLevel"
      SET "onHand" = "onHand" - ${r.quantity}, "reserved" = "reserved" - ${r.quantity}, "updatedAt" = now()
      WHERE "warehouseCode" = ${r.warehouseCode} AND "skuCode" = ${r.skuCode}
        AND "reserved" >= ${r.quantity} AND "onHand" >= ${r.quantity}`;
    if (changed !== 1) throw new Error(`level ${r.warehouseCode}/${r.skuCode} holds less than reservation ${r.id}`);
  }
  await tx.inventoryMovement.createMany({
    data: reservations.map((r) => ({
      warehouseCode: r.warehouseCode,
      skuCode: r.skuCode,
      kind: 'ship' as const,
      onHandDelta: -r.quantity,
      reservedDelta: -r.quantity,
      orderId: shipment.orderId,
      shipmentId,
      idempotencyKey: `ship:${r.id}`,
    })),
  });
  await tx.reservation.updateMany({
    where: { id: { in: reservations.map((r) => r.id) }, status: 'held' },
    data: { status: 'consumed' },
  });
  return { consumed: reservations.map(toHeld) };
}

async function refuseBadReceipt(db: Db, { warehouseCode, skuCode, quantity }: RestockRequest): Promise<void> {
  if (!Number.isInteger(quantity) || quantity <= 0) {
    throw ApplicationFailure.nonRetryable(`restock quantity must be a positive integer, got ${quantity}`, 'InvalidRestock');
  }
  const [warehouse, sku] = await Promise.all([
    db.warehouse.findUnique({ where: { code: warehouseCode }, select: { code: true } }),
    db.sku.findUnique({ where: { code: skuCode }, select: { code: true } }),
  ]);
  if (!sku) throw new DomainError('UnknownSku', `unknown SKU ${skuCode}`, { skuCodes: [skuCode] });
  if (!warehouse) throw ApplicationFailure.nonRetryable(`unknown warehouse ${warehouseCode}`, 'UnknownWarehouse');
}

/** Puts a receipt on the shelf once per reference (a replay answers the level, `applied: false`). */
async function receiveIn(tx: Tx, { warehouseCode, skuCode, quantity, reference }: RestockRequest): Promise<RestockResult> {
  // One reference at a time with its announcement (api/services/expected-restocks.ts): a receipt whose update of the
  // InboundStock row ran before an announcement racing it had committed left that announcement `expected` for good.
  await lockRestockReference(tx, reference);
  await refuseOtherGoodsAnnounced(tx, { warehouseCode, skuCode, reference });
  // The movement goes first: a concurrent replay of the reference waits on its unique key, then skips.
  const { count } = await tx.inventoryMovement.createMany({
    data: [
      {
        warehouseCode,
        skuCode,
        kind: 'receipt',
        onHandDelta: quantity,
        reservedDelta: 0,
        idempotencyKey: `restock:${reference}`,
        note: reference,
      },
    ],
    skipDuplicates: true,
  });
  if (count === 0) {
    const level = await tx.inventoryLevel.findUnique({ where: { warehouseCode_skuCode: { warehouseCode, skuCode } } });
    return { ...toLevelView(level ?? { warehouseCode, skuCode, onHand: 0, reserved: 0 }), applied: false };
  }
  const [level] = await tx.$queryRaw<LevelRow[]>`
    INSERT INTO "InventoryLevel" ("warehouseCode", "skuCode", "onHand", "reserved", "updatedAt")
    VALUES (${warehouseCode}, ${skuCode}, ${quantity}, 0, now())
    ON CONFLICT ("warehouseCode", "skuCode")
    DO UPDATE SET "onHand" = "InventoryLevel"."onHand" + EXCLUDED."onHand", "updatedAt" = now()
    WHERE "InventoryLevel"."onHand"::bigint + EXCLUDED."onHand" <= ${MOST_UNITS_A_LEVEL_COUNTS}
    RETURNING "warehouseCode", "skuCode", "onHand", "reserved"`;
  // No row: the level would count past its column's range. Thrown, so the receipt's movement is undone too.
  if (!level) {
    throw ApplicationFailure.nonRetryable(
      `${quantity} more would take ${warehouseCode} / ${skuCode} past ${MOST_UNITS_A_LEVEL_COUNTS} units on hand, the most a stock level counts`,
      'InvalidRestock',
    );
  }
  // The receipt of an announced restock: it is on the shelf now, no longer on its way (a partial delivery too).
  await tx.inboundStock.updateMany({
    where: { reference, warehouseCode, skuCode, receivedAt: null },
    data: { receivedAt: new Date() },
  });
  return { ...toLevelView(level), applied: true };
}

/**
 * The route refuses a receipt under a reference announced for other goods before it claims its Idempotency-Key; an
 * announcement committed after that check and before this lock would still let the receipt through, and then neither
 * would mark the other (the announcement stayed `expected`, the goods on the shelf under its reference). Read again
 * here, under the reference's lock, nothing written.
 */
async function refuseOtherGoodsAnnounced(tx: Tx, receipt: { warehouseCode: string; skuCode: string; reference: string }): Promise<void> {
  const announced = await tx.inboundStock.findUnique({
    where: { reference: receipt.reference },
    select: { warehouseCode: true, skuCode: true },
  });
  if (!announced || (announced.warehouseCode === receipt.warehouseCode && announced.skuCode === receipt.skuCode)) return;
  throw ApplicationFailure.nonRetryable(
    `reference ${receipt.reference} announces ${announced.skuCode} at ${announced.warehouseCode}`,
    'ReceiptOfOtherGoods',
  );
}

/** Stock levels with what is promised of each to orders that have not reserved it yet. */
async function levelsWithPromised(db: Db, filter: { warehouseCode?: string; skuCode?: string }): Promise<ListedInventoryLevel[]> {
  const { warehouseCode, skuCode } = filter;
  const where = { ...(warehouseCode === undefined ? {} : { warehouseCode }), ...(skuCode === undefined ? {} : { skuCode }) };
  const [levels, held] = await Promise.all([
    db.inventoryLevel.findMany({ where, orderBy: [{ warehouseCode: 'asc' }, { skuCode: 'asc' }] }),
    db.promisedStock.groupBy({
      by: ['warehouseCode', 'skuCode'],
      where: { ...where, holdUntil: { gt: new Date() } },
      _sum: { quantity: true },
    }),
  ]);
  const promised = new Map(held.map((row) => [`${row.warehouseCode}\u0000${row.skuCode}`, row._sum.quantity ?? 0]));
  return levels.map((level) => ({
    ...toLevelView(level),
    promised: promised.get(`${level.warehouseCode}\u0000${level.skuCode}`) ?? 0,
  }));
}

function ledgerMismatches(db: Db): Promise<LedgerMismatch[]> {
  return db.$queryRaw<LedgerMismatch[]>`
    WITH ledger AS (
      SELECT "warehouseCode", "skuCode",
             SUM("onHandDelta")::int AS "ledgerOnHand", SUM("reservedDelta")::int AS "ledgerReserved"
      FROM "InventoryMovement" GROUP BY "warehouseCode", "skuCode"
    )
    SELECT COALESCE(l."warehouseCode", m."warehouseCode") AS "warehouseCode",
           COALESCE(l."skuCode", m."skuCode") AS "skuCode",
           COALESCE(l."onHand", 0) AS "onHand", COALESCE(l."reserved", 0) AS "reserved",
           COALESCE(m."ledgerOnHand", 0) AS "ledgerOnHand", COALESCE(m."ledgerReserved", 0) AS "ledgerReserved"
    FROM "InventoryLevel" l
    FULL OUTER JOIN ledger m ON m."warehouseCode" = l."warehouseCode" AND m."skuCode" = l."skuCode"
    WHERE COALESCE(l."onHand", 0) <> COALESCE(m."ledgerOnHand", 0)
       OR COALESCE(l."reserved", 0) <> COALESCE(m."ledgerReserved", 0)
    ORDER BY 1, 2`;
}

interface LevelRow {
  warehouseCode: string;
  skuCode: string;
  onHand: number;
  reserved: number;
}

/** The ledger line of a held reservation given back to stock: keyed by the reservation, so it is written once. */
export function releaseMovement(
  reservation: { id: string; warehouseCode: string; skuCode: string; quantity: number; shipmentId: string | null },
  orderId: string,
  note?: string,
) {
  return {
    warehouseCode: reservation.warehouseCode,
    skuCode: reservation.skuCode,
    kind: 'release' as const,
    onHandDelta: 0,
    reservedDelta: -reservation.quantity,
    orderId,
    shipmentId: reservation.shipmentId,
    idempotencyKey: `release:${reservation.id}`,
    ...(note === undefined ? {} : { note }),
  };
}

/**
 * Serialises what is written under one restock reference (its receipt here, its announcement, re-dating and calling off
 * in api/services/expected-restocks.ts), held to the transaction's end: each then reads what the other committed. Before,
 * an announcement and the receipt of the same reference sent at once could each miss the other, and the announcement
 * stayed `expected` after the goods were on the shelf, so promises counted the same units twice.
 */
export async function lockRestockReference(tx: Tx, reference: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`colis:restock-reference:${reference}`}))`;
}

/** Locks the order row: every stock change of one order runs after the previous one committed. */
export async function lockOrder(tx: Tx, orderId: string): Promise<{ id: string; status: string; backorderPolicy: string }> {
  const [order] = await tx.$queryRaw<{ id: string; status: string; backorderPolicy: string }[]>`
    SELECT "id", "status"::text AS "status", "backorderPolicy"::text AS "backorderPolicy" FROM "Order" WHERE "id" = ${orderId} FOR UPDATE`;
  // An unknown order is a bug upstream (the workflow is started after the row is written): retryable.
  if (!order) throw new Error(`order ${orderId} does not exist`);
  return order;
}

/** Active warehouses in the country the order ships to, by code. */
export async function domesticWarehouses(tx: Tx, orderId: string): Promise<string[]> {
  const rows = await tx.$queryRaw<{ code: string }[]>`
    SELECT w."code" FROM "Order" o
    JOIN "Address" a ON a."id" = o."shippingAddressId"
    JOIN "Warehouse" w ON w."countryCode" = a."countryCode" AND w."active"
    WHERE o."id" = ${orderId}
    ORDER BY w."code"`;
  return rows.map((row) => row.code);
}

/** Locks the levels the reservations touch, in (warehouseCode, skuCode) order. */
export async function lockLevels(tx: Tx, reservations: readonly { warehouseCode: string; skuCode: string }[]): Promise<void> {
  const keys = [...new Set(reservations.map((r) => `${r.warehouseCode}\u0000${r.skuCode}`))];
  if (keys.length === 0) return;
  const pairs = keys.map((key) => {
    const [warehouseCode = '', skuCode = ''] = key.split('\u0000');
    return Prisma.sql`(${warehouseCode}, ${skuCode})`;
  });
  await tx.$queryRaw`
    SELECT 1 FROM "InventoryLevel" WHERE ("warehouseCode", "skuCode") IN (${Prisma.join(pairs)})
    ORDER BY "warehouseCode", "skuCode" FOR UPDATE`;
}

async function reserveIn(
  tx: Tx,
  orderId: string,
  extraPreference: readonly string[],
  costs: CostContext | undefined,
): Promise<ReservationResult> {
  const order = await lockOrder(tx, orderId);
  // What the order's promise held becomes what it reserves, read from the levels from now on; what it still waits for
  // as a backorder stays held (below), so the next promises do not count that restock for themselves.
  const promised = await tx.$queryRaw<StockHold[]>`
    DELETE FROM "PromisedStock" WHERE "orderId" = ${orderId} RETURNING "warehouseCode", "skuCode", "quantity"`;
  // Sequential: one transaction is one connection.
  const lines = await tx.orderLine.findMany({ where: { orderId }, orderBy: { lineNo: 'asc' } });
  const existing = await tx.reservation.findMany({ where: { orderId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  const active = existing.filter((r) => r.status !== 'released');
  const covered = new Map<string, number>();
  for (const r of active) covered.set(r.orderLineId, (covered.get(r.orderLineId) ?? 0) + r.quantity);
  const wanted = lines
    .map((line) => ({ lineId: line.id, skuCode: line.skuCode, quantity: line.quantity - (covered.get(line.id) ?? 0) }))
    .filter((line) => line.quantity > 0);

  const heldBefore = active.filter((r) => r.status === 'held').map(toHeld);
  // Every line covered already: a retried attempt, or a run of an order reset after its shipments took the stock
  // (consumed): what the order holds is then with its shipments, which the new run adopts (workflows/order/adoption.ts).
  if (wanted.length === 0) return { held: active.map(toHeld), shortages: [] };
  if (CLOSED_ORDER_STATES.has(order.status)) {
    throw new DomainError('OrderStateConflict', `order ${orderId} is ${order.status}: no stock is reserved for it`, {
      orderId,
      state: order.status,
      attempted: 'reserveStock',
    });
  }

  const holding = [...new Set(active.map((r) => r.warehouseCode))];
  const allocation = await allocateLocked(tx, orderId, wanted, [...holding, ...extraPreference], costs);
  const created = await holdAllocation(tx, orderId, allocation, existing.length);

  const shortages: LineShortage[] = allocation.shortages.map((s) => ({ orderLineId: s.lineId, skuCode: s.skuCode, missing: s.missing }));
  if (order.backorderPolicy === 'backorder') await keepHolding(tx, orderId, holdsAfterReservation(promised, shortages));
  return { held: [...heldBefore, ...created], shortages };
}

/**
 * Allocates `wanted` over the active warehouses' levels, locked before they are read: the allocation
 * works on availability nobody else can change until commit. Warehouses in `preferred` come first,
 * then those in the customer's country: a cross-border parcel takes a transit day more, enough to
 * break an express promise.
 */
export async function allocateLocked(
  tx: Tx,
  orderId: string,
  wanted: readonly { lineId: string; skuCode: string; quantity: number }[],
  preferred: readonly string[],
  costs?: CostContext,
): Promise<ReturnType<typeof allocateOrder>> {
  const skuCodes = [...new Set(wanted.map((line) => line.skuCode))];
  const levels = await tx.$queryRaw<LevelRow[]>`
    SELECT l."warehouseCode", l."skuCode", l."onHand", l."reserved"
    FROM "InventoryLevel" l JOIN "Warehouse" w ON w."code" = l."warehouseCode"
    WHERE l."skuCode" IN (${Prisma.join(skuCodes)}) AND w."active" AND w."downSince" IS NULL
    ORDER BY l."warehouseCode", l."skuCode"
    FOR UPDATE OF l`;
  const onShelf = levels.map((level) => ({
    warehouseCode: level.warehouseCode,
    skuCode: level.skuCode,
    available: level.onHand - level.reserved,
  }));
  const { waiting, promised } = await holdsOfOthers(tx, orderId, skuCodes);
  // What backorders were dated from is theirs when it arrives: a restock wakes every order waiting for the SKU at once,
  // and the one that reserves first is not always the one that was promised it.
  const stock = netOfHolds(onShelf, [], waiting).stock;
  // A restock completes the shipment the order already holds stock for (`preferred`): that rule beats
  // cost. The first reservation of an order goes to the cheapest warehouses to the door that keep its
  // promise (a domestic warehouse is cheaper and nearer there already); otherwise (a restock's remainder,
  // a re-ship's replacement, the baseline rules) the customer's country comes before the lowest code.
  const cheapest = preferred.length === 0 && costs ? allocateAroundHolds(costs, wanted, stock, promised) : undefined;
  if (cheapest) return cheapest.allocation;
  const preference = [...preferred, ...(await domesticWarehouses(tx, orderId))];
  return allocateOrder(wanted, stock, { warehousePreference: [...new Set(preference)] });
}

/** A backorder's hold on the restock it waits for, until it reserves it or ends (BACKORDER_HOLD_MS at most). */
async function keepHolding(tx: Tx, orderId: string, holds: readonly StockHold[]): Promise<void> {
  if (holds.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "PromisedStock" ("orderId", "warehouseCode", "skuCode", "quantity", "holdUntil")
    SELECT ${orderId}, h."warehouseCode", h."skuCode", h."quantity", now() + make_interval(secs => ${BACKORDER_HOLD_MS / 1000})
    FROM unnest(${holds.map((h) => h.warehouseCode)}::text[], ${holds.map((h) => h.skuCode)}::text[],
                ${holds.map((h) => h.quantity)}::int[]) AS h("warehouseCode", "skuCode", "quantity")`;
}

/**
 * Other orders' live holds on these SKUs, in two kinds: `waiting`, the restock units a backorder was dated from (kept
 * for weeks after its reservation, domain/promised-stock.ts), never taken by another reservation; `promised`, what
 * intake promised an order that has not reserved yet (minutes), left alone only when the order can do without it.
 */
export async function holdsOfOthers(
  tx: Tx,
  orderId: string,
  skuCodes: readonly string[],
): Promise<{ waiting: StockHold[]; promised: StockHold[] }> {
  const rows = await tx.$queryRaw<(StockHold & { waiting: boolean })[]>`
    SELECT "warehouseCode", "skuCode", sum("quantity")::int AS quantity,
           "holdUntil" > now() + make_interval(secs => ${BACKORDER_HOLD_AT_LEAST_MS / 1000}) AS waiting
    FROM "PromisedStock"
    WHERE "skuCode" IN (${Prisma.join(skuCodes)}) AND "orderId" <> ${orderId} AND "holdUntil" > now()
    GROUP BY "warehouseCode", "skuCode", 4`;
  const hold = ({ warehouseCode, skuCode, quantity }: StockHold): StockHold => ({ warehouseCode, skuCode, quantity });
  return { waiting: rows.filter((row) => row.waiting).map(hold), promised: rows.filter((row) => !row.waiting).map(hold) };
}

/**
 * The cheapest allocation to the door that keeps the promise, leaving alone the stock other orders were promised and
 * have not reserved yet (domain/promised-stock.ts) when that still fills the order and keeps its promise as well as
 * taking it would: an order promised from LYS1 because PAR1's last unit was promised to another no longer takes that
 * unit for being cheaper, only to send the other order elsewhere or into a backorder. When the order cannot be filled
 * around the holds, it takes what is there, as before holds: first to reserve, first served (the other re-promises).
 */
function allocateAroundHolds(
  costs: CostContext,
  wanted: readonly { lineId: string; skuCode: string; quantity: number }[],
  stock: readonly StockLevel[],
  holds: readonly StockHold[],
): AllocationByCost | undefined {
  const anyStock = allocateByCost(costs, wanted, stock);
  if (holds.length === 0) return anyStock;
  const aroundHolds = allocateByCost(costs, wanted, netOfHolds(stock, [], holds).stock);
  const fills = aroundHolds !== undefined && aroundHolds.allocation.shortages.length === 0;
  return fills && (aroundHolds.keepsPromise || !anyStock?.keepsPromise) ? aroundHolds : anyStock;
}

/**
 * Holds what an allocation found: reservations `<orderId>-R<n>` numbered on from `reservationsSoFar`,
 * their levels' reserved counts and one ledger movement each. The caller holds the order's lock.
 */
export async function holdAllocation(
  tx: Tx,
  orderId: string,
  allocation: ReturnType<typeof allocateOrder>,
  reservationsSoFar: number,
): Promise<HeldReservation[]> {
  let seq = reservationsSoFar;
  const created: HeldReservation[] = [];
  for (const shipment of allocation.shipments) {
    for (const line of shipment.lines) {
      seq += 1;
      created.push({
        reservationId: `${orderId}-R${seq}`,
        orderLineId: line.lineId,
        skuCode: line.skuCode,
        warehouseCode: shipment.warehouseCode,
        quantity: line.quantity,
      });
    }
  }
  // Updates in lock order: the rows are already ours, but the habit keeps any later change deadlock-free.
  const updates = [...created].sort(
    (a, b) => compare(a.warehouseCode, b.warehouseCode) || compare(a.skuCode, b.skuCode) || compare(a.reservationId, b.reservationId),
  );
  for (const r of updates) {
    const changed = await tx.$executeRaw`
      UPDATE "InventoryLevel" SET "reserved" = "reserved" + ${r.quantity}, "updatedAt" = now()
      WHERE "warehouseCode" = ${r.warehouseCode} AND "skuCode" = ${r.skuCode} AND "onHand" - "reserved" >= ${r.quantity}`;
    // Cannot happen under the lock; if it does, roll everything back and let the retry allocate afresh.
    if (changed !== 1) throw new Error(`level ${r.warehouseCode}/${r.skuCode} cannot hold ${r.quantity} more for ${orderId}`);
  }
  if (created.length > 0) {
    await tx.reservation.createMany({
      data: created.map((r) => ({
        id: r.reservationId,
        orderId,
        orderLineId: r.orderLineId,
        warehouseCode: r.warehouseCode,
        skuCode: r.skuCode,
        quantity: r.quantity,
      })),
    });
    await tx.inventoryMovement.createMany({
      data: created.map((r) => ({
        warehouseCode: r.warehouseCode,
        skuCode: r.skuCode,
        kind: 'reserve' as const,
        onHandDelta: 0,
        reservedDelta: r.quantity,
        orderId,
        idempotencyKey: `reserve:${r.reservationId}`,
      })),
    });
  }
  return created;
}

function toHeld(r: { id: string; orderLineId: string; skuCode: string; warehouseCode: string; quantity: number }): HeldReservation {
  return { reservationId: r.id, orderLineId: r.orderLineId, skuCode: r.skuCode, warehouseCode: r.warehouseCode, quantity: r.quantity };
}

function toLevelView(level: LevelRow): InventoryLevelView {
  return {
    warehouseCode: level.warehouseCode,
    skuCode: level.skuCode,
    onHand: level.onHand,
    reserved: level.reserved,
    available: level.onHand - level.reserved,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `ordersAwaitingStock`'s query, for the other writers of stock (a return's restock). */
export async function ordersAwaitingStock(db: Db, skuCode: string): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT o."id", o."createdAt" FROM "Order" o
    WHERE o."status" = 'backordered'
      AND EXISTS (SELECT 1 FROM "OrderLine" l WHERE l."orderId" = o."id" AND l."skuCode" = ${skuCode})
    UNION
    SELECT o."id", o."createdAt" FROM "Shipment" s JOIN "Order" o ON o."id" = s."orderId"
    WHERE s."status" = 'lost' AND o."status"::text NOT IN (${Prisma.join(FINAL_ORDER_STAGES)})
      AND EXISTS (SELECT 1 FROM "ShipmentLine" sl WHERE sl."shipmentId" = s."id" AND sl."skuCode" = ${skuCode})
      AND EXISTS (SELECT 1 FROM "InventoryMovement" m WHERE m."shipmentId" = s."id" AND m."kind" = 'write_off')
      AND NOT EXISTS (SELECT 1 FROM "Shipment" r WHERE r."replacesShipmentId" = s."id")
    ORDER BY 2, 1`;
  return rows.map((row) => row.id);
}
