import type { Db } from '../../activities/db';
import { lockRestockReference } from '../../activities/inventory';
import type { ExpectedRestock, ExpectedRestockBody } from '../../domain/expected-restocks';
import type { Prisma } from '../../prisma/generated/client';
import { ApiError, notFound } from '../errors';

/**
 * Expected restocks as stored (`InboundStock`): announced, re-dated, called off, and received by the receipt under the
 * same reference (activities/inventory.ts `restock`). A reference names one warehouse's one SKU for good: announcing it
 * for other goods, or again once received, is a 409 naming the field, as a receipt's reference is.
 */

type Row = {
  reference: string;
  warehouseCode: string;
  skuCode: string;
  quantity: number;
  expectedAt: Date;
  receivedAt: Date | null;
  cancelledAt: Date | null;
  createdAt: Date;
};

export type AnnounceOutcome = 'created' | 'updated' | 'unchanged';

export function restockView(row: Row, nowMs = Date.now()): ExpectedRestock {
  const expected = !row.receivedAt && !row.cancelledAt;
  return {
    reference: row.reference,
    warehouseCode: row.warehouseCode,
    skuCode: row.skuCode,
    quantity: row.quantity,
    expectedAt: row.expectedAt.toISOString(),
    status: row.receivedAt ? 'received' : row.cancelledAt ? 'cancelled' : 'expected',
    overdue: expected && row.expectedAt.getTime() < nowMs,
    announcedAt: row.createdAt.toISOString(),
    ...(row.receivedAt ? { receivedAt: row.receivedAt.toISOString() } : {}),
    ...(row.cancelledAt ? { cancelledAt: row.cancelledAt.toISOString() } : {}),
  };
}

/**
 * Announces goods on their way, or gives an announced arrival its new date or quantity (the same call: a PUT). One
 * called off is announced again by the same reference. Answers what it did and the restock as it stands.
 */
export async function announceRestock(
  db: Db,
  reference: string,
  body: ExpectedRestockBody,
): Promise<{ outcome: AnnounceOutcome; restock: ExpectedRestock }> {
  const expectedAt = new Date(body.expectedAt);
  return db.$transaction(async (tx) => {
    // Under the reference's lock, as its receipt: a receipt racing this announcement has either committed (and is seen
    // here) or waits for this commit and then marks the row received. Read outside it, the receipt could commit between
    // the read and the insert, and the announcement stayed `expected` with the goods on the shelf.
    await lockRestockReference(tx, reference);
    if (await receiptOf(tx, reference)) throw alreadyReceived(reference);
    const { count } = await tx.inboundStock.createMany({
      data: [{ reference, warehouseCode: body.warehouseCode, skuCode: body.skuCode, quantity: body.quantity, expectedAt }],
      skipDuplicates: true,
    });
    const [row] = await tx.$queryRaw<Row[]>`
      SELECT "reference", "warehouseCode", "skuCode", "quantity", "expectedAt", "receivedAt", "cancelledAt", "createdAt"
      FROM "InboundStock" WHERE "reference" = ${reference} FOR UPDATE`;
    if (!row) throw new Error(`expected restock ${reference} was neither inserted nor found`);
    if (count === 1) return { outcome: 'created' as const, restock: restockView(row) };
    refuseOtherGoods(row, body);
    if (row.receivedAt) throw alreadyReceived(reference);
    const same = row.quantity === body.quantity && row.expectedAt.getTime() === expectedAt.getTime() && row.cancelledAt === null;
    if (same) return { outcome: 'unchanged' as const, restock: restockView(row) };
    const updated = await tx.inboundStock.update({
      where: { reference },
      data: { quantity: body.quantity, expectedAt, cancelledAt: null },
    });
    return { outcome: 'updated' as const, restock: restockView(updated) };
  });
}

/** Calls off an expected restock that has not arrived: kept, no longer counted. Calling it off again answers it. */
export async function cancelRestock(db: Db, reference: string): Promise<{ changed: boolean; restock: ExpectedRestock }> {
  return db.$transaction(async (tx) => {
    // Under the reference's lock, as its receipt: a 409 for goods received meanwhile writes nothing (it marked the row
    // called off, then answered that it was received).
    await lockRestockReference(tx, reference);
    const { count } = await tx.inboundStock.updateMany({
      where: { reference, receivedAt: null, cancelledAt: null },
      data: { cancelledAt: new Date() },
    });
    const row = await tx.inboundStock.findUnique({ where: { reference } });
    if (!row) throw notFound(`expected restock ${reference}`);
    if (row.receivedAt) throw alreadyReceived(reference);
    return { changed: count === 1, restock: restockView(row) };
  });
}

/** Whether goods were received under the reference (its receipt's movement), announced or not. */
async function receiptOf(tx: Prisma.TransactionClient, reference: string): Promise<boolean> {
  const movement = await tx.inventoryMovement.findUnique({ where: { idempotencyKey: `restock:${reference}` }, select: { id: true } });
  return movement !== null;
}

/**
 * A receipt under an announced reference must be for the goods announced (`POST /inventory/restock`): checked before
 * anything is written, so the corrected receipt can use its Idempotency-Key.
 */
export async function refuseReceiptOfOtherGoods(
  db: Db,
  receipt: { reference: string; warehouseCode: string; skuCode: string },
): Promise<void> {
  const announced = await db.inboundStock.findUnique({ where: { reference: receipt.reference } });
  if (announced) refuseOtherGoods(announced, receipt, 'body.reference');
}

function refuseOtherGoods(row: Row, given: { warehouseCode: string; skuCode: string }, path?: string): void {
  const differs = [
    ...(row.warehouseCode === given.warehouseCode ? [] : ['warehouseCode']),
    ...(row.skuCode === given.skuCode ? [] : ['skuCode']),
  ];
  if (differs.length === 0) return;
  const announced = `${row.skuCode} at ${row.warehouseCode}`;
  const message = `reference ${row.reference} announces ${announced}; give each restock its own reference`;
  throw new ApiError(
    409,
    'idempotency_conflict',
    message,
    (path ? [path] : differs.map((field) => `body.${field}`)).map((p) => ({ path: p, message: `reference announces ${announced}` })),
  );
}

function alreadyReceived(reference: string): ApiError {
  return new ApiError(409, 'order_state_conflict', `restock ${reference} was already received: nothing more is expected under it`, [
    { path: 'params.reference', message: 'already received' },
  ]);
}

/** Expected restocks, soonest first (received and called-off ones latest first), for ops and the ERP. */
export async function listRestocks(
  db: Db,
  query: { warehouseCode?: string | undefined; skuCode?: string | undefined; status: ExpectedRestock['status']; limit: number },
): Promise<ExpectedRestock[]> {
  const rows = await db.inboundStock.findMany({
    where: {
      ...(query.warehouseCode ? { warehouseCode: query.warehouseCode } : {}),
      ...(query.skuCode ? { skuCode: query.skuCode } : {}),
      ...(query.status === 'expected' ? { receivedAt: null, cancelledAt: null } : {}),
      ...(query.status === 'received' ? { receivedAt: { not: null } } : {}),
      ...(query.status === 'cancelled' ? { cancelledAt: { not: null }, receivedAt: null } : {}),
    },
    orderBy:
      query.status === 'expected'
        ? [{ expectedAt: 'asc' }, { reference: 'asc' }]
        : query.status === 'received'
          ? [{ receivedAt: 'desc' }, { reference: 'asc' }]
          : [{ cancelledAt: 'desc' }, { reference: 'asc' }],
    take: query.limit,
  });
  return rows.map((row) => restockView(row));
}
