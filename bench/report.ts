import { computeFulfilmentReport } from '../api/services/process-report';
import { computeProcessChart } from '../api/services/process';
import { computePromiseKeeping } from '../api/services/promise-keeping';
import type { BenchOptions } from './lib/cli';
import { fmt, printTable, quantile, writeResult } from './lib/report';
import { withStack } from './lib/stack';

/**
 * How long the fulfilment report and the process chart take over a week of delivered orders, now that both
 * compute promise keeping (on-time against intake, tightness, breakdowns, late orders' slack) on every call:
 * `orders` delivered orders with one shipment each, their stage visits, a tenth of them late (their slack is
 * judged row by row), hindsight for half. Timed cold (first call) and warm (median of the following calls).
 */
export async function report(options: BenchOptions): Promise<void> {
  const orders = options.smoke ? 5_000 : Number(options.args.orders ?? 50_000);
  const calls = options.smoke ? 3 : Number(options.args.calls ?? 7);
  await withStack({ timeScale: 1, services: 'none' }, async (stack) => {
    const { db } = stack;
    const t0 = Date.parse('2031-06-01T00:00:00Z');
    const from = new Date(t0);
    const to = new Date(t0 + 7 * 86_400_000);
    const seeding = performance.now();
    await db.$executeRawUnsafe(`INSERT INTO "Customer" (id, name) VALUES ('cust-report', 'Report Bench')`);
    await db.$executeRawUnsafe(`
      INSERT INTO "Address" (id, "customerId", name, line1, city, "postalCode", "countryCode")
      SELECT 'addr-' || c, 'cust-report', 'Report Bench', '1 rue', 'X', '75001', c FROM unnest(ARRAY['FR','DE','ES','IT','BE','NL']) c`);
    // Placed over the week; promised 48 h later (shipBy 20 h); every tenth delivered 20 h after its promise.
    await db.$executeRawUnsafe(`
      INSERT INTO "Order" (id, "idempotencyKey", "requestHash", source, "customerId", "shippingAddressId", status, "serviceLevel",
                           "backorderPolicy", "promisedBy", "originalPromisedBy", promise, "workflowId", currency, "createdAt")
      SELECT 'RB-' || i, 'RB-' || i, 'h', 'api', 'cust-report', 'addr-' || (ARRAY['FR','DE','ES','IT','BE','NL'])[1 + i % 6], 'completed', 'standard',
             'backorder', placed + interval '48 hours', placed + interval '48 hours',
             jsonb_build_object('shipBy', to_char(placed + interval '20 hours', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               'shipments', jsonb_build_array(jsonb_build_object('warehouseCode', (ARRAY['PAR1','LYS1','HAM1','MAD1'])[1 + i % 4],
               'shipBy', to_char(placed + interval '20 hours', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))),
             'order-RB-' || i, 'EUR', placed
      FROM (SELECT i, timestamptz '2031-05-30T00:00:00Z' + (i * interval '7 days') / ${orders} AS placed FROM generate_series(1, ${orders}) i) g`);
    await db.$executeRawUnsafe(`
      INSERT INTO "Shipment" (id, "orderId", seq, "warehouseCode", "workflowId", status, "promisedBy", "carrierCode", "serviceCode",
                              "packagingCostCents", "shippingCostCents", "shippedAt", "deliveredAt")
      SELECT o.id || '-S1', o.id, 1, (ARRAY['PAR1','LYS1','HAM1','MAD1'])[1 + n % 4], 'shipment-' || o.id, 'delivered', o."promisedBy",
             (ARRAY['swiftpost','ecoroute','parcelnord'])[1 + n % 3], (ARRAY['standard','express'])[1 + n % 2], 120, 690 + n % 500,
             o."createdAt" + interval '21 hours',
             o."createdAt" + CASE WHEN n % 10 = 0 THEN interval '68 hours' ELSE interval '40 hours' END
      FROM (SELECT id, "promisedBy", "createdAt", substr(id, 4)::int AS n FROM "Order" WHERE id LIKE 'RB-%') o`);
    await db.$executeRawUnsafe(`
      INSERT INTO "StageTiming" (id, "orderId", "shipmentId", stage, "startedAt", "endedAt", outcome, "dedupeKey")
      SELECT s.id || ':' || v.stage, s."orderId", s.id, v.stage, o."createdAt" + v.starts, o."createdAt" + v.ends, 'ok', s.id || ':' || v.stage
      FROM "Shipment" s JOIN "Order" o ON o.id = s."orderId"
      CROSS JOIN (VALUES ('picking', interval '18 hours', interval '19 hours'), ('label_created', interval '19.5 hours', interval '21 hours'))
        AS v(stage, starts, ends)
      WHERE o.id LIKE 'RB-%'`);
    await db.$executeRawUnsafe(`
      INSERT INTO "OrderHindsight" ("orderId", "costCents", "metPromise", "earliestDeliveryAt")
      SELECT id, 780, true, "createdAt" + interval '30 hours' FROM "Order" WHERE id LIKE 'RB-%' AND substr(id, 4)::int % 2 = 0`);
    await db.$executeRawUnsafe('ANALYZE');
    console.log(`seeded ${orders} delivered orders in ${fmt((performance.now() - seeding) / 1000)} s`);

    const time = async (run: () => Promise<unknown>) => {
      const ms: number[] = [];
      for (let i = 0; i < calls; i++) {
        const start = performance.now();
        await run();
        ms.push(performance.now() - start);
      }
      return { coldMs: ms[0] ?? Number.NaN, warmP50Ms: quantile(ms.slice(1), 0.5), calls };
    };
    const reportFigures = await time(() => computeFulfilmentReport(db, from, to, 1));
    const chartFigures = await time(() => computeProcessChart(db, { from, to, label: 'bench' }, 1, to));
    const promiseFigures = await time(() => computePromiseKeeping(db, from, to, 1));
    const sample = await computeFulfilmentReport(db, from, to, 1);
    printTable(
      `report and chart over a week of ${orders} delivered orders (${sample.promise.late.orders} late)`,
      ['view', 'cold ms', 'warm p50 ms'],
      [
        ['/reports/fulfilment', fmt(reportFigures.coldMs), fmt(reportFigures.warmP50Ms)],
        ['/process', fmt(chartFigures.coldMs), fmt(chartFigures.warmP50Ms)],
        ['promise keeping alone (in both)', fmt(promiseFigures.coldMs), fmt(promiseFigures.warmP50Ms)],
      ],
    );
    writeResult(`report${options.smoke ? '-smoke' : ''}`, {
      orders,
      late: sample.promise.late.orders,
      report: reportFigures,
      chart: chartFigures,
      promiseKeeping: promiseFigures,
    });
  });
}
