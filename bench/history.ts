import type { Db } from '../activities/db';
import { ScanRhythms } from '../activities/scan-rhythm';
import { OrderListQuerySchema } from '../domain/api';
import { listOrders } from '../api/services/order-list';
import { computeProcessChart } from '../api/services/process';
import { computeFulfilmentReport } from '../api/services/process-report';
import { habitsSeed } from './habits';
import type { BenchOptions } from './lib/cli';
import { fmt, printTable, quantile, writeResult } from './lib/report';
import { withStack } from './lib/stack';

/**
 * What ops' reads cost as a shop's history grows: a read of the last day or a page of orders should cost what that day
 * or page holds, not what every month before it does. A month at `shipments` parcels (default 60,000: 2,000 a day; the
 * parcels of bench/habits.ts, completed as orders with their labels, intakes, stage visits, escalations and stock
 * movements) is timed, then the same month is copied `months` times into the past (default 5: half a year) and timed
 * again. Each read is the API's own function, timed `calls` times; the median is printed.
 */
export async function history(options: BenchOptions): Promise<void> {
  const shipments = options.smoke ? 3_000 : Number(options.args.shipments ?? 60_000);
  const months = options.smoke ? 1 : Number(options.args.months ?? 5);
  const calls = options.smoke ? 3 : Number(options.args.calls ?? 5);
  await withStack({ timeScale: 1, services: 'none' }, async ({ db }) => {
    const seeding = performance.now();
    await habitsSeed(db, shipments);
    await seedOpsHistory(db);
    await db.$executeRawUnsafe('VACUUM ANALYZE');
    console.log(`seeded a month of ${shipments} parcels in ${fmt((performance.now() - seeding) / 1000)} s`);
    const oneMonth = await timeReads(db, calls);
    const copying = performance.now();
    for (let month = 1; month <= months; month++) await copyMonthBack(db, month);
    await db.$executeRawUnsafe('VACUUM ANALYZE');
    console.log(`copied ${months} older month(s) in ${fmt((performance.now() - copying) / 1000)} s`);
    const withHistory = await timeReads(db, calls);
    const orders = await db.order.count();
    printTable(
      `ops reads over 1 month, then ${months + 1} months of history (${orders} orders), median of ${calls} calls`,
      ['read', '1 month ms', `${months + 1} months ms`],
      Object.keys(oneMonth).map((read) => [read, fmt(oneMonth[read] ?? Number.NaN), fmt(withHistory[read] ?? Number.NaN)]),
    );
    writeResult(`history${options.smoke ? '-smoke' : ''}`, { shipments, months: months + 1, orders, calls, oneMonth, withHistory });
  });
}

async function timeReads(db: Db, calls: number): Promise<Record<string, number>> {
  const now = new Date();
  const day = { from: new Date(now.getTime() - 86_400_000), to: now, label: 'last day' };
  const week = { from: new Date(now.getTime() - 7 * 86_400_000), to: now, label: 'last week' };
  const page = OrderListQuerySchema.parse({ limit: '50' });
  const reads: Record<string, () => Promise<unknown>> = {
    'process chart, last day (/ops polls it)': () => computeProcessChart(db, day, 1, now),
    'process chart, last week': () => computeProcessChart(db, week, 1, now),
    'fulfilment report, last day': () => computeFulfilmentReport(db, day.from, day.to, 1),
    'GET /orders, ops key': () => listOrders(db, { name: 'ops', role: 'ops' }, page),
    "GET /orders, a shop's key": () => listOrders(db, { name: 'shop-h', role: 'intake' }, page),
    'scan rhythms (each rate shop)': () => new ScanRhythms(db).of('swiftpost'),
  };
  const medians: Record<string, number> = {};
  for (const [name, read] of Object.entries(reads)) {
    const ms: number[] = [];
    for (let i = 0; i < calls; i++) {
      const start = performance.now();
      await read();
      ms.push(performance.now() - start);
    }
    medians[name] = quantile(ms, 0.5);
  }
  return medians;
}

/** The parcels' orders completed by their shop, with what their journey wrote besides scans. */
async function seedOpsHistory(db: Db): Promise<void> {
  const run = (sql: string) => db.$executeRawUnsafe(sql);
  await run(`UPDATE "Order" o SET status = 'completed', "completedAt" = s."deliveredAt", "packagingCostCents" = 120, "shippingCostCents" = 690
             FROM "Shipment" s WHERE s."orderId" = o.id AND s."deliveredAt" IS NOT NULL`);
  await run(`UPDATE "Order" SET "idempotencyKey" = 'shop-h:' || id, "shopId" = 'shop-h', "updatedAt" = "createdAt"`);
  await run(`UPDATE "Shipment" SET "pickedAt" = "shippedAt" - interval '3 hours', "packedAt" = "shippedAt" - interval '2 hours',
             "updatedAt" = coalesce("deliveredAt", "shippedAt")`);
  await run(`INSERT INTO "Label" (id, "shipmentId", attempt, "carrierCode", "serviceCode", "carrierLabelId", "trackingNumber", "idempotencyKey",
                                 "amountCents", currency, "costCents", status, "purchasedAt")
             SELECT s.id || '-1', s.id, 1, s."carrierCode", s."serviceCode", 'cl-' || s.id, s."trackingNumber", 'lk-' || s.id, 690, 'EUR', 690,
                    'purchased', s."shippedAt" - interval '1 hour'
             FROM "Shipment" s`);
  // Every intake recorded (its Order row written), as a running shop's are but for the last seconds'.
  await run(`INSERT INTO "OrderIntake" ("orderId", "workflowId", "idempotencyKey", "requestHash", "submittedBy", input, "receivedAt", "startedAt", "recordedAt")
             SELECT id, "workflowId", "idempotencyKey", 'h', 'shop-h', '{}'::jsonb, "createdAt", "createdAt" + interval '50 ms', "createdAt" + interval '1 second'
             FROM "Order"`);
  // Stage visits: the order's intake and reservation, then each of its shipment's stages up to where it is.
  await run(`INSERT INTO "StageTiming" (id, "orderId", "shipmentId", stage, "startedAt", "endedAt", outcome, "dedupeKey")
             SELECT s.id || ':' || v.stage, s."orderId", CASE WHEN v.ord THEN NULL ELSE s.id END, v.stage, v.a, CASE WHEN v.b <= now() THEN v.b END,
                    CASE WHEN v.b <= now() THEN 'ok'::"StageOutcome" END, s.id || ':' || v.stage
             FROM "Shipment" s JOIN "Order" o ON o.id = s."orderId"
             CROSS JOIN LATERAL (VALUES
               ('intake', true, o."createdAt", o."createdAt" + interval '1 second'),
               ('reserving', true, o."createdAt" + interval '1 second', o."createdAt" + interval '2 seconds'),
               ('waiting_for_pick_slot', false, o."createdAt" + interval '2 seconds', s."pickedAt"),
               ('picking', false, s."pickedAt", s."packedAt" - interval '10 minutes'),
               ('packing', false, s."packedAt" - interval '10 minutes', s."packedAt"),
               ('label_created', false, s."packedAt", s."shippedAt"),
               ('in_transit', false, s."shippedAt", coalesce(s."deliveredAt", now() + interval '1 day') - interval '3 hours'),
               ('out_for_delivery', false, coalesce(s."deliveredAt", now() + interval '1 day') - interval '3 hours', s."deliveredAt")
             ) v(stage, ord, a, b) WHERE v.a <= now()`);
  // 3 % of shipments escalated, resolved within a day but for the last two days'.
  await run(`INSERT INTO "Escalation" (id, "orderId", "shipmentId", reason, severity, status, detail, "dedupeKey", "openedAt", "resolvedAt")
             SELECT 'esc-' || s.id, s."orderId", s.id, 'stuck', 'medium',
                    CASE WHEN s."shippedAt" > now() - interval '2 days' THEN 'open' ELSE 'resolved' END::"EscalationStatus", 'no scan',
                    s.id || ':stuck:1', s."shippedAt" + interval '30 hours',
                    CASE WHEN s."shippedAt" > now() - interval '2 days' THEN NULL ELSE s."shippedAt" + interval '40 hours' END
             FROM "Shipment" s WHERE abs(hashtext(s.id)) % 100 < 3`);
}

/** The seeded month again, `month` months earlier: finished orders, as a shop's past is. */
async function copyMonthBack(db: Db, month: number): Promise<void> {
  const back = `interval '${30 * month} days'`;
  const tag = `'-m${month}'`;
  const run = (sql: string) => db.$executeRawUnsafe(sql);
  await run(`INSERT INTO "Order" (id, "idempotencyKey", "requestHash", source, "customerId", "shippingAddressId", status, "serviceLevel",
                                 "backorderPolicy", "promisedBy", "originalPromisedBy", promise, "workflowId", currency, "createdAt", "updatedAt",
                                 "completedAt", "shopId", "packagingCostCents", "shippingCostCents")
             SELECT id || ${tag}, "idempotencyKey" || ${tag}, "requestHash", source, "customerId", "shippingAddressId", 'completed', "serviceLevel",
                    "backorderPolicy", "promisedBy" - ${back}, "originalPromisedBy" - ${back}, promise, "workflowId" || ${tag}, currency,
                    "createdAt" - ${back}, "updatedAt" - ${back}, coalesce("completedAt", "promisedBy") - ${back}, "shopId", 120, 690
             FROM "Order" WHERE id LIKE 'HB-%' AND id NOT LIKE '%-m%'`);
  await run(`INSERT INTO "Shipment" (id, "orderId", seq, "warehouseCode", "workflowId", status, "promisedBy", "carrierCode", "serviceCode",
                                    "packagingCostCents", "shippingCostCents", "trackingNumber", "pickedAt", "packedAt", "shippedAt", "deliveredAt",
                                    "createdAt", "updatedAt")
             SELECT id || ${tag}, "orderId" || ${tag}, seq, "warehouseCode", "workflowId" || ${tag}, 'delivered', "promisedBy" - ${back}, "carrierCode",
                    "serviceCode", 120, 690, "trackingNumber" || ${tag}, "pickedAt" - ${back}, "packedAt" - ${back}, "shippedAt" - ${back},
                    coalesce("deliveredAt", "promisedBy") - ${back}, "createdAt" - ${back}, "updatedAt" - ${back}
             FROM "Shipment" WHERE id NOT LIKE '%-m%'`);
  await run(`INSERT INTO "Label" (id, "shipmentId", attempt, "carrierCode", "serviceCode", "carrierLabelId", "trackingNumber", "idempotencyKey",
                                 "amountCents", currency, "costCents", status, "purchasedAt")
             SELECT id || ${tag}, "shipmentId" || ${tag}, attempt, "carrierCode", "serviceCode", "carrierLabelId" || ${tag}, "trackingNumber" || ${tag},
                    "idempotencyKey" || ${tag}, 690, 'EUR', 690, 'purchased', "purchasedAt" - ${back}
             FROM "Label" WHERE id NOT LIKE '%-m%'`);
  await run(`INSERT INTO "OrderIntake" ("orderId", "workflowId", "idempotencyKey", "requestHash", "submittedBy", input, "receivedAt", "startedAt", "recordedAt")
             SELECT "orderId" || ${tag}, "workflowId" || ${tag}, "idempotencyKey" || ${tag}, "requestHash", "submittedBy", input,
                    "receivedAt" - ${back}, "startedAt" - ${back}, "recordedAt" - ${back}
             FROM "OrderIntake" WHERE "orderId" NOT LIKE '%-m%'`);
  await run(`INSERT INTO "StageTiming" (id, "orderId", "shipmentId", stage, "startedAt", "endedAt", outcome, "dedupeKey")
             SELECT id || ${tag}, "orderId" || ${tag}, "shipmentId" || ${tag}, stage, "startedAt" - ${back},
                    coalesce("endedAt", "startedAt" + interval '1 day') - ${back}, 'ok', "dedupeKey" || ${tag}
             FROM "StageTiming" WHERE id NOT LIKE '%-m%'`);
  await run(`INSERT INTO "Escalation" (id, "orderId", "shipmentId", reason, severity, status, detail, "dedupeKey", "openedAt", "resolvedAt")
             SELECT id || ${tag}, "orderId" || ${tag}, "shipmentId" || ${tag}, reason, severity, 'resolved', detail, "dedupeKey" || ${tag},
                    "openedAt" - ${back}, "openedAt" - ${back} + interval '10 hours'
             FROM "Escalation" WHERE id NOT LIKE '%-m%'`);
}
