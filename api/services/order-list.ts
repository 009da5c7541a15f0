import { Prisma } from '../../prisma/generated/client';
import type { Db } from '../../activities/db';
import type { OrderListQuery, OrderSummary } from '../../domain/api';
import { OrderWorkflowInputSchema } from '../../domain/order';
import type { Principal } from '../plugins/app/auth';
import { cursorScope, decodeCursor, encodeCursor } from './cursor';

export interface OrderListPage {
  items: OrderSummary[];
  nextCursor?: string;
}

interface Cursor {
  at: Date;
  id: string;
}

/**
 * Orders newest first. Two sources, merged on the same key (creation time, then id): the Order table,
 * which the workflow writes as its first step, and accepted orders it has not written yet (intake
 * commits an `OrderIntake` row and answers 202; under a metered burst or a Temporal outage its
 * workflow may start minutes later). An order is listed from the moment it is accepted, as
 * `received`, and moves to its Order row without changing place: `createdAt` is the intake time.
 */
export async function listOrders(db: Db, principal: Principal, q: OrderListQuery): Promise<OrderListPage> {
  const scope = cursorScope('orders', principal.role === 'ops' ? 'ops' : principal.name, q);
  const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor, scope);
  const [recorded, accepted] = await Promise.all([recordedOrders(db, principal, q, cursor), acceptedOnly(db, principal, q, cursor)]);
  const seen = new Set<string>();
  const merged = [...recorded, ...accepted]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (a.orderId < b.orderId ? 1 : a.orderId > b.orderId ? -1 : 0))
    // The workflow may write its Order row between the two reads: one order, listed once (the row wins, it sorts first).
    .filter((order) => !seen.has(order.orderId) && seen.add(order.orderId));
  const items = merged.slice(0, q.limit);
  const last = merged.length > q.limit ? items[items.length - 1] : undefined;
  return { items, ...(last ? { nextCursor: encodeCursor(scope, new Date(last.createdAt), last.orderId) } : {}) };
}

async function recordedOrders(db: Db, principal: Principal, q: OrderListQuery, cursor: Cursor | undefined): Promise<OrderSummary[]> {
  const where: Prisma.OrderWhereInput = {
    ...(q.status ? { status: q.status } : {}),
    ...(q.customerId ? { customerId: q.customerId } : {}),
    ...(q.createdFrom || q.createdTo
      ? { createdAt: { ...(q.createdFrom ? { gte: new Date(q.createdFrom) } : {}), ...(q.createdTo ? { lt: new Date(q.createdTo) } : {}) } }
      : {}),
    ...(q.escalated === true ? { escalations: { some: { status: 'open' } } } : {}),
    ...(q.escalated === false ? { escalations: { none: { status: 'open' } } } : {}),
    ...(principal.role === 'ops' ? {} : { idempotencyKey: { startsWith: `${likeLiteral(principal.name)}:` } }),
  };
  const rows = await db.order.findMany({
    where: cursor ? { AND: [where, { OR: [{ createdAt: { lt: cursor.at } }, { createdAt: cursor.at, id: { lt: cursor.id } }] }] } : where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  // Counted for the page's orders only: Prisma's `_count` include aggregates every shipment in history before the LIMIT.
  const ids = rows.map((order) => order.id);
  const [shipmentCounts, escalationCounts] = await Promise.all([
    db.shipment.groupBy({ by: ['orderId'], where: { orderId: { in: ids } }, _count: { _all: true } }),
    db.escalation.groupBy({ by: ['orderId'], where: { orderId: { in: ids }, status: 'open' }, _count: { _all: true } }),
  ]);
  const shipmentsOf = new Map(shipmentCounts.map((row) => [row.orderId, row._count._all]));
  const escalationsOf = new Map(escalationCounts.map((row) => [row.orderId, row._count._all]));
  return rows.map((order) => ({
    orderId: order.id,
    workflowId: order.workflowId,
    status: order.status,
    customerId: order.customerId,
    serviceLevel: order.serviceLevel,
    promisedBy: order.promisedBy.toISOString(),
    createdAt: order.createdAt.toISOString(),
    ...(order.completedAt ? { completedAt: order.completedAt.toISOString() } : {}),
    openEscalations: escalationsOf.get(order.id) ?? 0,
    shipmentCount: shipmentsOf.get(order.id) ?? 0,
  }));
}

/**
 * Text matched literally by Prisma's `startsWith`, which PostgreSQL reads as a LIKE pattern with the text as given: a key
 * name may hold "_" (config/api-keys.ts), and "shop_a" listed the orders of "shop-a" and "shop.a" too.
 */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (wildcard) => `\\${wildcard}`);

interface IntakeRow {
  orderId: string;
  workflowId: string;
  input: unknown;
}

/** Accepted orders without an Order row yet: all `received`, none escalated, no shipments. */
async function acceptedOnly(db: Db, principal: Principal, q: OrderListQuery, cursor: Cursor | undefined): Promise<OrderSummary[]> {
  if ((q.status && q.status !== 'received') || q.escalated === true) return [];
  // `recordedAt` narrows the read to the intakes not recorded yet (an index range); the order's own row decides.
  const conditions: Prisma.Sql[] = [
    Prisma.sql`i."recordedAt" IS NULL`,
    Prisma.sql`NOT EXISTS (SELECT 1 FROM "Order" o WHERE o."id" = i."orderId")`,
  ];
  if (q.customerId) conditions.push(Prisma.sql`i."input"->'request'->'customer'->>'id' = ${q.customerId}`);
  if (q.createdFrom) conditions.push(Prisma.sql`i."receivedAt" >= ${new Date(q.createdFrom)}`);
  if (q.createdTo) conditions.push(Prisma.sql`i."receivedAt" < ${new Date(q.createdTo)}`);
  if (principal.role !== 'ops') conditions.push(Prisma.sql`i."submittedBy" = ${principal.name}`);
  if (cursor) conditions.push(Prisma.sql`(i."receivedAt", i."orderId") < (${cursor.at}, ${cursor.id})`);
  const rows = await db.$queryRaw<IntakeRow[]>`
    SELECT i."orderId", i."workflowId", i."input"
    FROM "OrderIntake" i
    WHERE ${Prisma.join(conditions, ' AND ')}
    ORDER BY i."receivedAt" DESC, i."orderId" DESC
    LIMIT ${q.limit + 1}`;
  return rows.flatMap((row) => {
    const parsed = OrderWorkflowInputSchema.safeParse(row.input);
    if (!parsed.success) return [];
    const { request, promisedBy, receivedAt } = parsed.data;
    return [
      {
        orderId: row.orderId,
        workflowId: row.workflowId,
        status: 'received' as const,
        customerId: request.customer.id,
        serviceLevel: request.serviceLevel,
        promisedBy,
        createdAt: new Date(receivedAt).toISOString(),
        openEscalations: 0,
        shipmentCount: 0,
      },
    ];
  });
}
