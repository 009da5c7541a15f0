import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CarrierDecisionRequest, createCarrierDecisionActivities } from '../../activities/carrier-decision';
import type { Db } from '../../activities/db';
import { PlanningFacts } from '../../activities/planning-facts';
import { workingDaysBetween } from '../../domain/calendar';
import { addDays, localTimeMs } from '../../domain/local-time';
import { FRANCE, PROMISE_RULES, promiseIn, rateQuote, todayInParis } from '../support/carrier-quotes';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createCustomer, insertOrder } from '../support/orders-in-db';

/**
 * The transit model learns from parcels still on the road, on real PostgreSQL: a carrier's parcels that have
 * passed their quoted day undelivered tell that they are late before any of them arrives, so the carrier loses
 * the bookings that need the date a day earlier than its delivered parcels alone would tell. EcoRoute Standard
 * quotes 4 working days and publishes 85 % on time: with a day of slack it keeps a 95 % target (96 %).
 */
let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await createCustomer(db, { customerId: 'cust-flight', addressId: 'addr-flight', name: 'In Flight' });
  await insertOrder(db, {
    orderId: 'ORD-FLIGHT',
    customerId: 'cust-flight',
    addressId: 'addr-flight',
    skuCode: 'MUG-CER-350',
    quantity: 1,
  });
});
afterAll(() => database?.drop());

/** A promise five working days out from Paris to Lyon: EcoRoute's quote and a day of slack. */
const request = (): CarrierDecisionRequest => ({
  shipmentId: 'S-FLIGHT',
  quotes: [rateQuote('ecoroute', 'er_standard', 550, 4), rateQuote('swiftpost', 'sp_standard', 990, 2)],
  promisedBy: promiseIn(5),
  originCountryCode: 'FR',
  destinationCountryCode: 'FR',
  reliability: { ecoroute: 0.85, swiftpost: 0.97 },
});

const decide = () =>
  createCarrierDecisionActivities({ db, facts: new PlanningFacts(db), settings: PROMISE_RULES }).chooseCarrierQuote(request());

/** 10:00 in Paris on the latest day with `workingDays` working days after it that are over (yesterday the last). */
function handedOverWorkingDaysAgo(workingDays: number): Date {
  const yesterday = addDays(todayInParis(), -1);
  let day = yesterday;
  while (workingDaysBetween(FRANCE, day, yesterday) < workingDays) day = addDays(day, -1);
  return new Date(localTimeMs(day, 10 * 60, 'Europe/Paris'));
}

async function parcels(status: 'in_transit' | 'lost' | 'delivered', count: number, shippedAt: Date): Promise<void> {
  const first = (await db.shipment.count({ where: { orderId: 'ORD-FLIGHT' } })) + 1;
  await db.shipment.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      id: `ORD-FLIGHT-S${first + i}`,
      orderId: 'ORD-FLIGHT',
      seq: first + i,
      warehouseCode: 'PAR1',
      workflowId: `shipment-ORD-FLIGHT-S${first + i}`,
      promisedBy: new Date(),
      status,
      carrierCode: 'ecoroute',
      serviceCode: 'er_standard',
      shippedAt,
      ...(status === 'delivered' ? { deliveredAt: new Date() } : {}),
    })),
  });
}

describe('transit learned from parcels still travelling', () => {
  it('a carrier whose parcels are past their quoted day undelivered loses the booking that needs the date, before any arrives', async () => {
    expect(await decide()).toMatchObject({ kind: 'Chosen', promiseMiss: false, quote: { carrierCode: 'ecoroute' } });

    // Travelling within their quote, lost (a stall is a re-ship's business, not transit), or delivered without an
    // observation: none of them says the carrier is late.
    await parcels('in_transit', 10, handedOverWorkingDaysAgo(3));
    await parcels('lost', 10, handedOverWorkingDaysAgo(6));
    await parcels('delivered', 10, handedOverWorkingDaysAgo(6));
    expect(await decide()).toMatchObject({ kind: 'Chosen', promiseMiss: false, quote: { carrierCode: 'ecoroute' } });

    // Ten parcels five working days on the road, a day past their quote of four: the booking goes to SwiftPost.
    await parcels('in_transit', 10, handedOverWorkingDaysAgo(5));
    const decision = await decide();
    expect(decision).toMatchObject({ kind: 'Chosen', promiseMiss: false, quote: { carrierCode: 'swiftpost' } });
    if (decision.kind === 'Chosen') expect(decision.riskPremiumCents).toBe(440);
  });
});
