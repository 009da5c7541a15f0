import { createInventoryActivities } from '../activities/inventory';
import { ids } from '../domain/ids';
import type { BenchOptions } from './lib/cli';
import { fmt, fmtSpread, printTable, quantile, spread, writeResult } from './lib/report';
import { type Stack, withStack } from './lib/stack';

/**
 * Reservation under contention: many concurrent reserveStock calls, each order one or two lines
 * of a handful of hot SKUs, demand well above supply, every tenth call repeated at once (an
 * activity retried after a lost answer). Oversold = a level with reserved > on hand, an order
 * holding more than it ordered, or a level whose reserved differs from its held reservations or
 * from the ledger. Must be 0.
 */

const HOT = ['KETTLE-17L', 'LAMP-FLOOR-190', 'RUG-ROLL-120X170', 'VASE-GLASS-30', 'FRAME-OAK-30X40'];

interface RunFigures {
  calls: number;
  perSecond: number;
  p50: number;
  p99: number;
  ordersFullyReserved: number;
  ordersShort: number;
  oversold: number;
  failures: number;
}

export async function reservation(options: BenchOptions): Promise<void> {
  const runs = options.smoke ? 1 : Number(options.args.runs ?? 3);
  const orders = options.smoke ? 200 : Number(options.args.orders ?? 1000);
  const concurrency = Number(options.args.concurrency ?? 40);
  await withStack({ timeScale: 1, services: 'none' }, async (stack) => {
    await stack.db.customer.create({ data: { id: 'cust-bench', name: 'Bench' } });
    await stack.db.address.create({
      data: {
        id: 'addr-bench',
        customerId: 'cust-bench',
        name: 'Bench',
        line1: '1 rue de la Paix',
        city: 'Paris',
        postalCode: '75002',
        countryCode: 'FR',
      },
    });
    const supply = await stack.db.inventoryLevel.findMany({ where: { skuCode: { in: HOT } } });
    const figures: RunFigures[] = [];
    for (let r = 0; r < runs; r++) {
      const run = await oneRun(stack, `r${r}`, orders, concurrency);
      figures.push(run);
      process.stdout.write(
        `  run ${r + 1}: ${run.calls} calls in flight ${concurrency} at a time: ${fmt(run.perSecond)} reservations/s, p50 ${fmt(run.p50)} ms, p99 ${fmt(run.p99)} ms; ` +
          `${run.ordersFullyReserved} fully reserved, ${run.ordersShort} short; oversold ${run.oversold}; failures ${run.failures}\n`,
      );
    }
    printTable(
      `reservation under contention: ${orders} orders on ${HOT.length} hot SKUs (${supply.reduce((n, l) => n + l.onHand, 0)} units in ${supply.length} levels), ${concurrency} concurrent, pool 20; median (min–max) of ${runs}`,
      ['reservations/s', 'p50 ms', 'p99 ms', 'oversold', 'failed calls'],
      [
        [
          fmtSpread(spread(figures.map((f) => f.perSecond))),
          fmtSpread(spread(figures.map((f) => f.p50))),
          fmtSpread(spread(figures.map((f) => f.p99))),
          figures.reduce((n, f) => n + f.oversold, 0),
          figures.reduce((n, f) => n + f.failures, 0),
        ],
      ],
    );
    writeResult(`reservation${options.smoke ? '-smoke' : ''}`, { orders, concurrency, hotSkus: HOT, runs: figures });
  });
}

async function oneRun(stack: Stack, tag: string, count: number, concurrency: number): Promise<RunFigures> {
  const db = stack.db;
  const inventory = createInventoryActivities(db, { maxWaitMs: 120_000, transactionTimeoutMs: 120_000 });
  const orders = Array.from({ length: count }, (_, i) => {
    const orderId = `bench-res-${tag}-${i}`;
    const first = HOT[i % HOT.length]!;
    const second = HOT[(i * 7 + 3) % HOT.length]!;
    const lines =
      first === second || i % 2 === 0
        ? [{ sku: first, quantity: 1 + (i % 3) }]
        : [
            { sku: first, quantity: 1 + (i % 3) },
            { sku: second, quantity: 1 },
          ];
    return { orderId, lines };
  });
  await db.order.createMany({
    data: orders.map(({ orderId }) => ({
      id: orderId,
      idempotencyKey: `idem-${orderId}`,
      requestHash: `hash-${orderId}`,
      source: 'bench',
      customerId: 'cust-bench',
      shippingAddressId: 'addr-bench',
      serviceLevel: 'standard' as const,
      backorderPolicy: 'ship_available' as const,
      promisedBy: new Date('2030-01-10T18:00:00Z'),
      workflowId: ids.orderWorkflowId(orderId),
      currency: 'EUR',
    })),
  });
  await db.orderLine.createMany({
    data: orders.flatMap((o) =>
      o.lines.map((l, i) => ({ id: `${o.orderId}-L${i + 1}`, orderId: o.orderId, lineNo: i + 1, skuCode: l.sku, quantity: l.quantity })),
    ),
  });
  const calls = orders.flatMap((o, i) => (i % 10 === 0 ? [o.orderId, o.orderId] : [o.orderId]));
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls.length) {
        const orderId = calls[next++]!;
        const t = performance.now();
        try {
          await inventory.reserveStock({ orderId });
        } catch {
          failures += 1;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  const [check] = await db.$queryRaw<{ badLevels: number; heldMismatch: number; overHeld: number }[]>`
    WITH held AS (
      SELECT "warehouseCode", "skuCode", SUM("quantity")::int AS q FROM "Reservation" WHERE status = 'held' GROUP BY 1, 2
    ), per_order AS (
      SELECT r."orderId", r."skuCode", SUM(r."quantity")::int AS held, MAX(l."quantity") AS ordered
      FROM "Reservation" r JOIN "OrderLine" l ON l."orderId" = r."orderId" AND l."skuCode" = r."skuCode"
      WHERE r.status = 'held' GROUP BY 1, 2
    )
    SELECT
      (SELECT COUNT(*)::int FROM "InventoryLevel" WHERE "reserved" > "onHand" OR "reserved" < 0 OR "onHand" < 0) AS "badLevels",
      (SELECT COUNT(*)::int FROM "InventoryLevel" lv LEFT JOIN held h USING ("warehouseCode", "skuCode") WHERE lv."reserved" <> COALESCE(h.q, 0)) AS "heldMismatch",
      (SELECT COUNT(*)::int FROM per_order WHERE held > ordered) AS "overHeld"`;
  const ledger = await inventory.ledgerBalances();
  const oversold = (check?.badLevels ?? 1) + (check?.heldMismatch ?? 1) + (check?.overHeld ?? 1) + ledger.length;
  const heldByOrder = await db.reservation.groupBy({
    by: ['orderId'],
    where: { status: 'held', orderId: { in: orders.map((o) => o.orderId) } },
    _sum: { quantity: true },
  });
  const wanted = new Map(orders.map((o) => [o.orderId, o.lines.reduce((n, l) => n + l.quantity, 0)]));
  const full = heldByOrder.filter((h) => (h._sum.quantity ?? 0) === wanted.get(h.orderId)).length;

  // Give the stock back through the ledger, so the next run starts from the same supply.
  for (const { orderId } of orders) await inventory.releaseReservations({ orderId, reason: 'bench reset' });
  return {
    calls: calls.length,
    perSecond: calls.length / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    ordersFullyReserved: full,
    ordersShort: orders.length - full,
    oversold,
    failures,
  };
}
