import { DeliveryRounds } from '../activities/delivery-rounds';
import { PlanningFacts } from '../activities/planning-facts';
import { ScanRhythms } from '../activities/scan-rhythm';
import type { BenchOptions } from './lib/cli';
import { fmt, printTable, quantile, writeResult } from './lib/report';
import { withStack } from './lib/stack';

/**
 * What the carriers' learned habits cost to read at a shop's volume: every rate shop and every judged scan reads
 * them again once their few seconds of reuse are over, in every worker process. `shipments` parcels over the last
 * 30 days (default 60,000: 2,000 a day) across the three carriers, each with its scans (a label, four transit scans
 * at most, out for delivery, delivered; the latest days' still travelling), and 90 days of transit observations at
 * the same rate. Each learner is timed cold (a new instance per call, nothing reused): the scan rhythms
 * (activities/scan-rhythm.ts), the delivery rounds (activities/delivery-rounds.ts) and the network's transit
 * distributions with the parcels in flight (activities/planning-facts.ts).
 */
export async function habits(options: BenchOptions): Promise<void> {
  const shipments = options.smoke ? 3_000 : Number(options.args.shipments ?? 60_000);
  const calls = options.smoke ? 3 : Number(options.args.calls ?? 7);
  await withStack({ timeScale: 1, services: 'none' }, async (stack) => {
    const { db } = stack;
    const seeding = performance.now();
    await habitsSeed(db, shipments);
    await db.$executeRawUnsafe('ANALYZE');
    const scans = await db.trackingEvent.count();
    console.log(`seeded ${shipments} parcels, ${scans} scans in ${fmt((performance.now() - seeding) / 1000)} s`);

    const time = async (read: () => Promise<unknown>) => {
      const ms: number[] = [];
      for (let i = 0; i < calls; i++) {
        const start = performance.now();
        await read();
        ms.push(performance.now() - start);
      }
      return { p50Ms: quantile(ms, 0.5), maxMs: Math.max(...ms), calls };
    };
    const rhythms = await time(() => new ScanRhythms(db).of('swiftpost'));
    const rounds = await time(() => new DeliveryRounds(db).of('swiftpost'));
    const transit = await time(() => new PlanningFacts(db).networkFacts());
    const learned = { rhythm: await new ScanRhythms(db).of('swiftpost'), round: await new DeliveryRounds(db).of('swiftpost') };
    printTable(
      `learned habits over ${shipments} parcels of the last 30 days (${scans} scans), each read cold ${calls} times`,
      ['learner', 'p50 ms', 'max ms'],
      [
        ['scan rhythms (stall windows)', fmt(rhythms.p50Ms), fmt(rhythms.maxMs)],
        ['delivery rounds', fmt(rounds.p50Ms), fmt(rounds.maxMs)],
        ['transit distributions + in flight', fmt(transit.p50Ms), fmt(transit.maxMs)],
      ],
    );
    console.log(
      `learned for swiftpost: stall window ${learned.rhythm?.windowHours ?? '–'} h, round ${learned.round?.outByHoursBeforeClose ?? '–'} h before close`,
    );
    writeResult(`habits${options.smoke ? '-smoke' : ''}`, { shipments, scans, rhythms, rounds, transit });
  });
}

/**
 * Parcels handed over evenly over the last 30 days, delivered 1 to 3 days later between 09:00 and 17:00 UTC (none
 * after now: the latest are still travelling), with their scans; transit observations over 90 days.
 */
export async function habitsSeed(db: Parameters<Parameters<typeof withStack>[1]>[0]['db'], shipments: number): Promise<void> {
  await db.$executeRawUnsafe(`INSERT INTO "Customer" (id, name) VALUES ('cust-habits', 'Habits Bench')`);
  await db.$executeRawUnsafe(`
    INSERT INTO "Address" (id, "customerId", name, line1, city, "postalCode", "countryCode")
    SELECT 'addr-' || c, 'cust-habits', 'Habits Bench', '1 rue', 'X', '75001', c FROM unnest(ARRAY['FR','DE','ES','IT','BE','NL']) c`);
  await db.$executeRawUnsafe(`
    CREATE TEMP TABLE parcel AS
    SELECT i, 'HB-' || i AS id, (ARRAY['swiftpost','parcelnord','ecoroute'])[1 + i % 3] AS carrier,
           (ARRAY['sp_standard','pn_standard','er_standard'])[1 + i % 3] AS service,
           handover, date_trunc('day', handover) + (1 + i % 3) * interval '1 day' + interval '9 hours' + (i % 480) * interval '1 minute' AS delivered
    FROM (SELECT i, now() - interval '30 days' + (i * interval '30 days') / ${shipments} AS handover FROM generate_series(1, ${shipments}) i) g`);
  await db.$executeRawUnsafe(`
    INSERT INTO "Order" (id, "idempotencyKey", "requestHash", source, "customerId", "shippingAddressId", status, "serviceLevel",
                         "backorderPolicy", "promisedBy", "originalPromisedBy", promise, "workflowId", currency, "createdAt")
    SELECT id, id, 'h', 'api', 'cust-habits', 'addr-' || (ARRAY['FR','DE','ES','IT','BE','NL'])[1 + i % 6], 'fulfilling', 'standard',
           'backorder', delivered + interval '1 day', delivered + interval '1 day', '{}'::jsonb, 'order-' || id, 'EUR', handover - interval '20 hours'
    FROM parcel`);
  await db.$executeRawUnsafe(`
    INSERT INTO "Shipment" (id, "orderId", seq, "warehouseCode", "workflowId", status, "promisedBy", "carrierCode", "serviceCode",
                            "packagingCostCents", "shippingCostCents", "trackingNumber", "shippedAt", "deliveredAt")
    SELECT id || '-S1', id, 1, (ARRAY['PAR1','LYS1','HAM1','MAD1'])[1 + i % 4], 'shipment-' || id,
           CASE WHEN delivered <= now() THEN 'delivered' ELSE 'in_transit' END::"ShipmentStatus", delivered + interval '1 day',
           carrier, service, 120, 690, 'TN' || i, handover, CASE WHEN delivered <= now() THEN delivered END
    FROM parcel`);
  // A label, up to four transit scans six hours apart, out for delivery at 07:00 on the day, delivered: those past now.
  await db.$executeRawUnsafe(`
    INSERT INTO "TrackingEvent" (id, "shipmentId", "carrierCode", "carrierEventId", "trackingNumber", "carrierStatusCode", status, "occurredAt", source)
    SELECT p.id || ':' || s.n, p.id || '-S1', p.carrier, p.id || ':' || s.n, 'TN' || p.i, s.status::text, s.status, s.at, 'webhook'
    FROM parcel p CROSS JOIN LATERAL (VALUES
      (0, 'label_created'::"TrackingStatus", p.handover - interval '1 hour'),
      (1, 'in_transit', p.handover), (2, 'in_transit', p.handover + interval '6 hours'),
      (3, 'in_transit', p.handover + interval '12 hours'), (4, 'in_transit', p.handover + interval '18 hours'),
      (5, 'out_for_delivery', date_trunc('day', p.delivered) + interval '7 hours'), (6, 'delivered', p.delivered)
    ) AS s(n, status, at)
    WHERE s.at <= now() AND (s.n >= 5 OR s.at < date_trunc('day', p.delivered) + interval '7 hours')`);
  await db.$executeRawUnsafe(`
    INSERT INTO "TransitObservation" ("shipmentId", "carrierCode", "serviceCode", "originCountry", "destinationCountry", "quotedDays",
                                      "deliveryDays", "handoverDay", "deliveredAt", "createdAt")
    SELECT 'HBT-' || i, (ARRAY['swiftpost','parcelnord','ecoroute'])[1 + i % 3], (ARRAY['sp_standard','pn_standard','er_standard'])[1 + i % 3], 'FR',
           (ARRAY['FR','DE','ES','IT','BE','NL'])[1 + i % 6], 2, 1 + i % 3, (at - interval '2 days')::date, at, at
    FROM (SELECT i, now() - interval '90 days' + (i * interval '90 days') / (${shipments} * 3) AS at FROM generate_series(1, ${shipments} * 3) i) g`);
}
