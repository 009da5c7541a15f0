import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CarrierDecisionRequest, createCarrierDecisionActivities } from '../../activities/carrier-decision';
import type { Db } from '../../activities/db';
import { PlanningFacts } from '../../activities/planning-facts';
import { addDays } from '../../domain/local-time';
import { PROBATION_PARCELS } from '../../domain/transit';
import { PROMISE_RULES, promiseIn, rateQuote, todayInParis } from '../support/carrier-quotes';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * Carrier probation on real PostgreSQL (the seeded carriers' published profiles): a carrier none of whose
 * parcels Colis has seen arrive does not take a booking on a claim that only just reaches the on-time target once
 * another carrier has a record. An economy promise five working days out from Paris to Lyon: EcoRoute Standard
 * (4 days, 85 % claimed on its quote, 96.25 % with the day of slack) is the cheapest, ParcelNord Economy (4 days,
 * 93 % claimed, 98.25 %) 40 cents dearer, SwiftPost Standard (2 days) 4.40 EUR dearer.
 */
let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(() => database?.drop());

const request = (): CarrierDecisionRequest => ({
  shipmentId: 'S-PROBATION',
  quotes: [
    rateQuote('ecoroute', 'er_standard', 550, 4),
    rateQuote('parcelnord', 'pn_economy', 590, 4),
    rateQuote('swiftpost', 'sp_standard', 990, 2),
  ],
  promisedBy: promiseIn(5),
  originCountryCode: 'FR',
  destinationCountryCode: 'FR',
  reliability: { ecoroute: 0.85, parcelnord: 0.93, swiftpost: 0.97 },
});

// A fresh PlanningFacts per decision: its transit cache would otherwise hide the rows just written.
const decide = () =>
  createCarrierDecisionActivities({ db, facts: new PlanningFacts(db), settings: PROMISE_RULES }).chooseCarrierQuote(request());

let observed = 0;
async function deliveredOnTime(carrierCode: string, serviceCode: string, quotedDays: number, parcels: number): Promise<void> {
  const handoverDay = addDays(todayInParis(), -10);
  await db.transitObservation.createMany({
    data: Array.from({ length: parcels }, () => ({
      shipmentId: `S-SEEN-${++observed}`,
      carrierCode,
      serviceCode,
      originCountry: 'FR',
      destinationCountry: 'FR',
      quotedDays,
      deliveryDays: quotedDays,
      handoverDay: new Date(`${handoverDay}T00:00:00Z`),
      deliveredAt: new Date(),
    })),
  });
}

describe('carrier probation', () => {
  it('an unproven carrier loses the booking its claim barely wins once another carrier has a record, and wins it back with its own', async () => {
    // Nobody has a record: every claim as published, the cheapest that reaches 95 % books.
    expect(await decide()).toMatchObject({ kind: 'Chosen', promiseMiss: false, quote: { carrierCode: 'ecoroute' } });

    // SwiftPost has delivered: EcoRoute's claim counts its risk twice (92.5 %), ParcelNord's still reaches 95 % (96.5 %).
    await deliveredOnTime('swiftpost', 'sp_standard', 2, PROBATION_PARCELS);
    const onProbation = await decide();
    expect(onProbation).toMatchObject({ kind: 'Chosen', promiseMiss: false, quote: { carrierCode: 'parcelnord' } });
    if (onProbation.kind === 'Chosen') {
      expect(onProbation.riskPremiumCents).toBe(40);
      expect(onProbation.onTimeProbability).toBeCloseTo(0.965, 6);
    }

    // EcoRoute's own parcels delivered as quoted: its learned figures decide again.
    await deliveredOnTime('ecoroute', 'er_standard', 4, PROBATION_PARCELS);
    expect(await decide()).toMatchObject({ kind: 'Chosen', promiseMiss: false, quote: { carrierCode: 'ecoroute' } });
  });
});
