import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CarrierDecisionRequest, createCarrierDecisionActivities } from '../../activities/carrier-decision';
import type { Db } from '../../activities/db';
import { PlanningFacts } from '../../activities/planning-facts';
import { addWorkingDays } from '../../domain/calendar';
import type { RateQuote } from '../../domain/carrier';
import type { DecisionSettings } from '../../domain/decision-rules';
import { endOfDeliveryDayMs } from '../../domain/fulfilment-plan';
import { addDays, localDay } from '../../domain/local-time';
import { PROBATION_PARCELS } from '../../domain/transit';
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

const RULES: DecisionSettings = { rules: 'promise', promiseConfidence: 0.95, onTimeTarget: 0.95 };
const FRANCE = { countryCode: 'FR' };
const today = () => localDay(Date.now(), 'Europe/Paris');

function promiseIn(workingDays: number): string {
  const day = addWorkingDays(FRANCE, today(), workingDays);
  return new Date(endOfDeliveryDayMs({ countryCode: 'FR', postalCode: '69002' }, day)).toISOString();
}

const quote = (carrierCode: string, serviceCode: string, amountCents: number, deliveryDays: number): RateQuote => ({
  carrierCode,
  serviceCode,
  serviceLevel: serviceCode.endsWith('economy') ? 'economy' : 'standard',
  amountCents,
  currency: 'EUR',
  deliveryDays,
  estimatedDeliveryAt: promiseIn(deliveryDays),
  guaranteed: false,
});

const request = (): CarrierDecisionRequest => ({
  shipmentId: 'S-PROBATION',
  quotes: [quote('ecoroute', 'er_standard', 550, 4), quote('parcelnord', 'pn_economy', 590, 4), quote('swiftpost', 'sp_standard', 990, 2)],
  promisedBy: promiseIn(5),
  originCountryCode: 'FR',
  destinationCountryCode: 'FR',
  reliability: { ecoroute: 0.85, parcelnord: 0.93, swiftpost: 0.97 },
});

// A fresh PlanningFacts per decision: its transit cache would otherwise hide the rows just written.
const decide = () => createCarrierDecisionActivities({ db, facts: new PlanningFacts(db), settings: RULES }).chooseCarrierQuote(request());

let observed = 0;
async function deliveredOnTime(carrierCode: string, serviceCode: string, quotedDays: number, parcels: number): Promise<void> {
  const handoverDay = addDays(today(), -10);
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
